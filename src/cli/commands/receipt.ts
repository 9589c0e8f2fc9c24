import type { ElectionDefinition } from '../../election/definition.js';
import { readElectionFiles } from '../../platform/election-dir.js';
import { checkSavedReceipt } from '../receipt-file.js';
import { parse, UsageError } from '../usage.js';

const HELP = `
kura receipt verify FILE (--election DIR | --log-key VKEY --origin ORIGIN)

Checks a receipt offline: the log's signature on its checkpoint (against the
pinned log key), and the inclusion proof of the entry it carries. Prints the
entry. Exit code 0 if it verifies, 1 if not.

  --election DIR    an election directory: its log key and origin
  --log-key VKEY    the log's verifier key (its text, as kura keygen prints it)
  --origin ORIGIN   the log's origin line`;

export async function runReceipt(args: string[]): Promise<number> {
  const a = parse(
    args,
    { election: { type: 'string' }, 'log-key': { type: 'string' }, origin: { type: 'string' } },
    HELP,
  );
  if (!a) return 0;
  const [verb, file] = a.positionals;
  if (verb !== 'verify' || !file) throw new UsageError('say verify FILE', true);
  let vkey = a.values['log-key'];
  let origin = a.values.origin;
  if (a.values.election) {
    const def = JSON.parse(
      new TextDecoder().decode(readElectionFiles(a.values.election).definitionBytes),
    ) as ElectionDefinition;
    vkey ??= def.logKey;
    origin ??= def.logOrigin;
  }
  if (!vkey || !origin) throw new UsageError('give --election DIR, or --log-key and --origin');
  const checked = checkSavedReceipt(file, vkey.trim(), origin);
  if (!checked.ok) {
    process.stderr.write(`${file}: DOES NOT VERIFY: ${checked.error}\n`);
    return 1;
  }
  process.stdout.write(
    `${file}: verified: entry ${checked.value.index} is in the log's signed tree of size ${checked.value.treeSize}\n${JSON.stringify(checked.value.entry, null, 2)}\n`,
  );
  return 0;
}
