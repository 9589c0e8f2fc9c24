// Entries with their inclusion proofs, and consistency proofs between two
// tree sizes, as of the checkpoint this process serves.
import type { FastifyPluginAsync } from 'fastify';
import type { ConsistencyAnswer, EntryAnswer } from '../../api/contract.js';
import { decodeEntry } from '../../election/entries.js';
import { toBase64, toHex } from '../../log/bytes.js';
import { proveConsistencyFromTiles, proveInclusionFromTiles } from '../../log/tiles.js';
import type { Store } from '../../store/store.js';
import { ApiError } from '../errors.js';
import type { LogView } from '../log-view.js';
import { parseDecimal } from './decimal.js';
import { CONSISTENCY_RESPONSE, ENTRY_RESPONSE } from './response-schemas.js';

export interface ProofRouteDeps {
  log: LogView;
  entries: Pick<Store, 'getEntry'>;
}

export const proofRoutes: FastifyPluginAsync<ProofRouteDeps> = async (app, { log, entries }) => {
  app.get<{ Params: { index: string }; Querystring: { size?: string }; Reply: EntryAnswer }>(
    '/api/v1/entries/:index',
    { schema: { response: { 200: ENTRY_RESPONSE } } },
    async (req) => {
      const i = parseDecimal(req.params.index, 'index');
      const checkpoint = log.checkpoint();
      const size =
        req.query.size === undefined ? checkpoint.size : parseDecimal(req.query.size, 'size');
      if (size > checkpoint.size)
        throw new ApiError(
          'BEYOND_TREE',
          `size ${size} is beyond the current tree (${checkpoint.size})`,
          'size',
        );
      if (i >= size)
        throw new ApiError('BEYOND_TREE', `entry ${i} is not in a tree of size ${size}`, 'index');
      const entry = await entries.getEntry(i);
      if (!entry) throw new ApiError('NOT_FOUND', `entry ${i} is missing`);
      const proof = await proveInclusionFromTiles(i, size, log.readTile);
      if (!proof.ok) throw new Error(proof.error.message);
      const decoded = decodeEntry(entry.data);
      return {
        index: i,
        treeSize: size,
        entry: toBase64(entry.data),
        decoded: decoded.ok ? decoded.value : null,
        leafHash: toHex(entry.leafHash),
        inclusionProof: proof.value.map(toBase64),
        checkpoint: size === checkpoint.size ? checkpoint.note : null,
      };
    },
  );

  app.get<{ Querystring: { from?: string; to?: string }; Reply: ConsistencyAnswer }>(
    '/api/v1/proof/consistency',
    { schema: { response: { 200: CONSISTENCY_RESPONSE } } },
    async (req) => {
      const from = parseDecimal(req.query.from, 'from');
      const checkpoint = log.checkpoint();
      const to = req.query.to === undefined ? checkpoint.size : parseDecimal(req.query.to, 'to');
      if (to > checkpoint.size)
        throw new ApiError(
          'BEYOND_TREE',
          `to=${to} is beyond the current tree (${checkpoint.size})`,
          'to',
        );
      if (from < 1 || from > to) throw new ApiError('BAD_QUERY', 'need 1 ≤ from ≤ to', 'from');
      const proof = await proveConsistencyFromTiles(from, to, log.readTile);
      if (!proof.ok) throw new Error(proof.error.message);
      return { from, to, proof: proof.value.map(toBase64) };
    },
  );
};
