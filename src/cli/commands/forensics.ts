import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { analyse } from '../../forensics/analyse.js';
import { readBundleFile } from '../../forensics/bundle-source.js';
import { flaggedCsv } from '../../forensics/csv.js';
import { FLAG_ORDER, FLAG_TITLES } from '../../forensics/flags.js';
import { renderReport } from '../../forensics/html-report.js';
import type { ForensicsInput } from '../../forensics/input.js';
import { readLog } from '../../forensics/log-source.js';
import { UnreachableError } from '../../verify/http.js';
import { HttpLogReader } from '../../verify/http-reader.js';
import { VerifyProgress } from '../../verify/progress.js';
import { parse, requireOption, UsageError } from '../usage.js';

const HELP = `
kura forensics <server-url | bundle-file> --out report.html [--csv flagged.csv]
               [--state DIR] [--concurrency N] [--quiet]

Looks for results worth a second look, in every contest (the presidential one
first), and writes one self-contained HTML report with a plot per check:

  rule checks        turnout over 100%; more valid votes than registered
                     voters; more ballots than the per-station cap; candidate
                     votes not adding up to the valid total; one device serial
                     at two stations; a station reporting twice
  statistical checks last-digit uniformity (chi-square); the election
                     fingerprint (turnout against the leader's share, Klimek
                     et al., PNAS 2012); turnout outliers within a
                     constituency (robust z-score)
  party agents       where parties keep rosters of agents: per county and
                     constituency, the results no agent co-signed and those
                     an agent disputed, and every dissent with the agent's
                     figures beside the device's

A flag is a reason to look, not proof.

  --out FILE         the HTML report
  --csv FILE         also every flagged result as CSV (station code, name,
                     county, constituency, contest, entry index, flag, detail)
  --state DIR        (server) keep the mirrored log here and reuse it next
                     time (the layout of kura verify's state directory)
  --concurrency N    (server) HTTP requests in flight (default 16)
  --quiet            no progress on stderr

The log is read through its tiles and must reproduce the server's signed
checkpoint; keys are not pinned and signatures are not checked here (kura
verify does that).

A bundle file (kura export) is read with the strict bundle reader: its
members must match its manifest and its entries reproduce its signed
checkpoint.

Exit codes: 0 report written (whatever it flags), 1 the log or bundle could
not be read consistently, 3 the server could not be reached, 64 usage.`;

function positiveInt(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(v)) throw new UsageError(`--${name} must be a positive whole number`);
  return Number(v);
}

export async function runForensics(args: string[]): Promise<number> {
  const a = parse(
    args,
    {
      out: { type: 'string' },
      csv: { type: 'string' },
      state: { type: 'string' },
      concurrency: { type: 'string' },
      quiet: { type: 'boolean' },
    },
    HELP,
  );
  if (!a) return 0;
  const [from, ...extra] = a.positionals;
  if (!from || extra.length) throw new UsageError(`give one server URL or bundle file\n${HELP}`);
  const out = requireOption(a.values.out, 'out');
  const concurrency = positiveInt(a.values.concurrency, 'concurrency');
  const quiet = a.values.quiet ?? false;
  const say = (text: string) => {
    if (!quiet) process.stderr.write(`kura forensics: ${text}\n`);
  };

  let input: ForensicsInput;
  if (/^https?:\/\//i.test(from)) {
    const progress = new VerifyProgress(!quiet);
    say(`reading the log of ${from}`);
    try {
      const http = new HttpLogReader(from, concurrency ? { concurrency } : {});
      const read = await readLog(http, {
        kind: 'server',
        location: http.name,
        ...(a.values.state ? { stateDir: a.values.state } : {}),
        ...(concurrency ? { concurrency } : {}),
        onProgress: (done, total) => progress.set('entries', done, total),
      }).finally(() => http.close());
      progress.flush();
      if (!read.ok) {
        process.stderr.write(`kura forensics: ${read.error}\n`);
        return 1;
      }
      input = read.value;
    } catch (e) {
      progress.flush();
      if (e instanceof UnreachableError) {
        process.stderr.write(`kura forensics: could not complete: ${e.message}\n`);
        return 3;
      }
      if (e instanceof Error && /^not a URL|must be http/.test(e.message))
        throw new UsageError(e.message);
      throw e;
    }
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(from)) {
    throw new UsageError(`the server URL must be http:// or https://, not ${from}`);
  } else {
    if (a.values.state || concurrency)
      throw new UsageError('--state and --concurrency apply to a server URL, not a bundle file');
    if (!existsSync(from))
      throw new UsageError(`${from}: no such bundle file (or give an http:// URL)`);
    const progress = new VerifyProgress(!quiet);
    say(`reading the bundle ${from}`);
    const read = await readBundleFile(from, (done, total) => progress.set('entries', done, total));
    progress.flush();
    if (!read.ok) {
      process.stderr.write(`kura forensics: ${read.error}\n`);
      return 1;
    }
    input = read.value;
  }

  say(`analysing ${input.entries.length.toLocaleString('en')} entries`);
  const started = performance.now();
  const report = analyse(input);
  if (!report.ok) {
    process.stderr.write(`kura forensics: ${report.error}\n`);
    return 1;
  }
  say(`analysed in ${((performance.now() - started) / 1000).toFixed(1)} s; writing ${out}`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, renderReport(report.value));
  if (a.values.csv) {
    mkdirSync(dirname(a.values.csv), { recursive: true });
    writeFileSync(a.values.csv, flaggedCsv(report.value.flagged));
  }
  const counts = new Map<string, number>();
  for (const r of report.value.flagged) counts.set(r.flag, (counts.get(r.flag) ?? 0) + 1);
  const lines = [
    `${report.value.flagged.length.toLocaleString('en')} flags (a reason to look, not proof):`,
    ...FLAG_ORDER.map(
      (f) => `  ${FLAG_TITLES[f].padEnd(50)} ${(counts.get(f) ?? 0).toLocaleString('en')}`,
    ),
    ...(report.value.agents
      ? report.value.agents.contests
          .filter((c) => c.reported)
          .map(
            (c) =>
              `party agents, ${c.contest}: ${c.cosigned.toLocaleString('en')} of ${c.reported.toLocaleString('en')} results co-signed, ${c.unsigned.toLocaleString('en')} with no agent's word, ${c.disputed.toLocaleString('en')} disputed`,
          )
          .concat(`dissents: ${report.value.agents.dissents.length.toLocaleString('en')}`)
      : []),
    `report: ${out}`,
    ...(a.values.csv ? [`flagged results: ${a.values.csv}`] : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
