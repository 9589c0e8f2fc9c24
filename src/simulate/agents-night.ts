// The party agents of the demo's night (`kura demo --agents`), over HTTP as
// the parties and their agents' phones would: a commission administrator
// enrols the two coalitions (official act party-enrolled), and as each
// station's presidential result is logged, each coalition enrols its agent
// there (a roster entry signed by the party key) and the agent co-signs the
// result (attestation) or dissents with its copy's figures (dissent), signed
// by the agent's key. At the end: each coalition's parallel tally beside the
// official one.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { totp } from '../accounts/totp.js';
import type { AttestationEntry, DissentEntry, RosterEntry } from '../election/agent-entries.js';
import { signAgentEntry } from '../election/agent-signing.js';
import { resultEntryHash } from '../election/agents.js';
import { deviceTime } from '../election/device.js';
import type { ElectionIndex } from '../election/election-index.js';
import { encodeEntry, type ResultEntry } from '../election/entries.js';
import { toBase64 } from '../log/bytes.js';
import { ed25519PublicKey } from '../log/crypto.js';
import { type Coalition, demoPartySeed, type Figures, type StationAgent } from './agents-plan.js';
import { plannedFormHash } from './form-scans.js';
import { HttpClient, type PlannedResult } from './replay.js';
import { runKura } from './server-process.js';

/** The commission administrator who enrols the parties (made once per store from the console). */
export interface PartyRegistrar {
  account: string;
  password: string;
  totpSecret: string;
}

const REGISTRAR_ACCOUNT = 'party-registrar';

/** Where the demo keeps the registrar's credentials (demo secrets, beside the store). */
function registrarFile(dataDir: string): string {
  return join(dataDir, 'party-registrar.json');
}

/**
 * The registrar of this store: read back, or made with `kura admin create`
 * (server stopped; the store must exist, so `makeStore` starts the server once
 * on a new one first).
 */
export async function partyRegistrar(o: {
  electionDir: string;
  storeArgs: string[];
  dataDir: string;
  makeStore: () => Promise<void>;
}): Promise<PartyRegistrar> {
  const file = registrarFile(o.dataDir);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as PartyRegistrar;
  const password = randomBytes(18).toString('base64url');
  // Not in the data directory: before the store exists, a stray file there would make it no store's.
  const pwFile = join(tmpdir(), `kura-registrar-password-${process.pid}.txt`);
  const create = () =>
    runKura([
      ...['admin', 'create', '--election', o.electionDir, ...o.storeArgs],
      ...['--account', REGISTRAR_ACCOUNT, '--role', 'commission-admin', '--password-file', pwFile],
    ]);
  try {
    writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
    const text = await create().catch(async (e: unknown) => {
      if (!(e instanceof Error && /no kura store|holds no election/.test(e.message))) throw e;
      await o.makeStore();
      return create();
    });
    const secret = /TOTP secret ([A-Z2-7]+)/.exec(text)?.[1];
    if (!secret) throw new Error(`kura admin create printed no TOTP secret:\n${text}`);
    const registrar = { account: REGISTRAR_ACCOUNT, password, totpSecret: secret };
    writeFileSync(file, `${JSON.stringify(registrar, null, 2)}\n`, { mode: 0o600 });
    return registrar;
  } finally {
    rmSync(pwFile, { force: true });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Answer {
  status: number;
  code?: string;
  body: Record<string, unknown>;
}

/** POSTs JSON, retrying network failures and 503 with the same bytes (the server logs it once). */
async function post(
  client: HttpClient,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const text = JSON.stringify(body);
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await client.request('POST', path, text, 'application/json', headers);
      if (res.status === 503 && attempt < 200) {
        await sleep(Math.min(2000, 50 * attempt));
        continue;
      }
      const json = JSON.parse(res.body.toString('utf8') || '{}') as Record<string, unknown>;
      const code = (json.error as { code?: string } | undefined)?.code;
      return { status: res.status, code, body: json };
    } catch (e) {
      if (attempt >= 50) return { status: 0, code: `NETWORK: ${(e as Error).message}`, body: {} };
      await sleep(Math.min(2000, 50 * attempt));
    }
  }
}

/** How the server answered the agents' entries, by kind and answer ("201", "409 ALREADY_SIGNED", ...). */
export type AgentAnswers = Record<
  'parties' | 'roster' | 'attestation' | 'dissent',
  Record<string, number>
>;

interface Job {
  planned: PlannedResult;
  result: ResultEntry;
  agents: StationAgent[];
}

export class AgentNight {
  readonly answers: AgentAnswers = { parties: {}, roster: {}, attestation: {}, dissent: {} };
  readonly problems: string[] = [];
  private readonly queue: Job[] = [];
  private readonly idle: Array<() => void> = [];
  private closed = false;
  private readonly workers: Promise<void>[];
  private readonly client: HttpClient;

  constructor(
    private readonly o: {
      server: string;
      index: ElectionIndex;
      coalitions: readonly Coalition[];
      /** The agents at a station and their words, given the figures logged there. */
      agentsAt: (station: string, logged: Figures) => StationAgent[];
      /** Agents' phones sending at once. */
      concurrency: number;
    },
  ) {
    // Its own connections: the phones must not queue behind the demo's few.
    this.client = new HttpClient(o.server, o.concurrency * 2);
    this.workers = Array.from({ length: o.concurrency }, () => this.work());
  }

  private count(kind: keyof AgentAnswers, a: Answer): boolean {
    const key = a.code ? `${a.status} ${a.code}` : String(a.status);
    this.answers[kind][key] = (this.answers[kind][key] ?? 0) + 1;
    const fine = a.status === 200 || a.status === 201;
    if (!fine && this.problems.length < 10)
      this.problems.push(
        `${kind}: ${a.status} ${a.code ?? ''} ${JSON.stringify(a.body).slice(0, 200)}`,
      );
    return fine;
  }

  /** The commission enrols each coalition's key (again on a resumed store: PARTY_EXISTS is fine). */
  async enrolParties(registrar: PartyRegistrar): Promise<void> {
    const login = await post(this.client, '/api/v1/login', {
      account: registrar.account,
      password: registrar.password,
      totp: totp(registrar.totpSecret, Date.now()),
    });
    const token = login.body.token;
    if (login.status !== 200 || typeof token !== 'string')
      throw new Error(
        `the party registrar could not log in: ${login.status} ${JSON.stringify(login.body)}`,
      );
    const electionId = this.o.index.definition.electionId;
    for (const c of this.o.coalitions) {
      const a = await post(
        this.client,
        '/api/v1/parties',
        {
          party: c.party,
          name: c.name,
          publicKey: toBase64(ed25519PublicKey(demoPartySeed(electionId, c.party))),
        },
        { authorization: `Bearer ${token}` },
      );
      if (a.code === 'PARTY_EXISTS') {
        const key = `${a.status} ${a.code}`;
        this.answers.parties[key] = (this.answers.parties[key] ?? 0) + 1;
      } else if (!this.count('parties', a))
        throw new Error(`party ${c.party} was not enrolled: ${a.status} ${JSON.stringify(a.body)}`);
    }
  }

  /** A presidential result was logged: its station's agents enrol and give their word. */
  resultLogged(planned: PlannedResult, result: ResultEntry): void {
    const logged = {
      votes: planned.votes,
      rejected: planned.rejected,
      totalValid: planned.totalValid,
    };
    const agents = this.o.agentsAt(planned.station, logged);
    if (agents.length === 0) return;
    this.queue.push({ planned, result, agents });
    this.idle.shift()?.();
  }

  /** Waits for every word queued so far to be answered. */
  async finish(): Promise<void> {
    this.closed = true;
    for (const wake of this.idle.splice(0)) wake();
    await Promise.all(this.workers);
    this.client.close();
  }

  private async work(): Promise<void> {
    for (;;) {
      const job = this.queue.shift();
      if (job) await this.station(job);
      else if (this.closed) return;
      else await new Promise<void>((r) => this.idle.push(r));
    }
  }

  private async station({ planned, result, agents }: Job): Promise<void> {
    const resultHash = resultEntryHash(encodeEntry(result));
    // The coalitions' agents at a station act each on their own.
    await Promise.all(agents.map((a) => this.agent(planned, resultHash, a)));
  }

  private async agent(planned: PlannedResult, resultHash: string, a: StationAgent): Promise<void> {
    const electionId = this.o.index.definition.electionId;
    // The party enrolled its agent before polling day; the agent signs minutes after the count.
    const roster = signAgentEntry<RosterEntry>(
      {
        type: 'roster',
        v: 1,
        election: electionId,
        party: a.party,
        at: deviceTime(new Date(planned.at - 86_400_000)),
        act: {
          kind: 'agent-enrolled',
          agent: a.agent,
          station: a.station,
          publicKey: a.publicKey,
          replaces: '',
        },
      },
      demoPartySeed(electionId, a.party),
    );
    if (!this.count('roster', await post(this.client, '/api/v1/roster', roster))) return;
    const agentTime = deviceTime(new Date(planned.at + 120_000));
    if (a.word.kind === 'attestation') {
      const word = signAgentEntry<AttestationEntry>(
        {
          type: 'attestation',
          v: 1,
          election: electionId,
          party: a.party,
          agent: a.agent,
          result: resultHash,
          agentTime,
        },
        a.seed,
      );
      this.count('attestation', await post(this.client, '/api/v1/attestations', word));
    } else {
      const f = a.word.figures;
      const word = signAgentEntry<DissentEntry>(
        {
          type: 'dissent',
          v: 1,
          election: electionId,
          party: a.party,
          agent: a.agent,
          result: resultHash,
          contest: planned.contest,
          station: planned.station,
          votes: f.votes,
          rejected: f.rejected,
          totalValid: f.totalValid,
          // The photo of the agent's copy: the demo's form drawn with the copy's figures.
          form: plannedFormHash(this.o.index, {
            contest: planned.contest,
            station: planned.station,
            ...f,
          }),
          reason: a.word.reason,
          agentTime,
        },
        a.seed,
      );
      this.count('dissent', await post(this.client, '/api/v1/dissents', word));
    }
  }
}

interface PartyTallyAnswer {
  party: string;
  name: string;
  tally: {
    votes?: Record<string, number>;
    rejected: number;
    totalValid: number;
    stationsAttested: number;
    stationsDissented: number;
    stationsUncovered: number;
    differing: Array<{ station: string; official: Figures; party: Figures }>;
  };
  official: { votes?: Record<string, number>; rejected: number; stationsReported: number };
}

/**
 * Prints each coalition's parallel presidential tally (from its agents' signed
 * words: co-signed stations at the device's figures, dissents at the agent's)
 * beside the official one; false when the server does not answer.
 */
export async function printPartyTallies(
  client: HttpClient,
  coalitions: readonly Coalition[],
  candidates: ReadonlyArray<{ id: string; name: string }>,
  out: (s: string) => void,
): Promise<boolean> {
  const answers: PartyTallyAnswer[] = [];
  for (const c of coalitions) {
    const res = await client.request('GET', `/api/v1/parties/${c.party}/tally/president/nation`);
    if (res.status !== 200) {
      out(
        `\nTHE PARALLEL TALLY OF ${c.party} IS MISSING: ${res.status} ${res.body.toString().slice(0, 300)}\n`,
      );
      return false;
    }
    answers.push(JSON.parse(res.body.toString()) as PartyTallyAnswer);
  }
  const official = answers[0]?.official;
  if (!official) return false;
  const n = (x: number) => x.toLocaleString('en');
  const w = 16;
  const short = coalitions.map((c) => c.name.replace(/\s*\(.*$/, '').slice(0, w));
  out(
    "\nthe presidential tally beside each coalition's parallel tally (its agents' signed words: co-signed\nstations at the device's figures, disputed ones at the agent's copy, stations without its agent left out)\n",
  );
  out(
    `  ${'candidate'.padEnd(24)} ${'official'.padStart(w)}${short.map((s) => ` ${s.padStart(w)}`).join('')}\n`,
  );
  const row = (label: string, off: number | null, per: (a: PartyTallyAnswer) => number) =>
    out(
      `  ${label.padEnd(24)} ${(off === null ? '' : n(off)).padStart(w)}${answers.map((a) => ` ${n(per(a)).padStart(w)}`).join('')}\n`,
    );
  for (const c of candidates)
    row(c.name, official.votes?.[c.id] ?? 0, (a) => a.tally.votes?.[c.id] ?? 0);
  row('rejected ballots', official.rejected, (a) => a.tally.rejected);
  row(
    'stations counted',
    official.stationsReported,
    (a) => a.tally.stationsAttested + a.tally.stationsDissented,
  );
  row('  co-signed', null, (a) => a.tally.stationsAttested);
  row('  disputed', null, (a) => a.tally.stationsDissented);
  row('  without an agent', null, (a) => a.tally.stationsUncovered);
  for (const a of answers) {
    // Like against like: what the dissents move, at the stations where the figures differ.
    const moved: Record<string, number> = {};
    for (const d of a.tally.differing)
      for (const id of Object.keys(d.party.votes))
        moved[id] = (moved[id] ?? 0) + (d.party.votes[id] ?? 0) - (d.official.votes[id] ?? 0);
    const shifts = candidates
      .filter((c) => moved[c.id])
      .map((c) => `${c.name} ${(moved[c.id] as number) > 0 ? '+' : ''}${n(moved[c.id] as number)}`);
    out(
      `  ${a.name}: differs from the official figures at ${n(a.tally.differing.length)} station${a.tally.differing.length === 1 ? '' : 's'}${shifts.length ? ` (${shifts.join(', ')})` : ''}\n`,
    );
  }
  return true;
}
