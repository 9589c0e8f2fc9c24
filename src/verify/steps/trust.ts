// Resolving trust: which log key and commission key the audit holds the log
// to, and where each came from (an option, the election directory, the state
// directory of an earlier run, or, said loudly, the log's own entry 0).
import { join } from 'node:path';
import { err, ok, type Result } from '../../basics/result.js';
import type { OpenedGenesis } from '../../election/genesis.js';
import type { Checkpoint } from '../../log/checkpoint.js';
import { type NoteVerifier, parseVerifierKey } from '../../log/note.js';
import type { WitnessPolicy } from '../../log/tlog-policy.js';
import { type Anchors, sameKey } from '../anchors.js';
import { type AuditContext, AuditError, fail, type Step } from '../audit.js';
import {
  checkWitnessPolicyOf,
  fetchCheckpoint,
  openServed,
  type ServedCheckpoint,
} from '../checkpoint.js';
import type { LogReader } from '../log-reader.js';
import type { VerifyReport } from '../report.js';
import { originDirName, type SavedState, StateDir } from '../state.js';

export type Trust = VerifyReport['trust'];

/** What is audited, for messages. */
export interface Subject {
  /** "the server's", "the bundle's" */
  whose: string;
  /** "this server runs", "this bundle holds" */
  holds: string;
}

export const SERVER: Subject = { whose: "the server's", holds: 'this server runs' };
export const BUNDLE: Subject = { whose: "the bundle's", holds: 'this bundle holds' };

export function verifierOf(vkey: string): Result<NoteVerifier, AuditError> {
  const v = parseVerifierKey(vkey);
  return v.ok ? ok(v.value) : fail.usage(`not an Ed25519 verifier key: ${vkey}`);
}

/**
 * No commission key pinned: entry 0 is taken as signed by the key it names
 * itself, said loudly (a warning).
 */
export function trustNamedCommissionKey(ctx: AuditContext, named: string): Trust {
  const msg = `NO COMMISSION KEY PINNED: entry 0 is signed by the key it names itself (${named}). That proves nothing about who made this election; pin the commission's published key with --commission-key or --election DIR.`;
  ctx.say(`${ctx.command}: ${msg}`);
  ctx.findings.warning('trust-on-first-use', msg);
  return { commissionKey: named, commissionKeySource: 'entry 0 (self-signed; NOT pinned)' };
}

/** A pinned log key must be the one entry 0 names. */
export function checkPinnedLogKey(
  trust: Trust,
  entry0: OpenedGenesis['entry'],
  subject: Subject,
): Result<void, AuditError> {
  if (!trust.logKey || sameKey(trust.logKey, entry0.logKey)) return ok(undefined);
  return fail.fatal(
    'log-key-mismatch',
    `entry 0 names the log key ${entry0.logKey}, not the pinned ${trust.logKey} (${trust.logKeySource}): ${subject.holds} another log`,
  );
}

// ------------------------------------------------------------ a server

/** The server's trust: what is pinned, and the state of the run that verified it before. */
export interface ServerTrust {
  served: ServedCheckpoint;
  state: StateDir;
  saved: { state: SavedState; note: string } | null;
  /** The origin every checkpoint must carry. */
  origin: string;
  trust: Trust;
  /** The served checkpoint, opened with the pinned log key (openPinnedCheckpoint; none pinned: undefined). */
  checkpoint?: Checkpoint;
}

/**
 * Reads the served checkpoint and the state directory, and pins the keys:
 * given, else kept by an earlier run. The origin is pinned, else remembered,
 * else (first run) claimed by the checkpoint, and then checked against entry 0.
 */
export async function resolveServerTrust(
  reader: LogReader,
  anchors: Anchors,
  stateDir: string | undefined,
): Step<ServerTrust> {
  const fetched = await fetchCheckpoint(reader);
  if (!fetched.ok)
    return fetched.fatal
      ? fail.fatal('checkpoint-invalid', fetched.why)
      : fail.incomplete(fetched.why);
  const served = fetched.value;
  // The state directory: given, or named after the log's origin (as pinned, else as the server claims it).
  const state = new StateDir(
    stateDir ?? join('kura-verify', originDirName(anchors.origin ?? served.claimed.origin)),
  );
  const saved = state.load();
  if (saved && anchors.origin && saved.state.origin !== anchors.origin)
    return fail.usage(
      `${state.dir} holds the state of log ${JSON.stringify(saved.state.origin)}, not ${JSON.stringify(anchors.origin)}; give another --state`,
    );
  const origin = anchors.origin ?? saved?.state.origin ?? served.claimed.origin;
  const trust: Trust = {
    logKey: anchors.logKey,
    logKeySource: anchors.logKeySource,
    commissionKey: anchors.commissionKey,
    commissionKeySource: anchors.commissionKeySource,
  };
  if (saved) {
    if (trust.logKey && !sameKey(trust.logKey, saved.state.logKey))
      return fail.usage(
        `${state.dir} pinned the log key ${saved.state.logKey} (${saved.state.logKeySource}), not ${trust.logKey}; give another --state if this is another log`,
      );
    if (!trust.logKey) {
      trust.logKey = saved.state.logKey;
      trust.logKeySource = `pinned in ${state.dir} (first from ${saved.state.logKeySource})`;
    }
    if (!trust.commissionKey && saved.state.commissionKey) {
      trust.commissionKey = saved.state.commissionKey;
      trust.commissionKeySource = `pinned in ${state.dir} (first from ${saved.state.commissionKeySource ?? 'an earlier run'})`;
    }
  }
  return ok({ served, state, saved, origin, trust });
}

/** With a log key pinned, the served checkpoint opened with it; the log must not be empty. */
export function openPinnedCheckpoint(
  reader: LogReader,
  t: ServerTrust,
): Result<ServerTrust, AuditError> {
  let checkpoint: Checkpoint | undefined;
  if (t.trust.logKey) {
    const opened = openCheckpointWith(reader, t.served.note, t.origin, t.trust.logKey);
    if (!opened.ok) return opened;
    checkpoint = opened.value;
  }
  const size = checkpoint?.size ?? t.served.claimed.size;
  if (size === 0) return fail.incomplete('the log is empty (its checkpoint has size 0)');
  return ok(checkpoint ? { ...t, checkpoint } : t);
}

/** The served note, opened with the log key. */
export function openCheckpointWith(
  reader: LogReader,
  note: string,
  origin: string,
  logKey: string,
): Result<Checkpoint, AuditError> {
  const verifier = verifierOf(logKey);
  if (!verifier.ok) return verifier;
  const opened = openServed(note, origin, verifier.value);
  if (opened.ok) return opened;
  return fail.fatal(
    'checkpoint-invalid',
    `the checkpoint served by ${reader.where('log/checkpoint')} does not verify with the log key ${verifier.value.name}: ${opened.error}\n${note.trimEnd()}`,
  );
}

/**
 * Settles the server's keys once entry 0 is open: the commission key (pinned,
 * else entry 0's own, said loudly), the log key (pinned and equal to entry 0's,
 * else entry 0's: trust on first use, said loudly), and the served checkpoint
 * opened with it, for the origin entry 0 names.
 */
export function settleServerKeys(
  ctx: AuditContext,
  reader: LogReader,
  t: ServerTrust,
  entry0: OpenedGenesis['entry'],
): Result<{ trust: Trust; checkpoint: Checkpoint }, AuditError> {
  let trust = t.trust;
  if (!trust.commissionKey)
    trust = { ...trust, ...trustNamedCommissionKey(ctx, entry0.commissionKey) };
  let checkpoint = t.checkpoint;
  if (trust.logKey) {
    const pinned = checkPinnedLogKey(trust, entry0, SERVER);
    if (!pinned.ok) return pinned;
  } else {
    trust = {
      ...trust,
      logKey: entry0.logKey,
      logKeySource: 'trust on first use: entry 0 as served',
    };
    const msg = `TRUST ON FIRST USE: no log key was pinned (--log-key, --election, or an earlier run's --state). Taking the log key from entry 0 as this server serves it: ${entry0.logKey} (entry 0 checked against ${trust.commissionKeySource}). It is saved in ${t.state.dir}; later runs hold the server to it.`;
    ctx.say(`${ctx.command}: ${msg}`);
    ctx.findings.warning('trust-on-first-use', msg);
    const opened = openCheckpointWith(reader, t.served.note, t.origin, entry0.logKey);
    if (!opened.ok) return opened;
    checkpoint = opened.value;
  }
  if (!checkpoint) return err(AuditError.incomplete('internal error: no checkpoint'));
  if (entry0.logOrigin !== checkpoint.origin)
    return fail.fatal(
      'checkpoint-invalid',
      `the checkpoint's origin ${JSON.stringify(checkpoint.origin)} is not the log origin entry 0 names (${JSON.stringify(entry0.logOrigin)})`,
    );
  return ok({
    trust: {
      logKey: trust.logKey,
      logKeySource: trust.logKeySource,
      commissionKey: trust.commissionKey,
      commissionKeySource: trust.commissionKeySource,
    },
    checkpoint,
  });
}

/** GET /log/key should name the pinned key (a warning if not: the log key is what signs). */
export async function checkServedKey(
  ctx: AuditContext,
  reader: LogReader,
  logKey: string,
): Promise<void> {
  const res = await reader.logKey();
  const text = res.ok ? new TextDecoder().decode(res.value).trim() : '';
  if (!res.ok || !sameKey(text, logKey))
    ctx.findings.warning(
      'server-key-differs',
      `GET /log/key answers ${res.ok ? JSON.stringify(text) : `HTTP ${res.error.status}`}, not the log key ${logKey}`,
    );
}

/** The served checkpoint must carry the cosignatures the witness policy asks for (--witness-policy). */
export function checkWitnessPolicy(
  note: string,
  policy: WitnessPolicy | undefined,
  logKey: string,
): Result<void, AuditError> {
  if (!policy) return ok(undefined);
  const w = checkWitnessPolicyOf(note, policy, logKey);
  if (w.ok) return ok(undefined);
  return w.error.usage
    ? fail.usage(w.error.message)
    : fail.fatal('checkpoint-invalid', w.error.message);
}
