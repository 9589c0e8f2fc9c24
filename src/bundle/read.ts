// The strict reader of a preservation bundle, for programs that analyse one
// (e.g. forensics). openBundle refuses a bundle whose archive or manifest is
// not in order (a member missing, unlisted, or not of its listed SHA-256),
// whose entry 0 does not commit to its definition, or whose latest checkpoint
// is not signed by the log key entry 0 names; entries() checks, as it goes,
// that the entries reproduce that checkpoint's root. It pins nothing: who
// signed entry 0 is for `kura verify-bundle --commission-key` to settle, as
// are every signature and rule (verify.ts).
import { err, ok, type Result } from '../basics/result.js';
import { openGenesis } from '../election/genesis.js';
import { equal, toBase64 } from '../log/bytes.js';
import { openCheckpoint } from '../log/checkpoint.js';
import { leafHash } from '../log/merkle.js';
import { parseVerifierKey } from '../log/note.js';
import { decodeEntryBundle, TiledLogBuilder } from '../log/tiles.js';
import { BundleArchive } from './archive.js';
import {
  CHECKPOINT_MEMBER,
  checkpointMember,
  FORM_MEMBER,
  formMember,
  type Manifest,
  MEMBER,
  requiredMembers,
  tileMembers,
} from './format.js';

export type BundleErrorCode =
  /** Not a readable tar archive with a well-formed manifest. */
  | 'UNREADABLE'
  /** A member is missing, unlisted, of another length, or altered. */
  | 'MEMBER_INVALID'
  /** Entry 0 and the definition do not verify, or the manifest disagrees with them. */
  | 'ELECTION_INVALID'
  /** The latest checkpoint is not signed by the log key, or not the manifest's tree. */
  | 'CHECKPOINT_INVALID';

export interface BundleError {
  code: BundleErrorCode;
  message: string;
  /** The member concerned, where there is one. */
  member?: string;
}

/** Thrown by entries() when the bundle's entries do not reproduce its signed root. */
export class BundleIntegrityError extends Error {
  override name = 'BundleIntegrityError';
}

export interface OpenedBundle {
  path: string;
  manifest: Manifest;
  definitionBytes: Uint8Array;
  entry0Bytes: Uint8Array;
  /** Every checkpoint the bundle holds, by size, as stored (cosignature lines included); the last is the bundle's tree. */
  checkpoints: Array<{ size: number; note: string }>;
  /** SHA-256 (hex) of every form in the bundle. */
  formHashes: string[];
  /**
   * The log's entries in log order (index 0 first), one entry bundle in
   * memory at a time. Throws BundleIntegrityError at the end if they do not
   * reproduce the signed root (or at once if a bundle does not decode).
   */
  entries(): AsyncIterable<Uint8Array>;
  /** The scanned form with this SHA-256, or null. */
  form(sha256: string): Promise<{ data: Uint8Array; contentType: string } | null>;
  close(): Promise<void>;
}

export async function openBundle(
  path: string,
  opts: { checkHashes?: boolean } = {},
): Promise<Result<OpenedBundle, BundleError>> {
  const opened = await BundleArchive.open(path);
  if (!opened.ok) return err({ code: 'UNREADABLE', message: opened.error });
  const a = opened.value;
  const fail = async (e: BundleError) => {
    await a.close();
    return err(e);
  };
  const m = a.manifest;
  const [problem] = a.structureProblems();
  if (problem)
    return fail({ code: 'MEMBER_INVALID', message: problem.message, member: problem.member });
  for (const name of requiredMembers(m.treeSize))
    if (!a.has(name))
      return fail({ code: 'MEMBER_INVALID', message: `member ${name} is missing`, member: name });
  if (opts.checkHashes ?? true) {
    const [bad] = await a.hashProblems();
    if (bad) return fail({ code: 'MEMBER_INVALID', message: bad.message, member: bad.member });
  }
  const entry0Bytes = (await a.readRaw(MEMBER.entry0)) as Uint8Array;
  const definitionBytes = (await a.readRaw(MEMBER.definition)) as Uint8Array;
  const genesis = openGenesis(entry0Bytes, definitionBytes);
  if (!genesis.ok) return fail({ code: 'ELECTION_INVALID', message: genesis.error });
  const e0 = genesis.value.entry;
  for (const f of [
    'electionId',
    'logOrigin',
    'logKey',
    'commissionKey',
    'definitionSha256',
  ] as const)
    if (m[f] !== e0[f])
      return fail({
        code: 'ELECTION_INVALID',
        message: `the manifest's ${f} is ${JSON.stringify(m[f])}, but entry 0 says ${JSON.stringify(e0[f])}`,
      });
  const logVerifier = parseVerifierKey(e0.logKey);
  if (!logVerifier.ok)
    return fail({ code: 'ELECTION_INVALID', message: 'entry 0 names no usable log key' });
  const latestName = checkpointMember(m.treeSize);
  const latest = openCheckpoint((await a.readRaw(latestName)) as Uint8Array, e0.logOrigin, [
    logVerifier.value,
  ]);
  if (!latest.ok)
    return fail({
      code: 'CHECKPOINT_INVALID',
      message: `${latestName}: ${latest.error.message}`,
      member: latestName,
    });
  const root = latest.value.checkpoint.rootHash;
  if (latest.value.checkpoint.size !== m.treeSize || toBase64(root) !== m.rootHash)
    return fail({
      code: 'CHECKPOINT_INVALID',
      message: `${latestName} is not the tree the manifest names (size ${m.treeSize}, root ${m.rootHash})`,
      member: latestName,
    });

  const checkpoints: Array<{ size: number; note: string }> = [];
  for (const name of a.names())
    if (CHECKPOINT_MEMBER.test(name))
      checkpoints.push({
        size: Number(name.slice('checkpoints/'.length)),
        note: new TextDecoder().decode((await a.readRaw(name)) as Uint8Array),
      });
  checkpoints.sort((x, y) => x.size - y.size);
  const formHashes = a
    .names()
    .map((n) => FORM_MEMBER.exec(n)?.[1])
    .filter((x): x is string => x !== undefined);

  const bundleNames = tileMembers(m.treeSize).filter((n) => n.startsWith('tile/entries/'));
  async function* entries(): AsyncGenerator<Uint8Array> {
    const builder = TiledLogBuilder.empty();
    for (const name of bundleNames) {
      const data = await a.readRaw(name);
      const decoded = data ? decodeEntryBundle(data) : undefined;
      if (!decoded?.ok) throw new BundleIntegrityError(`entry bundle ${name} does not decode`);
      builder.append(decoded.value.map(leafHash));
      yield* decoded.value;
    }
    if (builder.size !== m.treeSize || !equal(builder.root(), root))
      throw new BundleIntegrityError(
        `the bundle's ${builder.size} entries do not reproduce the root of its signed checkpoint of size ${m.treeSize}`,
      );
  }

  return ok({
    path,
    manifest: m,
    definitionBytes,
    entry0Bytes,
    checkpoints,
    formHashes,
    entries,
    async form(sha256) {
      const name = formMember(sha256);
      const data = await a.readRaw(name);
      if (!data) return null;
      return { data, contentType: a.listedMember(name)?.contentType ?? 'application/octet-stream' };
    },
    close: () => a.close(),
  });
}
