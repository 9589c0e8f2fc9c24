import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { formatBundleReport } from '../../bundle/report.js';
import { VerifyUsageError, verifyBundle } from '../../bundle/verify.js';
import { parse, UsageError } from '../usage.js';

const HELP = `
kura verify-bundle FILE [--commission-key VKEY] [--log-key VKEY | --election DIR]
                   [--checkpoint FILE]... [--witness VKEY]... [--threads N] [--json] [--quiet]

Checks a preservation bundle (kura export) offline: every member against the
manifest's SHA-256; entry 0 and the definition against the commission key;
every checkpoint's signature by the log key; that the entries reproduce
every checkpoint's root and every hash tile (so all checkpoints are of one
history); every entry's signature and rules; every tally, recomputed with
the fold kura verify uses; every logged form's SHA-256.

  --commission-key VKEY the commission's published verifier key (entry 0 must
                        be signed by it); without it, said loudly, entry 0's own
  --log-key VKEY        the log's verifier key, pinned
  --election DIR        an election directory: its keys, entry 0 and definition
  --checkpoint FILE     a checkpoint you saw elsewhere (on election night, from a
                        witness, a newspaper): it must be signed by the log and be
                        the root of the bundle's tree at its size; a fork is
                        proved with both notes. Repeatable.
  --witness VKEY        a witness's cosignature/v1 key: its cosignatures on the
                        bundle's checkpoints are checked and counted. Repeatable.
  --threads N           signature worker threads (default: one per core)
  --json                print the report as JSON on stdout
  --quiet               no progress on stderr

Exit codes (as kura verify):
  0   verified
  1   findings: the log verifies, but it holds anomalies, a form does not
      match its SHA-256, or the bundle is older than a checkpoint given
  2   not trustworthy: a member altered or missing, a bad signature, a fork,
      entries that do not reproduce the signed tree
  3   could not complete
  64  usage`;

export async function runVerifyBundle(args: string[]): Promise<number> {
  const a = parse(
    args,
    {
      'log-key': { type: 'string' },
      'commission-key': { type: 'string' },
      election: { type: 'string' },
      checkpoint: { type: 'string', multiple: true },
      witness: { type: 'string', multiple: true },
      threads: { type: 'string' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean' },
    },
    HELP,
  );
  if (!a) return 0;
  const [path, ...extra] = a.positionals;
  if (!path || extra.length) throw new UsageError(`give one bundle file\n${HELP}`);
  checkOpens(path);
  const threads = a.values.threads;
  if (threads !== undefined && !/^[1-9][0-9]*$/.test(threads))
    throw new UsageError('--threads must be a positive whole number');
  const checkpoints = (a.values.checkpoint ?? []).map((file) => {
    try {
      return { file, note: readFileSync(file, 'utf8') };
    } catch (e) {
      throw new UsageError(`--checkpoint ${file}: ${(e as Error).message}`);
    }
  });
  try {
    const report = await verifyBundle({
      path,
      logKey: a.values['log-key'],
      commissionKey: a.values['commission-key'],
      electionDir: a.values.election,
      checkpoints,
      witnesses: a.values.witness,
      threads: threads === undefined ? undefined : Number(threads),
      progress: !a.values.quiet,
    });
    process.stdout.write(
      a.values.json ? `${JSON.stringify(report, null, 2)}\n` : formatBundleReport(report),
    );
    return report.exitCode;
  } catch (e) {
    if (e instanceof VerifyUsageError) throw new UsageError(e.message);
    throw e;
  }
}

/** A bundle that cannot be opened is a usage error (64), not a log that fails to verify (2). */
function checkOpens(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    if (!fstatSync(fd).isFile()) throw new UsageError(`cannot open ${path}: not a file`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot open ${path}: ${code === 'ENOENT' ? 'no such file' : code}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
