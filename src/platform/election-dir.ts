// An election directory: what `kura election` writes and `kura serve` reads.
//   definition.json   the canonical definition document (entry 0 commits to its SHA-256)
//   entry0.json       entry 0, signed by the commission
//   log.key           the log's signer key (PRIVATE+KEY+..., mode 0600): the server needs it
//   log.vkey          the log's verifier key: auditors pin it
//   commission.key    the commission's signer key (keep it offline)
//   commission.vkey   the commission's verifier key
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromBase64 } from '../log/bytes.js';
import { generateKey, parseSignerKey } from '../log/note.js';
import { writeDurable } from './durable-write.js';

export interface ElectionFiles {
  definitionBytes: Uint8Array;
  entryBytes: Uint8Array;
}

/** Reads the keys of a directory, making any that are missing. */
export async function ensureKeys(
  dir: string,
  logName: string,
  commissionName: string,
): Promise<{
  logSigner: string;
  logVkey: string;
  commissionSigner: string;
  commissionVkey: string;
}> {
  mkdirSync(dir, { recursive: true });
  const one = async (base: string, name: string) => {
    const kp = join(dir, `${base}.key`);
    const vp = join(dir, `${base}.vkey`);
    if (!existsSync(kp)) {
      const k = generateKey(name);
      await writeDurable(kp, `${k.signerKey}\n`, 0o600);
      await writeDurable(vp, `${k.verifierKey}\n`);
    }
    return { signer: readFileSync(kp, 'utf8').trim(), vkey: readFileSync(vp, 'utf8').trim() };
  };
  const log = await one('log', logName);
  const commission = await one('commission', commissionName);
  return {
    logSigner: log.signer,
    logVkey: log.vkey,
    commissionSigner: commission.signer,
    commissionVkey: commission.vkey,
  };
}

/** The 32-byte seed inside a PRIVATE+KEY signer key. */
export function signerSeed(signerKey: string): Uint8Array {
  if (!parseSignerKey(signerKey).ok) throw new Error('not a valid signer key');
  const data = fromBase64(signerKey.split('+').slice(4).join('+'));
  if (data?.length !== 33) throw new Error('not an Ed25519 signer key');
  return data.subarray(1);
}

export function readElectionFiles(dir: string): ElectionFiles {
  const def = join(dir, 'definition.json');
  const e0 = join(dir, 'entry0.json');
  if (!existsSync(def) || !existsSync(e0))
    throw new Error(
      `${dir} is not an election directory (definition.json and entry0.json are needed; make one with \`kura election\`)`,
    );
  return {
    definitionBytes: new Uint8Array(readFileSync(def)),
    entryBytes: new Uint8Array(readFileSync(e0)),
  };
}

/** A signer key file's text (PRIVATE+KEY+...), checked. */
export function readKeyFile(path: string): string {
  if (!existsSync(path)) throw new Error(`no key file at ${path}`);
  const text = readFileSync(path, 'utf8').trim();
  const parsed = parseSignerKey(text);
  if (!parsed.ok) throw new Error(`${path}: ${parsed.error.message}`);
  return text;
}
