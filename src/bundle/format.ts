// The preservation bundle's layout (docs/FORMATS.md §13): member names, the
// manifest, and which members a bundle of a given tree size must hold.
import { err, ok, type Result } from '../basics/result.js';
import { fromBase64 } from '../log/bytes.js';
import { parseVerifierKey } from '../log/note.js';
import { entryBundlePath, TILE_WIDTH, tilePath, tilesForSize } from '../log/tiles.js';

export const BUNDLE_FORMAT = 'kura-bundle/v1';

export const MEMBER = {
  readme: 'README.txt',
  definition: 'election/definition.json',
  entry0: 'election/entry0.json',
  logKey: 'keys/log.vkey',
  commissionKey: 'keys/commission.vkey',
  /** A copy of the latest checkpoint, so that the extracted tree is a tlog-tiles mirror. */
  checkpoint: 'checkpoint',
  /** Written last: it lists every other member. */
  manifest: 'manifest.json',
} as const;

export const checkpointMember = (size: number): string => `checkpoints/${size}`;
export const formMember = (sha256: string): string => `forms/${sha256}`;
export const CHECKPOINT_MEMBER = /^checkpoints\/(0|[1-9][0-9]{0,15})$/;
export const FORM_MEMBER = /^forms\/([0-9a-f]{64})$/;

export interface ManifestMember {
  path: string;
  /** Lower-case hex SHA-256 of the member's bytes. */
  sha256: string;
  size: number;
  /** Forms only: the media type the server stored. */
  contentType?: string;
}

export interface Manifest {
  format: typeof BUNDLE_FORMAT;
  /** When the bundle was written (informational). */
  createdAt: string;
  generator: string;
  electionId: string;
  logOrigin: string;
  /** The log's verifier key (entry 0 names it). */
  logKey: string;
  /** The commission's verifier key as entry 0 names it: pin the published one instead. */
  commissionKey: string;
  definitionSha256: string;
  treeSize: number;
  /** Base64 root hash of the tree of treeSize entries (the latest checkpoint's). */
  rootHash: string;
  /** Every member but the manifest itself, in archive order. */
  members: ManifestMember[];
}

/** The tile members (entry bundles, then hash tiles) a bundle of `size` entries holds. */
export function tileMembers(size: number): string[] {
  const out: string[] = [];
  for (let b = 0; b * TILE_WIDTH < size; b++)
    out.push(entryBundlePath(b, Math.min(TILE_WIDTH, size - b * TILE_WIDTH)));
  for (const t of tilesForSize(size)) out.push(tilePath(t));
  return out;
}

/** The members every bundle of `size` entries must hold (forms and older checkpoints vary). */
export function requiredMembers(size: number): string[] {
  return [
    MEMBER.definition,
    MEMBER.entry0,
    MEMBER.logKey,
    MEMBER.commissionKey,
    MEMBER.checkpoint,
    checkpointMember(size),
    ...tileMembers(size),
  ];
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Parses and checks the manifest's shape. Its bytes are attacker-controlled. */
export function parseManifest(bytes: Uint8Array): Result<Manifest, string> {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    return err(`manifest.json is not JSON: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return err('manifest.json is not a JSON object');
  const m = v as Record<string, unknown>;
  if (m.format !== BUNDLE_FORMAT)
    return err(
      `manifest.json: format is ${JSON.stringify(m.format)}, not ${JSON.stringify(BUNDLE_FORMAT)}`,
    );
  for (const f of [
    'createdAt',
    'generator',
    'electionId',
    'logOrigin',
    'logKey',
    'commissionKey',
    'definitionSha256',
    'rootHash',
  ])
    if (typeof m[f] !== 'string') return err(`manifest.json: ${f} must be a string`);
  if (!parseVerifierKey(m.logKey as string).ok)
    return err('manifest.json: logKey is not an Ed25519 verifier key');
  if (!parseVerifierKey(m.commissionKey as string).ok)
    return err('manifest.json: commissionKey is not an Ed25519 verifier key');
  if (!HEX64.test(m.definitionSha256 as string))
    return err('manifest.json: definitionSha256 must be 64 lower-case hex digits');
  if (!Number.isSafeInteger(m.treeSize) || (m.treeSize as number) < 1)
    return err('manifest.json: treeSize must be a positive integer');
  if (fromBase64(m.rootHash as string)?.length !== 32)
    return err('manifest.json: rootHash must be 32 bytes in base64');
  if (!Array.isArray(m.members)) return err('manifest.json: members must be an array');
  const seen = new Set<string>();
  for (const [i, x] of m.members.entries()) {
    const where = `manifest.json: members[${i}]`;
    if (typeof x !== 'object' || x === null) return err(`${where} is not an object`);
    const e = x as Record<string, unknown>;
    if (typeof e.path !== 'string' || e.path === MEMBER.manifest)
      return err(`${where}.path must name a member other than the manifest`);
    if (seen.has(e.path)) return err(`${where}: ${e.path} is listed twice`);
    seen.add(e.path);
    if (typeof e.sha256 !== 'string' || !HEX64.test(e.sha256))
      return err(`${where}.sha256 (${e.path}) must be 64 lower-case hex digits`);
    if (!Number.isSafeInteger(e.size) || (e.size as number) < 0)
      return err(`${where}.size (${e.path}) must be a non-negative integer`);
    if (e.contentType !== undefined && typeof e.contentType !== 'string')
      return err(`${where}.contentType (${e.path}) must be a string`);
  }
  return ok(m as unknown as Manifest);
}
