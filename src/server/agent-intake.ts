// How the sequencer takes a party's roster entry or an agent's word
// (attestation, dissent) exactly once. The rules are the fold's own
// (election/agents.ts, AgentBook.check): this file only says where an entry
// sits (its place in the queue, the index of the entry already logged in its
// place) and what to answer when a different entry claims that place.
import type { AgentEntry } from '../election/agent-entries.js';
import type { AgentError } from '../election/agents.js';
import type { FoldChange, TallyFold } from '../election/fold.js';
import { SequencerError } from './sequencer-error.js';

export type { AgentEntry };

export interface AgentWordRules {
  /** The entry's place: one roster act per agent and kind, one word per party and result. */
  key(entry: AgentEntry): string;
  /** The index of the entry the log already holds in the entry's place, if any. */
  loggedAt(fold: TallyFold, entry: AgentEntry): number | undefined;
  /** The fold's rules, signature included, against the log as it stands. */
  check(fold: TallyFold, entry: AgentEntry): Promise<SequencerError | null>;
  /** The same rules at sequencing time (the signature was verified at intake against the same key). */
  checkNow(fold: TallyFold, entry: AgentEntry): SequencerError | null;
  /** The refusal of a different entry queued in the same place. */
  conflict(entry: AgentEntry): SequencerError;
  /** Folds the entry (checked just now) at its log index. */
  apply(fold: TallyFold, index: number, entry: AgentEntry): FoldChange;
}

function refusal(e: AgentError): SequencerError {
  return new SequencerError(e.code, e.message, e.field);
}

export const AGENT_WORD_RULES: AgentWordRules = {
  key(entry) {
    if (entry.type !== 'roster') return `word\u0000${entry.party}\u0000${entry.result}`;
    return `${entry.act.kind}\u0000${entry.party}\u0000${entry.act.agent}`;
  },
  loggedAt(fold, entry) {
    const book = fold.agents;
    if (entry.type === 'roster') {
      const agent = book.agent(entry.party, entry.act.agent);
      if (!agent) return undefined;
      return entry.act.kind === 'agent-enrolled'
        ? agent.enrolledAt
        : (agent.revokedAt ?? undefined);
    }
    const result = book.countedResult(entry.result);
    const words = result && book.wordsOn(result.contest, result.station);
    return (words?.attestations.get(entry.party) ?? words?.dissents.get(entry.party))?.entryIndex;
  },
  async check(fold, entry) {
    const c = fold.checkAgent(entry);
    return c.ok ? null : refusal(c.error);
  },
  checkNow(fold, entry) {
    const c = fold.checkAgent(entry, { signatureChecked: true });
    return c.ok ? null : refusal(c.error);
  },
  conflict(entry) {
    if (entry.type !== 'roster')
      return new SequencerError(
        'ALREADY_SIGNED',
        `party ${entry.party} already has a different word on this result awaiting sequencing: one word per party per result`,
        'party',
      );
    return entry.act.kind === 'agent-enrolled'
      ? new SequencerError(
          'AGENT_EXISTS',
          `party ${entry.party} already has a different enrolment of agent ${entry.act.agent} awaiting sequencing`,
          'act.agent',
        )
      : new SequencerError(
          'AGENT_REVOKED',
          `party ${entry.party} already has a revocation of agent ${entry.act.agent} awaiting sequencing`,
          'act.agent',
        );
  },
  apply(fold, index, entry) {
    return fold.applyAgent(index, entry, { signatureChecked: true });
  },
};
