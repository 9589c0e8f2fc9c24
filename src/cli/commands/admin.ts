import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { totp } from '../../accounts/totp.js';
import { ROLES, type Role } from '../../election/official-entry.js';
import { CheckpointSigner } from '../../log/checkpoint-signer.js';
import { readKeyFile, signerSeed } from '../../platform/election-dir.js';
import { ApiError } from '../../server/errors.js';
import { lineServerReporter } from '../../server/events.js';
import { OfficialsService } from '../../server/officials-service.js';
import { SequencerError } from '../../server/sequencer-error.js';
import { openLogWriter } from '../../server/start.js';
import { openStore } from '../../store/open.js';
import { describeHolder, LeaseHeldError } from '../../store/writer-lease.js';
import { requireStoreDir } from '../store-dir.js';
import { parse, requireOption, UsageError } from '../usage.js';

const HELP = `
kura admin totp SECRET      (prints the current code, as an authenticator app would)
kura admin create --election DIR (--data DIR | --db postgres://...) --account ID
                  --password-file FILE [--role ROLE] [--scope UNIT]
                  [--commission-key FILE] [--log-key FILE]

Creates an account from the server console: on the server machine, with the
server stopped (refused while a kura serve holds the database's writer lease), by whoever holds the commission key (kura has no default
credentials). ROLE is commission-admin (the default), returning-officer (with
--scope, a county or constituency code), observer, or audit-board (a member
of a risk-limiting audit's board: nation-wide, or --scope a county). The account's creation is
appended to the log as an official entry by the console (account ""), signed
with the commission key (default DIR/commission.key); the password is read
from FILE ("-" for standard input; at least 12 characters) and only its scrypt
hash is stored. An administrator's TOTP secret is printed once: put it in an
authenticator app; every administrator login needs a code from it.

Run it once per founding administrator: the two-person rule needs at least two
(FORMATS.md §14.2). Over the API an administrator creates observers alone; a
returning officer or administrator is proposed by one administrator, approved
by another, and activated by its holder with both halves of its code (so is
an audit board member).

  --election DIR        the election directory (kura election)
  --data DIR            the server's embedded store (default ./kura-data); a
                        DIR holding no store is refused, never created
  --db URL              the server's PostgreSQL store (postgres://...)
  --account ID          the new account's id
  --password-file FILE  its password, from FILE ("-": standard input)
  --role ROLE           commission-admin (default), returning-officer, observer
                        or audit-board
  --scope UNIT          a returning officer's county or constituency code (an
                        audit board member's county)
  --commission-key FILE the commission's signer key (default DIR/commission.key)
  --log-key FILE        the log's signer key (default DIR/log.key)`;

export async function runAdmin(args: string[]): Promise<number> {
  const a = parse(
    args,
    {
      election: { type: 'string' },
      data: { type: 'string' },
      db: { type: 'string' },
      account: { type: 'string' },
      role: { type: 'string' },
      scope: { type: 'string' },
      'password-file': { type: 'string' },
      'commission-key': { type: 'string' },
      'log-key': { type: 'string' },
    },
    HELP,
  );
  if (!a) return 0;
  if (a.positionals[0] === 'totp') {
    // For demonstrations and tests; an administrator normally reads the code off an authenticator app.
    const secret = requireOption(a.positionals[1], 'secret (kura admin totp SECRET)');
    process.stdout.write(`${totp(secret, Date.now())}\n`);
    return 0;
  }
  if (a.positionals[0] !== 'create') throw new UsageError(`kura admin: say "create"\n${HELP}`);
  const dir = requireOption(a.values.election, 'election');
  const account = requireOption(a.values.account, 'account');
  const pwFile = requireOption(a.values['password-file'], 'password-file');
  const role = a.values.role ?? 'commission-admin';
  if (!(ROLES as readonly string[]).includes(role))
    throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  if (a.values.data && a.values.db) throw new UsageError('give --data or --db, not both');
  const password = readFileSync(pwFile === '-' ? 0 : pwFile, 'utf8').replace(/\r?\n$/, '');
  const commissionSeed = signerSeed(
    readKeyFile(a.values['commission-key'] ?? join(dir, 'commission.key')),
  );
  const signer = new CheckpointSigner(readKeyFile(a.values['log-key'] ?? join(dir, 'log.key')));
  const log = lineServerReporter((m) => process.stderr.write(`${m}\n`));
  if (!a.values.db) requireStoreDir(a.values.data ?? './kura-data');
  const store = await openStore(
    a.values.db ? { url: a.values.db, log } : { dataDir: a.values.data ?? './kura-data', log },
  );
  try {
    if ((await store.treeSize()) === 0)
      throw new UsageError('the store holds no election yet: start kura serve on it once first');
    // The server's own start-up: the writer lease (refused while a server
    // holds it), the start-up check, and the sequencer resumed from the log.
    const writer = await openLogWriter({
      store,
      signer,
      log,
      lease: 'refuse',
      holder: describeHolder('kura admin create'),
    });
    try {
      const { definition } = writer.election;
      const service = new OfficialsService({
        sequencer: writer.sequencer,
        accounts: store.accounts,
        commissionSeed,
        electionId: definition.electionId,
      });
      const made = await service.createAccount(null, {
        account,
        role: role as Role,
        scope: a.values.scope ?? '',
        password,
      });
      process.stdout.write(
        `kura: ${role} ${account} created (log entry ${made.receipt.index})\n` +
          (made.totpSecret
            ? `  TOTP secret ${made.totpSecret}\n  ${made.totpUri}\n` +
              '  (shown once: add it to an authenticator app now)\n'
            : ''),
      );
    } finally {
      await writer.close();
    }
  } catch (e) {
    if (e instanceof ApiError || e instanceof SequencerError || e instanceof LeaseHeldError)
      throw new UsageError(`cannot create ${account}: ${e.message}`);
    throw e;
  } finally {
    await store.close();
  }
  return 0;
}
