import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ElectionDefinition } from '../../election/definition.js';
import { checkDefinition } from '../../election/election-index.js';
import type { UnitTally } from '../../election/fold.js';
import { loadKenya2022 } from '../../kenya/kenya2022.js';
import { kenyaNightPlan } from '../../simulate/kenya-night.js';
import { ProgressBars } from '../../simulate/progress.js';
import { HttpClient, replay } from '../../simulate/replay.js';
import { readElectionFiles } from '../election-dir.js';
import { parse } from '../usage.js';
import { makeElection } from './election.js';

const HELP = `
kura demo [--data DIR] [--port P] [--speed X | --max-speed] [--concurrency N] [--fresh] [--exit]

The main job, on the embedded store: makes the Kenya 2022 election (46,229
polling stations; demo device keys; cached in .kura/kenya-2022), starts
\`kura serve\` on it, and replays election night: every station's device signs
and sends its results for all six contests, in the real 2022 upload order,
with the night compressed (by default into about 90 seconds; --speed X runs it
X times faster than real time, --max-speed as fast as the server takes it).
At the end it prints the national presidential tally beside the Form 34C
declaration. The server keeps running until Ctrl-C (or stops with --exit).
A second run on the same --data resumes: results already logged are answered
with their original receipts. --fresh starts from an empty store.`;

const KURA_BIN = fileURLToPath(new URL('../../../bin/kura.js', import.meta.url));

function startServer(args: string[]): Promise<{ child: ChildProcess; address: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KURA_BIN, 'serve', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /serving .*\n\s+API\s+(http:\/\/\S+?)\/api/.exec(out);
      if (m?.[1]) {
        child.stdout?.off('data', onData);
        resolve({ child, address: m[1] });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (b: Buffer) => process.stderr.write(`  [server] ${b}`));
    child.on('exit', (code) =>
      reject(new Error(`the server exited (code ${code}) before it was ready:\n${out}`)),
    );
  });
}

export async function runDemo(args: string[]): Promise<number> {
  const a = parse(
    args,
    {
      data: { type: 'string' },
      port: { type: 'string' },
      speed: { type: 'string' },
      'max-speed': { type: 'boolean' },
      concurrency: { type: 'string' },
      fresh: { type: 'boolean' },
      exit: { type: 'boolean' },
    },
    HELP,
  );
  if (!a) return 0;
  const dataDir = a.values.data ?? join('kura-data', 'kenya-2022');
  if (a.values.fresh) rmSync(dataDir, { recursive: true, force: true });

  process.stdout.write('kura demo: the Kenya 2022 general election, replayed\n\n');
  const made = await makeElection('kenya-2022', {});
  process.stdout.write(
    `election  ${made.electionId}: ${made.stations} polling stations (${made.reused ? 'cached in' : 'made in'} ${made.dir})\n`,
  );
  const { child, address } = await startServer([
    '--election',
    made.dir,
    '--data',
    dataDir,
    '--port',
    a.values.port ?? '8080',
  ]);
  const stopServer = () => child.kill('SIGTERM');
  process.once('SIGINT', stopServer);
  try {
    process.stdout.write(`server    ${address}  (embedded store in ${dataDir})\n`);
    process.stdout.write(
      `  tallies   ${address}/api/v1/tally/president\n  log       ${address}/log/checkpoint\n\n`,
    );

    const { definitionBytes } = readElectionFiles(made.dir);
    const definition = JSON.parse(new TextDecoder().decode(definitionBytes)) as ElectionDefinition;
    const checked = checkDefinition(definition);
    if (!checked.ok)
      throw new Error(`the election definition is inconsistent: ${checked.error[0]}`);
    const index = checked.value;
    const night = kenyaNightPlan(index);
    const span = (night.plan[night.plan.length - 1]?.at ?? night.start) - night.start;
    const speed = a.values['max-speed']
      ? Number.POSITIVE_INFINITY
      : a.values.speed
        ? Number(a.values.speed)
        : Math.max(1, span / 90_000);
    process.stdout.write(
      `replaying ${night.plan.length.toLocaleString('en')} signed forms from ${new Date(night.start).toISOString()} (${(span / 3_600_000).toFixed(0)} h of real uploads) at ${Number.isFinite(speed) ? `${Math.round(speed)}x` : 'maximum speed'}\n\n`,
    );

    const received = new Map<string, number>([...night.expected.keys()].map((c) => [c, 0]));
    const bars = new ProgressBars();
    const rows = () =>
      [...night.expected].map(([contest, total]) => ({
        label: contest,
        done: received.get(contest) ?? 0,
        total,
      }));
    const problems: string[] = [];
    const summary = await replay(night.plan, {
      server: address,
      electionId: definition.electionId,
      deviceOf: (() => {
        const byStation = new Map(definition.devices.map((d) => [d.station, d.id]));
        return (station: string) => byStation.get(station) ?? `none-${station}`;
      })(),
      concurrency: Number(a.values.concurrency ?? 128),
      speed,
      onResult: (p, outcome) => {
        if (outcome.status === 200 || outcome.status === 201)
          received.set(p.contest, (received.get(p.contest) ?? 0) + 1);
        else if (problems.length < 10)
          problems.push(`${p.contest} ${p.station}: ${outcome.status} ${outcome.code}`);
        bars.render(rows());
      },
    });
    bars.render(rows(), true);
    process.stdout.write(
      `\nsent ${summary.sent.toLocaleString('en')} forms in ${(summary.wallMs / 1000).toFixed(1)} s (${Math.round(summary.sent / (summary.wallMs / 1000))}/s); answers: ${JSON.stringify(summary.byStatus)}\n`,
    );
    for (const p of problems) process.stdout.write(`  refused: ${p}\n`);

    const ok = await compareWith34C(address);
    if (a.values.exit) return ok && problems.length === 0 ? 0 : 1;
    process.stdout.write(`\nthe server is still running at ${address}; Ctrl-C stops it.\n`);
    await new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return ok ? 0 : 1;
  } finally {
    process.off('SIGINT', stopServer);
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
}

/** Prints the national presidential tally beside the Form 34C declaration; true when they agree. */
async function compareWith34C(address: string): Promise<boolean> {
  const client = new HttpClient(address, 1);
  try {
    const res = await client.request('GET', '/api/v1/tally/president');
    const { tally } = JSON.parse(res.body.toString()) as { tally: UnitTally };
    const c34 = loadKenya2022().national34C;
    const rows: Array<[string, number, number]> = [
      ['William Ruto', tally.votes.ruto ?? 0, c34.ruto],
      ['Raila Odinga', tally.votes.odinga ?? 0, c34.odinga],
      ['George Wajackoyah', tally.votes.wajackoyah ?? 0, c34.wajackoyah],
      ['David Waihiga Mwaure', tally.votes.mwaure ?? 0, c34.mwaure],
      [
        'valid votes (sum of candidates)',
        Object.values(tally.votes).reduce((s, n) => s + n, 0),
        c34.totalValid,
      ],
      ['rejected ballots', tally.rejected, c34.rejected],
    ];
    const fmt = (n: number) => n.toLocaleString('en').padStart(12);
    process.stdout.write(
      `\nnational presidential tally (from the log) beside the Form 34C declaration of 15 August 2022\n`,
    );
    process.stdout.write(
      `  ${'candidate'.padEnd(32)} ${'kura log'.padStart(12)} ${'Form 34C'.padStart(12)}\n`,
    );
    let agree = true;
    for (const [name, got, want] of rows) {
      agree &&= got === want;
      process.stdout.write(
        `  ${name.padEnd(32)} ${fmt(got)} ${fmt(want)}  ${got === want ? 'equal' : `DIFFERS by ${got - want}`}\n`,
      );
    }
    process.stdout.write(
      `  stations reported: ${tally.stationsReported.toLocaleString('en')} of ${tally.stationsExpected.toLocaleString('en')}; flagged forms: ${JSON.stringify(tally.flagged)}\n`,
    );
    process.stdout.write(
      agree
        ? '\nThe log adds up to the declared result.\n'
        : '\nTHE LOG DOES NOT ADD UP TO THE DECLARED RESULT.\n',
    );
    return agree;
  } finally {
    client.close();
  }
}
