// The election under test: a synthetic country made by `kura election
// synthetic --president-only` (a child process, as an operator would), and one
// signed presidential result per station, all signed BEFORE any timed part.
//
// Signing goes through node:crypto with the private key imported as a JWK
// (OpenSSL 3's PKCS#8 DER import costs ~0.5 ms a key, which would make
// pre-signing 50,000 results take half a minute whatever kura's own signer
// does). Ed25519 is deterministic, so the bytes are identical; the first
// results are checked against the project's own signPlanned to be sure.
import { createHash, createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ElectionDefinition } from '../election/definition.js';
import { type ResultEntry, signingMessage, type Unsigned } from '../election/entries.js';
import { toBase64 } from '../log/bytes.js';
import { demoDeviceSeed } from '../simulate/demo-keys.js';
import { deviceTime } from '../simulate/device.js';
import { type PlannedResult, signPlanned } from '../simulate/replay.js';
import { runKura } from './children.js';

export interface BenchElection {
  dir: string;
  electionId: string;
  stations: number;
  /** Seconds `kura election synthetic` took. */
  makeSeconds: number;
}

export async function makeElection(dir: string, stations: number): Promise<BenchElection> {
  const t0 = performance.now();
  await runKura([
    'election',
    'synthetic',
    '--stations',
    String(stations),
    '--president-only',
    '--out',
    dir,
  ]);
  const def = readDefinition(dir);
  return {
    dir,
    electionId: def.electionId,
    stations: def.stations.length,
    makeSeconds: (performance.now() - t0) / 1000,
  };
}

export function readDefinition(dir: string): ElectionDefinition {
  return JSON.parse(readFileSync(join(dir, 'definition.json'), 'utf8')) as ElectionDefinition;
}

const b64url = (b: Uint8Array | Buffer) => Buffer.from(b).toString('base64url');

/** A plausible presidential result for the i-th station: three counts within its register. */
export function plannedResult(
  station: string,
  registered: number,
  i: number,
  at: number,
): PlannedResult {
  const turnout = Math.floor(registered * (0.55 + ((i * 7919) % 30) / 100));
  const rejected = (i * 13) % 7;
  const valid = Math.max(0, turnout - rejected);
  const alpha = Math.floor(valid * (0.3 + ((i * 31) % 25) / 100));
  const beta = Math.floor((valid - alpha) * (0.5 + ((i * 17) % 40) / 100));
  const gamma = valid - alpha - beta;
  return {
    contest: 'president',
    station,
    votes: { alpha, beta, gamma },
    rejected,
    totalValid: valid,
    form: createHash('sha256').update(`kura bench form ${station}`).digest('hex'),
    at,
  };
}

/** The same entry signPlanned makes, signed with a JWK-imported key (see above). */
function signFast(
  p: PlannedResult,
  electionId: string,
  device: string,
  publicKey: string,
): ResultEntry {
  const unsigned: Unsigned<ResultEntry> = {
    type: 'result',
    v: 1,
    election: electionId,
    contest: p.contest,
    station: p.station,
    device,
    votes: p.votes,
    rejected: p.rejected,
    totalValid: p.totalValid,
    form: p.form,
    deviceTime: deviceTime(new Date(p.at)),
  };
  const key = createPrivateKey({
    key: {
      kty: 'OKP',
      crv: 'Ed25519',
      d: b64url(demoDeviceSeed(electionId, device)),
      x: Buffer.from(publicKey, 'base64').toString('base64url'),
    },
    format: 'jwk',
  });
  return { ...unsigned, sig: toBase64(new Uint8Array(sign(null, signingMessage(unsigned), key))) };
}

export interface SignedResults {
  /** Request bodies (JSON of the signed entries), one per station, in station order. */
  bodies: string[];
  seconds: number;
}

/** Signs one presidential result for every station of the election. */
export function presign(dir: string): SignedResults {
  const t0 = performance.now();
  const def = readDefinition(dir);
  const deviceOf = new Map(def.devices.map((d) => [d.station, d]));
  const night = Date.parse('2027-08-09T17:00:00Z');
  const bodies: string[] = new Array(def.stations.length);
  def.stations.forEach((s, i) => {
    const device = deviceOf.get(s.code);
    if (!device) throw new Error(`station ${s.code} has no device`);
    const p = plannedResult(s.code, s.registeredVoters, i, night + i * 1000);
    const entry = signFast(p, def.electionId, device.id, device.publicKey);
    if (i < 3) {
      const reference = JSON.stringify(signPlanned(p, def.electionId, device.id));
      if (JSON.stringify(entry) !== reference)
        throw new Error(`pre-signed result for ${s.code} differs from signPlanned's`);
    }
    bodies[i] = JSON.stringify(entry);
  });
  return { bodies, seconds: (performance.now() - t0) / 1000 };
}
