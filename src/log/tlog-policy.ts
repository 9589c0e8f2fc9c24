// Witness policies: which witnesses must have cosigned a checkpoint before a
// verifier believes it. Two spellings:
//
//   a C2SP tlog-policy file (c2sp.org/tlog-policy):
//     log <vkey> [<url>]
//     witness <name> <vkey> [<url>]
//     group <name> all|any|<k> <name>...
//     quorum <name>|none
//   or inline, "<k> of <vkey>,<vkey>,...": k of these witnesses, named by
//   their key names.
//
// Witness keys are cosignature/v1 (type 0x04) vkeys. The policy text is
// given by the user (trusted to mean what it says, but checked fully);
// the checkpoint notes it is applied to are attacker-controlled.
import type { Result } from '../basics/result.js';
import { err, ok } from '../basics/result.js';
import { equal } from './bytes.js';
import { parseCosignatureVerifierKey, SIG_TYPE_COSIGNATURE_V1 } from './cosignature.js';
import {
  decodeVerifierKey,
  type NoteVerifier,
  openNote,
  parseNote,
  SIG_TYPE_ED25519,
} from './note.js';

export interface PolicyWitness {
  /** The name in the policy (a file's own name, or the key name inline). */
  readonly name: string;
  readonly vkey: string;
  readonly publicKey: Uint8Array;
  readonly verifier: NoteVerifier;
  readonly url?: string;
}

export interface PolicyLog {
  readonly vkey: string;
  readonly publicKey: Uint8Array;
  readonly url?: string;
}

export type Quorum =
  | { readonly kind: 'none' }
  | { readonly kind: 'witness'; readonly name: string }
  | {
      readonly kind: 'group';
      readonly name: string;
      readonly k: number;
      readonly members: readonly Quorum[];
    };

export interface WitnessPolicy {
  readonly logs: readonly PolicyLog[];
  readonly witnesses: readonly PolicyWitness[];
  readonly quorum: Quorum;
}

/** Limits well above the spec's "at least 32 of each". */
const MAX_ITEMS = 256;

const RESERVED = 'none';

/** Parses a tlog-policy file. Errors name the line. */
export function parsePolicyFile(text: string): Result<WitnessPolicy, string> {
  const logs: PolicyLog[] = [];
  const witnesses: PolicyWitness[] = [];
  const names = new Map<string, Quorum>();
  let quorum: Quorum | undefined;
  let groups = 0;
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const where = `line ${i + 1}`;
    // Only tab and newline among the control characters (DEL included).
    for (const ch of raw) {
      const c = ch.charCodeAt(0);
      if ((c < 0x20 && c !== 0x09) || c === 0x7f)
        return err(`${where}: control character 0x${c.toString(16).padStart(2, '0')}`);
    }
    const words = raw.split(/[ \t]+/).filter((w) => w !== '');
    const [keyword, ...args] = words;
    if (keyword === undefined || keyword.startsWith('#')) continue;
    switch (keyword) {
      case 'log': {
        if (args.length < 1 || args.length > 2) return err(`${where}: want "log <vkey> [<url>]"`);
        const k = decodeKey(args[0] as string, SIG_TYPE_ED25519, 'log');
        if (!k.ok) return err(`${where}: ${k.error}`);
        if (logs.some((l) => equal(l.publicKey, k.value.publicKey)))
          return err(`${where}: this log key is listed twice`);
        if (logs.length === MAX_ITEMS) return err(`${where}: more than ${MAX_ITEMS} logs`);
        logs.push({ vkey: args[0] as string, publicKey: k.value.publicKey, url: args[1] });
        break;
      }
      case 'witness': {
        if (args.length < 2 || args.length > 3)
          return err(`${where}: want "witness <name> <vkey> [<url>]"`);
        const [name, vkey, url] = args as [string, string, string | undefined];
        const w = makeWitness(name, vkey, url);
        if (!w.ok) return err(`${where}: ${w.error}`);
        const taken = checkNewName(name, names);
        if (taken) return err(`${where}: ${taken}`);
        if (witnesses.some((x) => equal(x.publicKey, w.value.publicKey)))
          return err(`${where}: witness ${name} has the same key as an earlier witness`);
        if (witnesses.length === MAX_ITEMS)
          return err(`${where}: more than ${MAX_ITEMS} witnesses`);
        witnesses.push(w.value);
        names.set(name, { kind: 'witness', name });
        break;
      }
      case 'group': {
        if (args.length < 3) return err(`${where}: want "group <name> all|any|<k> <name>..."`);
        const [name, threshold, ...memberNames] = args as [string, string, ...string[]];
        const taken = checkNewName(name, names);
        if (taken) return err(`${where}: ${taken}`);
        const members: Quorum[] = [];
        const seen = new Set<string>();
        for (const m of memberNames) {
          const node = names.get(m);
          if (!node)
            return err(
              m === RESERVED
                ? `${where}: "none" cannot be a group member`
                : `${where}: ${m} is not a witness or group defined above`,
            );
          if (seen.has(m)) return err(`${where}: ${m} is listed twice in group ${name}`);
          seen.add(m);
          members.push(node);
        }
        const n = members.length;
        const k =
          threshold === 'all'
            ? n
            : threshold === 'any'
              ? 1
              : /^[1-9][0-9]*$/.test(threshold)
                ? Number(threshold)
                : Number.NaN;
        if (!Number.isSafeInteger(k) || k < 1 || k > n)
          return err(`${where}: threshold ${threshold} of ${n} members (want all, any or 1..${n})`);
        if (++groups > MAX_ITEMS) return err(`${where}: more than ${MAX_ITEMS} groups`);
        names.set(name, { kind: 'group', name, k, members });
        break;
      }
      case 'quorum': {
        if (args.length !== 1) return err(`${where}: want "quorum <name>"`);
        if (quorum) return err(`${where}: a second quorum line`);
        const name = args[0] as string;
        const node = name === RESERVED ? { kind: 'none' as const } : names.get(name);
        if (!node) return err(`${where}: ${name} is not a witness or group defined above`);
        quorum = node;
        break;
      }
      default:
        return err(`${where}: unknown keyword ${JSON.stringify(keyword)}`);
    }
  }
  if (!quorum) return err('the policy has no quorum line');
  return ok({ logs, witnesses, quorum });
}

/** Parses "<k> of <vkey>,<vkey>,..." (k a number, "all" or "any"; commas and/or spaces between keys). */
export function parseInlinePolicy(text: string): Result<WitnessPolicy, string> {
  const m = /^\s*(all|any|[0-9]+)\s+of\s+(.+?)\s*$/s.exec(text);
  if (!m) return err('want "<k> of <vkey>,<vkey>,..."');
  const keys = (m[2] as string).split(/[\s,]+/).filter((k) => k !== '');
  const witnesses: PolicyWitness[] = [];
  for (const vkey of keys) {
    const d = decodeVerifierKey(vkey);
    const w = makeWitness(d.ok ? d.value.name : vkey, vkey, undefined);
    if (!w.ok) return err(w.error);
    if (witnesses.some((x) => equal(x.publicKey, w.value.publicKey)))
      return err(`witness ${w.value.name} is listed twice`);
    if (witnesses.some((x) => x.name === w.value.name))
      return err(`two witnesses are named ${w.value.name}`);
    witnesses.push(w.value);
  }
  const n = witnesses.length;
  const t = m[1] as string;
  const k = t === 'all' ? n : t === 'any' ? 1 : Number(t);
  if (n === 0) return err('no witness keys');
  if (!Number.isSafeInteger(k) || k < 1 || k > n)
    return err(`threshold ${t} of ${n} witnesses (want 1..${n})`);
  return ok({
    logs: [],
    witnesses,
    quorum: {
      kind: 'group',
      name: `${k} of ${n}`,
      k,
      members: witnesses.map((w) => ({ kind: 'witness' as const, name: w.name })),
    },
  });
}

function checkNewName(name: string, names: Map<string, Quorum>): string | undefined {
  if (name === RESERVED) return '"none" is reserved';
  if (names.has(name)) return `the name ${name} is defined twice`;
  return undefined;
}

function decodeKey(
  vkey: string,
  type: number,
  what: string,
): Result<{ name: string; publicKey: Uint8Array }, string> {
  const d = decodeVerifierKey(vkey);
  if (!d.ok) return err(`bad ${what} key: ${d.error.message}`);
  if (d.value.type !== type) {
    const want =
      type === SIG_TYPE_COSIGNATURE_V1 ? 'cosignature/v1 (type 0x04)' : 'Ed25519 (type 0x01)';
    return err(
      `the ${what} key ${d.value.name} is of type 0x${d.value.type.toString(16).padStart(2, '0')}, not ${want}`,
    );
  }
  if (d.value.publicKey.length !== 32) return err(`bad ${what} key: not 32 bytes`);
  return ok({ name: d.value.name, publicKey: d.value.publicKey });
}

function makeWitness(
  name: string,
  vkey: string,
  url: string | undefined,
): Result<PolicyWitness, string> {
  const k = decodeKey(vkey, SIG_TYPE_COSIGNATURE_V1, 'witness');
  if (!k.ok) return k;
  const v = parseCosignatureVerifierKey(vkey);
  if (!v.ok) return err(`bad witness key: ${v.error.message}`);
  return ok({ name, vkey, publicKey: k.value.publicKey, verifier: v.value, url });
}

export interface PolicyOutcome {
  readonly satisfied: boolean;
  /** Witnesses with a valid cosignature on the checkpoint. */
  readonly cosigned: readonly string[];
  /** Witnesses without one (absent, or invalid: see `invalid`). */
  readonly missing: readonly string[];
  /** Witnesses whose cosignature line is present but does not verify. */
  readonly invalid: readonly string[];
  /** One sentence: what the policy needs and what the checkpoint has. */
  readonly summary: string;
}

/**
 * Applies the policy to a signed checkpoint note (attacker-controlled). Each
 * witness's cosignature is checked on its own, so one bad line costs only that
 * witness. The log's signature is not checked here (openCheckpoint does that).
 */
export function evaluatePolicy(policy: WitnessPolicy, note: string): PolicyOutcome {
  const cosigned = new Set<string>();
  const invalid: string[] = [];
  const parsed = parseNote(note);
  for (const w of policy.witnesses) {
    if (!parsed.ok) break;
    const present = parsed.value.signatures.some(
      (s) => s.name === w.verifier.name && s.keyId === w.verifier.keyId,
    );
    if (!present) continue;
    if (openNote(note, [w.verifier]).ok) cosigned.add(w.name);
    else invalid.push(w.name);
  }
  const satisfied = holds(policy.quorum, cosigned);
  const missing = policy.witnesses.filter((w) => !cosigned.has(w.name)).map((w) => w.name);
  const list = (xs: readonly string[]) => (xs.length ? xs.join(', ') : 'none');
  const summary = [
    `the policy needs ${describe(policy.quorum)}`,
    `cosigned by ${list([...cosigned])}`,
    missing.length ? `missing ${list(missing)}` : '',
    invalid.length ? `invalid cosignatures from ${list(invalid)}` : '',
  ]
    .filter((s) => s !== '')
    .join('; ');
  return { satisfied, cosigned: [...cosigned], missing, invalid, summary };
}

function holds(q: Quorum, cosigned: ReadonlySet<string>): boolean {
  switch (q.kind) {
    case 'none':
      return true;
    case 'witness':
      return cosigned.has(q.name);
    case 'group':
      return q.members.filter((m) => holds(m, cosigned)).length >= q.k;
  }
}

function describe(q: Quorum): string {
  switch (q.kind) {
    case 'none':
      return 'no cosignatures';
    case 'witness':
      return q.name;
    case 'group': {
      const what = q.k === q.members.length ? 'all' : `${q.k}`;
      return `${what} of (${q.members.map(describe).join(', ')})`;
    }
  }
}
