// Who the demo's party agents are and what each says (`kura demo --agents`):
// two coalitions, an agent of each at every presidential station except a
// seeded few percent, and at each station the agent's word on the result its
// device signed. An agent co-signs (attests) unless its own copy of the form
// reads differently in its coalition's favour; then, at a seeded share of
// those stations, it dissents with its copy's figures. Deterministic: the same
// election gives the same agents, keys and words on every machine.
import { toBase64, utf8 } from '../log/bytes.js';
import { ed25519PublicKey, sha256 } from '../log/crypto.js';
import { rng } from './random.js';

/** A coalition (a party, for the log) and the presidential candidate it stands behind. */
export interface Coalition {
  party: string;
  name: string;
  candidate: string;
}

/** Kenya 2022's two main presidential coalitions. */
export const KENYA_COALITIONS: readonly Coalition[] = [
  { party: 'kenya-kwanza', name: 'Kenya Kwanza Alliance (William Ruto)', candidate: 'ruto' },
  {
    party: 'azimio',
    name: 'Azimio la Umoja–One Kenya Coalition (Raila Odinga)',
    candidate: 'odinga',
  },
];

/** A synthetic country's two leading candidates' parties. */
export const SYNTHETIC_COALITIONS: readonly Coalition[] = [
  { party: 'alpha-party', name: 'Alpha Party (Asha Alpha)', candidate: 'alpha' },
  { party: 'beta-party', name: 'Beta Party (Baraka Beta)', candidate: 'beta' },
];

export interface Figures {
  votes: Record<string, number>;
  rejected: number;
  totalValid: number;
}

export type AgentWord =
  | { kind: 'attestation' }
  | { kind: 'dissent'; figures: Figures; reason: string };

export interface StationAgent {
  party: string;
  /** The agent's identifier within its party. */
  agent: string;
  station: string;
  /** The agent's Ed25519 seed (a demo key: anyone can derive it). */
  seed: Uint8Array;
  publicKey: string;
  word: AgentWord;
}

export interface AgentShares {
  /** The share of stations where a coalition has no agent (each coalition drawn on its own). */
  uncovered: number;
  /** The share of an agent's stations, among those whose copy favours its coalition, where it dissents. */
  dissent: number;
}

export const DEFAULT_SHARES: AgentShares = { uncovered: 0.03, dissent: 0.5 };

/** SHA-256("kura demo party key\n" + election + "\n" + party): the party's Ed25519 seed (demo only). */
export function demoPartySeed(electionId: string, party: string): Uint8Array {
  return sha256(utf8(`kura demo party key\n${electionId}\n${party}`));
}

/** SHA-256("kura demo agent key\n" + election + "\n" + party + "\n" + agent): an agent's seed (demo only). */
export function demoAgentSeed(electionId: string, party: string, agent: string): Uint8Array {
  return sha256(utf8(`kura demo agent key\n${electionId}\n${party}\n${agent}`));
}

/** The agent a coalition has at a station (one per station in the demo). */
export function demoAgentId(station: string): string {
  return `agent-${station}`;
}

/**
 * Whether a copy's figures favour a coalition over the logged ones: more votes
 * for its candidate, or fewer for another coalition's.
 */
export function favours(
  coalition: Coalition,
  coalitions: readonly Coalition[],
  logged: Figures,
  copy: Figures,
): boolean {
  const own = coalition.candidate;
  if ((copy.votes[own] ?? 0) > (logged.votes[own] ?? 0)) return true;
  return coalitions.some(
    (c) => c.candidate !== own && (copy.votes[c.candidate] ?? 0) < (logged.votes[c.candidate] ?? 0),
  );
}

/**
 * The coalitions' agents at one presidential station and their words on the
 * result logged there. `copy` is what the agents' copy of the form reads where
 * it differs from the logged figures (null: it agrees).
 */
export function stationAgents(o: {
  electionId: string;
  station: string;
  logged: Figures;
  copy: Figures | null;
  coalitions: readonly Coalition[];
  shares?: AgentShares;
}): StationAgent[] {
  const shares = o.shares ?? DEFAULT_SHARES;
  const out: StationAgent[] = [];
  for (const c of o.coalitions) {
    const next = rng(`${o.electionId}/agents/${c.party}/${o.station}`);
    if (next() < shares.uncovered) continue;
    const agent = demoAgentId(o.station);
    const seed = demoAgentSeed(o.electionId, c.party, agent);
    const disputes = o.copy !== null && favours(c, o.coalitions, o.logged, o.copy);
    const word: AgentWord =
      disputes && o.copy && next() < shares.dissent
        ? { kind: 'dissent', figures: o.copy, reason: dissentReason(o.logged, o.copy) }
        : { kind: 'attestation' };
    out.push({
      party: c.party,
      agent,
      station: o.station,
      seed,
      publicKey: toBase64(ed25519PublicKey(seed)),
      word,
    });
  }
  return out;
}

/** "our copy of the form reads ruto 231 (not 210), odinga 95 (not 102)". */
export function dissentReason(logged: Figures, copy: Figures): string {
  const diffs = Object.keys(copy.votes)
    .filter((id) => copy.votes[id] !== logged.votes[id])
    .map((id) => `${id} ${copy.votes[id]} (not ${logged.votes[id] ?? 0})`);
  if (copy.rejected !== logged.rejected)
    diffs.push(`rejected ${copy.rejected} (not ${logged.rejected})`);
  return `our copy of the form reads ${diffs.join(', ')}`;
}

/**
 * A synthetic country's copies: at a seeded 2 % of stations the copy moves a
 * few votes (1 to 15, never below zero) from one candidate to another.
 */
export function syntheticCopy(
  electionId: string,
  station: string,
  logged: Figures,
): Figures | null {
  const next = rng(`${electionId}/agent-copy/${station}`);
  if (next() >= 0.02) return null;
  const ids = Object.keys(logged.votes).sort();
  if (ids.length < 2) return null;
  const from = ids[Math.floor(next() * ids.length)] as string;
  const others = ids.filter((id) => id !== from);
  const to = others[Math.floor(next() * others.length)] as string;
  const moved = Math.min(logged.votes[from] ?? 0, 1 + Math.floor(next() * 15));
  if (moved === 0) return null;
  const votes = { ...logged.votes };
  votes[from] = (votes[from] ?? 0) - moved;
  votes[to] = (votes[to] ?? 0) + moved;
  return { votes, rejected: logged.rejected, totalValid: logged.totalValid };
}
