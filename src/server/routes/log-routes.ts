// The C2SP tlog-tiles endpoints under /log/, plus the log's and the witnesses' verifier keys.
// Tiles (full or partial at a given width) never change once they exist, so
// they are served as immutable and a CDN can hold them forever.
import type { FastifyPluginAsync } from 'fastify';
import { toHex, utf8 } from '../../log/bytes.js';
import { sha256 } from '../../log/crypto.js';
import { encodeEntryBundleOf, parseTilePath } from '../../log/tiles.js';
import type { Store, StoredCheckpoint } from '../../store/store.js';
import { ApiError } from '../errors.js';
import type { LogView } from '../log-view.js';

export interface LogRouteDeps {
  log: LogView;
  /** Entry bundles and hash tiles, as stored. */
  store: Pick<Store, 'getEntryBytes' | 'getTile'>;
  /** The log's signed-note verifier key. */
  logVerifierKey: string;
  /** The cosignature/v1 verifier keys of the witnesses the writer pushes to. */
  witnessKeys: readonly string[];
  /** With witnesses: the checkpoint as served, with the cosignatures collected. */
  witnessed?: (cp: StoredCheckpoint) => StoredCheckpoint;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Short enough that a receipt's checkpoint is soon visible; long enough that a CDN answers most polls. */
export const CHECKPOINT_CACHE = 'public, max-age=2';
const TILE_WIDTH = 256;

export const logRoutes: FastifyPluginAsync<LogRouteDeps> = async (app, deps) => {
  // A client or a CDN may keep the checkpoint a couple of seconds, then
  // revalidates it: the ETag names the note (its tree size, then a hash of the
  // note, so a re-signed or newly cosigned tree is a new tag), and an
  // unchanged one is a 304 of a few bytes.
  let tagged = { note: '', etag: '' };
  app.get('/log/checkpoint', async (req, reply) => {
    const latest = deps.log.checkpoint();
    const cp = deps.witnessed ? deps.witnessed(latest) : latest;
    if (tagged.note !== cp.note)
      tagged = { note: cp.note, etag: `"${cp.size}-${toHex(sha256(utf8(cp.note))).slice(0, 16)}"` };
    reply
      .header('cache-control', CHECKPOINT_CACHE)
      .header('etag', tagged.etag)
      .header('content-type', 'text/plain; charset=utf-8');
    if (req.headers['if-none-match'] === tagged.etag) return reply.code(304).send();
    return reply.send(cp.note);
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
      // One row of the entries' bytes end to end, not a row (and an object) per entry.
      const page = await deps.store.getEntryBytes(first, first + width);
      if (!page.complete) throw new ApiError('NOT_FOUND', `${path}: entries missing`);
      const bundle = encodeEntryBundleOf(page.bytes, page.offsets, width);
      return reply.send(Buffer.from(bundle.buffer, bundle.byteOffset, bundle.byteLength));
    }
    const stored = await deps.store.getTile(tile.level, tile.index);
    if (!stored || stored.width < width) throw new ApiError('NOT_FOUND', `${path} is not stored`);
    return reply.send(Buffer.from(stored.data.subarray(0, width * 32)));
  });
};
