// "Verify" on a station page: the browser checks, with the repository's own
// log and election code (src/log, src/election, bundled, not copied), that
// the figures on screen are what the signed log holds. Everything fetched here
// is attacker-controlled (the server may lie); only the trust root compiled
// into this page (trust-root.ts) and what this browser pinned are trusted.
// Loaded on demand, so the Ed25519 code is not part of the first page load.
// Each step ends "pass" (proven), "warn" (could not be checked: said why) or
// "fail" (disproven: what, where, expected against served); FORMATS §3.5.1.

import type { Station } from '../../src/election/definition.js';
import { decodeEntry, type Entry, signingMessage } from '../../src/election/entries.js';
import type { OfficialEntry } from '../../src/election/official-entry.js';
import { type FlagFacts, resultFlags } from '../../src/election/rules.js';
import { fromBase64, fromHex, toHex } from '../../src/log/bytes.js';
import { type Checkpoint, openCheckpoint, parseCheckpoint } from '../../src/log/checkpoint.js';
import { parseCosignatureVerifierKey } from '../../src/log/cosignature.js';
import { ed25519Verify } from '../../src/log/crypto.js';
import { leafHash } from '../../src/log/merkle.js';
import {
  decodeVerifierKey,
  formatKeyId,
  openNote,
  parseNote,
  parseVerifierKey,
} from '../../src/log/note.js';
import { checkConsistency, checkInclusion } from '../../src/log/proof.js';
import type { StationAnswer, StationResult } from './api';
import { forEachBounded } from './bounded';
import { loadForm } from './forms';
import { readStatus } from './log-status';
import { checkPin, lastCheckpoint, pinnedWitnessKeys, saveCheckpoint } from './pin';
import { firstDifference, PINNED_FIELDS, type TrustRoot } from './trust-root';

/** Where two look-alike strings first differ, as a reason line. */
function whereDiffers(expected: string, served: string): Reason {
  const d = firstDifference(expected, served);
  return d.ch === ''
    ? reason('rShorter', { pos: d.pos })
    : reason('rCharacter', { pos: d.pos, ch: d.ch, cp: d.cp, exp: d.expected });
}

import type { LineCode } from './verify-text';

export type StepId =
  | 'trust'
  | 'checkpoint'
  | 'consistency'
  | 'witness'
  | 'devices'
  | 'inclusion'
  | 'signature'
  | 'correction'
  | 'form'
  | 'numbers';
export type StepStatus = 'pending' | 'pass' | 'fail' | 'warn';
export type Params = Record<string, string | number>;
/** One detail line, rendered in the reader's language by verify-text.ts. */
export interface Line {
  code: LineCode;
  p: Params;
  /** Why, as a line of its own, rendered into the parent's {why}. */
  why?: Reason;
  /** fail and warn lines make the step fail or warn. */
  level: 'ok' | 'warn' | 'fail';
}
export interface Step {
  id: StepId;
  status: StepStatus;
  lines: Line[];
  /** Signed notes shown as evidence (a rollback or fork: the one kept and the one served). */
  notes: string[];
}
export type Verdict = 'verified' | 'partly' | 'failed';
export interface Reason {
  code: LineCode;
  p: Params;
}
const reason = (code: LineCode, p: Params = {}): Reason => ({ code, p });
/** The log code's error: its code, shown once beside plain words for it (verify-text.ts). */
const logReason = (e: { code: string }): Reason => reason('rLog', { code: e.code });
/** A fetch that failed: "HTTP 404" (a status), or the browser's message (unreachable). */
const fetchReason = (why: string): Reason => {
  const status = /^HTTP (\d{3})$/.exec(why)?.[1];
  return status ? reason('rHttp', { status }) : reason('rUnreachable');
};

export const STEP_ORDER: StepId[] = [
  'trust',
  'checkpoint',
  'consistency',
  'witness',
  'devices',
  'inclusion',
  'signature',
  'correction',
  'form',
  'numbers',
];

export function verdictOf(steps: readonly Step[]): Verdict {
  if (steps.some((s) => s.status === 'fail')) return 'failed';
  if (steps.some((s) => s.status !== 'pass')) return 'partly';
  return 'verified';
}

export interface VerifyInput {
  /** The station page as rendered: these are "the figures on screen". */
  station: StationAnswer;
  /** The trust root compiled into this page (null: none, so nothing can be verified). */
  root: TrustRoot | null;
  /** The log origin /api/v1/contests names (the server's claim, compared with the root). */
  servedOrigin: string;
}

const fresh: RequestInit = { cache: 'no-store' };
/** Entries (with their proofs) fetched at once: a browser opens about six connections to a server. */
export const FETCHES_AT_ONCE = 6;

async function fetchText(url: string): Promise<string> {
  const r = await fetch(url, fresh);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.text();
}

interface FetchedEntry {
  index: number;
  bytes: Uint8Array | null;
  entry: Entry | null;
  /** Why it is not proven (null: included under the checkpoint). */
  problem: Reason | null;
  hashes: number;
}

type Shown = [string, StationResult];

const keyOf = (vkey: string) => {
  const k = decodeVerifierKey(vkey);
  return k.ok ? `${k.value.name}+${formatKeyId(k.value.keyId)}` : vkey;
};

export async function verifyStation(
  input: VerifyInput,
  report: (steps: Step[]) => void,
): Promise<{ steps: Step[]; verdict: Verdict; ms: number }> {
  const started = performance.now();
  const steps: Step[] = STEP_ORDER.map((id) => ({ id, status: 'pending', lines: [], notes: [] }));
  const step = (id: StepId) => steps.find((x) => x.id === id) as Step;
  const add = (id: StepId, level: Line['level'], code: LineCode, p: Params = {}, why?: Reason) =>
    step(id).lines.push(why ? { code, p, level, why } : { code, p, level });
  const finish = (id: StepId, emptyWarn?: LineCode) => {
    const s = step(id);
    if (s.lines.length === 0 && emptyWarn) add(id, 'warn', emptyWarn);
    s.status = s.lines.some((l) => l.level === 'fail')
      ? 'fail'
      : s.lines.some((l) => l.level === 'warn')
        ? 'warn'
        : 'pass';
    report(steps.map((x) => ({ ...x, lines: [...x.lines] })));
  };
  const done = () => ({
    steps,
    verdict: verdictOf(steps),
    ms: Math.round(performance.now() - started),
  });
  const failRest = (code: LineCode) => {
    for (const s of steps)
      if (s.status === 'pending') {
        add(s.id, 'fail', code);
        finish(s.id);
      }
    return done();
  };

  const code = input.station.station.code;
  const shown = Object.entries(input.station.results).filter((e): e is Shown => e[1] !== null);
  const awaiting = Object.entries(input.station.results)
    .filter(([, r]) => r === null)
    .map(([c]) => c);
  // Scans and the definition do not depend on the checkpoint: start them now, in parallel.
  const formHashes = new Set<string>();
  for (const [, r] of shown) {
    formHashes.add(r.form);
    if (r.correction) formHashes.add(r.correction.original.form);
  }
  for (const h of formHashes) void loadForm(h);
  const definitionP = loadDefinition();
  const firstNoteP = fetchText('/log/checkpoint');
  firstNoteP.catch(() => {}); // awaited below, unless Verify stops before
  const servedKeyP = fetchText('/log/key').then(
    (t) => t.trim(),
    () => null,
  );

  // 1. The trust root: compiled into this page, the same as this browser pinned, and what the server names.
  const root = input.root;
  if (!root) {
    add('trust', 'fail', 'noTrustRoot');
    finish('trust');
    return failRest('noTrustedCheckpoint');
  }
  add('trust', 'ok', 'trustRoot', {
    election: root.electionId,
    origin: root.logOrigin,
    key: keyOf(root.logKey),
    commission: keyOf(root.commissionKey),
  });
  const pin = checkPin(root);
  if (pin.status === 'changed') {
    for (const f of PINNED_FIELDS)
      if (pin.pinned[f] !== root[f])
        add(
          'trust',
          'fail',
          'pinChanged',
          {
            field: f,
            pinned: pin.pinned[f],
            now: root[f],
          },
          whereDiffers(pin.pinned[f], root[f]),
        );
  } else if (pin.status === 'first') {
    add('trust', 'ok', 'pinnedNow');
    if (pin.otherElections.length)
      add('trust', 'warn', 'otherElectionsPinned', { elections: pin.otherElections.join(', ') });
  } else add('trust', 'ok', 'pinSame');
  if (input.servedOrigin !== root.logOrigin)
    add(
      'trust',
      'fail',
      'servedOriginDiffers',
      {
        served: input.servedOrigin,
        expected: root.logOrigin,
      },
      whereDiffers(root.logOrigin, input.servedOrigin),
    );
  const servedKey = await servedKeyP;
  if (servedKey !== null && servedKey !== root.logKey)
    add('trust', 'fail', 'servedKeyDiffers', { served: servedKey, expected: root.logKey });
  finish('trust');
  const trustFailed = step('trust').status === 'fail';

  // 2. The checkpoint, signed by the trust root's log key, for its origin.
  const verifier = parseVerifierKey(root.logKey);
  if (!verifier.ok) {
    add('checkpoint', 'fail', 'badRootKey', {}, logReason(verifier.error));
    finish('checkpoint');
    return failRest('noTrustedCheckpoint');
  }
  const needed = new Set<number>([0]);
  for (const [, r] of shown) {
    needed.add(r.entryIndex);
    if (r.correction) {
      needed.add(r.correction.entryIndex);
      needed.add(r.correction.inForceAt);
      for (const a of r.correction.approvals ?? []) needed.add(a);
    }
  }
  for (const d of input.station.devices) {
    if (d.enrolledAt !== undefined && d.enrolledAt >= 0) needed.add(d.enrolledAt);
    if (d.revokedAt !== undefined && d.revokedAt !== null) needed.add(d.revokedAt);
  }
  const highest = Math.max(...needed);
  let note = '';
  let opened: ReturnType<typeof openCheckpoint> | null = null;
  // Results are published when durable, a moment before the checkpoint covering them is signed.
  for (let attempt = 0; attempt < 10; attempt++) {
    note = attempt === 0 ? await firstNoteP : await fetchText('/log/checkpoint');
    opened = openCheckpoint(note, root.logOrigin, [verifier.value]);
    if (!opened.ok || opened.value.checkpoint.size > highest) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  if (!opened?.ok) {
    step('checkpoint').notes.push(note);
    const parsed = parseNote(note);
    const cp = parsed.ok ? parseCheckpoint(parsed.value.text) : null;
    if (cp?.ok && cp.value.origin !== root.logOrigin)
      add(
        'checkpoint',
        'fail',
        'checkpointOrigin',
        {
          served: cp.value.origin,
          expected: root.logOrigin,
        },
        whereDiffers(root.logOrigin, cp.value.origin),
      );
    else
      add(
        'checkpoint',
        'fail',
        'checkpointUnsigned',
        {
          key: keyOf(root.logKey),
          signers: parsed.ok
            ? parsed.value.signatures.map((s) => `${s.name}+${formatKeyId(s.keyId)}`).join(', ')
            : '',
        },
        opened ? logReason(opened.error) : reason('rUnreachable'),
      );
    finish('checkpoint');
    return failRest('noTrustedCheckpoint');
  }
  const checkpoint = opened.value.checkpoint;
  add('checkpoint', 'ok', 'checkpointSigned', {
    size: checkpoint.size,
    root: toHex(checkpoint.rootHash).slice(0, 16),
    key: keyOf(root.logKey),
  });
  finish('checkpoint');

  // Every entry this page rests on, fetched with its proof (in parallel with
  // the next two steps, FETCHES_AT_ONCE at a time) and proven included.
  const fetched = new Map<number, FetchedEntry>();
  const entriesP = forEachBounded([...needed], FETCHES_AT_ONCE, async (i) => {
    fetched.set(i, await fetchEntry(i, checkpoint));
  });
  const witnessKeysP = pinnedWitnessKeys(root);

  // 3. Consistent with the last checkpoint this browser verified: no rollback, no fork.
  await checkConsistencyWithLast(root, checkpoint, note, step('consistency'), add);
  finish('consistency');
  // A checkpoint is kept only from a page whose trust root matches the pin.
  if (step('consistency').status === 'pass' && !trustFailed)
    saveCheckpoint(root.electionId, {
      note,
      size: checkpoint.size,
      root: toHex(checkpoint.rootHash),
    });

  // 4. Witness cosignatures, each against the key pinned under its name.
  checkWitnesses(root, note, await witnessKeysP, add);
  finish('witness');
  await entriesP;
  const proven = (i: number) => {
    const f = fetched.get(i);
    return f && f.problem === null ? f.entry : null;
  };

  // 5. Devices: from the definition entry 0 commits to, and proven official entries.
  const definition = await definitionP;
  const devices = checkDevices(root, input.station, fetched.get(0), definition, proven, add);
  finish('devices');

  // 6. Inclusion of every entry fetched.
  for (const i of [...needed].sort((a, b) => a - b)) {
    const f = fetched.get(i) as FetchedEntry;
    if (f.problem) add('inclusion', 'fail', 'notIncluded', { index: i }, f.problem);
    else add('inclusion', 'ok', 'included', { index: i, hashes: f.hashes, size: checkpoint.size });
  }
  finish('inclusion');

  // 7. Each shown result's entry is signed by a device proven for this station, while it stood.
  for (const [contest, r] of shown) {
    const e = proven(r.entryIndex);
    if (!e) {
      add('signature', 'fail', 'noProvenEntry', { contest, index: r.entryIndex });
      continue;
    }
    if (e.type !== 'result') {
      add('signature', 'fail', 'notAResult', { contest, index: r.entryIndex, type: e.type });
      continue;
    }
    if (e.election !== root.electionId || e.station !== code || e.contest !== contest) {
      add('signature', 'fail', 'entryElsewhere', {
        contest,
        index: r.entryIndex,
        entry: `${e.election}/${e.contest}/${e.station}`,
      });
      continue;
    }
    const d = devices.get(e.device);
    const key = d ? fromBase64(d.publicKey) : undefined;
    const sig = fromBase64(e.sig);
    if (!d || !key) add('signature', 'fail', 'deviceUnproven', { contest, device: e.device });
    else if (d.enrolledAt >= r.entryIndex)
      add('signature', 'fail', 'deviceLater', { contest, device: e.device, at: d.enrolledAt });
    else if (d.revokedAt !== null && d.revokedAt < r.entryIndex)
      add('signature', 'fail', 'deviceRevoked', { contest, device: e.device, at: d.revokedAt });
    else if (!sig || !ed25519Verify(key, signingMessage(e), sig))
      add('signature', 'fail', 'badSignature', { contest, device: e.device, index: r.entryIndex });
    else add('signature', 'ok', 'signedBy', { contest, device: e.device, index: r.entryIndex });
  }
  for (const contest of awaiting) add('signature', 'warn', 'awaiting', { contest });
  finish('signature');

  // 8. Corrections: the proposal and its approvals proven, in force at the checkpoint.
  const corrections = new Map<string, OfficialEntry & { act: { kind: 'correction-proposed' } }>();
  for (const [contest, r] of shown) {
    if (!r.correction) continue;
    const p = checkCorrection(root, contest, code, r, checkpoint, proven, add);
    if (p) corrections.set(contest, p);
  }
  if (!shown.some(([, r]) => r.correction)) add('correction', 'ok', 'noCorrectionShown');
  finish('correction');

  // 9. The scans hash to what was signed.
  for (const [contest, r] of shown) {
    const e = proven(r.entryIndex);
    const c = corrections.get(contest);
    const wanted = new Set<string>();
    if (e?.type === 'result') wanted.add(e.form);
    if (c) wanted.add(c.act.form);
    if (wanted.size === 0) add('form', 'fail', 'noProvenEntry', { contest, index: r.entryIndex });
    for (const h of wanted) {
      const f = await loadForm(h);
      if (f.state === 'missing')
        add('form', 'warn', 'formMissing', { contest, sha: h.slice(0, 16) });
      else if (f.state === 'error')
        add('form', 'fail', 'formError', { contest }, fetchReason(f.why));
      else {
        const digest = toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', f.bytes)));
        if (digest === h) add('form', 'ok', 'formMatches', { contest, sha: h.slice(0, 16) });
        else
          add('form', 'fail', 'formDiffers', {
            contest,
            got: digest.slice(0, 16),
            expected: h.slice(0, 16),
          });
      }
    }
  }
  for (const contest of awaiting) add('form', 'warn', 'awaiting', { contest });
  finish('form');

  // 10. The figures on screen equal the proven figures (flags recomputed by the rules).
  const facts = typeof definition === 'string' ? null : definition.facts;
  const flagsOf = (f: Omit<FiguresLike, 'form' | 'flags'>) =>
    facts ? resultFlags(facts, { station: code, ...f }) : null;
  for (const [contest, r] of shown) {
    const e = proven(r.entryIndex);
    if (!e || e.type !== 'result') {
      add('numbers', 'fail', 'noProvenEntry', { contest, index: r.entryIndex });
      continue;
    }
    if (r.correction) {
      const c = corrections.get(contest);
      if (!c) {
        add('numbers', 'fail', 'correctionUnproven', { contest, index: r.correction.entryIndex });
        continue;
      }
      const a = compareFigures(
        contest,
        r,
        { ...c.act, flags: flagsOf(c.act) },
        r.correction.entryIndex,
        add,
      );
      const b = compareFigures(
        contest,
        r.correction.original,
        { ...e, flags: flagsOf(e) },
        r.entryIndex,
        add,
        'original',
      );
      const d = sameDevice(contest, r.device, e.device, r.entryIndex, add);
      if (a && b && d)
        add('numbers', 'ok', 'correctedEqual', {
          contest,
          index: r.correction.entryIndex,
          original: r.entryIndex,
        });
    } else {
      const same = compareFigures(contest, r, { ...e, flags: flagsOf(e) }, r.entryIndex, add);
      if (sameDevice(contest, r.device, e.device, r.entryIndex, add) && same)
        add('numbers', 'ok', 'figuresEqual', { contest, index: r.entryIndex });
    }
  }
  for (const contest of awaiting) add('numbers', 'warn', 'awaiting', { contest });
  finish('numbers');
  return done();
}

async function fetchEntry(index: number, cp: Checkpoint): Promise<FetchedEntry> {
  const out: FetchedEntry = { index, bytes: null, entry: null, problem: null, hashes: 0 };
  if (index >= cp.size) {
    out.problem = reason('rBeyond', { size: cp.size });
    return out;
  }
  try {
    const r = await fetch(`/api/v1/entries/${index}?size=${cp.size}`, fresh);
    if (!r.ok) {
      out.problem = reason('rHttp', { status: r.status });
      return out;
    }
    const body = (await r.json()) as { entry: string; inclusionProof: string[] };
    const bytes = fromBase64(body.entry);
    const proof = (body.inclusionProof ?? []).map((h) => fromBase64(h));
    if (!bytes || proof.some((h) => h === undefined)) {
      out.problem = reason('rMalformed');
      return out;
    }
    const included = checkInclusion(
      leafHash(bytes),
      index,
      cp.size,
      proof as Uint8Array[],
      cp.rootHash,
    );
    if (!included.ok) {
      out.problem = logReason(included.error);
      return out;
    }
    out.bytes = bytes;
    out.hashes = proof.length;
    const decoded = decodeEntry(bytes);
    if (decoded.ok) out.entry = decoded.value;
    else out.problem = reason('rNotEntry');
  } catch (e) {
    out.problem = reason('rUnreachable');
  }
  return out;
}

type Add = (id: StepId, level: Line['level'], code: LineCode, p?: Params, why?: Reason) => void;

async function checkConsistencyWithLast(
  root: TrustRoot,
  cp: Checkpoint,
  note: string,
  s: Step,
  add: Add,
): Promise<void> {
  const last = lastCheckpoint(root.electionId);
  if (!last) {
    add('consistency', 'ok', 'firstCheckpoint', { size: cp.size });
    return;
  }
  const lastRoot = fromHex(last.root);
  const evidence = () => s.notes.push(last.note, note);
  if (!lastRoot) {
    add('consistency', 'warn', 'lastUnreadable');
    return;
  }
  if (cp.size < last.size) {
    evidence();
    add('consistency', 'fail', 'rollback', { was: last.size, now: cp.size });
    return;
  }
  if (cp.size === last.size) {
    if (toHex(cp.rootHash) === last.root)
      add('consistency', 'ok', 'sameCheckpoint', { size: cp.size });
    else {
      evidence();
      add('consistency', 'fail', 'fork', { was: last.size, now: cp.size }, reason('rOtherRoot'));
    }
    return;
  }
  try {
    const r = await fetch(`/api/v1/proof/consistency?from=${last.size}&to=${cp.size}`, fresh);
    if (!r.ok) {
      // Withheld, not disproven: "not checked", so never "verified".
      add(
        'consistency',
        'warn',
        'consistencyUnreachable',
        {},
        reason('rHttp', { status: r.status }),
      );
      return;
    }
    const body = (await r.json()) as { proof: string[] };
    const proof = (body.proof ?? []).map((h) => fromBase64(h));
    const checked = proof.some((h) => h === undefined)
      ? {
          ok: false as const,
          error: { code: 'CONSISTENCY_PROOF_INVALID', message: 'malformed base64' },
        }
      : checkConsistency(last.size, cp.size, proof as Uint8Array[], lastRoot, cp.rootHash);
    if (checked.ok)
      add('consistency', 'ok', 'consistent', {
        was: last.size,
        now: cp.size,
        hashes: proof.length,
      });
    else {
      evidence();
      add(
        'consistency',
        'fail',
        'fork',
        { was: last.size, now: cp.size },
        logReason(checked.error),
      );
    }
  } catch (e) {
    add('consistency', 'warn', 'consistencyUnreachable', {}, reason('rUnreachable'));
  }
}

function checkWitnesses(root: TrustRoot, note: string, keys: string[], add: Add): void {
  const status = readStatus(note, root.logKey);
  const witnesses = status?.witnesses ?? [];
  if (witnesses.length === 0) {
    add('witness', 'warn', keys.length ? 'noCosignature' : 'noWitnesses');
    return;
  }
  const verifiers = keys
    .map((k) => parseCosignatureVerifierKey(k))
    .flatMap((r) => (r.ok ? [r.value] : []));
  let verified = 0;
  for (const w of witnesses) {
    const at = w.time !== null ? new Date(w.time * 1000).toISOString() : '';
    const v = verifiers.find((x) => x.name === w.name && x.keyId === w.keyId);
    if (!v) {
      if (verifiers.some((x) => x.name === w.name))
        add('witness', 'fail', 'witnessOtherKey', { name: w.name });
      else add('witness', 'warn', 'witnessUnknown', { name: w.name });
      continue;
    }
    const opened = openNote(note, [v]);
    if (opened.ok) {
      verified++;
      add('witness', 'ok', 'cosigned', { name: w.name, at });
    } else add('witness', 'fail', 'witnessBad', { name: w.name }, logReason(opened.error));
  }
  if (verified === 0) add('witness', 'warn', 'noCosignature');
}

interface LoadedDefinition {
  sha256: string;
  size: number;
  devices: Array<{ id: string; publicKey: string; station: string }>;
  /** What the plausibility flags are computed from. */
  facts: FlagFacts;
}

let definitionCache: Promise<LoadedDefinition | string> | null = null;

/**
 * The definition document, hashed natively and parsed once per page (Kenya's
 * is 12 MB). Only its hash is trusted: it must equal the trust root's and
 * entry 0's; then its bytes are the commission's and its devices may be read.
 */
function loadDefinition(): Promise<LoadedDefinition | string> {
  definitionCache ??= (async () => {
    try {
      const r = await fetch('/api/v1/election');
      if (!r.ok) return `HTTP ${r.status}`;
      const bytes = await r.arrayBuffer();
      const sha256 = toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)));
      const doc = JSON.parse(new TextDecoder().decode(bytes)) as {
        devices?: unknown;
        stations?: unknown;
        perStationCap?: number | null;
      };
      const stations = Array.isArray(doc.stations) ? (doc.stations as Station[]) : [];
      const facts: FlagFacts = {
        stations: new Map(stations.map((x) => [x.code, x])),
        definition: { perStationCap: doc.perStationCap ?? null },
      };
      const devices = Array.isArray(doc.devices)
        ? (doc.devices as LoadedDefinition['devices'])
        : [];
      return { sha256, size: bytes.byteLength, devices, facts };
    } catch (e) {
      definitionCache = null;
      return (e as Error).message;
    }
  })();
  return definitionCache;
}

interface ProvenDevice {
  publicKey: string;
  enrolledAt: number;
  revokedAt: number | null;
}

function isOfficial(e: Entry | null, root: TrustRoot): e is OfficialEntry {
  if (e?.type !== 'official' || e.election !== root.electionId) return false;
  const key = decodeVerifierKey(root.commissionKey);
  const sig = fromBase64(e.sig);
  return key.ok && sig !== undefined && ed25519Verify(key.value.publicKey, signingMessage(e), sig);
}

function checkDevices(
  root: TrustRoot,
  station: StationAnswer,
  entry0: FetchedEntry | undefined,
  definition: LoadedDefinition | string,
  proven: (i: number) => Entry | null,
  add: Add,
): Map<string, ProvenDevice> {
  const devices = new Map<string, ProvenDevice>();
  const code = station.station.code;
  let definitionProven = false;
  if (!entry0?.bytes || entry0.problem)
    add('devices', 'fail', 'entry0Unproven', {}, entry0?.problem ?? reason('rUnreachable'));
  else if (typeof definition === 'string')
    add('devices', 'fail', 'definitionMissing', {}, fetchReason(definition));
  else {
    const e = entry0.entry;
    const sha = definition.sha256;
    const key = decodeVerifierKey(root.commissionKey);
    const sig = e ? fromBase64(e.sig) : undefined;
    if (e?.type !== 'election') add('devices', 'fail', 'entry0NotElection');
    else if (!key.ok || !sig || !ed25519Verify(key.value.publicKey, signingMessage(e), sig))
      add('devices', 'fail', 'entry0Unsigned', { key: keyOf(root.commissionKey) });
    else if (sha !== root.definitionSha256 || definition.size !== e.definitionSize)
      add('devices', 'fail', 'definitionDiffers', {
        got: sha.slice(0, 16),
        expected: root.definitionSha256.slice(0, 16),
      });
    else {
      for (const f of PINNED_FIELDS)
        if (e[f] !== root[f]) {
          add('devices', 'fail', 'entry0Differs', { field: f, served: e[f], expected: root[f] });
          return devices;
        }
      for (const d of definition.devices)
        if (d.station === code)
          devices.set(d.id, { publicKey: d.publicKey, enrolledAt: -1, revokedAt: null });
      definitionProven = true;
      add('devices', 'ok', 'definitionProven', { sha: sha.slice(0, 16) });
    }
  }
  // Without a proven definition no device key is proven: the failure above says why.
  if (!definitionProven) return devices;
  const fromDefinition = new Set(devices.keys());
  // Enrolments first (a revocation may be an enrolment that replaced the device).
  for (const d of station.devices) {
    if (d.enrolledAt === undefined || d.enrolledAt < 0) {
      const p = devices.get(d.id);
      if (!p || !fromDefinition.has(d.id))
        add('devices', 'fail', 'deviceNotInDefinition', { device: d.id });
      else if (p.publicKey !== d.publicKey)
        add('devices', 'fail', 'deviceKeyDiffers', {
          device: d.id,
          shown: d.publicKey,
          proven: p.publicKey,
        });
      else add('devices', 'ok', 'deviceFromDefinition', { device: d.id });
      continue;
    }
    const e = proven(d.enrolledAt);
    if (
      isOfficial(e, root) &&
      e.act.kind === 'device-enrolled' &&
      e.act.device === d.id &&
      e.act.station === code &&
      e.act.publicKey === d.publicKey
    ) {
      devices.set(d.id, { publicKey: d.publicKey, enrolledAt: d.enrolledAt, revokedAt: null });
      if (e.act.replaces !== '') {
        const old = devices.get(e.act.replaces);
        if (old && old.revokedAt === null) old.revokedAt = d.enrolledAt;
      }
      add('devices', 'ok', 'deviceEnrolled', { device: d.id, index: d.enrolledAt });
    } else add('devices', 'fail', 'enrolmentUnproven', { device: d.id, index: d.enrolledAt });
  }
  for (const d of station.devices) {
    if (d.revokedAt === undefined || d.revokedAt === null) continue;
    const e = proven(d.revokedAt);
    const p = devices.get(d.id);
    const revokes =
      isOfficial(e, root) &&
      ((e.act.kind === 'device-revoked' && e.act.device === d.id) ||
        (e.act.kind === 'device-enrolled' && e.act.replaces === d.id));
    if (revokes && p) {
      p.revokedAt = Math.min(p.revokedAt ?? d.revokedAt, d.revokedAt);
      add('devices', 'ok', 'deviceRevokedAt', { device: d.id, index: d.revokedAt });
    } else add('devices', 'fail', 'revocationUnproven', { device: d.id, index: d.revokedAt });
  }
  // A device of the definition the page leaves out.
  const listed = new Set(station.devices.map((d) => d.id));
  for (const id of fromDefinition)
    if (!listed.has(id)) add('devices', 'fail', 'deviceNotListed', { device: id });
  return devices;
}

function checkCorrection(
  root: TrustRoot,
  contest: string,
  station: string,
  r: StationResult,
  cp: Checkpoint,
  proven: (i: number) => Entry | null,
  add: Add,
): (OfficialEntry & { act: { kind: 'correction-proposed' } }) | null {
  const c = r.correction;
  if (!c) return null;
  const fail = (code: LineCode, p: Params = {}) => {
    add('correction', 'fail', 'correctionBad', { contest, index: c.entryIndex }, reason(code, p));
    return null;
  };
  const p = proven(c.entryIndex);
  if (!p) return fail('rUnproven', { at: c.entryIndex });
  if (!isOfficial(p, root) || p.act.kind !== 'correction-proposed')
    return fail('rNotCorrection', {
      at: c.entryIndex,
      kind: p.type === 'official' ? `official ${p.act.kind}` : p.type,
    });
  const act = p.act;
  if (act.contest !== contest || act.station !== station)
    return fail('rCorrectsElsewhere', { contest: act.contest, station: act.station });
  if (act.original !== r.entryIndex || c.entryIndex <= r.entryIndex)
    return fail('rCorrectsOther', { original: act.original, result: r.entryIndex });
  if (c.inForceAt >= cp.size) return fail('rBeyond', { size: cp.size });
  const approvals = c.approvals ?? [c.inForceAt];
  if (!approvals.includes(c.inForceAt) || Math.max(...approvals) !== c.inForceAt)
    return fail('rInForceNotLast', { at: c.inForceAt });
  const roles: string[] = [];
  for (const i of approvals) {
    const a = proven(i);
    if (
      !isOfficial(a, root) ||
      a.act.kind !== 'correction-approved' ||
      a.act.correction !== c.entryIndex
    )
      return fail('rNotApproval', { at: i });
    if (i <= c.entryIndex) return fail('rApprovalEarly', { at: i });
    if (a.account === p.account) return fail('rSelfApproval', { at: i, account: p.account });
    roles.push(a.role);
  }
  if (roles[roles.length - 1] !== 'commission-admin')
    return fail('rNotCommission', { at: c.inForceAt });
  if (c.approvals && !roles.includes('returning-officer')) return fail('rNoReturningOfficer');
  if (!c.approvals)
    add('correction', 'warn', 'approvalsNotListed', { contest, index: c.inForceAt });
  add('correction', 'ok', 'correctionProven', {
    contest,
    index: c.entryIndex,
    approvals: approvals.join(', '),
    size: cp.size,
  });
  return p as OfficialEntry & { act: { kind: 'correction-proposed' } };
}

interface FiguresLike {
  votes: Record<string, number>;
  rejected: number;
  totalValid: number;
  form: string;
  flags: readonly string[];
}

function sameDevice(contest: string, shown: string, proven: string, index: number, add: Add) {
  if (shown === proven) return true;
  add('numbers', 'fail', 'figureDiffers', {
    contest,
    which: '',
    what: 'device',
    shown,
    proven,
    index,
  });
  return false;
}

/** Adds one line per differing figure; true when all agree. */
function compareFigures(
  contest: string,
  shown: FiguresLike,
  /** flags null: not recomputed (no proven definition; the devices step says why). */
  proven: Omit<FiguresLike, 'flags'> & { flags: readonly string[] | null },
  index: number,
  add: Add,
  which = '',
): boolean {
  let same = true;
  const differ = (what: string, s: string | number | undefined, p: string | number | undefined) => {
    same = false;
    add('numbers', 'fail', 'figureDiffers', {
      contest,
      which,
      what,
      shown: s ?? '–',
      proven: p ?? '–',
      index,
    });
  };
  const candidates = new Set([...Object.keys(shown.votes), ...Object.keys(proven.votes)]);
  for (const c of [...candidates].sort())
    if (shown.votes[c] !== proven.votes[c]) differ(c, shown.votes[c], proven.votes[c]);
  if (shown.rejected !== proven.rejected) differ('rejected', shown.rejected, proven.rejected);
  if (shown.totalValid !== proven.totalValid)
    differ('totalValid', shown.totalValid, proven.totalValid);
  if (shown.form !== proven.form) differ('form', shown.form.slice(0, 16), proven.form.slice(0, 16));
  if (proven.flags && shown.flags.join() !== proven.flags.join())
    differ('flags', shown.flags.join(', ') || '–', proven.flags.join(', ') || '–');
  return same;
}
