// A bundle's own consistency (FORMATS.md §13): every member present, listed,
// and of the SHA-256 and length the manifest says; the manifest and the key
// members agreeing with entry 0. The manifest is not signed: these checks say
// whether the file is what it claims, the log key's signatures whether the
// log in it is trustworthy.
import type { OpenedGenesis } from '../election/genesis.js';
import { sameKey } from '../verify/anchors.js';
import type { AuditContext } from '../verify/audit.js';
import type { BundleArchive } from './archive.js';
import { type Manifest, MEMBER, requiredMembers } from './format.js';
import type { BundleReport } from './report.js';

/** Structure and hashes of every member (phase "members"); each problem is a fatal finding. */
export async function checkMembers(
  ctx: AuditContext,
  a: BundleArchive,
): Promise<NonNullable<BundleReport['members']>> {
  const manifest = a.manifest;
  const n = manifest.treeSize;
  const structure = a.structureProblems();
  for (const p of structure) ctx.findings.fatal('bundle-invalid', p.message);
  for (const name of requiredMembers(n))
    if (!a.listedMember(name) && !a.has(name))
      ctx.findings.fatal(
        'bundle-invalid',
        `member ${name} is missing: every bundle of ${n} entries holds it (it is neither in the archive nor in the manifest)`,
      );
  const hashes = await ctx.timed('members', () =>
    a.hashProblems((d, t) => ctx.progress.set('members hashed', d, t)),
  );
  for (const p of hashes) ctx.findings.fatal('member-mismatch', p.message);
  return {
    listed: manifest.members.length,
    inArchive: a.names().length - (a.has(MEMBER.manifest) ? 1 : 0),
    hashed: manifest.members.filter((m) => a.has(m.path)).length,
    problems: structure.length + hashes.length,
  };
}

/** The manifest's fields that entry 0 also names, where they differ. */
export function manifestDisagreements(
  manifest: Manifest,
  entry0: OpenedGenesis['entry'],
): string[] {
  const pairs: Array<[string, string, string]> = [
    ['electionId', manifest.electionId, entry0.electionId],
    ['logOrigin', manifest.logOrigin, entry0.logOrigin],
    ['logKey', manifest.logKey, entry0.logKey],
    ['commissionKey', manifest.commissionKey, entry0.commissionKey],
    ['definitionSha256', manifest.definitionSha256, entry0.definitionSha256],
  ];
  return pairs
    .filter(([, m, e]) => m !== e)
    .map(
      ([field, m, e]) =>
        `the manifest's ${field} is ${JSON.stringify(m)}, but entry 0 says ${JSON.stringify(e)}`,
    );
}

/** The manifest and the key members must say what entry 0 says (fatal findings). */
export async function checkAgainstEntry0(
  ctx: AuditContext,
  a: BundleArchive,
  entry0: OpenedGenesis['entry'],
): Promise<void> {
  for (const m of manifestDisagreements(a.manifest, entry0))
    ctx.findings.fatal('bundle-invalid', m);
  for (const [member, expected] of [
    [MEMBER.logKey, entry0.logKey],
    [MEMBER.commissionKey, entry0.commissionKey],
  ] as const) {
    const data = await a.readRaw(member);
    const text = data ? new TextDecoder().decode(data).trim() : undefined;
    if (text === undefined || !sameKey(text, expected))
      ctx.findings.fatal(
        'bundle-invalid',
        `member ${member} is ${text === undefined ? 'missing' : JSON.stringify(text)}, not the key entry 0 names (${expected})`,
      );
  }
}
