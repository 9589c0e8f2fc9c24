// Party agents' entries (FORMATS.md §16): a party's roster of agent keys,
// signed by the party's key, and the agents' words on a station's result, each
// signed by the agent's key: an attestation ("I agree with the result entry
// whose bytes hash to this") or a dissent (the agent's own figures and the
// hash of a photo of its copy of the form). Decoding checks form only; the
// rules (agents.ts) check keys, stations and signatures against the log.
import type { CandidateId, ContestId, StationCode } from './definition.js';
import { BASE64_SIG, type Checker, HEX64, ID, RFC3339_UTC } from './shape.js';

export type PartyId = string;
export type AgentId = string;

export type RosterAct =
  | {
      kind: 'agent-enrolled';
      agent: AgentId;
      /** The only station whose results this agent's key may sign words on. */
      station: StationCode;
      /** Raw Ed25519 public key, base64 of 32 bytes. */
      publicKey: string;
      /** An agent of the same party this one replaces ("" for none): it is revoked by this act. */
      replaces: AgentId | '';
    }
  | { kind: 'agent-revoked'; agent: AgentId; reason: string };

export type RosterActKind = RosterAct['kind'];

/** A party's change to its roster of agents, signed by the party's key. */
export interface RosterEntry {
  type: 'roster';
  v: 1;
  election: string;
  party: PartyId;
  /** The party's clock (RFC 3339, UTC). Informational: the log order is authoritative. */
  at: string;
  act: RosterAct;
  sig: string;
}

/** An agent's agreement with a station's result entry, signed by the agent's key. */
export interface AttestationEntry {
  type: 'attestation';
  v: 1;
  election: string;
  party: PartyId;
  agent: AgentId;
  /** SHA-256 (lower-case hex) of the attested result entry's bytes. */
  result: string;
  /** The agent's clock (RFC 3339, UTC). Informational. */
  agentTime: string;
  sig: string;
}

/** An agent's disagreement with a station's result entry: its own figures and its copy of the form. */
export interface DissentEntry {
  type: 'dissent';
  v: 1;
  election: string;
  party: PartyId;
  agent: AgentId;
  /** SHA-256 (lower-case hex) of the disputed result entry's bytes. */
  result: string;
  contest: ContestId;
  station: StationCode;
  /** The agent's count per candidate of the station's race: every candidate, no others. */
  votes: Record<CandidateId, number>;
  rejected: number;
  totalValid: number;
  /** SHA-256 (lower-case hex) of the photo of the agent's copy of the form. */
  form: string;
  /** Why the agent disagrees (0 to 500 characters, no control characters). */
  reason: string;
  agentTime: string;
  sig: string;
}

export type AgentEntry = RosterEntry | AttestationEntry | DissentEntry;

const ROSTER_KEYS = ['type', 'v', 'election', 'party', 'at', 'act', 'sig'] as const;
const ROSTER_ACT_KEYS: Record<RosterActKind, readonly string[]> = {
  'agent-enrolled': ['kind', 'agent', 'station', 'publicKey', 'replaces'],
  'agent-revoked': ['kind', 'agent', 'reason'],
};
const ATTESTATION_KEYS = [
  'type',
  'v',
  'election',
  'party',
  'agent',
  'result',
  'agentTime',
  'sig',
] as const;
const DISSENT_KEYS = [
  'type',
  'v',
  'election',
  'party',
  'agent',
  'result',
  'contest',
  'station',
  'votes',
  'rejected',
  'totalValid',
  'form',
  'reason',
  'agentTime',
  'sig',
] as const;

const ID_OR_EMPTY = new RegExp(`^(${ID.source.slice(1, -1)})?$`);
const REASON = /^[^\p{Cc}]{1,500}$/u;
const REASON_OR_EMPTY = /^[^\p{Cc}]{0,500}$/u;
/** An Ed25519 public key as base64 of 32 bytes (whether it is canonical and usable is a rule). */
export const BASE64_KEY = /^[A-Za-z0-9+/]{43}=$/;
const SHA = 'a lower-case hex SHA-256 (64 characters)';
const SIG = 'a base64 Ed25519 signature (64 bytes)';

/** Checks the fields of a roster entry (the caller has checked `type`). */
export function checkRosterShape(c: Checker): void {
  c.onlyKeys(ROSTER_KEYS);
  c.literal('v', 1);
  c.string('election', ID, 'an identifier');
  c.string('party', ID, 'a party identifier');
  c.string('at', RFC3339_UTC, 'an RFC 3339 UTC time');
  const a = c.nested('act');
  if (a) checkRosterAct(a);
  c.string('sig', BASE64_SIG, SIG);
}

function checkRosterAct(a: Checker): void {
  const kind = a.obj.kind;
  if (typeof kind !== 'string' || !Object.hasOwn(ROSTER_ACT_KEYS, kind)) {
    a.fail(
      'kind',
      kind === undefined
        ? 'is required'
        : `must be one of ${Object.keys(ROSTER_ACT_KEYS).join(', ')}, not ${JSON.stringify(kind)}`,
    );
    return;
  }
  const k = kind as RosterActKind;
  a.onlyKeys(ROSTER_ACT_KEYS[k]);
  switch (k) {
    case 'agent-enrolled':
      a.string('agent', ID, 'an agent identifier');
      a.string('station', ID, 'a station code');
      a.string('publicKey', BASE64_KEY, 'a base64 Ed25519 public key (32 bytes)');
      a.string('replaces', ID_OR_EMPTY, 'an agent identifier, or ""');
      return;
    case 'agent-revoked':
      a.string('agent', ID, 'an agent identifier');
      a.string('reason', REASON, 'a reason of 1 to 500 printable characters');
      return;
  }
}

/** Checks the fields of an attestation entry. */
export function checkAttestationShape(c: Checker): void {
  c.onlyKeys(ATTESTATION_KEYS);
  c.literal('v', 1);
  c.string('election', ID, 'an identifier');
  c.string('party', ID, 'a party identifier');
  c.string('agent', ID, 'an agent identifier');
  c.string('result', HEX64, SHA);
  c.string('agentTime', RFC3339_UTC, 'an RFC 3339 UTC time');
  c.string('sig', BASE64_SIG, SIG);
}

/** Checks the fields of a dissent entry. */
export function checkDissentShape(c: Checker): void {
  c.onlyKeys(DISSENT_KEYS);
  c.literal('v', 1);
  c.string('election', ID, 'an identifier');
  c.string('party', ID, 'a party identifier');
  c.string('agent', ID, 'an agent identifier');
  c.string('result', HEX64, SHA);
  c.string('contest', ID, 'an identifier');
  c.string('station', ID, 'a station code');
  c.votes('votes');
  c.count('rejected');
  c.count('totalValid');
  c.string('form', HEX64, SHA);
  c.string('reason', REASON_OR_EMPTY, 'a reason of at most 500 printable characters, or ""');
  c.string('agentTime', RFC3339_UTC, 'an RFC 3339 UTC time');
  c.string('sig', BASE64_SIG, SIG);
}
