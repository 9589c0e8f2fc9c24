// POST /api/v1/results: one station's signed result for one contest (a writer only).
import type { FastifyPluginAsync } from 'fastify';
import type { ResultReceipt } from '../../api/contract.js';
import type { ElectionIndex } from '../../election/election-index.js';
import { checkEntryShape, encodeEntry, MAX_ENTRY_BYTES } from '../../election/entries.js';
import { checkResultRules, signatureVerdict } from '../../election/rules.js';
import { ApiError } from '../errors.js';
import type { Sequencer } from '../sequencer.js';
import type { SignatureCheck } from '../signature-check.js';

export interface ResultRouteDeps {
  index: ElectionIndex;
  sequencer: Pick<Sequencer, 'fold' | 'submit'>;
  verify: SignatureCheck;
}

export const resultRoutes: FastifyPluginAsync<ResultRouteDeps> = async (app, deps) => {
  const { index, sequencer } = deps;
  app.post<{ Reply: ResultReceipt }>('/api/v1/results', async (req, reply) => {
    // The whole body is attacker-controlled; it is checked field by field.
    const shaped = checkEntryShape(req.body);
    if (!shaped.ok) throw ApiError.invalidFields(shaped.error);
    const entry = shaped.value;
    if (entry.type !== 'result')
      throw new ApiError('INVALID_FIELD', 'type must be "result" on this endpoint', 'type');
    const bytes = encodeEntry(entry);
    if (bytes.length > MAX_ENTRY_BYTES)
      throw new ApiError('BODY_TOO_LARGE', `the canonical entry exceeds ${MAX_ENTRY_BYTES} bytes`);
    // The devices as the log now stands: enrolments and revocations included.
    const rules = checkResultRules(index, entry, sequencer.fold.devices);
    if (!rules.ok) throw new ApiError(rules.error.code, rules.error.message, rules.error.field);
    const { publicKey, message, signature } = rules.value;
    const valid = await deps.verify(publicKey, message, signature);
    const verdict = signatureVerdict(rules.value, valid);
    if (!verdict.ok)
      throw new ApiError(verdict.error.code, verdict.error.message, verdict.error.field);
    const { flags } = verdict.value;
    const receipt = await sequencer.submit(entry, bytes, verdict.value);
    return reply.code(receipt.duplicate ? 200 : 201).send({
      index: receipt.index,
      duplicate: receipt.duplicate,
      flags,
      receipt: receipt.receipt,
    });
  });
};
