// The demo harness (`kura demo`, `npm start`, the benchmark's Kenya night):
// make the election, start `kura serve`, replay the night's signed forms, and
// compare the national tallies with Form 34C and with the forms sent.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ElectionDefinition } from '../election/definition.js';
import { checkDefinition, type ElectionIndex } from '../election/election-index.js';
import type { ResultEntry } from '../election/entries.js';
import type { RaceTally } from '../election/fold.js';
import type { ResultFlag } from '../election/rules.js';
import { auditPaper, loadKenya2022 } from '../kenya/kenya2022.js';
import { readElectionFiles } from '../platform/election-dir.js';
import { Terminal } from '../platform/terminal.js';
import { UsageError } from '../platform/usage-error.js';
import { AgentNight, partyRegistrar, printPartyTallies } from './agents-night.js';
import {
  KENYA_COALITIONS,
  SYNTHETIC_COALITIONS,
  stationAgents,
  syntheticCopy,
} from './agents-plan.js';
import {
  type AuditOfficials,
  createAuditOfficials,
  readAuditOfficials,
} from './audit-officials.js';
import { type DemoAuditSummary, printAuditSummary, runDemoAudit } from './demo-audit.js';
import { FaultInjector, type FaultRow, type Job, printFaultTable } from './faults.js';
import { demoFormScan } from './form-scans.js';
import { kenyaAgentCopies } from './kenya-agent-copies.js';
import { KENYA_AUDIT_SEED } from './kenya-audit-table.js';
import { kenyaNightPlan } from './kenya-night.js';
import { fetchCheckpoint } from './log-audit.js';
import { makeElection } from './make-election.js';
import {
  HttpClient,
  type PlannedResult,
  type ReplaySummary,
  replay,
  type SendOutcome,
  signPlanned,
} from './replay.js';
import { ServerProcess } from './server-process.js';
import { type NightPlan, syntheticNightPlan } from './synthetic-night.js';
import {
  type ContestComparison,
  compareNational,
  FormTotals,
  printCandidates,
  printComparison,
} from './totals.js';

export interface DemoOptions {
  /** Stations of a synthetic country; Kenya 2022 when absent. */
  synthetic?: number;
  faults?: boolean;
  /** Skip the presidential scan uploads (default: upload them). */
  noScans?: boolean;
  data?: string;
  /** A PostgreSQL database to serve from instead of the embedded store (must be empty or hold this election). */
  db?: string;
  election?: string;
  port?: string;
  /** Times faster than real time; Infinity: as fast as the server takes it; absent: a 90 s schedule. */
  speed?: number;
  concurrency?: number;
  fresh?: boolean;
  /** Stop the server after the comparison (otherwise wait until it exits). */
  exit?: boolean;
  /** Where in the night the --faults kill happens (fraction), null for none. */
  killAt?: number | null;
  /** Text output, as plain lines (default: stdout, with bars and spinners on a terminal). */
  out?: (s: string) => void;
  /** The server's stderr (default: with the rest of the output, each line prefixed "[server]"). */
  serverStderr?: (s: string) => void;
  /** Draw progress bars (default: true). */
  progress?: boolean;
  /** After the night, a risk-limiting audit of the presidential contest (Kenya only). */
  audit?: boolean;
  /** The audit's risk limit in percent (default 5). */
  riskLimit?: number;
  /** The audit's public seed (default KENYA_AUDIT_SEED). */
  auditSeed?: string;
  /** Party agents (`--agents`): two coalitions enrol agents who co-sign or dissent from the presidential results. */
  agents?: boolean;
  /** Called with the server's pid just before it is stopped (the bench reads its peak memory). */
  beforeStop?: (serverPid: number | undefined) => void;
}

export interface DemoReport {
  ok: boolean;
  summary: ReplaySummary;
  comparisons: ContestComparison[];
  faultRows: FaultRow[] | null;
  problems: string[];
  /** The audit's summary (--audit). */
  audit?: DemoAuditSummary;
  /** How the server answered the agents' entries (--agents). */
  agents?: AgentNight['answers'];
}

export async function demo(o: DemoOptions): Promise<DemoReport> {
  // One owner of the output: the server's lines and every message scroll above the bars.
  const term = new Terminal(o.out ? { write: o.out } : process.stdout);
  try {
    return await demoOn(term, o);
  } finally {
    term.close();
  }
}

async function demoOn(term: Terminal, o: DemoOptions): Promise<DemoReport> {
  const out = (s: string) => term.print(s);
  const name = o.synthetic ? `synthetic-${o.synthetic}` : 'kenya-2022';
  if (o.db && (o.data || o.fresh))
    throw new UsageError(
      o.fresh
        ? '--fresh deletes an embedded store; with --db give a new, empty database instead'
        : '--db and --data each name a store: give one',
    );
  if (o.audit && o.synthetic)
    throw new UsageError(
      "--audit audits Kenya's presidential contest (more than half nationally, a quarter in 24 counties); a synthetic country's president has no majority to confirm",
    );
  if (o.audit && o.faults) throw new UsageError('--audit and --faults are separate runs: give one');
  // With --db the store is the database; the server's log still goes under kura-data/.
  const dataDir = o.data ?? join('kura-data', o.db ? `${name}-postgres` : name);
  if (o.fresh) rmSync(dataDir, { recursive: true, force: true });
  if (o.db) mkdirSync(dataDir, { recursive: true });
  const storeArgs = o.db ? ['--db', o.db] : ['--data', dataDir];
  const storeName = o.db
    ? `PostgreSQL database ${databaseName(o.db)}`
    : `embedded store in ${dataDir}`;

  out(
    o.synthetic
      ? `kura demo: a synthetic country of ${o.synthetic.toLocaleString('en')} polling stations${o.faults ? ', with faults' : ''}\n\n`
      : `kura demo: the Kenya 2022 general election, replayed${o.faults ? ', with faults' : ''}\n\n`,
  );
  const t0 = Date.now();
  const making = term.activity('preparing the election (made once, then cached)');
  const made = o.synthetic
    ? await makeElection('synthetic', { stations: o.synthetic, out: o.election })
    : await makeElection('kenya-2022', { out: o.election });
  making.done(
    `election  ${made.electionId}: ${made.stations.toLocaleString('en')} polling stations (${made.reused ? 'cached in' : `made in ${((Date.now() - t0) / 1000).toFixed(1)} s in`} ${made.dir})`,
  );
  // The night stops (rather than retrying for minutes) if the server goes away on its own.
  const abort = new AbortController();
  let fatal: string | null = null;
  const stopNight = (why: string) => {
    fatal ??= why;
    abort.abort();
  };
  // The audit's officials are made from the server console (server stopped), once per store.
  const officials = o.audit ? await auditOfficials(term, made.dir, storeArgs, dataDir) : null;
  if (o.agents && o.faults)
    throw new UsageError('--agents and --faults are separate runs: give one');
  // The commission administrator who enrols the parties is made from the server console, once per store.
  const registrar = o.agents
    ? await partyRegistrar({
        electionDir: made.dir,
        storeArgs,
        dataDir,
        makeStore: async () => {
          const first = await ServerProcess.start(
            ['--election', made.dir, ...storeArgs, '--port', '0'],
            { onStderr: () => {} },
          );
          await first.kill('SIGTERM');
        },
      })
    : null;
  // A first start makes the store; a later one checks it against its log (about a minute for Kenya).
  const starting = term.activity('starting the server (kura serve)');
  const server = await ServerProcess.start(
    [
      ...['--election', made.dir, ...storeArgs, '--port', o.port ?? '8080'],
      // Officials' acts (the audit, the parties' enrolment) are signed with the commission key.
      ...(o.audit || o.agents ? ['--commission-key', join(made.dir, 'commission.key')] : []),
      // Every station's device is replayed from this machine: per-address limits would stop the night.
      ...['--rate-limit-exempt', '127.0.0.1'],
      // The night's refusals (--faults makes many) are logged to a file, not over the progress bars.
      ...['--log-file', join(dataDir, 'server.log')],
    ],
    { onStderr: o.serverStderr ?? term.source('  [server] '), onUnexpectedExit: stopNight },
  ).then(
    (started) => {
      starting.done();
      return started;
    },
    (e: unknown) => {
      starting.done('');
      throw e;
    },
  );
  const address = server.address;
  const stopServer = () => void server.kill('SIGTERM');
  process.once('SIGINT', stopServer);
  const client = new HttpClient(address, 8);
  try {
    out(`server    ${address}  (${storeName})\n`);
    out(
      `  portal    ${address}/\n  tallies   ${address}/api/v1/tally/president\n  log       ${address}/log/checkpoint\n\n`,
    );

    const { definitionBytes } = readElectionFiles(made.dir);
    const definition = JSON.parse(new TextDecoder().decode(definitionBytes)) as ElectionDefinition;
    const checked = checkDefinition(definition);
    if (!checked.ok)
      throw new Error(`the election definition is inconsistent: ${checked.error[0]}`);
    const index = checked.value;
    const log = { logKey: definition.logKey, origin: definition.logOrigin };
    if (o.faults) {
      const size = (await fetchCheckpoint(client, log)).checkpoint.size;
      if (size > 1)
        throw new UsageError(
          `--faults needs an empty store, and the ${storeName} already holds ${size - 1} results: ${o.db ? 'give an empty database' : 'add --fresh, or give another --data'}`,
        );
    }

    let agents: AgentNight | null = null;
    const coalitions = o.synthetic ? SYNTHETIC_COALITIONS : KENYA_COALITIONS;
    if (registrar) {
      const copyOf = o.synthetic
        ? (station: string, logged: Parameters<typeof syntheticCopy>[2]) =>
            syntheticCopy(definition.electionId, station, logged)
        : kenyaAgentCopies();
      agents = new AgentNight({
        server: address,
        index,
        coalitions,
        agentsAt: (station, logged) =>
          stationAgents({
            electionId: definition.electionId,
            station,
            logged,
            copy: copyOf(station, logged),
            coalitions,
          }),
        // Each word waits for a sequencing period, as a result does: many in flight keep up with the night.
        concurrency: 256,
      });
      await agents.enrolParties(registrar);
      out(
        `parties   ${coalitions.map((c) => c.name).join(' and ')} enrolled by the commission; their agents co-sign or dispute each presidential result as it is logged\n\n`,
      );
    }
    const night: NightPlan = o.synthetic ? syntheticNightPlan(index) : kenyaPlan(index);
    const span = night.end - night.start;
    const speed = o.speed ?? Math.max(1, span / 90_000);
    out(
      `replaying ${night.count.toLocaleString('en')} signed forms from ${new Date(night.start).toISOString()} (${(span / 3_600_000).toFixed(0)} h of ${o.synthetic ? 'simulated' : 'real'} uploads) at ${Number.isFinite(speed) ? `${Math.round(speed)}x` : 'maximum speed'}${o.speed === undefined ? ' (a 90 s schedule; the server sets the pace if it is slower: the benchmark machine took 98 s for Kenya)' : ''}\n\n`,
    );

    const received = new Map<string, number>([...night.expected.keys()].map((c) => [c, 0]));
    const rows = () =>
      [...night.expected].map(([contest, total]) => ({
        label: contest,
        done: received.get(contest) ?? 0,
        total,
      }));
    const render = (force = false) => {
      if (o.progress !== false) term.progress(rows(), force);
    };
    const totals = new FormTotals(index);
    const problems: string[] = [];
    const deviceOf = (() => {
      const byStation = new Map(definition.devices.map((d) => [d.station, d.id]));
      return (station: string) => byStation.get(station) ?? `none-${station}`;
    })();
    const common = {
      server: address,
      electionId: definition.electionId,
      deviceOf,
      // Devices in flight at once. A compressed night is bound by round trips
      // (each waits up to one sequencing period), not by CPU, unless enough
      // devices are in flight: 128 gave ~880 forms/s, 1,024 keeps both cores busy.
      concurrency: o.concurrency ?? (o.faults ? 128 : 1024),
      speed,
      signal: abort.signal,
      // Each station's device uploads a scan of its presidential form before sending the result.
      formFor: o.noScans ? undefined : (p: PlannedResult) => demoFormScan(index, p),
    };

    let summary: ReplaySummary;
    let injector: FaultInjector | null = null;
    if (o.faults) {
      const inj = new FaultInjector({
        index,
        deviceOf,
        planCount: night.count,
        concurrency: common.concurrency,
        server,
        client,
        log,
        totals,
        killAt: o.killAt,
        retry: { maxAttempts: 10_000, retryForMs: 600_000 },
        out,
        activity: (label) => term.activity(label),
        onFatal: stopNight,
      });
      injector = inj;
      summary = await replay<Job>(inj.jobs(night.results), {
        ...common,
        retry: { maxAttempts: 10_000, retryForMs: 600_000 },
        entryFor: inj.entryFor,
        beforeSend: inj.beforeSend,
        onResult: (j, outcome) => {
          inj.onResult(j, outcome);
          if (j.counts && (outcome.status === 200 || outcome.status === 201))
            received.set(j.contest, (received.get(j.contest) ?? 0) + 1);
          render();
        },
      });
      render(true);
      term.endProgress();
      if (!fatal) {
        out('\nsending the second, different results for stations already logged\n');
        await inj.afterNight();
      }
    } else {
      // The agents hash the very entry the device signed: kept for the presidential results.
      const signedPresident = new WeakMap<PlannedResult, ResultEntry>();
      summary = await replay(counted(night.results, totals), {
        ...common,
        // Each station's device sends its contests' results in one request, each signed on its own.
        resultsAt: contestsAt(index),
        entryFor: agents
          ? (p: PlannedResult) => {
              const entry = signPlanned(p, definition.electionId, deviceOf(p.station));
              if (p.contest === 'president') signedPresident.set(p, entry);
              return entry;
            }
          : undefined,
        onResult: (p: PlannedResult, outcome: SendOutcome) => {
          if (outcome.status === 200 || outcome.status === 201) {
            received.set(p.contest, (received.get(p.contest) ?? 0) + 1);
            const entry = signedPresident.get(p);
            if (agents && entry) agents.resultLogged(p, entry);
          } else if (problems.length < 10)
            problems.push(`${p.contest} ${p.station}: ${outcome.status} ${outcome.code}`);
          const form = outcome.form;
          if (form && form.status !== 200 && form.status !== 201 && problems.length < 10)
            problems.push(`${p.contest} ${p.station} form: ${form.status} ${form.code}`);
          render();
        },
      });
      render(true);
      term.endProgress();
    }
    if (agents) {
      const waiting = term.activity("the agents' last words");
      await agents.finish();
      waiting.done();
    }
    out(
      `\nsent ${summary.sent.toLocaleString('en')} forms in ${(summary.wallMs / 1000).toFixed(1)} s (${Math.round(summary.sent / (summary.wallMs / 1000))}/s); answers: ${JSON.stringify(summary.byStatus)}\n`,
    );
    const scans = Object.values(summary.formsByStatus).reduce((s, n) => s + n, 0);
    if (scans > 0)
      out(
        `uploaded ${scans.toLocaleString('en')} scans of presidential forms, each signed by its station's device; answers: ${JSON.stringify(summary.formsByStatus)}\n`,
      );
    if (agents) {
      const a = agents.answers;
      const total = (r: Record<string, number>) => Object.values(r).reduce((x, y) => x + y, 0);
      out(
        `the agents sent ${total(a.roster).toLocaleString('en')} roster entries (signed by their parties), ${total(a.attestation).toLocaleString('en')} co-signatures and ${total(a.dissent).toLocaleString('en')} dissents; answers: ${JSON.stringify({ roster: a.roster, attestation: a.attestation, dissent: a.dissent })}\n`,
      );
      for (const p of agents.problems) problems.push(`agents ${p}`);
    }
    for (const p of problems) out(`  refused: ${p}\n`);
    if (fatal) {
      out(`\nTHE NIGHT WAS STOPPED: ${fatal}\n`);
      const faultRows = injector?.rows() ?? null;
      if (faultRows) printFaultTable(faultRows, out);
      return { ok: false, summary, comparisons: [], faultRows, problems: [fatal, ...problems] };
    }

    const comparisons = await compareNational(client, totals);
    let ok = problems.length === 0;
    const wholeKenya = index.stations.size === loadKenya2022().stations.length;
    if (!o.synthetic && wholeKenya) ok = (await compareWith34C(client, out)) && ok;
    else if (!o.synthetic)
      out(
        `\na part of Kenya 2022 (${index.stations.size.toLocaleString('en')} of ${loadKenya2022().stations.length.toLocaleString('en')} stations): no comparison with the national Form 34C\n`,
      );
    else {
      const president = comparisons.find((c) => c.contest === 'president');
      if (president) printCandidates(president, out);
    }
    const agree = printComparison(comparisons, out);
    if (!o.synthetic) explainValidVotes(comparisons, out);
    out(
      agree
        ? '\nEvery national tally in the log adds up to the forms sent.\n'
        : '\nTHE LOG DOES NOT ADD UP TO THE FORMS SENT.\n',
    );
    ok &&= agree;

    if (agents) {
      const president = index.contests.get('president');
      const candidates = (president?.candidates ?? []).map((c) => ({ id: c.id, name: c.name }));
      ok = (await printPartyTallies(client, coalitions, candidates, out)) && ok;
    }

    let audit: DemoAuditSummary | undefined;
    if (officials) {
      const riskLimit = o.riskLimit ?? 5;
      const seed = o.auditSeed ?? KENYA_AUDIT_SEED;
      out(
        `\na risk-limiting audit of the presidential result: batch comparison at a ${riskLimit} % risk limit, the paper of each sampled station being its crowdsourced Form 34A reading where the reconciliation adjusted it (data/kenya2022/PROVENANCE.md), else the figures logged\n`,
      );
      audit = await runDemoAudit({
        client,
        index,
        officials,
        contest: 'president',
        riskLimit,
        seed,
        paperOf: (station) => {
          const p = auditPaper(station);
          return { votes: { ...p.votes }, rejected: p.rejected, totalValid: p.totalValid };
        },
        term,
        progress: o.progress,
      });
      printAuditSummary(
        audit,
        {
          portal: address,
          seed,
          seedSource:
            seed === KENYA_AUDIT_SEED
              ? 'the four candidates’ Form 34C totals in a row, fixed before any audit was run; a real audit rolls dice in public'
              : 'given with --audit-seed',
        },
        out,
      );
      ok &&= audit.status === 'risk-limit-met' || audit.status === 'confirmed';
    }

    let faultRows: FaultRow[] | null = null;
    if (injector) {
      faultRows = injector.rows();
      const faultsOk = printFaultTable(faultRows, out);
      for (const p of injector.problems()) out(`  wrong: ${p}\n`);
      out(
        faultsOk ? '\nEvery fault got the right answer.\n' : '\nSOME FAULTS GOT A WRONG ANSWER.\n',
      );
      ok &&= faultsOk;
      problems.push(...injector.problems());
    }

    if (!o.exit) {
      out(`\nthe server is still running at ${address} (portal: ${address}/); Ctrl-C stops it.\n`);
      await server.exited();
    }
    return { ok, summary, comparisons, faultRows, problems, audit, agents: agents?.answers };
  } finally {
    client.close();
    process.off('SIGINT', stopServer);
    o.beforeStop?.(server.pid);
    await server.kill('SIGTERM');
  }
}

function kenyaPlan(index: Parameters<typeof kenyaNightPlan>[0]): NightPlan {
  const night = kenyaNightPlan(index);
  return {
    results: night.plan,
    count: night.plan.length,
    start: night.start,
    end: night.plan[night.plan.length - 1]?.at ?? night.start,
    expected: night.expected,
  };
}

/** How many contests each station reports (memoised: asked once per planned result). */
function contestsAt(index: ElectionIndex): (station: string) => number {
  const known = new Map<string, number>();
  return (station) => {
    let n = known.get(station);
    if (n === undefined) {
      n = 0;
      for (const contest of index.contests.keys()) if (index.raceFor(contest, station)) n++;
      known.set(station, n);
    }
    return n;
  };
}

/** The plan, adding each form to the totals as the replay takes it. */
function* counted(plan: Iterable<PlannedResult>, totals: FormTotals): Generator<PlannedResult> {
  for (const p of plan) {
    totals.add(p);
    yield p;
  }
}

/**
 * The presidential valid votes differ between the two tables: the second sums
 * the forms' own "total valid" figures, Form 34C the candidates' votes. Says
 * why, from the tally, so a reader need not find PROVENANCE.md.
 */
export function explainValidVotes(
  comparisons: ContestComparison[],
  out: (s: string) => void,
): void {
  const president = comparisons.find((c) => c.contest === 'president');
  if (!president?.log.votes) return;
  const candidates = Object.values(president.log.votes).reduce((s, n) => s + n, 0);
  const gap = president.log.totalValid - candidates;
  if (gap === 0) return;
  const flagged = (f: ResultFlag) => president.log.flagged[f] ?? 0;
  const n = (x: number) => x.toLocaleString('en');
  out(
    [
      '',
      `President, valid votes: ${n(president.log.totalValid)} above is the sum of the forms' own`,
      `"total valid" figures; Form 34C's ${n(candidates)} is the sum of the candidates' votes.`,
      `The ${n(gap)} between them are in the ${n(flagged('sum-mismatch'))} forms flagged sum-mismatch (more valid`,
      'votes than their candidates received): real errors of the official 2022 county results,',
      `kept for forensics like the real over-votes (${n(flagged('over-registered'))} forms over-registered,`,
      `${n(flagged('over-cap'))} over-cap). See data/kenya2022/PROVENANCE.md.`,
      '',
    ].join('\n'),
  );
}

/** Prints the national presidential tally beside the Form 34C declaration; true when they agree. */
async function compareWith34C(client: HttpClient, out: (s: string) => void): Promise<boolean> {
  const res = await client.request('GET', '/api/v1/tally/president');
  // The presidency is one nation-wide race: its national tally is per candidate.
  const { tally } = JSON.parse(res.body.toString()) as { tally: RaceTally };
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
  out(
    `\nnational presidential tally (from the log) beside the Form 34C declaration of 15 August 2022\n`,
  );
  out(`  ${'candidate'.padEnd(32)} ${'kura log'.padStart(12)} ${'Form 34C'.padStart(12)}\n`);
  let agree = true;
  for (const [name, got, want] of rows) {
    agree &&= got === want;
    out(
      `  ${name.padEnd(32)} ${fmt(got)} ${fmt(want)}  ${got === want ? 'equal' : `DIFFERS by ${got - want}`}\n`,
    );
  }
  out(
    `  stations reported: ${tally.stationsReported.toLocaleString('en')} of ${tally.stationsExpected.toLocaleString('en')}; flagged forms: ${JSON.stringify(tally.flagged)}\n`,
  );
  out(
    agree
      ? '\nThe log adds up to the declared result.\n'
      : '\nTHE LOG DOES NOT ADD UP TO THE DECLARED RESULT.\n',
  );
  return agree;
}

/** The database a PostgreSQL URL names, for messages (never its password). */
function databaseName(url: string): string {
  try {
    const u = new URL(url);
    return `${u.pathname.replace(/^\//, '') || '(default)'} on ${u.host}`;
  } catch {
    return '(the --db URL)';
  }
}

/**
 * The audit's officials of this store: made with `kura admin create` the first
 * time (the store must exist, so a new one is made by starting the server
 * once), read back afterwards.
 */
async function auditOfficials(
  term: Terminal,
  electionDir: string,
  storeArgs: string[],
  dataDir: string,
): Promise<AuditOfficials> {
  const known = readAuditOfficials(dataDir);
  if (known) return known;
  const making = term.activity(
    'making the audit officials from the server console (kura admin create: two administrators, a two-person audit board)',
  );
  try {
    // kura admin create needs a store holding the election: a new one is made by the server's first start.
    const made = await createAuditOfficials({ electionDir, storeArgs, dataDir }).catch(
      async (e: unknown) => {
        if (!(e instanceof Error && /no kura store|holds no election/.test(e.message))) throw e;
        const first = await ServerProcess.start(
          ['--election', electionDir, ...storeArgs, '--port', '0'],
          { onStderr: () => {} },
        );
        await first.kill('SIGTERM');
        return null;
      },
    );
    const officials = made ?? (await createAuditOfficials({ electionDir, storeArgs, dataDir }));
    making.done(
      `audit officials: ${officials.proposer.account} and ${officials.approver.account} (commission administrators), ${officials.enterer.account} (${officials.enterer.for}) and ${officials.confirmer.account} (${officials.confirmer.for}) on the audit board; demo credentials in ${dataDir}`,
    );
    return officials;
  } catch (e) {
    making.done('');
    throw e;
  }
}
