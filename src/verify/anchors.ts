// Trust anchors given on the command line: the log key (--log-key, or the
// election directory's log.vkey), the commission key (--commission-key, or the
// directory's commission.vkey), and, with --election, entry 0 and the
// definition themselves, which the server's must equal byte for byte.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ElectionDefinition } from '../election/definition.js';
import { type OpenedGenesis, openGenesis } from '../election/genesis.js';
import { decodeVerifierKey, parseVerifierKey } from '../log/note.js';

/** A problem with what the user gave (exit 64). */
export class VerifyUsageError extends Error {
  override name = 'VerifyUsageError';
}

export interface Anchors {
  logKey?: string;
  logKeySource?: string;
  commissionKey?: string;
  commissionKeySource?: string;
  origin?: string;
  election?: {
    dir: string;
    entryBytes: Uint8Array;
    definitionBytes: Uint8Array;
    /** The two opened, with `commissionKey` (a server's entry 0 that is these bytes need not be opened again). */
    opened: OpenedGenesis;
    commissionKey: string | undefined;
  };
}

export function checkVkey(vkey: string, what: string): string {
  const v = vkey.trim();
  const parsed = parseVerifierKey(v);
  if (!parsed.ok)
    throw new VerifyUsageError(`${what} is not an Ed25519 verifier key: ${parsed.error.message}`);
  return v;
}

/** True when two vkeys name the same key (name, key ID, type and public key). */
export function sameKey(a: string, b: string): boolean {
  const x = decodeVerifierKey(a.trim());
  const y = decodeVerifierKey(b.trim());
  if (!x.ok || !y.ok) return a.trim() === b.trim();
  return (
    x.value.name === y.value.name &&
    x.value.keyId === y.value.keyId &&
    x.value.type === y.value.type &&
    Buffer.from(x.value.publicKey).equals(Buffer.from(y.value.publicKey))
  );
}

export function readAnchors(o: {
  logKey?: string;
  electionDir?: string;
  commissionKey?: string;
}): Anchors {
  const a: Anchors = {};
  if (o.commissionKey) {
    a.commissionKey = checkVkey(o.commissionKey, '--commission-key');
    a.commissionKeySource = '--commission-key';
  }
  if (o.logKey) {
    a.logKey = checkVkey(o.logKey, '--log-key');
    a.logKeySource = '--log-key';
  }
  if (o.electionDir) {
    const dir = o.electionDir;
    const def = join(dir, 'definition.json');
    const e0 = join(dir, 'entry0.json');
    if (!existsSync(def) || !existsSync(e0))
      throw new VerifyUsageError(
        `${dir} is not an election directory (definition.json and entry0.json are needed)`,
      );
    const definitionBytes = new Uint8Array(readFileSync(def));
    const entryBytes = new Uint8Array(readFileSync(e0));
    const cvk = join(dir, 'commission.vkey');
    if (!a.commissionKey && existsSync(cvk)) {
      a.commissionKey = checkVkey(readFileSync(cvk, 'utf8'), cvk);
      a.commissionKeySource = cvk;
    }
    const opened = openGenesis(entryBytes, definitionBytes, a.commissionKey);
    if (!opened.ok) throw new VerifyUsageError(`${dir}: ${opened.error}`);
    const definition: ElectionDefinition = opened.value.definition;
    const lvk = join(dir, 'log.vkey');
    const dirKey = existsSync(lvk) ? checkVkey(readFileSync(lvk, 'utf8'), lvk) : definition.logKey;
    if (!sameKey(dirKey, definition.logKey))
      throw new VerifyUsageError(`${lvk} is not the log key the election's definition names`);
    if (a.logKey && !sameKey(a.logKey, dirKey))
      throw new VerifyUsageError(`--log-key is not the log key of the election in ${dir}`);
    if (!a.logKey) {
      a.logKey = dirKey;
      a.logKeySource = existsSync(lvk) ? lvk : `${def} (logKey)`;
    }
    a.origin = definition.logOrigin;
    a.election = {
      dir,
      entryBytes,
      definitionBytes,
      opened: opened.value,
      commissionKey: a.commissionKey,
    };
  }
  return a;
}
