// The C2SP tlog-tiles endpoints under /log/, plus the log's and the witnesses' verifier keys.
// Tiles (full or partial at a given width) never change once they exist, so
// they are served as immutable and a CDN can hold them forever.
import type { FastifyPluginAsync } from 'fastify';
import { encodeEntryBundle, parseTilePath } from '../../log/tiles.js';
import type { Store, StoredCheckpoint } from '../../store/store.js';
import { ApiError } from '../errors.js';
import type { LogView } from '../log-view.js';

export interface LogRouteDeps {
  log: LogView;
  /** Entry bundles and hash tiles, as stored. */
  store: Pick<Store, 'getEntries' | 'getTile'>;
  /** The log's signed-note verifier key. */
  logVerifierKey: string;
  /** The cosignature/v1 verifier keys of the witnesses the writer pushes to. */
  witnessKeys: readonly string[];
  /** With witnesses: the checkpoint as served, with the cosignatures collected. */
  witnessed?: (cp: StoredCheckpoint) => StoredCheckpoint;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
const TILE_WIDTH = 256;

export const logRoutes: FastifyPluginAsync<LogRouteDeps> = async (app, deps) => {
  app.get('/log/checkpoint', async (_req, reply) => {
    const latest = deps.log.checkpoint();
    const cp = deps.witnessed ? deps.witnessed(latest) : latest;
    return reply
      .header('content-type', 'text/plain; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(cp.note);
  });

  app.get('/log/key', async (_req, reply) => {
    return reply
      .header('content-type', 'text/plain; charset=utf-8')
      .header('cache-control', IMMUTABLE)
      .send(`${deps.logVerifierKey}\n`);
  });

  // The witnesses' keys, one per line (empty when none is configured), so a
  // browser can check the cosignatures it is shown. The server names them:
  // readers pin them on first use, as they pin the log key.
  app.get('/log/witnesses', async (_req, reply) => {
    return reply
      .header('content-type', 'text/plain; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(deps.witnessKeys.map((k) => `${k}\n`).join(''));
  });

  app.get('/log/tile/*', async (req, reply) => {
    const path = `tile/${(req.params as { '*': string })['*']}`;
    const parsed = parseTilePath(path);
    if (!parsed.ok) throw new ApiError('NOT_FOUND', `not a tile path: ${parsed.error.message}`);
    const tile = parsed.value;
    const width = tile.width;
    const size = deps.log.checkpoint().size;
    // A tile exists once the tree covers it at that width.
    const leavesPerTile = TILE_WIDTH ** (tile.kind === 'entries' ? 1 : tile.level + 1);
    const first = tile.index * leavesPerTile;
    const need = first + (width - 1) * (leavesPerTile / TILE_WIDTH) + leavesPerTile / TILE_WIDTH;
    if (need > size)
      throw new ApiError('NOT_FOUND', `${path} is beyond the current tree (size ${size})`);
    reply.header('content-type', 'application/octet-stream').header('cache-control', IMMUTABLE);
    if (tile.kind === 'entries') {
      const entries = await deps.store.getEntries(first, first + width);
      if (entries.length !== width) throw new ApiError('NOT_FOUND', `${path}: entries missing`);
      return reply.send(Buffer.from(encodeEntryBundle(entries.map((e) => e.data))));
    }
    const stored = await deps.store.getTile(tile.level, tile.index);
    if (!stored || stored.width < width) throw new ApiError('NOT_FOUND', `${path} is not stored`);
    return reply.send(Buffer.from(stored.data.subarray(0, width * 32)));
  });
};
