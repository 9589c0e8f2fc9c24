// Fault injection for the election-night replay (kura demo --faults). The
// night's plan is turned into a stream of sends in which some are faults; each
// fault is counted, and the server's answer to it is checked against the one
// the API promises:
//
//   retry         the same signed bytes sent 2-3 times (two at once, and a
//                 third at the end of the night): one 201, the rest 200
//                 duplicate with the same index
//   wrong-device  a station's result signed (validly) by another station's
//                 device: 403 DEVICE_NOT_ENROLLED_AT_STATION
//   forged        a result altered after signing: 401 BAD_SIGNATURE
//   over-vote     a station's form with more ballots than registered voters,
//                 properly signed, sent INSTEAD of its real form: 201 flagged
//                 over-registered, and counted in the tally
//   conflict      a second, different (signed) result for a station+contest
//                 already logged: 409 ALREADY_REPORTED, tallies unchanged
//   late          forms held back and sent after the rest, shuffled: 201
//   kill          the server SIGKILLed at 40% of the night and restarted on
//                 the same data: requests in flight are retried with the same
//                 bytes; every result acknowledged before the kill is still
//                 in the log at its index with its bytes; the checkpoints seen
//                 before the kill are consistent with the one after (no fork)
//
// Over-votes go only into contests other than the presidential one (unless
// the election has no other), so the presidential tally can still be set
// beside an external declaration (Kenya's Form 34C) unchanged, while the
// over-votes are still shown to be counted: the demo compares every contest's
// national tally with the sum of the forms actually sent, over-votes included.

import type { Device } from '../election/definition.js';
import type { ElectionIndex } from '../election/election-index.js';
import { encodeEntry, type ResultEntry } from '../election/entries.js';
import type { UnitTally } from '../election/fold.js';
import { checkReceiptText } from '../election/receipt-check.js';
import { type ResultFlag, resultFlags } from '../election/rules.js';
import { equal } from '../log/bytes.js';
import { leafHash } from '../log/merkle.js';
import { parseNote } from '../log/note.js';
import { parseReceipt } from '../log/receipt.js';
import {
  AckedEntries,
  checkNoFork,
  checkNoLoss,
  fetchCheckpoint,
  type LogIdentity,
  openLogCheckpoint,
  type SeenCheckpoint,
} from './log-audit.js';
import { rng, shuffle } from './random.js';
import {
  type HttpClient,
  type PlannedResult,
  type RetryPolicy,
  type SendOutcome,
  sendResult,
  signPlanned,
} from './replay.js';
import type { ServerProcess } from './server-process.js';
import { type FormTotals, fetchNationalTally } from './totals.js';

export type FaultKind = 'retry' | 'wrong-device' | 'forged' | 'over-vote' | 'conflict' | 'late';

/** One send of the faulty night. */
export interface Job extends PlannedResult {
  kind: 'normal' | FaultKind;
  /** This send carries the station's form the tally must count (exactly one per station+contest). */
  counts: boolean;
  /** A pre-made entry (retry copies, forgeries, other devices' signatures). */
  entry?: ResultEntry;
  group?: RetryGroup;
  conflict?: Conflict;
  /** The entry as sent (set when it is signed). */
  sent?: ResultEntry;
  outcome?: SendOutcome;
  inFlightAtKill?: boolean;
}

interface RetryGroup {
  copies: Job[];
}

interface Conflict {
  original: Job;
  altered: PlannedResult;
  outcome?: SendOutcome;
}

export interface FaultRow {
  fault: string;
  injected: string;
  expected: string;
  seen: string;
  ok: boolean;
}

export interface FaultOptions {
  index: ElectionIndex;
  deviceOf: (station: string) => string;
  /** Forms in the plan (to place the faults and the kill). */
  planCount: number;
  server: ServerProcess;
  client: HttpClient;
  log: LogIdentity;
  /** Sums of the forms the tally should count; the injector adds each such send as it is made. */
  totals: FormTotals;
  /** Requests the replay keeps in flight (faults are placed clear of those cut off by the kill). */
  concurrency?: number;
  /** Where in the night (fraction of the plan) the server is killed; null: never. */
  killAt?: number | null;
  retry: RetryPolicy;
  seed?: string;
  out?: (s: string) => void;
  /** Shows a phase in progress (the restart, silent while the server checks its store). */
  activity?: (label: string) => { done(text?: string): void };
  /** Called when the night cannot go on (the server did not come back after the kill). */
  onFatal?: (why: string) => void;
}

/** Tallies of answers: "201" → 12, "403 DEVICE_NOT_ENROLLED_AT_STATION" → 3. */
class Answers {
  private readonly counts = new Map<string, number>();
  add(o: SendOutcome | undefined): void {
    const key = !o
      ? 'no answer'
      : o.code
        ? `${o.status} ${o.code}`
        : o.status === 200 && o.duplicate
          ? '200 duplicate'
          : String(o.status);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  toString(): string {
    if (this.counts.size === 0) return '-';
    return [...this.counts]
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} x${n.toLocaleString('en')}`)
      .join(', ');
  }
}

const isAck = (o: SendOutcome) => (o.status === 201 || o.status === 200) && o.index !== undefined;
const sameFlags = (a: readonly string[] | undefined, b: readonly string[]) =>
  (a ?? []).length === b.length && b.every((f) => a?.includes(f));
const n = (x: number) => x.toLocaleString('en');

/** Pick `k` distinct positions in [0, total) outside `avoid`, with `next`. */
function pickPositions(
  k: number,
  total: number,
  avoid: (pos: number) => boolean,
  next: () => number,
  taken: Set<number>,
): number[] {
  const out: number[] = [];
  for (let tries = 0; out.length < k && tries < k * 50; tries++) {
    const pos = Math.floor(next() * total);
    if (avoid(pos) || taken.has(pos)) continue;
    taken.add(pos);
    out.push(pos);
  }
  return out;
}

export class FaultInjector {
  private readonly electionId: string;
  private readonly assigned = new Map<number, FaultKind>();
  private readonly killPosition: number | null;
  private readonly killFraction: number;
  private readonly next: () => number;
  private readonly devices: Device[];
  private readonly onlyPresident: boolean;
  private readonly nearKill: (position: number) => boolean;

  // What was sent, by kind.
  private readonly retryGroups: RetryGroup[] = [];
  private readonly wrongDevice: Job[] = [];
  private readonly forged: Job[] = [];
  private readonly overVotes: Job[] = [];
  private readonly conflicts: Conflict[] = [];
  private readonly late: Job[] = [];
  private normalSent = 0;
  private readonly normalAnswers = new Answers();
  private normalWrong = 0;
  private readonly lateAnswers = new Answers();
  private lateWrong = 0;
  private readonly inFlightAnswers = new Answers();
  private inFlightCount = 0;
  private inFlightWrong = 0;
  private readonly examples: string[] = [];

  // Receipts.
  private receiptsParsed = 0;
  private receiptsVerified = 0;
  private readonly receiptProblems: string[] = [];

  // The kill.
  private readonly inFlight = new Set<Job>();
  /** A monitor's look at the checkpoint shortly before the kill. */
  private monitor: Promise<SeenCheckpoint | null> | null = null;
  /** The monitor's checkpoint once fetched, or why it could not be. */
  private monitored: SeenCheckpoint | string | null = null;
  private readonly monitorPosition: number | null;
  private gate: Promise<void> | null = null;
  private killState: 'waiting' | 'killing' | 'done' = 'waiting';
  private recordingAcks = true;
  private readonly acked = new AckedEntries();
  private latestReceiptCheckpoint: { size: number; note: string } | null = null;
  private kill: {
    position: number;
    restartMs: number;
    inFlight: number;
    before: SeenCheckpoint[];
    after?: SeenCheckpoint;
    noFork: Array<{ from: number; to: number; problem?: string }>;
    noLoss?: { checked: number; missing: string[]; proofsChecked: number };
    error?: string;
  } | null = null;

  constructor(private readonly o: FaultOptions) {
    this.electionId = o.index.definition.electionId;
    this.devices = o.index.definition.devices;
    this.onlyPresident = [...o.index.contests.keys()].every((c) => c === 'president');
    this.next = rng(`${o.seed ?? 'kura faults'}/${this.electionId}`);
    const total = o.planCount;
    const killAt = o.killAt === undefined ? 0.4 : o.killAt;
    this.killFraction = killAt ?? 0;
    this.killPosition = killAt === null ? null : Math.floor(total * killAt);
    this.monitorPosition =
      this.killPosition === null
        ? null
        : Math.max(0, this.killPosition - Math.max(1, Math.floor(total * 0.01)));
    // Faults stay clear of the kill (of the requests that may be in flight
    // then), so their answers do not depend on where it falls.
    const window = Math.min(2 * (o.concurrency ?? 128) + total * 0.01, total * 0.1);
    const avoid = (pos: number) =>
      this.killPosition !== null && Math.abs(pos - this.killPosition) < window;
    this.nearKill = avoid;
    const scaled = (rate: number, min: number) => Math.max(min, Math.round(total * rate));
    const taken = new Set<number>();
    const plan: Array<[FaultKind, number]> = [
      ['retry', scaled(0.002, 6)],
      ['wrong-device', scaled(0.0002, 3)],
      ['forged', scaled(0.0002, 3)],
      ['over-vote', scaled(0.0002, 3)],
      ['conflict', scaled(0.0002, 3)],
      ['late', scaled(0.005, 12)],
    ];
    for (const [kind, k] of plan)
      for (const pos of pickPositions(k, total, avoid, this.next, taken))
        this.assigned.set(pos, kind);
  }

  // ------------------------------------------------------------ the stream

  /** The night with faults in it: what the replay sends, in order. */
  *jobs(plan: Iterable<PlannedResult>): Generator<Job> {
    const heldBack: Job[] = [];
    const owed: FaultKind[] = [];
    let pos = 0;
    let lastAt = 0;
    for (const p of plan) {
      lastAt = Math.max(lastAt, p.at);
      let kind = this.assigned.get(pos) ?? null;
      pos++;
      if (kind && !this.suits(kind, p)) {
        owed.push(kind);
        kind = null;
      }
      if (!kind && owed.length > 0 && !this.nearKill(pos) && this.suits(owed[0] as FaultKind, p))
        kind = owed.shift() ?? null;
      for (const j of this.expand(p, kind, heldBack)) {
        if (j.counts) this.o.totals.add(j);
        yield j;
      }
    }
    // Late arrivals and the last retry copies, after everything else, in shuffled order.
    shuffle(heldBack, this.next);
    for (const [i, j] of heldBack.entries()) {
      j.at = lastAt + 1 + i;
      if (j.counts) this.o.totals.add(j);
      yield j;
    }
  }

  private suits(kind: FaultKind, p: PlannedResult): boolean {
    if (kind === 'wrong-device') return this.devices.some((d) => d.station !== p.station);
    if (kind === 'over-vote')
      return (p.contest !== 'president' || this.onlyPresident) && Object.keys(p.votes).length > 0;
    return true;
  }

  private sign(p: PlannedResult, device = this.o.deviceOf(p.station)): ResultEntry {
    return signPlanned(p, this.electionId, device);
  }

  private *expand(p: PlannedResult, kind: FaultKind | null, heldBack: Job[]): Generator<Job> {
    const normal = (): Job => ({ ...p, kind: 'normal', counts: true });
    switch (kind) {
      case null:
        yield normal();
        return;
      case 'retry': {
        const entry = this.sign(p);
        const group: RetryGroup = { copies: [] };
        const copies = this.retryGroups.length % 2 === 0 ? 3 : 2;
        for (let c = 0; c < copies; c++)
          group.copies.push({ ...p, kind: 'retry', counts: c === 0, entry, group });
        this.retryGroups.push(group);
        // Two at once (a device that timed out and resent), the third at the end of the night.
        yield group.copies[0] as Job;
        yield group.copies[1] as Job;
        if (group.copies[2]) heldBack.push(group.copies[2]);
        return;
      }
      case 'wrong-device': {
        let k = Math.floor(this.next() * this.devices.length);
        while (this.devices[k]?.station === p.station) k = (k + 1) % this.devices.length;
        const other = this.devices[k] as Device;
        const j: Job = { ...p, kind, counts: false, entry: this.sign(p, other.id) };
        this.wrongDevice.push(j);
        yield j;
        yield normal();
        return;
      }
      case 'forged': {
        const signed = this.sign(p);
        const [first] = Object.keys(signed.votes).sort();
        const votes = { ...signed.votes };
        if (first !== undefined) votes[first] = (votes[first] ?? 0) + 10;
        // The signature is the device's, over the figures before the change.
        const j: Job = {
          ...p,
          kind,
          counts: false,
          entry: { ...signed, votes, totalValid: signed.totalValid + 10 },
        };
        this.forged.push(j);
        yield j;
        yield normal();
        return;
      }
      case 'over-vote': {
        const registered = this.o.index.stations.get(p.station)?.registeredVoters ?? 0;
        const extra = registered + 15 + this.overVotes.length * 7 - (p.totalValid + p.rejected);
        const [first] = Object.keys(p.votes);
        const votes = { ...p.votes };
        if (first !== undefined) votes[first] = (votes[first] ?? 0) + Math.max(0, extra);
        const j: Job = {
          ...p,
          votes,
          totalValid: p.totalValid + Math.max(0, extra),
          kind,
          counts: true,
        };
        this.overVotes.push(j);
        yield j;
        return;
      }
      case 'conflict': {
        const original = normal();
        const votes = { ...p.votes };
        const names = Object.keys(votes);
        const from = names.find((c) => (votes[c] ?? 0) > 0);
        const to = names.find((c) => c !== from);
        let { rejected, totalValid } = p;
        if (from !== undefined && to !== undefined) {
          votes[from] = (votes[from] ?? 0) - 1;
          votes[to] = (votes[to] ?? 0) + 1;
        } else {
          rejected += 1;
          totalValid = Math.max(0, totalValid - 1);
        }
        // The same station and device, an hour later, with one vote moved.
        const conflict: Conflict = {
          original,
          altered: { ...p, votes, rejected, totalValid, at: p.at + 3_600_000 },
        };
        original.conflict = conflict;
        this.conflicts.push(conflict);
        yield original;
        return;
      }
      case 'late': {
        const j: Job = { ...p, kind, counts: true };
        this.late.push(j);
        heldBack.push(j);
        return;
      }
    }
  }

  // ------------------------------------------------------------ replay hooks

  /** The replay's entryFor. */
  readonly entryFor = (j: Job): ResultEntry => {
    j.sent = j.entry ?? this.sign(j);
    return j.sent;
  };

  /** The replay's beforeSend: holds the night while the server is down; kills it at its time. */
  readonly beforeSend = async (j: Job, position: number): Promise<void> => {
    while (this.gate) await this.gate;
    if (!this.monitor && this.monitorPosition !== null && position >= this.monitorPosition)
      this.monitor = fetchCheckpoint(this.o.client, this.o.log).then(
        (cp) => {
          this.monitored = cp;
          return cp;
        },
        (e: Error) => {
          this.monitored = e.message;
          return null;
        },
      );
    // The kill waits for the monitor's look (a few sends more, the night going on meanwhile).
    if (
      this.killState === 'waiting' &&
      this.killPosition !== null &&
      position >= this.killPosition &&
      this.monitored !== null
    ) {
      this.killState = 'killing';
      this.gate = this.killAndRestart(position).finally(() => {
        this.killState = 'done';
        this.gate = null;
      });
      await this.gate;
    }
    this.inFlight.add(j);
  };

  /** The replay's onResult. */
  readonly onResult = (j: Job, o: SendOutcome): void => {
    this.inFlight.delete(j);
    j.outcome = o;
    if (isAck(o)) this.checkReceipt(j, o);
    const wrong = (why: string) => {
      if (this.examples.length < 10)
        this.examples.push(`${j.kind} ${j.contest} ${j.station}: ${why}`);
    };
    if (j.inFlightAtKill && (j.kind === 'normal' || j.kind === 'late')) {
      // Sent before the kill, answered after the restart: the retry of the same bytes
      // is logged once, whether or not the first attempt was.
      this.inFlightCount++;
      this.inFlightAnswers.add(o);
      if (o.status !== 201 && !(o.status === 200 && o.duplicate)) {
        this.inFlightWrong++;
        wrong(`${o.status} ${o.code ?? ''}`);
      }
      return;
    }
    if (j.kind === 'normal') {
      this.normalSent++;
      this.normalAnswers.add(o);
      const flags = resultFlags(this.o.index, j.sent as ResultEntry);
      if (o.status !== 201 || !sameFlags(o.flags, flags)) {
        this.normalWrong++;
        wrong(`${o.status} ${o.code ?? ''} flags ${JSON.stringify(o.flags)}`);
      }
    } else if (j.kind === 'late') {
      this.lateAnswers.add(o);
      if (o.status !== 201) {
        this.lateWrong++;
        wrong(`${o.status} ${o.code ?? ''}`);
      }
    }
  };

  private checkReceipt(j: Job, o: SendOutcome): void {
    const text = o.receipt ?? '';
    const parsed = parseReceipt(text);
    const problem = (why: string) => {
      if (this.receiptProblems.length < 10)
        this.receiptProblems.push(`${j.contest} ${j.station} (entry ${o.index}): ${why}`);
    };
    if (!parsed.ok) {
      problem(`receipt unreadable: ${parsed.error.message}`);
      return;
    }
    this.receiptsParsed++;
    const sent = encodeEntry(j.sent as ResultEntry);
    const { extra, index } = parsed.value;
    if (!extra || !equal(extra, sent)) problem('the receipt carries other bytes than those sent');
    if (index !== o.index) problem(`the receipt says entry ${index}`);
    // Every fault's receipt, and one in 50 of the others, fully verified offline.
    if (j.kind !== 'normal' || this.receiptsParsed % 50 === 1) {
      const checked = checkReceiptText(text, this.o.log.logKey, this.o.log.origin);
      if (!checked.ok) problem(`the receipt does not verify: ${checked.error}`);
      else this.receiptsVerified++;
    }
    if (this.recordingAcks) {
      this.acked.add(index, leafHash(sent));
      const cp = parseNote(parsed.value.checkpoint);
      const size = cp.ok ? Number(cp.value.text.split('\n')[1]) : 0;
      if (!this.latestReceiptCheckpoint || size > this.latestReceiptCheckpoint.size)
        this.latestReceiptCheckpoint = { size, note: parsed.value.checkpoint };
    }
  }

  // ------------------------------------------------------------ the kill

  private async killAndRestart(position: number): Promise<void> {
    const { server, client, log } = this.o;
    const say = this.o.out ?? (() => {});
    const before: SeenCheckpoint[] = [];
    this.kill = { position, restartMs: 0, inFlight: 0, before, noFork: [] };
    try {
      // No warning: the requests in flight now are cut off mid-way.
      for (const j of this.inFlight) j.inFlightAtKill = true;
      this.kill.inFlight = this.inFlight.size;
      const pid = server.pid;
      await server.kill('SIGKILL');
      this.recordingAcks = false;
      say(
        `\n[faults] SIGKILL to the server (pid ${pid}) after ${n(position)} sends, with ${n(this.kill.inFlight)} requests in flight\n`,
      );
      // The checkpoints seen before the crash: a monitor's, shortly before, and the newest in a receipt.
      if (this.monitored && typeof this.monitored !== 'string') before.push(this.monitored);
      else say(`[faults] the monitor could not read the checkpoint: ${this.monitored}\n`);
      if (this.latestReceiptCheckpoint) {
        const opened = openLogCheckpoint(this.latestReceiptCheckpoint.note, log);
        if (opened.ok) before.push(opened.value);
        else throw new Error(`a receipt's checkpoint does not verify: ${opened.error}`);
      }
      const t0 = Date.now();
      const restarting = this.o.activity?.('[faults] restarting the server on the same data');
      try {
        await server.restart();
      } finally {
        restarting?.done('');
      }
      this.kill.restartMs = Date.now() - t0;
      say(
        `[faults] restarted on the same data in ${(this.kill.restartMs / 1000).toFixed(1)} s (pid ${server.pid}); checking the log\n`,
      );
      const after = await fetchCheckpoint(client, log);
      this.kill.after = after;
      for (const b of before) {
        const r = await checkNoFork(client, b.checkpoint, after.checkpoint);
        this.kill.noFork.push({
          from: b.checkpoint.size,
          to: after.checkpoint.size,
          problem: r.ok ? undefined : r.error,
        });
      }
      this.kill.noLoss = await checkNoLoss(client, this.acked, after.checkpoint);
      say(
        `[faults] ${n(this.kill.noLoss.checked)} acknowledged entries checked, ${n(this.kill.noLoss.missing.length)} missing; resuming the night\n\n`,
      );
    } catch (e) {
      this.kill.error = (e as Error).message;
      say(`[faults] the kill/restart failed: ${this.kill.error}\n`);
      if (!server.running) this.o.onFatal?.(`the server did not come back: ${this.kill.error}`);
    }
  }

  // ------------------------------------------------------------ after the night

  /**
   * Sends the conflicting results (each station's real result is logged by
   * now), checking the tallies are unchanged, and checks the over-voted
   * stations' results in the log.
   */
  async afterNight(): Promise<void> {
    const { client } = this.o;
    const contests = [...this.o.index.contests.keys()];
    const snapshot = async () => {
      const out = new Map<string, string>();
      for (const c of contests) out.set(c, JSON.stringify(await fetchNationalTally(client, c)));
      return out;
    };
    const before = await snapshot();
    await Promise.all(
      this.conflicts.map(async (c) => {
        c.outcome = await sendResult(client, this.sign(c.altered), this.o.retry);
      }),
    );
    const after = await snapshot();
    this.tallyChanged = contests.filter((c) => before.get(c) !== after.get(c));
    for (const c of this.conflicts)
      this.stationProblems.set(c, await this.stationHolds(c.original, c.original.outcome?.index));
    for (const j of this.overVotes)
      this.stationProblems.set(j, await this.stationHolds(j, j.outcome?.index));
  }

  private tallyChanged: string[] | null = null;
  /** Per over-vote and conflict: null when the station's logged result is as it must be. */
  private readonly stationProblems = new Map<Job | Conflict, string | null>();

  /** Null when the station's logged result for j's contest is j's figures at `index`, flagged as the rules say. */
  private async stationHolds(j: Job, index: number | undefined): Promise<string | null> {
    const res = await this.o.client.request(
      'GET',
      `/api/v1/stations/${encodeURIComponent(j.station)}`,
    );
    if (res.status !== 200) return `GET /api/v1/stations/${j.station}: ${res.status}`;
    const body = JSON.parse(res.body.toString()) as {
      results: Record<string, (Pick<UnitTally, 'votes'> & Record<string, unknown>) | null>;
    };
    const r = body.results[j.contest] as {
      entryIndex: number;
      votes: Record<string, number>;
      totalValid: number;
      rejected: number;
      flags: ResultFlag[];
    } | null;
    if (!r) return `station ${j.station} has no ${j.contest} result`;
    if (r.entryIndex !== index) return `its result is entry ${r.entryIndex}, not ${index}`;
    const same =
      r.totalValid === j.totalValid &&
      r.rejected === j.rejected &&
      Object.keys(j.votes).every((c) => r.votes[c] === j.votes[c]);
    if (!same) return 'its logged figures are not the ones sent';
    if (!sameFlags(r.flags, resultFlags(this.o.index, j as unknown as ResultEntry)))
      return `flags ${JSON.stringify(r.flags)}`;
    return null;
  }

  // ------------------------------------------------------------ the report

  rows(): FaultRow[] {
    const rows: FaultRow[] = [];
    const answers = (jobs: Iterable<{ outcome?: SendOutcome }>) => {
      const a = new Answers();
      for (const j of jobs) a.add(j.outcome);
      return a.toString();
    };

    rows.push({
      fault: 'none (each form sent once)',
      injected: n(this.normalSent),
      expected: '201, flags as the figures say',
      seen: this.normalAnswers.toString(),
      ok: this.normalWrong === 0,
    });

    // Retries.
    const copies = this.retryGroups.flatMap((g) => g.copies);
    const groupOk = (g: RetryGroup) => {
      const outs = g.copies.map((c) => c.outcome);
      if (outs.some((o) => !o || !isAck(o))) return false;
      const firsts = outs.filter((o) => o?.status === 201).length;
      const index = outs[0]?.index;
      const straddled = g.copies.some((c) => c.inFlightAtKill);
      // One copy in flight at the kill may have been logged without its 201 getting out.
      const firstsOk = straddled ? firsts <= 1 : firsts === 1;
      return (
        firstsOk &&
        outs.every((o) => o?.index === index) &&
        outs.every((o) => o?.status === 201 || o?.duplicate === true)
      );
    };
    rows.push({
      fault: 'retry: same signed bytes 2-3 times (at once, later)',
      injected: `${n(this.retryGroups.length)} forms, ${n(copies.length)} sends`,
      expected: 'one 201, the others 200 duplicate, same index',
      seen: answers(copies),
      ok: this.retryGroups.length > 0 && this.retryGroups.every(groupOk),
    });

    const simple = (fault: string, jobs: Job[], status: number, code: string) =>
      rows.push({
        fault,
        injected: n(jobs.length),
        expected: `${status} ${code}`,
        seen: answers(jobs),
        ok:
          jobs.length > 0 &&
          jobs.every((j) => j.outcome?.status === status && j.outcome.code === code),
      });
    simple(
      'device not enrolled at the station (own signature)',
      this.wrongDevice,
      403,
      'DEVICE_NOT_ENROLLED_AT_STATION',
    );
    simple('forged: figures altered after signing', this.forged, 401, 'BAD_SIGNATURE');

    const overOk = (j: Job) =>
      (j.outcome?.status === 201 || (j.inFlightAtKill && j.outcome?.duplicate === true)) &&
      (j.outcome?.flags ?? []).includes('over-registered') &&
      this.stationProblems.get(j) === null;
    rows.push({
      fault: 'over-vote (> registered), instead of the real form',
      injected: n(this.overVotes.length),
      expected: '201 flagged over-registered; logged, counted',
      seen: `${answers(this.overVotes)}; flagged over-registered x${this.overVotes.filter((j) => j.outcome?.flags?.includes('over-registered')).length}; logged as sent x${this.overVotes.filter((j) => this.stationProblems.get(j) === null).length}`,
      ok: this.overVotes.length > 0 && this.overVotes.every(overOk),
    });

    const conflictOk = (c: Conflict) =>
      c.outcome?.status === 409 &&
      c.outcome.code === 'ALREADY_REPORTED' &&
      this.stationProblems.get(c) === null;
    rows.push({
      fault: 'second, different result for a logged station',
      injected: n(this.conflicts.length),
      expected: '409 ALREADY_REPORTED; tallies unchanged',
      seen: `${answers(this.conflicts)}; ${this.tallyChanged === null ? 'tallies not checked' : this.tallyChanged.length === 0 ? 'tallies unchanged' : `CHANGED: ${this.tallyChanged.join(', ')}`}`,
      ok:
        this.conflicts.length > 0 &&
        this.conflicts.every(conflictOk) &&
        this.tallyChanged !== null &&
        this.tallyChanged.length === 0,
    });

    rows.push({
      fault: 'late: held back to the end, shuffled',
      injected: n(this.late.length),
      expected: '201',
      seen: this.lateAnswers.toString(),
      ok: this.late.length > 0 && this.lateWrong === 0 && this.late.every((j) => j.outcome),
    });

    // The kill.
    const k = this.kill;
    if (this.killPosition !== null) {
      rows.push({
        fault: `server SIGKILL at ${Math.round(this.killFraction * 100)}%, restarted on same data`,
        injected: k ? `1 (after ${n(k.position)} sends)` : '0',
        expected: 'restarts; the night resumes',
        seen: !k
          ? 'the kill was never reached'
          : k.error
            ? `FAILED: ${k.error}`
            : `back in ${(k.restartMs / 1000).toFixed(1)} s`,
        ok: k !== null && !k.error && this.killState === 'done',
      });
      rows.push({
        fault: '  requests in flight at the kill (retried)',
        injected: n(this.inFlightCount),
        expected: '201 (200 duplicate if logged before the kill)',
        seen: this.inFlightAnswers.toString(),
        ok: k !== null && this.inFlightWrong === 0,
      });
      const loss = k?.noLoss;
      rows.push({
        fault: '  acknowledged before the kill: still logged',
        injected: n(loss?.checked ?? 0),
        expected: 'all at the same index, same bytes',
        seen: loss
          ? `${n(loss.checked - loss.missing.length)} of ${n(loss.checked)} (bundles); ${loss.proofsChecked} inclusion proofs verified${loss.missing.length ? `; ${loss.missing.slice(0, 3).join('; ')}` : ''}`
          : '-',
        ok: loss !== undefined && loss.checked > 0 && loss.missing.length === 0,
      });
      rows.push({
        fault: '  no fork: checkpoints before vs after the kill',
        injected: n(k?.noFork.length ?? 0),
        expected: 'consistency proofs verify',
        seen:
          k?.noFork
            .map(
              (f) =>
                `${n(f.from)} -> ${n(f.to)} ${f.problem ? `FAILED: ${f.problem}` : 'verified'}`,
            )
            .join('; ') || '-',
        ok: k !== null && k.noFork.length > 0 && k.noFork.every((f) => !f.problem),
      });
    }
    rows.push({
      fault: 'receipts: the bytes sent; a sample verified',
      injected: n(this.receiptsParsed),
      expected: 'all carry them; all verify',
      seen: `${n(this.receiptsVerified)} verified${this.receiptProblems.length ? `; ${this.receiptProblems.slice(0, 2).join('; ')}` : ''}`,
      ok: this.receiptProblems.length === 0 && this.receiptsVerified > 0,
    });
    return rows;
  }

  /** Examples of wrong answers (for the report). */
  problems(): string[] {
    const out = [...this.examples, ...this.receiptProblems];
    for (const [what, p] of this.stationProblems)
      if (p) out.push(`${'original' in what ? what.original.station : what.station}: ${p}`);
    return out.slice(0, 20);
  }
}

/** The summary table; true when every answer was the right one. */
export function printFaultTable(rows: FaultRow[], out: (s: string) => void): boolean {
  const cols: Array<[keyof FaultRow, string]> = [
    ['fault', 'fault'],
    ['injected', 'injected'],
    ['expected', 'expected answer'],
    ['seen', 'answers seen'],
  ];
  const widths = cols.map(([k, h]) =>
    Math.min(k === 'seen' ? 80 : 70, Math.max(h.length, ...rows.map((r) => String(r[k]).length))),
  );
  const line = (cells: string[]) =>
    `  ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')}\n`;
  out('\nfaults injected and the answers seen\n');
  out(line([...cols.map(([, h]) => h), 'result']));
  out(line([...widths.map((w) => '-'.repeat(w)), '------']));
  for (const r of rows) out(line([r.fault, r.injected, r.expected, r.seen, r.ok ? 'OK' : 'WRONG']));
  return rows.every((r) => r.ok);
}
