// POST /api/v1/roster, /api/v1/attestations, /api/v1/dissents: a party's
// roster of agents and its agents' words on the stations' results (a writer
// only). Each body is one entry as its signer signed it; it is checked field
// by field, then by the rules the fold applies (agent-intake.ts), and logged
// exactly once: the same bytes again get the same index.
import type { FastifyPluginAsync } from 'fastify';
import type { WordReceipt } from '../../api/contract.js';
import { checkEntryShape, encodeEntry, MAX_ENTRY_BYTES } from '../../election/entries.js';
import { AGENT_WORD_RULES, type AgentEntry } from '../agent-intake.js';
import { ApiError } from '../errors.js';
import type { Sequencer } from '../sequencer.js';

export interface AgentRouteDeps {
  sequencer: Pick<Sequencer, 'submitWord'>;
}

const ENDPOINTS: ReadonlyArray<{ url: string; type: AgentEntry['type'] }> = [
  { url: '/api/v1/roster', type: 'roster' },
  { url: '/api/v1/attestations', type: 'attestation' },
  { url: '/api/v1/dissents', type: 'dissent' },
];

export const agentRoutes: FastifyPluginAsync<AgentRouteDeps> = async (app, deps) => {
  for (const { url, type } of ENDPOINTS)
    app.post<{ Reply: WordReceipt }>(url, async (req, reply) => {
      // The whole body is attacker-controlled; it is checked field by field.
      const shaped = checkEntryShape(req.body);
      if (!shaped.ok) throw ApiError.invalidFields(shaped.error);
      const entry = shaped.value;
      if (entry.type !== type)
        throw new ApiError('INVALID_FIELD', `type must be "${type}" on this endpoint`, 'type');
      const bytes = encodeEntry(entry);
      if (bytes.length > MAX_ENTRY_BYTES)
        throw new ApiError(
          'BODY_TOO_LARGE',
          `the canonical entry exceeds ${MAX_ENTRY_BYTES} bytes`,
        );
      const receipt = await deps.sequencer.submitWord(entry, bytes, AGENT_WORD_RULES);
      return reply.code(receipt.duplicate ? 200 : 201).send({
        index: receipt.index,
        duplicate: receipt.duplicate,
        receipt: receipt.receipt,
      });
    });
};
