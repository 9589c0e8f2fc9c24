// `kura agent`: what a party and its agents do at the station from a
// terminal. A party enrols and revokes its agents (roster entries signed by
// the party key); an agent co-signs the result its station's device signed
// (an attestation) or disagrees with it, giving its own figures (a dissent),
// both signed by the agent's key; anyone reads a party's parallel tally.
// Every entry goes to the server as the device's results do, and its receipt
// is checked against the log key pinned in the election directory.
import { readFileSync } from 'node:fs';
import { canonicalString } from '../../election/canonical.js';
import type { ElectionDefinition } from '../../election/definition.js';
import { deviceTime } from '../../election/device.js';
import { signingMessage } from '../../election/entries.js';
import {
  FORM_AGENT_HEADER,
  FORM_PARTY_HEADER,
  FORM_SIGNATURE_HEADER,
  formUploadMessage,
  sniffFormType,
} from '../../election/form-upload.js';
import { checkReceiptText } from '../../election/receipt-check.js';
import { decodeResultQr } from '../../election/result-qr.js';
import { fromBase64, fromHex, toBase64, toHex } from '../../log/bytes.js';
import { ed25519PublicKey, ed25519Sign, randomBytes, sha256 } from '../../log/crypto.js';
import { writeDurable } from '../../platform/durable-write.js';
import { readElectionFiles } from '../../platform/election-dir.js';
import { parse, requireOption, UsageError } from '../usage.js';

const HELP = `
kura agent keygen --out FILE
kura agent enrol   --server URL --election DIR --party ID --party-key FILE
                   --agent ID --station CODE (--agent-public-key B64 | --agent-key FILE)
                   [--replaces ID]
kura agent revoke  --server URL --election DIR --party ID --party-key FILE
                   --agent ID --reason TEXT
kura agent attest  --server URL --election DIR --party ID --agent ID --agent-key FILE
                   (--qr TEXT | --contest ID --station CODE)
kura agent dissent --server URL --election DIR --party ID --agent ID --agent-key FILE
                   (--qr TEXT | --contest ID --station CODE)
                   --votes ID=N,... --rejected N [--total-valid N]
                   (--form FILE | --form-sha256 HEX) [--reason TEXT]
kura agent tally   --server URL --party ID --contest ID [--unit CODE]

A party's agents at the polling stations. keygen makes an Ed25519 key (a
party's or an agent's) in FILE (mode 0600) and prints its public key. A party
enrols an agent at one station with the agent's public key, and revokes it
(roster entries, signed with the party key). An agent co-signs the result the
station's device signed (attest) or disagrees with it (dissent: its own
figures and the SHA-256 of a photo of its copy of the form, which --form
uploads first, signed with the agent key), signed with the agent key. The result is the one in the device's QR text (--qr), or the one
the server counts for the contest and station. tally prints the party's
parallel tally beside the official one, with the stations where they differ.

  --out FILE               where keygen writes the key
  --server URL             the kura server
  --election DIR           the election directory (its pinned log key checks the receipt)
  --party ID               the party (as the commission enrolled it)
  --party-key FILE         the party's key file (kura agent keygen)
  --agent ID               the agent's identifier within the party
  --agent-key FILE         the agent's key file (kura agent keygen)
  --agent-public-key B64   the agent's public key (base64, 32 bytes)
  --station CODE           the polling station
  --replaces ID            the agent this one replaces (same party)
  --reason TEXT            why (revoke: required; dissent: optional)
  --qr TEXT                the device's QR text (kura-result:...)
  --contest ID             the contest (e.g. president)
  --unit CODE              the tally's unit (default: the nation)
  --votes ID=N,...         (dissent) each candidate's votes on the agent's copy
  --rejected N             (dissent) rejected ballots on the agent's copy
  --total-valid N          (dissent) the total valid votes on the agent's copy
                           (default: the sum of --votes)
  --form FILE              (dissent) the photo of the agent's copy (JPEG, PNG or PDF), uploaded and cited
  --form-sha256 HEX        (dissent) the photo's SHA-256, given
  --agent-time T           the agent's clock in the entry (RFC 3339; default now)

Exit codes: 0 done, 2 the server refused (the reason on stderr), 3 the
receipt does not verify, 64 usage.`;

const OPTIONS = {
  out: { type: 'string' },
  server: { type: 'string' },
  election: { type: 'string' },
  party: { type: 'string' },
  'party-key': { type: 'string' },
  agent: { type: 'string' },
  'agent-key': { type: 'string' },
  'agent-public-key': { type: 'string' },
  station: { type: 'string' },
  replaces: { type: 'string' },
  reason: { type: 'string' },
  qr: { type: 'string' },
  contest: { type: 'string' },
  unit: { type: 'string' },
  votes: { type: 'string' },
  rejected: { type: 'string' },
  'total-valid': { type: 'string' },
  form: { type: 'string' },
  'form-sha256': { type: 'string' },
  'agent-time': { type: 'string' },
} as const;

type Values = { [K in keyof typeof OPTIONS]?: string };

/** A key file: the Ed25519 seed and its public key (kura agent keygen). */
interface KeyFile {
  kind: 'kura-agent-key';
  seed: string;
  publicKey: string;
}

export function readKeyFile(path: string, option: string): { seed: Uint8Array; publicKey: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`--${option}: ${path} is not a key file (${(e as Error).message})`);
  }
  const k = parsed as Partial<KeyFile>;
  const seed = typeof k.seed === 'string' ? fromHex(k.seed) : undefined;
  if (k.kind !== 'kura-agent-key' || seed?.length !== 32)
    throw new UsageError(`--${option}: ${path} is not a kura agent key file`);
  return { seed, publicKey: toBase64(ed25519PublicKey(seed)) };
}

function positiveCount(text: string, option: string): number {
  if (!/^(0|[1-9][0-9]{0,8})$/.test(text))
    throw new UsageError(`--${option} must be a whole number (at most 9 digits)`);
  return Number(text);
}

function parseVotes(text: string): Record<string, number> {
  const votes: Record<string, number> = {};
  for (const pair of text.split(',')) {
    const [id, n] = pair.split('=');
    if (!id || n === undefined) throw new UsageError(`--votes: "${pair}" is not ID=N`);
    votes[id] = positiveCount(n, 'votes');
  }
  return votes;
}

function readDefinition(dir: string): ElectionDefinition {
  const { definitionBytes } = readElectionFiles(dir);
  return JSON.parse(new TextDecoder().decode(definitionBytes)) as ElectionDefinition;
}

/** The server's answer as JSON, whatever the status (kura's refusals are JSON too). */
async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  let body: Record<string, unknown> = {};
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    body = {};
  }
  return { status: res.status, body };
}

function refusalText(status: number, body: Record<string, unknown>): string {
  const e = body.error as { code?: string; message?: string; field?: string } | undefined;
  return e
    ? `HTTP ${status} ${e.code}: ${e.message}${e.field ? ` (field ${e.field})` : ''}`
    : `HTTP ${status} ${JSON.stringify(body).slice(0, 300)}`;
}

/**
 * The result entry's canonical bytes: from the device's QR text, or from the
 * log (the entry the server counts for the contest at the station).
 */
async function resultBytes(server: string, v: Values): Promise<Uint8Array> {
  if (v.qr !== undefined) {
    if (v.contest !== undefined || v.station !== undefined)
      throw new UsageError('give --qr, or --contest and --station, not both');
    const decoded = decodeResultQr(v.qr);
    if (!decoded.ok) throw new UsageError(`--qr: ${decoded.error}`);
    return decoded.value.bytes;
  }
  const contest = requireOption(v.contest, 'contest (or --qr)');
  const station = requireOption(v.station, 'station (or --qr)');
  const page = await getJson(`${server}/api/v1/stations/${encodeURIComponent(station)}`);
  if (page.status !== 200)
    throw new Error(`station ${station}: ${refusalText(page.status, page.body)}`);
  const results = page.body.results as Record<string, { entryIndex?: number } | null> | undefined;
  const result = results?.[contest];
  if (!result || typeof result.entryIndex !== 'number')
    throw new Error(`station ${station} has no ${contest} result on the record yet`);
  const entry = await getJson(`${server}/api/v1/entries/${result.entryIndex}`);
  const bytes = typeof entry.body.entry === 'string' ? fromBase64(entry.body.entry) : undefined;
  if (entry.status !== 200 || !bytes)
    throw new Error(`entry ${result.entryIndex}: ${refusalText(entry.status, entry.body)}`);
  return bytes;
}

/** Signs an unsigned entry with a seed (the signature over signingMessage, §5.1). */
function signed<T extends Record<string, unknown>>(
  unsigned: T,
  seed: Uint8Array,
): T & { sig: string } {
  const message = signingMessage(unsigned as never);
  return { ...unsigned, sig: toBase64(ed25519Sign(seed, message)) };
}

/** Posts a signed entry; prints its index and checks its receipt. Exit code. */
async function post(
  server: string,
  path: string,
  entry: Record<string, unknown>,
  definition: ElectionDefinition,
  what: string,
): Promise<number> {
  const res = await fetch(`${server}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(entry),
  });
  let body: Record<string, unknown> = {};
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    body = {};
  }
  if (!res.ok || typeof body.receipt !== 'string' || typeof body.index !== 'number') {
    process.stderr.write(`refused: ${refusalText(res.status, body)}\n`);
    return 2;
  }
  const check = checkReceiptText(body.receipt, definition.logKey, definition.logOrigin);
  if (!check.ok) {
    process.stderr.write(`THE RECEIPT DOES NOT VERIFY: ${check.error}\n`);
    return 3;
  }
  if (
    check.value.index !== body.index ||
    canonicalString(check.value.entry) !== canonicalString(entry)
  ) {
    process.stderr.write('THE RECEIPT IS FOR A DIFFERENT ENTRY than the one signed here\n');
    return 3;
  }
  process.stdout.write(
    `${what} ${res.status === 200 ? 'already logged' : 'logged'} as entry ${body.index}; receipt verified (signed tree of size ${check.value.treeSize})\n`,
  );
  return 0;
}

async function keygen(v: Values): Promise<number> {
  const out = requireOption(v.out, 'out');
  const seed = randomBytes(32);
  const publicKey = toBase64(ed25519PublicKey(seed));
  const file: KeyFile = { kind: 'kura-agent-key', seed: toHex(seed), publicKey };
  await writeDurable(out, `${JSON.stringify(file)}\n`, 0o600);
  process.stdout.write(`${publicKey}\n`);
  return 0;
}

async function roster(v: Values, act: Record<string, unknown>, what: string): Promise<number> {
  const server = requireOption(v.server, 'server').replace(/\/$/, '');
  const definition = readDefinition(requireOption(v.election, 'election'));
  const party = requireOption(v.party, 'party');
  const key = readKeyFile(requireOption(v['party-key'], 'party-key'), 'party-key');
  const entry = signed(
    {
      type: 'roster',
      v: 1,
      election: definition.electionId,
      party,
      at: v['agent-time'] ?? deviceTime(new Date()),
      act,
    },
    key.seed,
  );
  return post(server, '/api/v1/roster', entry, definition, what);
}

async function enrol(v: Values): Promise<number> {
  const agent = requireOption(v.agent, 'agent');
  const station = requireOption(v.station, 'station');
  if ((v['agent-public-key'] === undefined) === (v['agent-key'] === undefined))
    throw new UsageError('give one of --agent-public-key and --agent-key');
  const publicKey =
    v['agent-public-key'] ?? readKeyFile(v['agent-key'] as string, 'agent-key').publicKey;
  if (fromBase64(publicKey)?.length !== 32)
    throw new UsageError('--agent-public-key must be a base64 Ed25519 public key (32 bytes)');
  return roster(
    v,
    { kind: 'agent-enrolled', agent, station, publicKey, replaces: v.replaces ?? '' },
    `agent ${agent} at station ${station}:`,
  );
}

async function revoke(v: Values): Promise<number> {
  const agent = requireOption(v.agent, 'agent');
  const reason = requireOption(v.reason, 'reason');
  return roster(v, { kind: 'agent-revoked', agent, reason }, `revocation of agent ${agent}:`);
}

/** What attest and dissent share: the agent, its key and the result it speaks of. */
async function agentWord(v: Values) {
  const server = requireOption(v.server, 'server').replace(/\/$/, '');
  const definition = readDefinition(requireOption(v.election, 'election'));
  const party = requireOption(v.party, 'party');
  const agent = requireOption(v.agent, 'agent');
  const key = readKeyFile(requireOption(v['agent-key'], 'agent-key'), 'agent-key');
  const bytes = await resultBytes(server, v);
  const result = JSON.parse(new TextDecoder().decode(bytes)) as {
    contest: string;
    station: string;
    votes: Record<string, number>;
    rejected: number;
    totalValid: number;
  };
  process.stdout.write(
    `the device's ${result.contest} result at station ${result.station}: ${Object.entries(
      result.votes,
    )
      .map(([c, n]) => `${c} ${n}`)
      .join(', ')}; rejected ${result.rejected}; total valid ${result.totalValid}\n`,
  );
  return { server, definition, party, agent, key, result, hash: toHex(sha256(bytes)) };
}

async function attest(v: Values): Promise<number> {
  const w = await agentWord(v);
  const entry = signed(
    {
      type: 'attestation',
      v: 1,
      election: w.definition.electionId,
      party: w.party,
      agent: w.agent,
      result: w.hash,
      agentTime: v['agent-time'] ?? deviceTime(new Date()),
    },
    w.key.seed,
  );
  return post(w.server, '/api/v1/attestations', entry, w.definition, 'attestation');
}

async function dissent(v: Values): Promise<number> {
  const votes = parseVotes(requireOption(v.votes, 'votes'));
  const rejected = positiveCount(requireOption(v.rejected, 'rejected'), 'rejected');
  const totalValid =
    v['total-valid'] !== undefined
      ? positiveCount(v['total-valid'], 'total-valid')
      : Object.values(votes).reduce((s, n) => s + n, 0);
  if ((v.form === undefined) === (v['form-sha256'] === undefined))
    throw new UsageError('give one of --form and --form-sha256');
  let form: string;
  let photo: { data: Uint8Array<ArrayBuffer>; type: string } | null = null;
  if (v.form !== undefined) {
    const data = new Uint8Array(readFileSync(v.form));
    const type = sniffFormType(data);
    if (!type) throw new UsageError(`${v.form} is not a JPEG, PNG or PDF`);
    photo = { data, type };
    form = toHex(sha256(data));
  } else {
    form = v['form-sha256'] as string;
    if (!/^[0-9a-f]{64}$/.test(form))
      throw new UsageError('--form-sha256 must be 64 lower-case hex digits');
  }
  const w = await agentWord(v);
  if (photo) await uploadPhoto(w, form, photo);
  const entry = signed(
    {
      type: 'dissent',
      v: 1,
      election: w.definition.electionId,
      party: w.party,
      agent: w.agent,
      result: w.hash,
      contest: w.result.contest,
      station: w.result.station,
      votes,
      rejected,
      totalValid,
      form,
      reason: v.reason ?? '',
      agentTime: v['agent-time'] ?? deviceTime(new Date()),
    },
    w.key.seed,
  );
  return post(w.server, '/api/v1/dissents', entry, w.definition, 'dissent');
}

/**
 * Stores the photo of the agent's copy before the dissent that cites it, as a
 * device stores its form (FORMATS.md §10.3): signed with the agent key for its
 * station (the result's: a dissent elsewhere is refused anyway).
 */
async function uploadPhoto(
  w: Awaited<ReturnType<typeof agentWord>>,
  form: string,
  photo: { data: Uint8Array<ArrayBuffer>; type: string },
): Promise<void> {
  const message = formUploadMessage(w.definition.electionId, w.result.station, form);
  const put = await fetch(`${w.server}/api/v1/forms/${form}`, {
    method: 'PUT',
    headers: {
      'content-type': photo.type,
      [FORM_PARTY_HEADER]: w.party,
      [FORM_AGENT_HEADER]: w.agent,
      [FORM_SIGNATURE_HEADER]: toBase64(ed25519Sign(w.key.seed, message)),
    },
    body: photo.data,
  });
  if (!put.ok) throw new Error(`photo upload refused: ${put.status} ${await put.text()}`);
  process.stdout.write(`photo ${form} uploaded (${photo.data.length} bytes, ${photo.type})\n`);
}

type Figures = {
  votes?: Record<string, number>;
  partyVotes?: Record<string, number>;
  rejected: number;
  totalValid: number;
};

function figuresText(f: Figures): string {
  const counts = f.votes ?? f.partyVotes ?? {};
  return `${Object.entries(counts)
    .map(([c, n]) => `${c} ${n}`)
    .join(', ')}; rejected ${f.rejected}; total valid ${f.totalValid}`;
}

async function tally(v: Values): Promise<number> {
  const server = requireOption(v.server, 'server').replace(/\/$/, '');
  const party = requireOption(v.party, 'party');
  const contest = requireOption(v.contest, 'contest');
  const unit = v.unit ?? 'nation';
  const got = await getJson(
    `${server}/api/v1/parties/${encodeURIComponent(party)}/tally/${encodeURIComponent(contest)}/${encodeURIComponent(unit)}`,
  );
  if (got.status !== 200) {
    process.stderr.write(`refused: ${refusalText(got.status, got.body)}\n`);
    return 2;
  }
  const p = got.body.tally as Figures & {
    stationsAttested: number;
    stationsDissented: number;
    stationsUncovered: number;
    differing: Array<{ station: string; official: Figures; party: Figures }>;
  };
  const official = got.body.official as Figures & { stationsReported: number };
  const lines = [
    `${party}'s parallel ${contest} tally of ${unit === 'nation' ? 'the nation' : unit}:`,
    `  official: ${figuresText(official)} (${official.stationsReported} stations reported)`,
    `  ${party}:${' '.repeat(Math.max(1, 9 - party.length))}${figuresText(p)}`,
    `  stations co-signed ${p.stationsAttested}, disputed ${p.stationsDissented}, without an agent's word ${p.stationsUncovered}`,
    `  stations where they differ: ${p.differing.length}`,
    ...p.differing.map(
      (d) =>
        `    ${d.station}: official ${figuresText(d.official)} | ${party} ${figuresText(d.party)}`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

export async function runAgent(args: string[]): Promise<number> {
  const a = parse(args, OPTIONS, HELP);
  if (!a) return 0;
  const [verb, ...extra] = a.positionals;
  if (extra.length) throw new UsageError(`unexpected argument ${extra[0]}`, true);
  const v = a.values as Values;
  switch (verb) {
    case 'keygen':
      return keygen(v);
    case 'enrol':
      return enrol(v);
    case 'revoke':
      return revoke(v);
    case 'attest':
      return attest(v);
    case 'dissent':
      return dissent(v);
    case 'tally':
      return tally(v);
    default:
      throw new UsageError(
        verb === undefined
          ? 'say keygen, enrol, revoke, attest, dissent or tally'
          : `unknown action "${verb}": say keygen, enrol, revoke, attest, dissent or tally`,
        true,
      );
  }
}
