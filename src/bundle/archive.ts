// An opened bundle file: the tar index, the manifest, and random-access reads
// of members. It only reports what it finds (problems with the archive's
// structure, members whose bytes do not match the manifest); deciding what
// that means is for the verifier (verify.ts) or the strict reader (read.ts).
import { createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { err, ok, type Result } from '../basics/result.js';
import { type Manifest, type ManifestMember, MEMBER, parseManifest } from './format.js';
import { readMemberData, readTarIndex, type TarMember } from './tar.js';

export type MemberProblemKind = 'missing' | 'unlisted' | 'length' | 'hash';

export interface MemberProblem {
  kind: MemberProblemKind;
  member: string;
  message: string;
}

export class BundleArchive {
  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    private readonly members: Map<string, TarMember>,
    readonly manifest: Manifest,
    private readonly listed: Map<string, ManifestMember>,
  ) {}

  /**
   * Opens the file and reads the tar index and the manifest. An error means
   * there is no bundle to speak of (not a tar archive, no usable manifest).
   */
  static async open(path: string): Promise<Result<BundleArchive, string>> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (e) {
      return err(`cannot open ${path}: ${(e as Error).message}`);
    }
    try {
      const { size } = await fh.stat();
      const index = await readTarIndex(fh, size);
      if (!index.ok) {
        await fh.close();
        return err(`${path} is not a readable bundle: ${index.error}`);
      }
      const members = new Map(index.value.map((m) => [m.name, m]));
      const mm = members.get(MEMBER.manifest);
      if (!mm) {
        await fh.close();
        return err(`${path} has no ${MEMBER.manifest}: it is not a kura bundle`);
      }
      const manifest = parseManifest(await readMemberData(fh, mm));
      if (!manifest.ok) {
        await fh.close();
        return err(manifest.error);
      }
      const listed = new Map(manifest.value.members.map((m) => [m.path, m]));
      return ok(new BundleArchive(path, fh, members, manifest.value, listed));
    } catch (e) {
      await fh.close();
      return err(`cannot read ${path}: ${(e as Error).message}`);
    }
  }

  /** Members listed but absent, present but unlisted, or of another length than listed. */
  structureProblems(): MemberProblem[] {
    const out: MemberProblem[] = [];
    for (const l of this.manifest.members) {
      const m = this.members.get(l.path);
      if (!m)
        out.push({
          kind: 'missing',
          member: l.path,
          message: `member ${l.path} is listed in the manifest but is not in the archive`,
        });
      else if (m.size !== l.size)
        out.push({
          kind: 'length',
          member: l.path,
          message: `member ${l.path} is ${m.size} bytes long; the manifest says ${l.size}`,
        });
    }
    for (const name of this.members.keys())
      if (name !== MEMBER.manifest && !this.listed.has(name))
        out.push({
          kind: 'unlisted',
          member: name,
          message: `member ${name} is in the archive but not listed in the manifest`,
        });
    return out;
  }

  /** Hashes every listed member that is present and compares it with the manifest. */
  async hashProblems(onProgress?: (done: number, total: number) => void): Promise<MemberProblem[]> {
    const out: MemberProblem[] = [];
    const list = this.manifest.members.filter((l) => this.members.has(l.path));
    let done = 0;
    for (const l of list) {
      const data = await this.readRaw(l.path);
      if (data) {
        const got = createHash('sha256').update(data).digest('hex');
        if (got !== l.sha256)
          out.push({
            kind: 'hash',
            member: l.path,
            message: `member ${l.path} has SHA-256 ${got}; the manifest says ${l.sha256} (the member was altered)`,
          });
      }
      done++;
      if (done % 64 === 0 || done === list.length) onProgress?.(done, list.length);
    }
    return out;
  }

  has(name: string): boolean {
    return this.members.has(name);
  }

  /** Names of the members in the archive, in archive order. */
  names(): string[] {
    return [...this.members.keys()];
  }

  listedMember(name: string): ManifestMember | undefined {
    return this.listed.get(name);
  }

  /** A member's bytes as they are in the archive (not checked against the manifest), or null. */
  async readRaw(name: string): Promise<Uint8Array | null> {
    const m = this.members.get(name);
    return m ? readMemberData(this.fh, m) : null;
  }

  /** A member's bytes if they match the manifest's SHA-256 and length; null if absent or altered. */
  async readChecked(name: string): Promise<Uint8Array | null> {
    const l = this.listed.get(name);
    const data = await this.readRaw(name);
    if (!l || !data || data.length !== l.size) return null;
    return createHash('sha256').update(data).digest('hex') === l.sha256 ? data : null;
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}
