import { existsSync, readFileSync } from 'node:fs';
import { parseInlinePolicy, parsePolicyFile, type WitnessPolicy } from '../../log/tlog-policy.js';
import { EXIT, formatReport } from '../../verify/report.js';
import { VerifyUsageError, verifyServer } from '../../verify/verify.js';
import { parse, UsageError } from '../usage.js';

const HELP = `
kura verify <server-url> [--state DIR] [--log-key VKEY | --election DIR] [--commission-key VKEY]
            [--witness-policy FILE|"K of VKEY,..."] [--forms] [--all-views] [--fold-all] [--page-sample N] [--stations-sample N] [--concurrency N] [--threads N] [--json] [--quiet]

Audits a kura server from the outside: pins the log key, checks the signed
checkpoint (and that it is consistent with the one an earlier run verified,
and never smaller: a fork or a rollback is proved with both checkpoints,
printed and saved in the state directory), mirrors the whole log through its
tiles into the state directory, checks that the entries reproduce the signed
root and the served hash tiles (a later run fetches everything again and
names any entry or tile that no longer hashes to what it verified before),
checks every entry's signature and rules on every core, recomputes every
tally, and compares them with every tally and station page the server
publishes: in bulk (GET /api/v1/station-pages, /api/v1/tallies/<contest>),
and a random sample of their own URLs, which must say the same.

  --state DIR           where the verified checkpoint, the mirror and any
                        evidence (evidence/<time>-fork|rollback) are kept
                        (default ./kura-verify/<log origin>)
  --log-key VKEY        the log's verifier key, pinned
  --election DIR        an election directory: its log.vkey, commission.vkey,
                        entry0.json and definition.json are pinned
  --commission-key VKEY the commission's verifier key (entry 0 must be signed by it)
  --witness-policy P    require witness cosignatures on the checkpoint: a
                        c2sp.org/tlog-policy file (witness/group/quorum lines),
                        or inline "2 of VKEY1,VKEY2,VKEY3" (cosignature/v1 keys);
                        a checkpoint short of it is untrustworthy (exit 2)
  --forms               download every scanned form the server lists (GET
                        /api/v1/forms) and check its SHA-256; a cited form it
                        does not list is missing (a warning)
  --all-views           read every station page again; by default a run with
                        the state of an earlier one reads, of the station
                        pages it found equal to the log, only those whose
                        facts in the log changed since (and the random sample)
  --fold-all            fold every entry again; by default a run with the
                        state of an earlier one continues the fold that run
                        kept (fold.bin) and folds only the new entries
  --page-sample N       station pages and tally URLs read one by one beside
                        the bulk listings, each (default 200)
  --stations-sample N   a server without the bulk listings: compare N random
                        station pages instead of all
  --concurrency N       HTTP requests in flight (default 16)
  --threads N           signature worker threads (default: one per core)
  --json                print the report as JSON on stdout
  --quiet               no progress bars on stderr
  --measure-ed25519     also measure this machine's raw Ed25519 verify rate

With nothing pinned, the first run trusts the log key entry 0 names (trust on
first use, said loudly) and later runs with the same --state hold the server
to it.

Exit codes:
  0   verified: every signature, proof, tally and station page checked
  1   findings: the log verifies, but the server's tallies or station pages
      differ from it, the log holds entries a rule-following server never
      appends (anomalies), or a form does not match its logged SHA-256
  2   the log itself is not trustworthy: a bad checkpoint signature, a fork,
      a rollback (a smaller tree than one verified before), entries that do
      not reproduce the signed tree or differ from those verified before
      (named: changed, deleted, swapped), or an election that does not verify
      against the pinned keys
  3   could not complete (network, server errors)
  64  usage`;

function positiveInt(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(v)) throw new UsageError(`--${name} must be a positive whole number`);
  return Number(v);
}

/** --witness-policy: inline ("2 of VKEY,...") or a tlog-policy file. */
function readWitnessPolicy(arg: string | undefined): WitnessPolicy | undefined {
  if (arg === undefined) return undefined;
  const inline = /^\s*(all|any|[0-9]+)\s+of\s/.test(arg);
  if (!inline && !existsSync(arg))
    throw new UsageError(`--witness-policy ${arg}: no such file, and not "K of VKEY,..."`);
  const parsed = inline ? parseInlinePolicy(arg) : parsePolicyFile(readFileSync(arg, 'utf8'));
  if (!parsed.ok) throw new UsageError(`--witness-policy ${arg}: ${parsed.error}`);
  return parsed.value;
}

export async function runVerify(args: string[]): Promise<number> {
  const a = parse(
    args,
    {
      state: { type: 'string' },
      'log-key': { type: 'string' },
      election: { type: 'string' },
      'commission-key': { type: 'string' },
      forms: { type: 'boolean' },
      'all-views': { type: 'boolean' },
      'fold-all': { type: 'boolean' },
      'witness-policy': { type: 'string' },
      'stations-sample': { type: 'string' },
      'page-sample': { type: 'string' },
      concurrency: { type: 'string' },
      threads: { type: 'string' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean' },
      'measure-ed25519': { type: 'boolean' },
    },
    HELP,
  );
  if (!a) return 0;
  const [server, ...extra] = a.positionals;
  if (!server || extra.length) throw new UsageError(`give one server URL\n${HELP}`);
  const options = {
    server,
    stateDir: a.values.state,
    logKey: a.values['log-key'],
    electionDir: a.values.election,
    commissionKey: a.values['commission-key'],
    forms: a.values.forms ?? false,
    allViews: a.values['all-views'] ?? false,
    foldAll: a.values['fold-all'] ?? false,
    witnessPolicy: readWitnessPolicy(a.values['witness-policy']),
    stationsSample: positiveInt(a.values['stations-sample'], 'stations-sample'),
    pageSample: positiveInt(a.values['page-sample'], 'page-sample'),
    concurrency: positiveInt(a.values.concurrency, 'concurrency'),
    threads: positiveInt(a.values.threads, 'threads'),
    measureEd25519: a.values['measure-ed25519'] ?? false,
    progress: !a.values.quiet,
  };
  try {
    const report = await verifyServer(options);
    process.stdout.write(
      a.values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report),
    );
    return report.exitCode;
  } catch (e) {
    if (e instanceof VerifyUsageError) throw new UsageError(e.message);
    if (e instanceof Error && /^not a URL|must be http/.test(e.message))
      throw new UsageError(e.message);
    process.stderr.write(`kura verify: could not complete: ${(e as Error).message}\n`);
    return EXIT.INCOMPLETE;
  }
}
