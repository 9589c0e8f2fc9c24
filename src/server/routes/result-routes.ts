// POST /api/v1/results: one station's signed result for one contest; POST
// /api/v1/results/batch: one device's signed results for several contests at
// once, each entry signed and checked on its own (a writer only).
import type { FastifyPluginAsync } from 'fastify';
import type { ResultBatchReceipt, ResultReceipt } from '../../api/contract.js';
import type { ElectionIndex } from '../../election/election-index.js';
import {
  checkEntryShape,
  encodeEntryAndMessage,
  MAX_ENTRY_BYTES,
  type ResultEntry,
} from '../../election/entries.js';
import { checkResultRules, type PendingSignature, signatureVerdict } from '../../election/rules.js';
import { ApiError } from '../errors.js';
import type { Sequencer, SubmittedResult } from '../sequencer.js';
import { SequencerError } from '../sequencer-error.js';
import type { SignatureCheck } from '../signature-check.js';

export interface ResultRouteDeps {
  index: ElectionIndex;
  sequencer: Pick<Sequencer, 'fold' | 'submit' | 'submitAll'>;
  verify: SignatureCheck;
}

/** The most results one batch may carry (Kenya's stations have six contests). */
export const MAX_BATCH_RESULTS = 32;

/** A field of the entry at `prefix` (`""` for the whole body, `results[2]` in a batch). */
function fieldAt(prefix: string, field: string): string;
function fieldAt(prefix: string, field: string | undefined): string | undefined;
function fieldAt(prefix: string, field: string | undefined): string | undefined {
  if (prefix === '') return field;
  return field ? `${prefix}.${field}` : prefix;
}

/** A result entry as sent, shaped and canonicalised (with its signing message), or the ApiError that refuses it. */
interface ShapedResult {
  entry: ResultEntry;
  bytes: Uint8Array;
  /** signingMessage(entry), made in the same canonical pass as bytes. */
  message: Uint8Array;
}

function shapedResult(body: unknown, prefix: string): ShapedResult {
  // The whole body is attacker-controlled; it is checked field by field.
  const shaped = checkEntryShape(body);
  if (!shaped.ok)
    throw ApiError.invalidFields(
      shaped.error.map((p) => ({ field: fieldAt(prefix, p.field), reason: p.reason })),
    );
  const entry = shaped.value;
  if (entry.type !== 'result')
    throw new ApiError(
      'INVALID_FIELD',
      'type must be "result" on this endpoint',
      fieldAt(prefix, 'type'),
    );
  const { bytes, message } = encodeEntryAndMessage(entry);
  if (bytes.length > MAX_ENTRY_BYTES)
    throw new ApiError(
      'BODY_TOO_LARGE',
      `the canonical entry exceeds ${MAX_ENTRY_BYTES} bytes`,
      prefix === '' ? undefined : prefix,
    );
  return { entry, bytes, message };
}

/** The rules' refusal of a result as the devices now stand, if any; else what is left to verify. */
function ruledResult(
  deps: ResultRouteDeps,
  shaped: ShapedResult,
  prefix: string,
): PendingSignature {
  // The devices as the log now stands: enrolments and revocations included.
  const rules = checkResultRules(
    deps.index,
    shaped.entry,
    deps.sequencer.fold.devices,
    shaped.message,
  );
  if (!rules.ok)
    throw new ApiError(rules.error.code, rules.error.message, fieldAt(prefix, rules.error.field));
  return rules.value;
}

/** Checks the signatures (together, on the signature threads) and gives each result's verdict. */
async function verifiedResults(
  deps: ResultRouteDeps,
  shaped: readonly ShapedResult[],
  pending: readonly PendingSignature[],
  prefixOf: (position: number) => string,
): Promise<SubmittedResult[]> {
  const valid = await Promise.all(
    pending.map((p) => deps.verify(p.publicKey, p.message, p.signature)),
  );
  return shaped.map(({ entry, bytes }, position) => {
    const verdict = signatureVerdict(
      pending[position] as PendingSignature,
      valid[position] === true,
    );
    if (!verdict.ok)
      throw new ApiError(
        verdict.error.code,
        verdict.error.message,
        fieldAt(prefixOf(position), verdict.error.field),
      );
    return { entry, bytes, verdict: verdict.value };
  });
}

/** The batch's list of entries: an object whose one member `results` holds 1 to MAX_BATCH_RESULTS. */
function batchEntries(body: unknown): unknown[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ApiError('INVALID_FIELD', 'the body must be a JSON object {"results": [...]}', '');
  for (const key of Object.keys(body))
    if (key !== 'results')
      throw new ApiError('INVALID_FIELD', `unknown member ${key}: a batch has only "results"`, key);
  const results = (body as { results?: unknown }).results;
  if (!Array.isArray(results))
    throw new ApiError('INVALID_FIELD', 'results must be an array of result entries', 'results');
  if (results.length === 0 || results.length > MAX_BATCH_RESULTS)
    throw new ApiError(
      'INVALID_FIELD',
      `results must hold 1 to ${MAX_BATCH_RESULTS} entries, not ${results.length}`,
      'results',
    );
  return results;
}

/** One device at one station, each contest once: what a batch may hold. */
function checkOneDevice(entries: readonly ResultEntry[]): void {
  const first = entries[0] as ResultEntry;
  const contests = new Set<string>();
  for (const [i, e] of entries.entries()) {
    if (e.station !== first.station)
      throw new ApiError(
        'INVALID_FIELD',
        `every result of a batch is for one station: results[0] is for ${first.station}, this one for ${e.station}`,
        `results[${i}].station`,
      );
    if (e.device !== first.device)
      throw new ApiError(
        'INVALID_FIELD',
        `every result of a batch is from one device: results[0] is from ${first.device}, this one from ${e.device}`,
        `results[${i}].device`,
      );
    if (contests.has(e.contest))
      throw new ApiError(
        'INVALID_FIELD',
        `contest ${e.contest} appears twice in the batch: send each contest's result once`,
        `results[${i}].contest`,
      );
    contests.add(e.contest);
  }
}

export const resultRoutes: FastifyPluginAsync<ResultRouteDeps> = async (app, deps) => {
  app.post<{ Reply: ResultReceipt }>('/api/v1/results', async (req, reply) => {
    const shaped = shapedResult(req.body, '');
    const pending = ruledResult(deps, shaped, '');
    const [result] = await verifiedResults(deps, [shaped], [pending], () => '');
    const { entry, bytes, verdict } = result as SubmittedResult;
    const receipt = await deps.sequencer.submit(entry, bytes, verdict);
    return reply.code(receipt.duplicate ? 200 : 201).send({
      index: receipt.index,
      duplicate: receipt.duplicate,
      flags: verdict.flags,
      receipt: receipt.receipt,
    });
  });

  // All or nothing: every entry is checked before any is queued, and the first
  // one at fault (in the order of the checks, then of the entries) refuses the
  // request with its field as `results[i].field`; the new entries are stored
  // in one transaction. A retry of the same bytes is safe, whatever happened.
  app.post<{ Reply: ResultBatchReceipt }>('/api/v1/results/batch', async (req, reply) => {
    const at = (position: number) => `results[${position}]`;
    const shaped = batchEntries(req.body).map((body, i) => shapedResult(body, at(i)));
    checkOneDevice(shaped.map((s) => s.entry));
    const pending = shaped.map((s, i) => ruledResult(deps, s, at(i)));
    const results = await verifiedResults(deps, shaped, pending, at);
    const receipts = await deps.sequencer.submitAll(results).catch((e: unknown) => {
      if (e instanceof SequencerError && e.position !== undefined) {
        const refused = ApiError.fromSequencer(e);
        throw new ApiError(refused.code, refused.message, fieldAt(at(e.position), e.field));
      }
      throw e;
    });
    return reply.code(receipts.every((r) => r.duplicate) ? 200 : 201).send({
      results: receipts.map((r, i) => ({
        index: r.index,
        duplicate: r.duplicate,
        flags: (results[i] as SubmittedResult).verdict.flags,
        receipt: r.receipt,
      })),
    });
  });
};
