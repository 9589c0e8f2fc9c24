// POST /api/v1/results: one station's signed result for one contest.
import type { FastifyInstance } from 'fastify';
import { checkEntryShape, encodeEntry, MAX_ENTRY_BYTES } from '../../election/entries.js';
import { checkResult } from '../../election/rules.js';
import type { ServerContext } from '../app.js';
import { ApiError } from '../errors.js';

export function registerResultRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/api/v1/results', async (req, reply) => {
    const sequencer = ctx.sequencer;
    if (!sequencer) throw new ApiError('READ_ONLY');
    // The whole body is attacker-controlled; it is checked field by field.
    const shaped = checkEntryShape(req.body);
    if (!shaped.ok) {
      const [first] = shaped.error;
      throw new ApiError(
        'INVALID_FIELD',
        `${first?.field || 'body'} ${first?.reason}`,
        first?.field,
        shaped.error,
      );
    }
    const entry = shaped.value;
    if (entry.type !== 'result')
      throw new ApiError('INVALID_FIELD', 'type must be "result" on this endpoint', 'type');
    const bytes = encodeEntry(entry);
    if (bytes.length > MAX_ENTRY_BYTES)
      throw new ApiError('BODY_TOO_LARGE', `the canonical entry exceeds ${MAX_ENTRY_BYTES} bytes`);
    const checked = checkResult(ctx.index, entry);
    if (!checked.ok)
      throw new ApiError(checked.error.code, checked.error.message, checked.error.field);
    const receipt = await sequencer.submit(entry, bytes, checked.value);
    return reply.code(receipt.duplicate ? 200 : 201).send({
      index: receipt.index,
      duplicate: receipt.duplicate,
      flags: checked.value,
      receipt: receipt.receipt,
    });
  });
}
