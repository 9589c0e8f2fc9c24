// A log folded entry by entry (no server), with helpers to sign results,
// officials' acts, party rosters and agents' words: the agents' tests drive
// the fold with it, honest and forged entries alike.
import assert from 'node:assert/strict';
import type {
  AgentEntry,
  AttestationEntry,
  DissentEntry,
  RosterAct,
  RosterEntry,
} from '../../src/election/agent-entries.js';
import { signAgentEntry } from '../../src/election/agent-signing.js';
import { resultEntryHash } from '../../src/election/agents.js';
import { demoDeviceSeed } from '../../src/election/demo-keys.js';
import { deviceTime, signResult } from '../../src/election/device.js';
import { checkDefinition, type ElectionIndex } from '../../src/election/election-index.js';
import {
  decodeEntry,
  encodeEntry,
  signingMessage,
  type Unsigned,
} from '../../src/election/entries.js';
import { TallyFold } from '../../src/election/fold.js';
import type {
  Figures,
  OfficialAct,
  OfficialEntry,
  Role,
} from '../../src/election/official-entry.js';
import { toBase64 } from '../../src/log/bytes.js';
import { ed25519PublicKey, ed25519Sign, sha256 } from '../../src/log/crypto.js';
import { testElection } from '../helpers/test-log.js';

export const PHOTO = 'ab'.repeat(32);
const AGENT_PHOTO = 'cd'.repeat(32);

/** A deterministic Ed25519 seed for a name (a party's or an agent's key). */
export function seedOf(name: string): Uint8Array {
  return sha256(new TextEncoder().encode(`kura-test-agent-key:${name}`));
}

export function publicKeyOf(name: string): string {
  return toBase64(ed25519PublicKey(seedOf(name)));
}

/** What folding one entry did: its index, and the refusal's code (null when it was accepted). */
export interface Folded {
  index: number;
  refused: string | null;
  detail: string;
}

export class AgentLog {
  readonly fold: TallyFold;
  readonly index: ElectionIndex;
  readonly election: ReturnType<typeof testElection>;
  /** Every entry's bytes, in log order. */
  readonly entries: Uint8Array[] = [];

  constructor(opts: { stations?: number; presidentOnly?: boolean } = {}) {
    this.election = testElection({
      stations: opts.stations ?? 12,
      presidentOnly: opts.presidentOnly,
    });
    const checked = checkDefinition(this.election.definition);
    assert.ok(checked.ok);
    this.index = checked.value;
    this.fold = new TallyFold(this.index);
    this.append(this.election.genesis.entryBytes);
  }

  get electionId(): string {
    return this.election.definition.electionId;
  }

  get stations(): string[] {
    return this.election.definition.stations.map((s) => s.code);
  }

  /** Folds bytes as the next entry; the refusal, if any, from the anomaly it left. */
  append(bytes: Uint8Array): Folded {
    const index = this.fold.size;
    const before = this.fold.anomalies.length;
    this.entries.push(bytes);
    this.fold.applyBytes(index, bytes);
    const anomaly = this.fold.anomalies[before];
    return {
      index,
      refused: anomaly ? (anomaly.detail.split(':')[0] as string) : null,
      detail: anomaly?.detail ?? '',
    };
  }

  /** The candidates of a contest's race at a station, in definition order. */
  candidates(station: string, contest = 'president'): string[] {
    return this.index.raceFor(contest, station)?.candidates ?? [];
  }

  /** A station's result, signed by its device; returns its index, bytes and hash. */
  result(
    station: string,
    f: Figures,
    contest = 'president',
  ): { index: number; bytes: Uint8Array; hash: string } {
    const d = this.election.definition;
    const device = d.devices.find((x) => x.station === station)?.id ?? '';
    const entry = signResult(
      {
        type: 'result',
        v: 1,
        election: d.electionId,
        contest,
        station,
        device,
        ...f,
        form: PHOTO,
        deviceTime: deviceTime(new Date('2022-08-09T17:00:00Z')),
      },
      demoDeviceSeed(d.electionId, device),
    );
    const bytes = encodeEntry(entry);
    const folded = this.append(bytes);
    assert.equal(folded.refused, null, folded.detail);
    return { index: folded.index, bytes, hash: resultEntryHash(bytes) };
  }

  /** An official's act, signed by the commission (the console when `account` is ""). */
  official(account: string, act: OfficialAct, role: Role | '' = ''): Folded {
    const unsigned = {
      type: 'official' as const,
      v: 1 as const,
      election: this.electionId,
      account,
      role: (role || (this.fold.officials.accounts.get(account)?.role ?? '')) as Role | '',
      at: '2022-08-09T06:00:00Z',
      act,
    };
    const entry: OfficialEntry = {
      ...unsigned,
      sig: toBase64(ed25519Sign(this.election.commissionSeed, signingMessage(unsigned))),
    };
    return this.appendDecodable(encodeEntry(entry));
  }

  /** The console enrols a party whose key is seedOf(party) unless `key` is given. */
  enrolParty(party: string, key = publicKeyOf(party), name = `Party ${party}`): Folded {
    return this.official('', { kind: 'party-enrolled', party, name, publicKey: key });
  }

  /** A roster entry of `party`, signed with the key of `signer` (the party itself unless forged). */
  roster(party: string, act: RosterAct, signer = party, over: Partial<RosterEntry> = {}): Folded {
    return this.signed<RosterEntry>(
      {
        type: 'roster',
        v: 1,
        election: this.electionId,
        party,
        at: '2022-08-09T06:30:00Z',
        act,
        ...over,
      },
      signer,
    );
  }

  /** Enrols `agent` of `party` at `station`, with the key seedOf(party/agent); must pass. */
  enrolAgent(party: string, agent: string, station: string, replaces = ''): number {
    const r = this.roster(party, {
      kind: 'agent-enrolled',
      agent,
      station,
      publicKey: publicKeyOf(`${party}/${agent}`),
      replaces,
    });
    assert.equal(r.refused, null, r.detail);
    return r.index;
  }

  /** An attestation by `agent` of `party`, signed with the key of `signer` (the agent's unless forged). */
  attest(
    party: string,
    agent: string,
    result: string,
    signer = `${party}/${agent}`,
    over: Partial<AttestationEntry> = {},
  ): Folded {
    return this.signed<AttestationEntry>(
      {
        type: 'attestation',
        v: 1,
        election: this.electionId,
        party,
        agent,
        result,
        agentTime: '2022-08-09T17:05:00Z',
        ...over,
      },
      signer,
    );
  }

  /** A dissent by `agent` of `party` with its own figures. */
  dissent(
    party: string,
    agent: string,
    result: string,
    where: { contest?: string; station: string },
    f: Figures,
    signer = `${party}/${agent}`,
    over: Partial<DissentEntry> = {},
  ): Folded {
    return this.signed<DissentEntry>(
      {
        type: 'dissent',
        v: 1,
        election: this.electionId,
        party,
        agent,
        result,
        contest: where.contest ?? 'president',
        station: where.station,
        ...f,
        form: AGENT_PHOTO,
        reason: 'my copy of the form differs',
        agentTime: '2022-08-09T17:06:00Z',
        ...over,
      },
      signer,
    );
  }

  private signed<E extends AgentEntry>(unsigned: Unsigned<E>, signer: string): Folded {
    return this.appendDecodable(encodeEntry(signAgentEntry<E>(unsigned, seedOf(signer))));
  }

  /** Every entry made here must decode as a log entry does (FORMATS.md §5.1, §16). */
  private appendDecodable(bytes: Uint8Array): Folded {
    const decoded = decodeEntry(bytes);
    assert.ok(decoded.ok, JSON.stringify(decoded));
    return this.append(bytes);
  }
}

/** Figures for a station: the votes of each candidate and their sum as the total. */
export function figures(
  candidates: readonly string[],
  counts: readonly number[],
  rejected = 3,
): Figures {
  const votes: Record<string, number> = {};
  candidates.forEach((c, i) => {
    votes[c] = counts[i] ?? 0;
  });
  return { votes, rejected, totalValid: Object.values(votes).reduce((s, n) => s + n, 0) };
}
