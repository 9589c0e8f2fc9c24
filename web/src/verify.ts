// "Verify" on a station page: the browser checks, with the repository's own
// log and election code (src/log, src/election, bundled, not copied), that
// the figures on screen are what the signed log holds. Everything fetched here
// is attacker-controlled (the server may lie); only the pinned log key is trusted.
// Loaded on demand, so the Ed25519 code is not part of the first page load.

import { decodeEntry, type ResultEntry, signingMessage } from '../../src/election/entries.js';
import { fromBase64, toHex } from '../../src/log/bytes.js';
import { openCheckpoint } from '../../src/log/checkpoint.js';
import { parseCosignatureVerifierKey } from '../../src/log/cosignature.js';
import { ed25519Verify } from '../../src/log/crypto.js';
import { leafHash } from '../../src/log/merkle.js';
import { openNote, parseVerifierKey } from '../../src/log/note.js';
import { checkInclusion } from '../../src/log/proof.js';
import type { StationAnswer, StationResult } from './api';
import { readStatus } from './live';

export type StepId = 'checkpoint' | 'witness' | 'inclusion' | 'signature' | 'form' | 'numbers';
export type StepStatus = 'pending' | 'pass' | 'fail' | 'warn';
export interface Step {
  id: StepId;
  status: StepStatus;
  /** What was checked, or why it failed (English; technical). */
  detail: string;
}

export const STEP_ORDER: StepId[] = [
  'checkpoint',
  'witness',
  'inclusion',
  'signature',
  'form',
  'numbers',
];

export interface VerifyInput {
  /** The station page as rendered: these are "the numbers on screen". */
  station: StationAnswer;
  /** The trusted log key (type 0x01 vkey) and origin. */
  pinnedKey: string;
  /** The witnesses' cosignature/v1 keys this browser has pinned. */
  witnessKeys: string[];
  origin: string;
}

const fresh: RequestInit = { cache: 'no-store' };

async function fetchText(url: string): Promise<string> {
  const r = await fetch(url, fresh);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.text();
}

interface ProvenEntry {
  contest: string;
  shown: StationResult;
  entry: ResultEntry | null;
  bytes: Uint8Array | null;
  problem: string | null;
}

const sameVotes = (a: Record<string, number>, b: Record<string, number>) => {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
};

export async function verifyStation(
  input: VerifyInput,
  report: (steps: Step[]) => void,
): Promise<Step[]> {
  const steps: Step[] = STEP_ORDER.map((id) => ({ id, status: 'pending', detail: '' }));
  const set = (id: StepId, status: StepStatus, detail: string) => {
    const s = steps.find((x) => x.id === id) as Step;
    s.status = status;
    s.detail = detail;
    report(steps.map((x) => ({ ...x })));
  };
  const failRest = (why: string) => {
    for (const s of steps) if (s.status === 'pending') set(s.id, 'fail', why);
    return steps;
  };

  // 1. The checkpoint, signed by the pinned key.
  const verifier = parseVerifierKey(input.pinnedKey);
  if (!verifier.ok) {
    set('checkpoint', 'fail', `the pinned log key does not parse: ${verifier.error.message}`);
    return failRest('no trusted checkpoint');
  }
  const shown = Object.entries(input.station.results).filter(
    (e): e is [string, StationResult] => e[1] !== null,
  );
  const highest = Math.max(-1, ...shown.map(([, r]) => r.entryIndex));
  let note = '';
  let opened: ReturnType<typeof openCheckpoint> | null = null;
  // Results are published when durable, a moment before the checkpoint covering them is signed.
  for (let attempt = 0; attempt < 10; attempt++) {
    note = await fetchText('/log/checkpoint');
    opened = openCheckpoint(note, input.origin, [verifier.value]);
    if (!opened.ok || opened.value.checkpoint.size > highest) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (!opened?.ok) {
    set(
      'checkpoint',
      'fail',
      opened ? `${opened.error.code}: ${opened.error.message}` : 'no checkpoint',
    );
    return failRest('no trusted checkpoint');
  }
  const { checkpoint } = opened.value;
  set(
    'checkpoint',
    'pass',
    `tree size ${checkpoint.size}, root ${toHex(checkpoint.rootHash).slice(0, 16)}…, signed by ${verifier.value.name}`,
  );

  // 2. Witness cosignatures (lines other than the log's own), each checked
  // against the witness key pinned under its name; a line under a pinned name
  // that does not verify is a failure (a forged or altered cosignature).
  const status = readStatus(note, input.pinnedKey);
  const witnesses = status?.witnesses ?? [];
  if (witnesses.length === 0)
    set(
      'witness',
      'warn',
      'no witness has cosigned this checkpoint (only the log itself signed it)',
    );
  else {
    const verifiers = input.witnessKeys
      .map((k) => parseCosignatureVerifierKey(k))
      .flatMap((r) => (r.ok ? [r.value] : []));
    const notes: string[] = [];
    let failed = false;
    let unknown = 0;
    for (const w of witnesses) {
      const at = w.time !== null ? ` at ${new Date(w.time * 1000).toISOString()}` : '';
      const verifier = verifiers.find((x) => x.name === w.name && x.keyId === w.keyId);
      if (!verifier) {
        const sameName = verifiers.some((x) => x.name === w.name);
        if (sameName) {
          failed = true;
          notes.push(`${w.name}: signed with a key other than the one pinned for it`);
        } else {
          unknown++;
          notes.push(`${w.name}${at}: key not known to this browser, not checked`);
        }
        continue;
      }
      const opened = openNote(note, [verifier]);
      if (opened.ok) notes.push(`${w.name}${at}: cosignature verified`);
      else {
        failed = true;
        notes.push(`${w.name}: ${opened.error.message}`);
      }
    }
    set(
      'witness',
      failed ? 'fail' : unknown === witnesses.length ? 'warn' : 'pass',
      notes.join('; '),
    );
  }

  if (shown.length === 0) {
    for (const id of ['inclusion', 'signature', 'form', 'numbers'] as const)
      set(id, 'warn', 'this station has no logged result yet');
    return steps;
  }

  // 3. Each shown result's entry is in the signed tree.
  const proven: ProvenEntry[] = [];
  const inclusionNotes: string[] = [];
  let inclusionOk = true;
  for (const [contest, result] of shown) {
    const p: ProvenEntry = { contest, shown: result, entry: null, bytes: null, problem: null };
    proven.push(p);
    if (result.entryIndex >= checkpoint.size) {
      p.problem = `entry ${result.entryIndex} is not covered by the checkpoint (size ${checkpoint.size})`;
      inclusionOk = false;
      inclusionNotes.push(p.problem);
      continue;
    }
    const r = await fetch(`/api/v1/entries/${result.entryIndex}?size=${checkpoint.size}`, fresh);
    if (!r.ok) {
      p.problem = `entry ${result.entryIndex}: HTTP ${r.status}`;
      inclusionOk = false;
      inclusionNotes.push(p.problem);
      continue;
    }
    const body = (await r.json()) as { entry: string; inclusionProof: string[] };
    const bytes = fromBase64(body.entry);
    const proof = body.inclusionProof.map((h) => fromBase64(h));
    if (!bytes || proof.some((h) => h === undefined)) {
      p.problem = `entry ${result.entryIndex}: malformed base64`;
      inclusionOk = false;
      inclusionNotes.push(p.problem);
      continue;
    }
    const included = checkInclusion(
      leafHash(bytes),
      result.entryIndex,
      checkpoint.size,
      proof as Uint8Array[],
      checkpoint.rootHash,
    );
    if (!included.ok) {
      p.problem = `entry ${result.entryIndex} (${contest}): ${included.error.message}`;
      inclusionOk = false;
      inclusionNotes.push(p.problem);
      continue;
    }
    p.bytes = bytes;
    inclusionNotes.push(
      `entry ${result.entryIndex} (${contest}): ${proof.length}-hash proof verified`,
    );
    const decoded = decodeEntry(bytes);
    if (decoded.ok && decoded.value.type === 'result') p.entry = decoded.value;
    else p.problem = `entry ${result.entryIndex} is not a result entry`;
  }
  set('inclusion', inclusionOk ? 'pass' : 'fail', inclusionNotes.join('; '));

  // 4. The device enrolled at this station signed each entry.
  const sigNotes: string[] = [];
  let sigOk = true;
  for (const p of proven) {
    if (!p.entry) {
      sigOk = false;
      sigNotes.push(`${p.contest}: no proven entry to check`);
      continue;
    }
    const e = p.entry;
    const device = input.station.devices.find((d) => d.id === e.device);
    const key = device ? fromBase64(device.publicKey) : undefined;
    const sig = fromBase64(e.sig);
    const good =
      e.station === input.station.station.code &&
      e.contest === p.contest &&
      key !== undefined &&
      sig !== undefined &&
      ed25519Verify(key, signingMessage(e), sig);
    if (!good) sigOk = false;
    sigNotes.push(
      good
        ? `${p.contest}: signed by ${e.device}`
        : `${p.contest}: ${!device ? `device ${e.device} is not enrolled at this station` : e.station !== input.station.station.code ? `entry is for station ${e.station}` : 'the signature does not verify'}`,
    );
  }
  set('signature', sigOk ? 'pass' : 'fail', sigNotes.join('; '));

  // 5. The scanned form hashes to the SHA-256 the device signed.
  const formNotes: string[] = [];
  let formStatus: StepStatus = 'pass';
  for (const p of proven) {
    if (!p.entry) {
      formStatus = 'fail';
      formNotes.push(`${p.contest}: no proven entry`);
      continue;
    }
    const r = await fetch(`/api/v1/forms/${p.entry.form}`, fresh);
    if (r.status === 404) {
      if (formStatus === 'pass') formStatus = 'warn';
      formNotes.push(`${p.contest}: the scan has not been uploaded`);
      continue;
    }
    if (!r.ok) {
      formStatus = 'fail';
      formNotes.push(`${p.contest}: HTTP ${r.status}`);
      continue;
    }
    const digest = toHex(
      new Uint8Array(await crypto.subtle.digest('SHA-256', await r.arrayBuffer())),
    );
    if (digest === p.entry.form)
      formNotes.push(`${p.contest}: SHA-256 ${digest.slice(0, 16)}… matches`);
    else {
      formStatus = 'fail';
      formNotes.push(
        `${p.contest}: the file hashes to ${digest.slice(0, 16)}…, the entry says ${p.entry.form.slice(0, 16)}…`,
      );
    }
  }
  set('form', formStatus, formNotes.join('; '));

  // 6. The figures shown are the figures signed.
  const numberNotes: string[] = [];
  let numbersOk = true;
  for (const p of proven) {
    if (!p.entry) {
      numbersOk = false;
      numberNotes.push(`${p.contest}: no proven entry to compare with`);
      continue;
    }
    const diffs: string[] = [];
    // A corrected result shows the correction's figures; the device's are kept as `original`.
    const c = p.shown.correction;
    const signed = c ? c.original : p.shown;
    if (!sameVotes(signed.votes, p.entry.votes)) diffs.push('candidate votes');
    if (signed.rejected !== p.entry.rejected) diffs.push('rejected');
    if (signed.totalValid !== p.entry.totalValid) diffs.push('total valid');
    if (signed.form !== p.entry.form) diffs.push('form hash');
    const corrected = c
      ? ` (the original figures; the corrected ones on screen come from correction entry ${c.entryIndex}, in force at entry ${c.inForceAt}: see /api/v1/entries/${c.entryIndex})`
      : '';
    if (diffs.length) {
      numbersOk = false;
      numberNotes.push(`${p.contest}: ${diffs.join(', ')} differ from entry ${p.shown.entryIndex}`);
    } else
      numberNotes.push(`${p.contest}: all figures equal entry ${p.shown.entryIndex}${corrected}`);
  }
  set('numbers', numbersOk ? 'pass' : 'fail', numberNotes.join('; '));
  return steps;
}
