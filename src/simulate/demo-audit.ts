// `kura demo --audit`: after the night, a batch-comparison risk-limiting audit
// of the presidential contest, run through the server's API as officials would
// (FORMATS.md §15): one administrator proposes it, another approves it, the
// public seed is logged, then round after round the server draws the sample,
// one audit-board member enters each sampled station's paper figures with a
// photo of the form and the other member (of another party) confirms them, and
// an administrator closes the round with the risk the server measures. Rounds
// go on until the risk limit is met, or end in a full count (nextAuditRound,
// the rule the Kenya audit table follows too).
//
// The loop is driven by the audit's state as the server shows it (GET
// /api/v1/audits/{id}), so a run that was stopped half-way resumes where the
// log says it stands.

import { totp } from '../accounts/totp.js';
import type {
  AuditAnswer,
  AuditPaperEntered,
  AuditProposed,
  AuditRoundClosed,
  AuditRoundStarted,
  AuditsAnswer,
} from '../api/contract.js';
import type { ElectionIndex } from '../election/election-index.js';
import { toHex } from '../log/bytes.js';
import { sha256 } from '../log/crypto.js';
import type { Terminal } from '../platform/terminal.js';
import type { AuditOfficial, AuditOfficials } from './audit-officials.js';
import { nextAuditRound } from './audit-rounds.js';
import type { HttpClient } from './replay.js';
import { resultFormPdf } from './result-form-pdf.js';

/** What a station's paper form says (votes per candidate, rejected, total valid). */
export interface PaperForm {
  votes: Record<string, number>;
  rejected: number;
  totalValid: number;
}

export interface DemoAuditOptions {
  client: HttpClient;
  index: ElectionIndex;
  officials: AuditOfficials;
  /** The audited contest (the presidency). */
  contest: string;
  /** Percent. */
  riskLimit: number;
  /** The public seed (20 to 100 digits). */
  seed: string;
  /** What each station's paper says. */
  paperOf: (station: string) => PaperForm;
  /** Requests in flight at once while the boards enter papers. */
  concurrency?: number;
  term: Terminal;
  progress?: boolean;
  /** The clock for the administrators' TOTP codes (ms). */
  now?: () => number;
}

export interface DemoAuditSummary {
  audit: string;
  /** The log size whose results were audited. */
  treeSize: number;
  status: string;
  risk: number;
  riskLimit: number;
  rounds: {
    round: number;
    full: boolean;
    draws: number;
    risk: string | null;
    outcome: string | null;
  }[];
  /** Distinct stations whose paper was entered and confirmed. */
  stationsChecked: number;
  stations: number;
  /** Stations whose confirmed paper differs from the logged figures. */
  discrepancies: {
    station: string;
    entry: number;
    differences: { field: string; paper: number; logged: number }[];
  }[];
  /** Log indexes of the audit's entries this run made, by kind (none when it only shows an earlier audit). */
  entries: Record<string, number[]>;
}

class ApiFailure extends Error {}

/** A session token per official. */
interface Sessions {
  proposer: string;
  approver: string;
  enterer: string;
  confirmer: string;
}

export async function runDemoAudit(o: DemoAuditOptions): Promise<DemoAuditSummary> {
  const now = o.now ?? Date.now;
  const entries: Record<string, number[]> = {};
  const logged = (kind: string, index: number) => {
    const list = entries[kind] ?? [];
    list.push(index);
    entries[kind] = list;
  };
  const call = async <T>(
    method: string,
    path: string,
    token: string | null,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T> => {
    const res = await o.client.request(
      method,
      path,
      body === undefined ? undefined : body instanceof Uint8Array ? body : JSON.stringify(body),
      contentType,
      token ? { authorization: `Bearer ${token}` } : {},
    );
    if (res.status < 200 || res.status >= 300)
      throw new ApiFailure(`${method} ${path}: ${res.status} ${res.body.toString()}`);
    return JSON.parse(res.body.toString()) as T;
  };
  const login = async (a: AuditOfficial): Promise<string> => {
    // A TOTP code opens one session; the server accepts the next step's code too.
    for (const ahead of [0, 30_000]) {
      const res = await o.client.request(
        'POST',
        '/api/v1/login',
        JSON.stringify({
          account: a.account,
          password: a.password,
          totp: a.totpSecret ? totp(a.totpSecret, now() + ahead) : '',
        }),
      );
      if (res.status === 200) return (JSON.parse(res.body.toString()) as { token: string }).token;
      if (res.status !== 401 || !a.totpSecret)
        throw new ApiFailure(`login ${a.account}: ${res.status} ${res.body.toString()}`);
    }
    throw new ApiFailure(`login ${a.account}: refused with this and the next TOTP code`);
  };
  const s: Sessions = {
    proposer: await login(o.officials.proposer),
    approver: await login(o.officials.approver),
    enterer: await login(o.officials.enterer),
    confirmer: await login(o.officials.confirmer),
  };

  // A second run on the same store resumes (or shows) the audit of the first:
  // the night's results do not change once logged, so one audit covers them.
  const listed = await call<AuditsAnswer>('GET', '/api/v1/audits', null);
  const earlier = listed.audits
    .filter((x) => x.contest === o.contest && x.method === 'macro' && x.riskLimit === o.riskLimit)
    .sort((x, y) => y.proposedAt - x.proposedAt)[0];
  let id = earlier?.id;
  if (!id) {
    const checkpoint = await o.client.request('GET', '/log/checkpoint');
    const size = Number(checkpoint.body.toString().split('\n')[1]);
    id = `${o.contest}-at-${size}`;
    const r = await call<AuditProposed>('POST', '/api/v1/audits', s.proposer, {
      audit: id,
      contest: o.contest,
      method: 'macro',
      riskLimit: o.riskLimit,
    });
    logged('audit-proposed', r.index);
  }
  const view = async () => call<AuditAnswer>('GET', `/api/v1/audits/${id}`, null);
  let a = await view();
  let sizes: AuditRoundClosed['nextRoundSizes'] = null;
  for (;;) {
    if (a.status === 'proposed') {
      const r = await call<{ index: number }>(
        'POST',
        `/api/v1/audits/${id}/approve`,
        s.approver,
        {},
      );
      logged('audit-approved', r.index);
    } else if (a.status === 'awaiting-seed') {
      const r = await call<{ index: number }>('POST', `/api/v1/audits/${id}/seed`, s.proposer, {
        seed: o.seed,
      });
      logged('audit-seed', r.index);
    } else if (a.status === 'sampling') {
      const sampled = a.rounds.filter((r) => !r.full).length;
      // The first round, and a round after a resumed run, take the server's own estimate (its default size).
      const next =
        sampled === 0
          ? null
          : nextAuditRound({
              sampledRounds: sampled,
              risk: a.risk,
              estimate: sizes?.['0.9'] ?? 1,
              stations: a.progress.total.stations,
            });
      const body = next?.full ? { full: true } : next && sizes ? { draws: next.draws } : {};
      if (next?.full) o.term.print(`  a full count: ${next.why}\n`);
      const r = await call<AuditRoundStarted>(
        'POST',
        `/api/v1/audits/${id}/rounds`,
        s.proposer,
        body,
      );
      logged(next?.full ? 'audit-full-count' : 'audit-round', r.index);
    } else if (a.status === 'round-open' || a.status === 'full-count') {
      const round = a.rounds[a.rounds.length - 1];
      if (!round) throw new Error(`audit ${id} is ${a.status} without a round`);
      await enterRound(o, id, round, s, call, logged);
      const r = await call<AuditRoundClosed>(
        'POST',
        `/api/v1/audits/${id}/rounds/${round.round}/close`,
        s.proposer,
        {},
      );
      logged('audit-round-closed', r.index);
      sizes = r.nextRoundSizes;
      o.term.print(
        `  round ${round.round}: ${round.full ? 'full count' : `${round.draws.length.toLocaleString('en')} draws`}, risk ${r.risk} → ${r.outcome}\n`,
      );
    } else break;
    a = await view();
  }
  return summaryOf(a, entries);
}

type Call = <T>(
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
  contentType?: string,
) => Promise<T>;

/** Each sampled station of the open round not yet confirmed: photo, entry by one member, confirmation by the other. */
async function enterRound(
  o: DemoAuditOptions,
  id: string,
  round: AuditAnswer['rounds'][number],
  s: Sessions,
  call: Call,
  logged: (kind: string, index: number) => void,
): Promise<void> {
  const stations = [...new Set(round.draws.map((d) => d.station))];
  const confirmed = new Set(
    round.papers.filter((p) => p.confirmedBy !== null).map((p) => p.station),
  );
  const entered = new Map(
    round.papers
      .filter((p) => p.confirmedBy === null && p.supersededBy === null)
      .map((p) => [p.station, p.entryIndex]),
  );
  const todo = stations.filter((st) => !confirmed.has(st));
  let done = stations.length - todo.length;
  const label = `round ${round.round}${round.full ? ' (full count)' : ''}: papers`;
  const render = (force = false) => {
    if (o.progress !== false) o.term.progress([{ label, done, total: stations.length }], force);
  };
  render(true);
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const station = todo[next++] as string;
      let entry = entered.get(station);
      if (entry === undefined) {
        const paper = o.paperOf(station);
        // The board's photo of the paper form: where the paper agrees with the log it is the very scan the device sent.
        const photo = resultFormPdf(o.index, { contest: o.contest, station, ...paper });
        const form = toHex(sha256(photo));
        await call(
          'PUT',
          `/api/v1/audits/${id}/forms/${form}?station=${station}`,
          s.enterer,
          photo,
          'application/pdf',
        );
        const r = await call<AuditPaperEntered>('POST', `/api/v1/audits/${id}/papers`, s.enterer, {
          round: round.round,
          station,
          paper: 'counted',
          votes: paper.votes,
          rejected: paper.rejected,
          totalValid: paper.totalValid,
          form,
        });
        logged('audit-paper', r.index);
        entry = r.index;
      }
      const c = await call<{ index: number }>(
        'POST',
        `/api/v1/audits/papers/${entry}/confirm`,
        s.confirmer,
        {},
      );
      logged('audit-confirmed', c.index);
      done++;
      render();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? 8) }, worker));
  render(true);
  if (o.progress !== false) o.term.endProgress();
}

function summaryOf(a: AuditAnswer, entries: Record<string, number[]>): DemoAuditSummary {
  const confirmed = new Map<string, AuditAnswer['rounds'][number]['papers'][number]>();
  for (const r of a.rounds)
    for (const p of r.papers) if (p.confirmedBy !== null) confirmed.set(p.station, p);
  return {
    audit: a.id,
    treeSize: a.treeSize,
    status: a.status,
    risk: a.risk,
    riskLimit: a.riskLimit,
    rounds: a.rounds.map((r) => ({
      round: r.round,
      full: r.full,
      draws: r.draws.length,
      risk: r.risk,
      outcome: r.outcome,
    })),
    stationsChecked: confirmed.size,
    stations: a.progress.total.stations,
    discrepancies: [...confirmed.values()]
      .filter((p) => p.differences.length > 0)
      .map((p) => ({ station: p.station, entry: p.entryIndex, differences: p.differences })),
    entries,
  };
}

/** The audit's summary, as the demo prints it after the night. */
export function printAuditSummary(
  sum: DemoAuditSummary,
  o: { portal: string; seed: string; seedSource: string },
  out: (s: string) => void,
): void {
  const n = (x: number) => x.toLocaleString('en');
  const met = sum.status === 'risk-limit-met';
  const lines = [
    '',
    `audit ${sum.audit}: the presidential results logged up to tree size ${n(sum.treeSize)}, batch comparison at a ${sum.riskLimit} % risk limit`,
    `  seed         ${o.seed} (${o.seedSource})`,
    ...sum.rounds.map(
      (r) =>
        `  round ${r.round}      ${r.full ? `full count of ${n(r.draws)} stations` : `${n(r.draws)} draws`}: risk ${r.risk ?? '(open)'}, ${r.outcome ?? 'open'}`,
    ),
    `  checked      ${n(sum.stationsChecked)} of ${n(sum.stations)} stations' paper forms, each entered by one audit-board member and confirmed by the other`,
    `  differing    ${n(sum.discrepancies.length)} of them differ from the log`,
    ...sum.discrepancies
      .slice(0, 5)
      .map(
        (d) =>
          `               ${d.station} (entry ${d.entry}): ${d.differences.map((x) => `${x.field} ${x.paper} on paper, ${x.logged} logged`).join('; ')}`,
      ),
    ...(sum.discrepancies.length > 5
      ? [`               … and ${n(sum.discrepancies.length - 5)} more (see the audit page)`]
      : []),
    `  risk         ${sum.risk} against the limit ${sum.riskLimit / 100}: ${met ? 'the risk limit is met: the paper confirms the outcome' : sum.status === 'confirmed' ? 'the full count confirms the outcome' : sum.status === 'overturned' ? 'THE FULL COUNT OVERTURNS THE OUTCOME' : sum.status}`,
    `  log entries  ${
      Object.keys(sum.entries).length === 0
        ? 'none by this run: the audit was on the log already'
        : Object.entries(sum.entries)
            .map(([kind, list]) => `${kind} ${compactIndexes(list)}`)
            .join('; ')
    }`,
    `  audit page   ${o.portal}/audit/${sum.audit}`,
    '',
  ];
  out(`${lines.join('\n')}\n`);
}

/** "5", "5, 9", or "12–340 (329)" for many. */
function compactIndexes(list: readonly number[]): string {
  const sorted = [...list].sort((a, b) => a - b);
  if (sorted.length <= 3) return sorted.join(', ');
  return `${sorted[0]}–${sorted[sorted.length - 1]} (${sorted.length.toLocaleString('en')} entries)`;
}
