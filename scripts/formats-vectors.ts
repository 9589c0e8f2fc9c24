// Regenerates the test vectors of docs/FORMATS.md. Run from the repository root:
//   npx tsx scripts/formats-vectors.ts
// Everything is deterministic: fixed seeds, fixed times, Ed25519 is deterministic.
import { parseCanonical } from '../src/election/canonical.js';
import type { ElectionDefinition } from '../src/election/definition.js';
import { demoDevicePublicKey, demoDeviceSeed } from '../src/election/demo-keys.js';
import { checkDefinition } from '../src/election/election-index.js';
import {
  encodeEntry,
  type ResultEntry,
  signingMessage,
  type Unsigned,
} from '../src/election/entries.js';
import { TallyFold } from '../src/election/fold.js';
import { createGenesis, openGenesis } from '../src/election/genesis.js';
import { toBase64, toHex, utf8 } from '../src/log/bytes.js';
import { openCheckpoint } from '../src/log/checkpoint.js';
import { CheckpointSigner } from '../src/log/checkpoint-signer.js';
import {
  cosignatureTimestamp,
  cosignatureVerifierKey,
  parseCosignatureVerifierKey,
} from '../src/log/cosignature.js';
import { ed25519PublicKey, ed25519Sign, sha256 } from '../src/log/crypto.js';
import { emptyRoot, leafHash, MerkleTree } from '../src/log/merkle.js';
import { decodeVerifierKey, generateKey, parseVerifierKey } from '../src/log/note.js';
import { verifyConsistency, verifyInclusion } from '../src/log/proof.js';
import { formatReceipt, verifyReceipt } from '../src/log/receipt.js';
import { buildTiles, encodeEntryBundle, entryBundlePath, tilePath } from '../src/log/tiles.js';
import { CANONICAL_VECTORS } from './canonical-vectors.js';

const out = (label: string, value: unknown) =>
  console.log(
    `### ${label}\n${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}\n`,
  );
const text = (b: Uint8Array) => new TextDecoder().decode(b);
/** a[i], which must exist. */
function at<T>(a: readonly T[], i: number): T {
  const v = a[i];
  if (v === undefined) throw new RangeError(`no element ${i}`);
  return v;
}

// §2.1: canonical JSON (scripts/canonical-vectors.ts).
for (const [input, accepted] of CANONICAL_VECTORS) {
  const bytes = typeof input === 'string' ? utf8(input) : input;
  const r = parseCanonical(bytes);
  if (r.ok !== accepted) throw new Error(`canonical vector ${toHex(bytes)}: got ${r.ok}`);
  out(
    `canonical JSON ${accepted ? 'accepted' : 'refused'} (hex ${toHex(bytes)})`,
    r.ok ? text(bytes) : r.error,
  );
}

// Keys: seeds are SHA-256 of fixed labels. Test keys only: the seeds are public.
const logSeed = sha256(utf8('kura FORMATS.md test vector: log key'));
const commissionSeed = sha256(utf8('kura FORMATS.md test vector: commission key'));
const logKey = generateKey('kura.example/example-2026', logSeed);
const commissionKey = generateKey('kura.example-commission', commissionSeed);
out('log signer key (PUBLIC TEST KEY)', logKey.signerKey);
out('log verifier key', logKey.verifierKey);
out(
  'log cosignature/v1 verifier key (same Ed25519 key, type 0x04)',
  cosignatureVerifierKey('kura.example/example-2026', ed25519PublicKey(logSeed)),
);
out('commission verifier key', commissionKey.verifierKey);
const lk = decodeVerifierKey(logKey.verifierKey);
if (!lk.ok) throw lk.error;
out(
  'log key: key ID input = name || 0x0A || 0x01 || pubkey (hex)',
  toHex(new Uint8Array([...utf8(lk.value.name), 0x0a, 0x01, ...lk.value.publicKey])),
);

const electionId = 'example-2026';
const dev = (id: string) => demoDevicePublicKey(electionId, id);
out(
  'demo device seed of dev-1 (SHA-256("kura demo device key\\nexample-2026\\ndev-1"))',
  toHex(demoDeviceSeed(electionId, 'dev-1')),
);
out('demo device public key of dev-1', dev('dev-1'));

const definition: ElectionDefinition = {
  format: 'kura-election/v1',
  electionId,
  title: 'Example election',
  logOrigin: 'kura.example/example-2026',
  logKey: logKey.verifierKey,
  commissionKey: commissionKey.verifierKey,
  perStationCap: 700,
  units: [
    { code: '001', level: 'county', name: 'North', parent: null },
    { code: '001001', level: 'constituency', name: 'North Central', parent: '001' },
    { code: '0010010001', level: 'ward', name: 'Hill', parent: '001001' },
    { code: '0010010002', level: 'ward', name: 'River', parent: '001001' },
  ],
  stations: [
    {
      code: '001001000100101',
      name: 'Hill School - 01',
      ward: '0010010001',
      registeredVoters: 500,
    },
    {
      code: '001001000100102',
      name: 'Hill School - 02',
      ward: '0010010001',
      registeredVoters: 300,
    },
    { code: '001001000200101', name: 'River Hall - 01', ward: '0010010002', registeredVoters: 450 },
  ],
  contests: [
    {
      id: 'president',
      kind: 'president',
      title: 'President',
      scope: 'nation',
      forms: { station: '34A', constituency: '34B', declaration: '34C' },
      candidates: [
        { id: 'alpha', name: 'Asha Alpha', party: 'Alpha Party', unit: null },
        { id: 'beta', name: 'Baraka Beta', party: 'Beta Party', unit: null },
      ],
    },
    {
      id: 'member-of-county-assembly',
      kind: 'member-of-county-assembly',
      title: 'Member of the County Assembly',
      scope: 'ward',
      forms: { station: '36A', constituency: '36B', declaration: '36C' },
      candidates: [
        {
          id: 'mca-0010010001-1',
          name: 'Candidate One',
          party: 'Party A',
          unit: '0010010001',
          simulated: true,
        },
        {
          id: 'mca-0010010001-2',
          name: 'Candidate Two',
          party: 'Party B',
          unit: '0010010001',
          simulated: true,
        },
      ],
    },
  ],
  devices: [
    { id: 'dev-1', publicKey: dev('dev-1'), station: '001001000100101' },
    { id: 'dev-2', publicKey: dev('dev-2'), station: '001001000100102' },
    { id: 'dev-3', publicKey: dev('dev-3'), station: '001001000200101' },
  ],
  provenance: 'FORMATS.md test vector; no real data',
};

const genesis = createGenesis(definition, commissionSeed, new Date('2026-01-01T06:00:00Z'));
out('definition document (canonical bytes, UTF-8)', text(genesis.definitionBytes));
out('definition size / SHA-256', `${genesis.definitionBytes.length} ${genesis.definitionSha256}`);
const { sig: _s0, ...unsigned0 } = genesis.entry;
out('entry 0 signing message (UTF-8; first line is the domain)', text(signingMessage(unsigned0)));
out('entry 0 bytes (canonical JSON)', text(genesis.entryBytes));
out('entry 0 leaf hash (hex)', toHex(leafHash(genesis.entryBytes)));
const opened = openGenesis(genesis.entryBytes, genesis.definitionBytes, commissionKey.verifierKey);
if (!opened.ok) throw new Error(opened.error);

function result(
  device: string,
  u: Omit<Unsigned<ResultEntry>, 'type' | 'v' | 'election' | 'device'>,
): ResultEntry {
  const unsigned: Unsigned<ResultEntry> = {
    type: 'result',
    v: 1,
    election: electionId,
    device,
    ...u,
  };
  return {
    ...unsigned,
    sig: toBase64(ed25519Sign(demoDeviceSeed(electionId, device), signingMessage(unsigned))),
  };
}
const formHash = (s: string) => toHex(sha256(utf8(s)));
const r1 = result('dev-1', {
  contest: 'president',
  station: '001001000100101',
  votes: { alpha: 200, beta: 150 },
  rejected: 5,
  totalValid: 350,
  form: formHash('example form 1'),
  deviceTime: '2026-01-01T17:30:00Z',
});
const r2 = result('dev-1', {
  contest: 'member-of-county-assembly',
  station: '001001000100101',
  votes: { 'mca-0010010001-1': 210, 'mca-0010010001-2': 120 },
  rejected: 3,
  totalValid: 330,
  form: formHash('example form 2'),
  deviceTime: '2026-01-01T17:31:00Z',
});
const r3 = result('dev-3', {
  contest: 'president',
  station: '001001000200101',
  votes: { alpha: 300, beta: 180 },
  rejected: 10,
  totalValid: 470,
  form: formHash('example form 3'),
  deviceTime: '2026-01-01T17:45:00Z',
});
const { sig: _s1, ...unsigned1 } = r1;
out('entry 1 signing message', text(signingMessage(unsigned1)));
out('entry 1 sig', r1.sig);
const entries = [genesis.entryBytes, encodeEntry(r1), encodeEntry(r2), encodeEntry(r3)];
entries.forEach((e, i) => {
  out(`entry ${i} bytes (${e.length} bytes)`, text(e));
  out(`entry ${i} leaf hash`, toHex(leafHash(e)));
});

const fold = new TallyFold(opened.value.index);
for (const [i, e] of entries.entries()) fold.applyBytes(i, e);
out('fold anomalies', fold.anomalies);
out('station result of entry 3', fold.result('president', '001001000200101'));
out('tally president nation', fold.tally('president', ''));
out('tally president ward 0010010002', fold.tally('president', '0010010002'));
out(
  'tally mca nation (above the ward races: per party)',
  fold.tally('member-of-county-assembly', ''),
);
out(
  'tally mca ward 0010010001 (one race: per candidate)',
  fold.tally('member-of-county-assembly', '0010010001'),
);
out(
  'tally mca ward 0010010002 (no race)',
  fold.tally('member-of-county-assembly', '0010010002') ?? null,
);

const tree = new MerkleTree(entries.map(leafHash));
for (let n = 0; n <= 4; n++)
  out(
    `root of size ${n}`,
    `${toHex(n === 0 ? emptyRoot() : tree.root(n))}  base64 ${toBase64(n === 0 ? emptyRoot() : tree.root(n))}`,
  );
const signer = new CheckpointSigner(logKey.signerKey, () => 1767294000);
const note = signer.sign(definition.logOrigin, 4, tree.root(4));
out('signed checkpoint of size 4 (cosignature time 1767294000)', note);
const lv = parseVerifierKey(logKey.verifierKey);
if (!lv.ok) throw lv.error;
const oc = openCheckpoint(note, definition.logOrigin, [lv.value]);
if (!oc.ok) throw oc.error;
// With only the 0x01 log key pinned, the log's 0x04 line is an unknown key, ignored.
if (oc.value.note.verified.length !== 1 || oc.value.note.unverified.length !== 1)
  throw new Error('expected one verified (0x01) and one unknown (0x04) signature');
// The 0x04 verifier derived from the same name and public key reads the signing time.
const lc = parseCosignatureVerifierKey(cosignatureVerifierKey(lk.value.name, lk.value.publicKey));
if (!lc.ok) throw lc.error;
const oc2 = openCheckpoint(note, definition.logOrigin, [lv.value, lc.value]);
if (!oc2.ok) throw oc2.error;
const timed = oc2.value.note.verified.find((v) => v.verifier === lc.value);
if (!timed || cosignatureTimestamp(timed) !== 1767294000)
  throw new Error('log self-cosignature timestamp');
out(
  'checkpoint signature lines (key ID, then timestamp for 0x04; hex)',
  oc2.value.note.verified.map(
    (v) => `${v.keyId.toString(16).padStart(8, '0')} ${toHex(v.signature.subarray(0, 8))}…`,
  ),
);
const incl = tree.inclusionProof(1, 4);
out('inclusion proof of entry 1 in size 4 (hex)', incl.map(toHex));
if (!verifyInclusion(leafHash(at(entries, 1)), 1, 4, incl, tree.root(4))) throw new Error('incl');
const cons = tree.consistencyProof(3, 4);
out('consistency proof 3 -> 4 (hex)', cons.map(toHex));
if (!verifyConsistency(3, 4, cons, tree.root(3), tree.root(4))) throw new Error('cons');
const cons2 = tree.consistencyProof(2, 4);
out('consistency proof 2 -> 4 (hex)', cons2.map(toHex));
const receipt = formatReceipt({
  extra: entries[3],
  index: 3,
  proof: tree.inclusionProof(3, 4),
  checkpoint: note,
});
out('receipt for entry 3', receipt);
const vr = verifyReceipt(receipt, at(entries, 3), lv.value, definition.logOrigin);
if (!vr.ok) throw vr.error;
const tiles = buildTiles(entries.map(leafHash));
for (const t of tiles) out(`tile ${tilePath(t)} (hex)`, toHex(t.data));
const bundle = encodeEntryBundle(entries);
out(
  `${entryBundlePath(0, 4)}: length, SHA-256, first 16 bytes (hex)`,
  `${bundle.length} ${toHex(sha256(bundle))} ${toHex(bundle.subarray(0, 16))}`,
);
// Anomaly vector: a log a rule-following server would never produce, folded.
const dup = result('dev-1', {
  contest: 'president',
  station: '001001000100101',
  votes: { alpha: 201, beta: 150 },
  rejected: 5,
  totalValid: 351,
  form: formHash('example form 1'),
  deviceTime: '2026-01-01T17:30:00Z',
});
const badSig = { ...r3, station: '001001000100102', device: 'dev-2' };
const unknownCand = result('dev-2', {
  contest: 'president',
  station: '001001000100102',
  votes: { alpha: 1, beta: 2, gamma: 3 },
  rejected: 0,
  totalValid: 6,
  form: formHash('example form 4'),
  deviceTime: '2026-01-01T18:00:00Z',
});
// Several unknown candidates: the first in UTF-16 code-unit order ("10") is named,
// not the first in JavaScript property order ("9").
const unknownCands = result('dev-2', {
  contest: 'president',
  station: '001001000100102',
  votes: { '9': 4, '10': 5, alpha: 1, beta: 2 },
  rejected: 0,
  totalValid: 12,
  form: formHash('example form 5'),
  deviceTime: '2026-01-01T18:05:00Z',
});
const bad = [
  genesis.entryBytes,
  encodeEntry(r1),
  encodeEntry(dup),
  encodeEntry(badSig),
  utf8('{"type":"result"}'),
  genesis.entryBytes,
  encodeEntry(unknownCand),
  encodeEntry(unknownCands),
];
const fold2 = new TallyFold(opened.value.index);
for (const [i, e] of bad.entries()) fold2.applyBytes(i, e);
out(
  'anomaly vector: leaf hashes of the 8 entries',
  bad.map((e) => toHex(leafHash(e))),
);
out('anomaly vector: entry 2 (valid signature, second result for the station)', text(at(bad, 2)));
out('anomaly vector: anomalies', fold2.anomalies);
out('anomaly vector: entry 7', text(at(bad, 7)));
out('anomaly vector: president national tally', fold2.tally('president', ''));

// §6.3: definitions kura refuses (checkDefinition, and so createGenesis and openGenesis).
const dev1 = at(definition.devices, 0);
const variants: Array<[string, (d: ElectionDefinition) => unknown]> = [
  ['two devices share a key', (d) => ({ ...d, devices: [dev1, { ...dev1, id: 'dev-9' }] })],
  [
    'device key with non-zero trailing bits',
    (d) => ({ ...d, devices: [{ ...dev1, publicKey: `${dev1.publicKey.slice(0, 42)}Z=` }] }),
  ],
  [
    'candidate id not an identifier',
    (d) => ({
      ...d,
      contests: [
        {
          ...at(d.contests, 0),
          candidates: [{ id: 'gamma ray', name: 'G', party: 'P', unit: null }],
        },
        at(d.contests, 1),
      ],
    }),
  ],
  [
    'logKey of type 0x04',
    (d) => ({ ...d, logKey: cosignatureVerifierKey(lk.value.name, lk.value.publicKey) }),
  ],
  ['logOrigin with a control character', (d) => ({ ...d, logOrigin: 'kura.example/\t' })],
  ['contest scope "city"', (d) => ({ ...d, contests: [{ ...at(d.contests, 0), scope: 'city' }] })],
  [
    'registeredVoters as a string (shape)',
    (d) => ({ ...d, stations: [{ ...at(d.stations, 0), registeredVoters: '500' }] }),
  ],
];
for (const [label, make] of variants) {
  const broken = make(definition) as ElectionDefinition;
  const r = checkDefinition(broken);
  if (r.ok) throw new Error(`definition variant accepted: ${label}`);
  let genesisRefused = false;
  try {
    createGenesis(broken, commissionSeed, new Date('2026-01-01T06:00:00Z'));
  } catch {
    genesisRefused = true;
  }
  if (!genesisRefused) throw new Error(`createGenesis signed: ${label}`);
  out(`refused definition: ${label}`, r.error);
}
out(
  'checks',
  'canonical JSON, openGenesis, openCheckpoint (both log signatures), inclusion, consistency, receipt and refused definitions all as expected',
);
