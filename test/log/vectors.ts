// Locates the shared test vectors (../shared/vectors relative to the repo
// root). A missing directory is a loud failure, never a silent skip: CI has it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const VECTORS_DIR = resolve(repoRoot, '..', 'shared', 'vectors');

export function vectorsPath(...parts: string[]): string {
  if (!existsSync(VECTORS_DIR)) {
    throw new Error(
      `test vectors not found at ${VECTORS_DIR} (expected ../shared/vectors next to the repo; CI provides it)`,
    );
  }
  const p = join(VECTORS_DIR, ...parts);
  if (!existsSync(p)) throw new Error(`test vector file missing: ${p}`);
  return p;
}

export function readVectorBytes(...parts: string[]): Uint8Array {
  return new Uint8Array(readFileSync(vectorsPath(...parts)));
}

export function readVectorText(...parts: string[]): string {
  return readFileSync(vectorsPath(...parts), 'utf8');
}

export function readVectorJson<T = unknown>(...parts: string[]): T {
  return JSON.parse(readVectorText(...parts)) as T;
}

/** All *.json files under a vectors subdirectory, recursively, as paths relative to VECTORS_DIR. */
export function listVectorJson(...parts: string[]): string[] {
  const root = vectorsPath(...parts);
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, d.name);
      if (d.isDirectory()) walk(p);
      else if (d.name.endsWith('.json')) out.push(p.slice(VECTORS_DIR.length + 1));
    }
  };
  walk(root);
  return out.sort();
}

// derived-vectors.json, typed loosely for the fields the tests use.
export interface DerivedVectors {
  rfc6962: {
    leafInputsHex: string[];
    leafHashesHex: string[];
    rootHashesBySizeHex: string[];
    root8Base64: string;
    hasher: { desc: string; wantHex: string }[];
  };
  signedNote: { vkey: string; note: string; skey?: string; otherVkey?: string; text?: string }[];
  cosignatureV1Ed25519: {
    cosigners: { vkey: string; ed25519SeedHex: string; checkpointFile: string }[];
    timestamp: number;
    originSha256Hex: string;
  };
  tiledTree300: { origin: string; size: number; rootBase64: string };
  tilePaths: {
    indexEncoding: { index: number; path: string }[];
    treeSize70000: { level: number; fullTiles: number; partial: string | null }[];
    treeSize256: { level: number; fullTiles: number; partial: string | null }[];
    sumdbFormatNotC2SP: { path: string }[];
  };
}

export function derived(): DerivedVectors {
  return readVectorJson<DerivedVectors>('derived-vectors.json');
}

export const SUNLIGHT_DIR = 'sunlight-skylight/cmd/skylight/testdata/witness';
