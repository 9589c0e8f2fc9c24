// Party agents on the record (FORMATS.md §16): the parties the commission
// enrolled, each party's roster of agent keys (one station per agent), and
// the words the agents signed on counted results, attestations and dissents.
// Part of the fold: the server checks an entry with these rules before it logs
// it, and `kura verify` replays the same rules over the log. A word never
// changes a count; it only says, at the station, who agrees and who does not.
import { err, ok, type Result } from '../basics/result.js';
import { fromBase64 } from '../log/bytes.js';
import { ed25519Verify, isWeakEd25519Key, sha256Hex } from '../log/crypto.js';
import type {
  AgentEntry,
  AgentId,
  AttestationEntry,
  DissentEntry,
  PartyId,
  RosterEntry,
} from './agent-entries.js';
import { type CountedResultRef, CountedResults } from './counted-results.js';
import type { ContestId, StationCode } from './definition.js';
import type { ElectionIndex } from './election-index.js';
import { signingMessage } from './entries.js';
import type { Figures } from './official-entry.js';

/** Why a roster, attestation or dissent is refused. The server answers with the same code. */
export type AgentErrorCode =
  | 'WRONG_ELECTION'
  | 'UNKNOWN_PARTY'
  | 'BAD_PARTY_SIGNATURE'
  | 'UNKNOWN_STATION'
  | 'AGENT_EXISTS'
  | 'WEAK_AGENT_KEY'
  | 'UNKNOWN_AGENT'
  | 'AGENT_REVOKED'
  | 'AGENT_NOT_AT_STATION'
  | 'UNKNOWN_RESULT'
  | 'DISSENT_MISMATCH'
  | 'UNKNOWN_CANDIDATE'
  | 'MISSING_CANDIDATE'
  | 'BAD_AGENT_SIGNATURE'
  | 'ALREADY_SIGNED';

/** Why a party-enrolled act is refused (beside the officials' own codes). */
export type PartyErrorCode = 'PARTY_EXISTS' | 'WEAK_PARTY_KEY';

export interface AgentError {
  code: AgentErrorCode;
  field: string;
  message: string;
}

/** A party as the log now stands (FORMATS.md §16.1). */
export interface PartyState {
  party: PartyId;
  name: string;
  publicKey: string;
  /** Index of the party-enrolled official entry. */
  enrolledAt: number;
}

/** An agent as its party's roster now stands. */
export interface AgentState {
  party: PartyId;
  agent: AgentId;
  station: StationCode;
  publicKey: string;
  /** Index of the roster entry that enrolled it. */
  enrolledAt: number;
  /** The agent it replaced ("" for none). */
  replaces: AgentId | '';
  revokedAt: number | null;
  revokedReason: string;
}

/** An agent's agreement with a counted result. */
export interface Attestation {
  party: PartyId;
  agent: AgentId;
  /** Index of the attestation entry. */
  entryIndex: number;
}

/** An agent's disagreement with a counted result: its own figures and its copy of the form. */
export interface Dissent extends Figures {
  party: PartyId;
  agent: AgentId;
  /** Index of the dissent entry. */
  entryIndex: number;
  form: string;
  reason: string;
}

/** The words the parties' agents signed on one counted result: at most one per party. */
export interface ResultWords {
  contest: ContestId;
  station: StationCode;
  /** Index of the result entry they are about. */
  result: number;
  attestations: Map<PartyId, Attestation>;
  dissents: Map<PartyId, Dissent>;
}

/** What an accepted agent entry changed: a roster, or the words on a result (and whether it is the first of its kind there). */
export type AgentEffect =
  | { kind: 'roster' }
  | {
      kind: 'word';
      word: 'attestation' | 'dissent';
      contest: ContestId;
      station: StationCode;
      /** The result's first attestation (for `attestation`) or first dissent (for `dissent`): the tallies count the station. */
      first: boolean;
    };

/** The SHA-256 (lower-case hex) of a result entry's bytes: what an attestation or dissent names. */
export function resultEntryHash(bytes: Uint8Array): string {
  return sha256Hex(bytes);
}

function refuse(
  code: AgentErrorCode,
  field: string,
  message: string,
): { ok: false; error: AgentError } {
  return err({ code, field, message });
}

function agentKey(party: PartyId, agent: AgentId): string {
  return `${party}\u0000${agent}`;
}

function resultKey(contest: ContestId, station: StationCode): string {
  return `${contest}\u0000${station}`;
}

/** A raw Ed25519 public key that can sign: canonical base64 of 32 bytes, not of small order. */
function usableKey(base64: string): Uint8Array | null {
  const key = fromBase64(base64);
  return key?.length === 32 && !isWeakEd25519Key(key) ? key : null;
}

function verifies(publicKey: string, entry: AgentEntry): boolean {
  const key = fromBase64(publicKey);
  const sig = fromBase64(entry.sig);
  return (
    key !== undefined &&
    key.length === 32 &&
    sig !== undefined &&
    ed25519Verify(key, signingMessage(entry), sig)
  );
}

export class AgentBook {
  readonly parties = new Map<PartyId, PartyState>();
  /** (party, agent) → agent; see agent(). */
  private readonly agents = new Map<string, AgentState>();
  /** Every public key a party or agent has had: a key names one signer, for good. */
  private readonly partyKeys = new Map<string, PartyId>();
  private readonly agentKeys = new Map<string, AgentState>();
  /** SHA-256 of each counted result entry's bytes → the result. */
  private readonly counted: CountedResults;
  /** (contest, station) → the words on its counted result. */
  private readonly words = new Map<string, ResultWords>();

  constructor(readonly index: ElectionIndex) {
    this.counted = new CountedResults(index);
  }

  party(party: PartyId): PartyState | undefined {
    return this.parties.get(party);
  }

  agent(party: PartyId, agent: AgentId): AgentState | undefined {
    return this.agents.get(agentKey(party, agent));
  }

  /** Every agent on the record, in enrolment order. */
  allAgents(): IterableIterator<AgentState> {
    return this.agents.values();
  }

  /** The counted result whose entry bytes hash to `hash` (lower-case hex). */
  countedResult(hash: string): CountedResultRef | undefined {
    return this.counted.get(hash);
  }

  /** The words on a station's counted result of a contest, if any were signed. */
  wordsOn(contest: ContestId, station: StationCode): ResultWords | undefined {
    return this.words.get(resultKey(contest, station));
  }

  /** Every result with words on it, in the order of their first word. */
  allWords(): IterableIterator<ResultWords> {
    return this.words.values();
  }

  /** The fold counted a result (hash: the SHA-256 of its entry's bytes): attestations and dissents may name it from now on. */
  resultCounted(ref: CountedResultRef, hash: Uint8Array): void {
    // A hash names one byte string: a second counted result with it cannot exist (it would be a duplicate).
    this.counted.addHash(hash, ref);
  }

  /** The rules of a party-enrolled act (after the officials' own: who may act). */
  checkNewParty(act: {
    party: PartyId;
    publicKey: string;
  }): { code: PartyErrorCode; field: string; message: string } | null {
    const known = this.parties.get(act.party);
    if (known)
      return {
        code: 'PARTY_EXISTS',
        field: 'act.party',
        message: `party ${act.party} was enrolled at log entry ${known.enrolledAt}`,
      };
    if (!usableKey(act.publicKey))
      return {
        code: 'WEAK_PARTY_KEY',
        field: 'act.publicKey',
        message: 'the public key is not a usable Ed25519 key',
      };
    const holder = this.partyKeys.get(act.publicKey);
    if (holder !== undefined)
      return {
        code: 'PARTY_EXISTS',
        field: 'act.publicKey',
        message: `party ${holder} already has this public key`,
      };
    return null;
  }

  /** Records a party-enrolled act that passed checkNewParty. */
  addParty(act: { party: PartyId; name: string; publicKey: string }, at: number): void {
    this.parties.set(act.party, {
      party: act.party,
      name: act.name,
      publicKey: act.publicKey,
      enrolledAt: at,
    });
    this.partyKeys.set(act.publicKey, act.party);
  }

  /**
   * Checks an agent entry against the log before it. `signatureChecked`: the
   * caller verified the signature against this very state (the server, just
   * before it logs), so it is not verified twice; anything read from a log is.
   */
  check(
    entry: AgentEntry,
    { signatureChecked = false }: { signatureChecked?: boolean } = {},
  ): Result<AgentEffect, AgentError> {
    if (entry.election !== this.index.definition.electionId)
      return refuse(
        'WRONG_ELECTION',
        'election',
        `this log is election "${this.index.definition.electionId}", not "${entry.election}"`,
      );
    const party = this.parties.get(entry.party);
    if (!party)
      return refuse(
        'UNKNOWN_PARTY',
        'party',
        `no party "${entry.party}" is enrolled; the commission enrols parties (party-enrolled)`,
      );
    switch (entry.type) {
      case 'roster':
        return this.checkRoster(entry, party, signatureChecked);
      case 'attestation':
        return this.checkWord(entry, signatureChecked);
      case 'dissent':
        return this.checkWord(entry, signatureChecked);
    }
  }

  private checkRoster(
    entry: RosterEntry,
    party: PartyState,
    signatureChecked: boolean,
  ): Result<AgentEffect, AgentError> {
    if (!signatureChecked && !verifies(party.publicKey, entry))
      return refuse(
        'BAD_PARTY_SIGNATURE',
        'sig',
        `the signature does not verify with the public key of party ${party.party}`,
      );
    const { act } = entry;
    const ROSTER: Result<AgentEffect, AgentError> = ok({ kind: 'roster' });
    if (act.kind === 'agent-revoked') {
      const a = this.agent(entry.party, act.agent);
      if (!a)
        return refuse(
          'UNKNOWN_AGENT',
          'act.agent',
          `party ${entry.party} has no agent "${act.agent}"`,
        );
      if (a.revokedAt !== null)
        return refuse(
          'AGENT_REVOKED',
          'act.agent',
          `agent ${act.agent} of party ${entry.party} was already revoked at log entry ${a.revokedAt}`,
        );
      return ROSTER;
    }
    if (!this.index.stations.has(act.station))
      return refuse('UNKNOWN_STATION', 'act.station', `no polling station "${act.station}"`);
    const known = this.agent(entry.party, act.agent);
    if (known)
      return refuse(
        'AGENT_EXISTS',
        'act.agent',
        `party ${entry.party} enrolled agent ${act.agent} at log entry ${known.enrolledAt}; enrol a new key under a new id`,
      );
    if (!usableKey(act.publicKey))
      return refuse(
        'WEAK_AGENT_KEY',
        'act.publicKey',
        'the public key is not a usable Ed25519 key',
      );
    const holder = this.agentKeys.get(act.publicKey);
    if (holder)
      return refuse(
        'AGENT_EXISTS',
        'act.publicKey',
        `agent ${holder.agent} of party ${holder.party} already has this public key`,
      );
    if (act.replaces !== '') {
      const old = this.agent(entry.party, act.replaces);
      if (!old)
        return refuse(
          'UNKNOWN_AGENT',
          'act.replaces',
          `party ${entry.party} has no agent "${act.replaces}"`,
        );
      if (old.station !== act.station)
        return refuse(
          'AGENT_NOT_AT_STATION',
          'act.replaces',
          `agent ${old.agent} serves station ${old.station}, not ${act.station}`,
        );
      if (old.revokedAt !== null)
        return refuse(
          'AGENT_REVOKED',
          'act.replaces',
          `agent ${old.agent} was already revoked at log entry ${old.revokedAt}`,
        );
    }
    return ROSTER;
  }

  private checkWord(
    entry: AttestationEntry | DissentEntry,
    signatureChecked: boolean,
  ): Result<AgentEffect, AgentError> {
    const agent = this.agent(entry.party, entry.agent);
    if (!agent)
      return refuse('UNKNOWN_AGENT', 'agent', `party ${entry.party} has no agent "${entry.agent}"`);
    if (agent.revokedAt !== null)
      return refuse(
        'AGENT_REVOKED',
        'agent',
        `agent ${entry.agent} of party ${entry.party} was revoked at log entry ${agent.revokedAt}; its words are refused`,
      );
    if (entry.type === 'dissent' && entry.station !== agent.station)
      return refuse(
        'AGENT_NOT_AT_STATION',
        'station',
        `agent ${entry.agent} is enrolled at station ${agent.station}, not ${entry.station}`,
      );
    const result = this.counted.get(entry.result);
    if (!result)
      return refuse(
        'UNKNOWN_RESULT',
        'result',
        `no counted result entry has the SHA-256 ${entry.result}`,
      );
    if (entry.type === 'dissent') {
      const mismatch = this.checkDissentFigures(entry, result);
      if (mismatch) return mismatch;
    } else if (result.station !== agent.station)
      return refuse(
        'AGENT_NOT_AT_STATION',
        'result',
        `that result is station ${result.station}'s; agent ${entry.agent} is enrolled at station ${agent.station}`,
      );
    if (!signatureChecked && !verifies(agent.publicKey, entry))
      return refuse(
        'BAD_AGENT_SIGNATURE',
        'sig',
        `the signature does not verify with the public key of agent ${entry.agent} of party ${entry.party}`,
      );
    const words = this.words.get(resultKey(result.contest, result.station));
    const before = words?.attestations.get(entry.party) ?? words?.dissents.get(entry.party);
    if (before)
      return refuse(
        'ALREADY_SIGNED',
        'party',
        `party ${entry.party} already ${words?.attestations.has(entry.party) ? 'attested' : 'dissented from'} this result at log entry ${before.entryIndex}: one word per party per result`,
      );
    return ok({
      kind: 'word',
      word: entry.type,
      contest: result.contest,
      station: result.station,
      first:
        entry.type === 'attestation'
          ? (words?.attestations.size ?? 0) === 0
          : (words?.dissents.size ?? 0) === 0,
    });
  }

  /** A dissent is about the very result it names, with a count for each candidate of the race. */
  private checkDissentFigures(
    entry: DissentEntry,
    result: CountedResultRef,
  ): { ok: false; error: AgentError } | null {
    if (result.contest !== entry.contest)
      return refuse(
        'DISSENT_MISMATCH',
        'contest',
        `the result named is the ${result.contest} result, not ${entry.contest}`,
      );
    if (result.station !== entry.station)
      return refuse(
        'DISSENT_MISMATCH',
        'station',
        `the result named is station ${result.station}'s, not ${entry.station}'s`,
      );
    const race = this.index.raceFor(entry.contest, entry.station);
    if (!race) throw new Error('a counted result without a race');
    // Sorted, then in definition order, as a result's candidates are checked (FORMATS.md §7.1).
    for (const c of Object.keys(entry.votes).sort())
      if (!race.candidateSet.has(c))
        return refuse(
          'UNKNOWN_CANDIDATE',
          `votes.${c}`,
          `"${c}" is not a candidate in the ${entry.contest} race at station ${entry.station}`,
        );
    for (const c of race.candidates)
      if (!Object.hasOwn(entry.votes, c))
        return refuse('MISSING_CANDIDATE', `votes.${c}`, `a count for "${c}" is missing`);
    return null;
  }

  /** Records an entry that check() accepted at index `at`. */
  apply(entry: AgentEntry, at: number): void {
    switch (entry.type) {
      case 'roster': {
        const { act } = entry;
        if (act.kind === 'agent-revoked') {
          this.revoke(entry.party, act.agent, at, act.reason);
          return;
        }
        if (act.replaces !== '')
          this.revoke(entry.party, act.replaces, at, `replaced by ${act.agent}`);
        const agent: AgentState = {
          party: entry.party,
          agent: act.agent,
          station: act.station,
          publicKey: act.publicKey,
          enrolledAt: at,
          replaces: act.replaces,
          revokedAt: null,
          revokedReason: '',
        };
        this.agents.set(agentKey(entry.party, act.agent), agent);
        this.agentKeys.set(act.publicKey, agent);
        return;
      }
      case 'attestation':
      case 'dissent': {
        const result = this.counted.get(entry.result);
        if (!result) throw new Error('an accepted word without its result');
        const key = resultKey(result.contest, result.station);
        let words = this.words.get(key);
        if (!words) {
          words = {
            contest: result.contest,
            station: result.station,
            result: result.entryIndex,
            attestations: new Map(),
            dissents: new Map(),
          };
          this.words.set(key, words);
        }
        if (entry.type === 'attestation')
          words.attestations.set(entry.party, {
            party: entry.party,
            agent: entry.agent,
            entryIndex: at,
          });
        else
          words.dissents.set(entry.party, {
            party: entry.party,
            agent: entry.agent,
            entryIndex: at,
            votes: entry.votes,
            rejected: entry.rejected,
            totalValid: entry.totalValid,
            form: entry.form,
            reason: entry.reason,
          });
        return;
      }
    }
  }

  /** The indexes of the dissents on a station's counted result, in log order. */
  dissentIndexes(contest: ContestId, station: StationCode): number[] {
    const words = this.words.get(resultKey(contest, station));
    return words ? [...words.dissents.values()].map((d) => d.entryIndex).sort((a, b) => a - b) : [];
  }

  private revoke(party: PartyId, agent: AgentId, at: number, reason: string): void {
    const a = this.agent(party, agent);
    if (a && a.revokedAt === null) {
      a.revokedAt = at;
      a.revokedReason = reason;
    }
  }
}
