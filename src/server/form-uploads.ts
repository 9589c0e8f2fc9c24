// The writer's side of form uploads (FORMATS.md §10.3): per-device quotas and a
// global size budget, kept in memory (one writer) and loaded from the store on
// first use; uploads written in batches (one commit and one fsync for many);
// and the sweep that deletes uploads no logged result cites once they expire.
import type { TallyFold } from '../election/fold.js';
import type { FormStore, FormUpload, FormUploadInfo } from '../store/form-store.js';
import { ApiError } from './errors.js';

export interface FormUploadLimits {
  /** Largest form accepted, in bytes. */
  maxFormBytes: number;
  /** Forms one device may have stored at once. */
  perDeviceForms: number;
  /** Bytes one device may have stored at once. */
  perDeviceBytes: number;
  /** Bytes of uploaded forms the server stores in all. */
  totalBytes: number;
  /** An upload no logged result cites is deleted this long after it arrived. */
  expireAfterMs: number;
  /** How often the sweep runs (0: only when called). */
  sweepEveryMs: number;
}

const MiB = 1024 * 1024;
export const DEFAULT_FORM_LIMITS: FormUploadLimits = {
  maxFormBytes: 10 * MiB,
  // A station has at most six contests; room for re-scans.
  perDeviceForms: 24,
  perDeviceBytes: 64 * MiB,
  totalBytes: 64 * 1024 * MiB,
  expireAfterMs: 48 * 3_600_000,
  sweepEveryMs: 3_600_000,
};

export interface FormUploadOptions extends Partial<FormUploadLimits> {
  /** The clock uploads are stamped with and the sweep compares against (tests inject one). */
  now?: () => Date;
}

/** Who a quota refusal names: "device D" in header kura-device, or an agent in kura-agent. */
export interface QuotaHolder {
  name: string;
  field: string;
}

interface Usage {
  forms: number;
  bytes: number;
}

interface Queued {
  upload: FormUpload;
  resolve: (fresh: boolean) => void;
  reject: (e: unknown) => void;
}

const MAX_BATCH = 256;
/** The bytes go to the database as one hex-encoded array parameter: keep it moderate. */
const MAX_BATCH_BYTES = 16 * MiB;
const SWEEP_PAGE = 1000;

export class FormUploads {
  readonly limits: FormUploadLimits;
  private readonly now: () => Date;
  private usage: Map<string, Usage> | null = null;
  private loading: Promise<void> | null = null;
  private total = 0;
  private queue: Queued[] = [];
  private writing = false;
  /** Uploads being stored now, by hash: a second upload of the same form waits for the first. */
  private readonly inFlight = new Map<string, Promise<boolean>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly forms: FormStore,
    private readonly fold: () => TallyFold,
    options: FormUploadOptions = {},
  ) {
    const { now, ...limits } = options;
    this.limits = { ...DEFAULT_FORM_LIMITS, ...stripUndefined(limits) };
    this.now = now ?? (() => new Date());
  }

  /** Starts the periodic sweep (if sweepEveryMs > 0); `onError` hears of a failed sweep. */
  startSweeping(onError: (e: unknown) => void): void {
    if (this.limits.sweepEveryMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.sweep().catch(onError), this.limits.sweepEveryMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Stores a form for a device, within its quota and the budget. Resolves true
   * when stored now, false when the hash was already stored (by anyone: that
   * costs no quota); throws ApiError (429, 507) with nothing stored when over a
   * limit.
   */
  async store(
    u: Omit<FormUpload, 'uploadedAt'>,
    holder: QuotaHolder = { name: `device ${u.device}`, field: 'kura-device' },
  ): Promise<boolean> {
    const earlier = this.inFlight.get(u.sha256);
    if (earlier && (await earlier.catch(() => false))) return false;
    const usage = await this.loadUsage();
    try {
      this.admit(usage, u.device, u.data.length, holder);
    } catch (e) {
      if (await this.forms.has(u.sha256)) return false;
      throw e;
    }
    const size = u.data.length;
    // Reserved before the first await after the check, so concurrent uploads cannot both squeeze in.
    this.charge(u.device, 1, size);
    const stored = new Promise<boolean>((resolve, reject) => {
      this.queue.push({ upload: { ...u, uploadedAt: this.now() }, resolve, reject });
      if (!this.writing) void this.write();
    });
    this.inFlight.set(u.sha256, stored);
    try {
      const fresh = await stored;
      if (!fresh) this.charge(u.device, -1, -size);
      return fresh;
    } catch (e) {
      this.charge(u.device, -1, -size);
      throw e;
    } finally {
      if (this.inFlight.get(u.sha256) === stored) this.inFlight.delete(u.sha256);
    }
  }

  /** Throws the ApiError for the first limit this upload would pass. */
  private admit(
    usage: Map<string, Usage>,
    device: string,
    size: number,
    holder: QuotaHolder,
  ): void {
    const mine = usage.get(device) ?? { forms: 0, bytes: 0 };
    if (mine.forms + 1 > this.limits.perDeviceForms)
      throw new ApiError(
        'FORM_QUOTA_EXCEEDED',
        `${holder.name} has ${mine.forms} forms stored, the most one uploader may have`,
        holder.field,
      );
    if (mine.bytes + size > this.limits.perDeviceBytes)
      throw new ApiError(
        'FORM_QUOTA_EXCEEDED',
        `${holder.name} has ${mine.bytes} bytes of forms stored; ${size} more would pass its quota of ${this.limits.perDeviceBytes}`,
        holder.field,
      );
    if (this.total + size > this.limits.totalBytes)
      throw new ApiError(
        'FORM_STORAGE_FULL',
        `the server's form storage (${this.limits.totalBytes} bytes) has no room for ${size} more bytes`,
      );
  }

  /**
   * Deletes every upload older than the expiry that no logged result or
   * correction cites; marks the cited ones so they are never looked at again.
   */
  async sweep(): Promise<{ expired: FormUploadInfo[]; cited: number }> {
    const cutoff = new Date(this.now().getTime() - this.limits.expireAfterMs);
    const expired: FormUploadInfo[] = [];
    let cited = 0;
    let citedForms: Set<string> | null = null;
    for (;;) {
      const page = await this.forms.listUncited(cutoff, SWEEP_PAGE);
      if (page.length === 0) break;
      citedForms ??= formsCitedBy(this.fold());
      const keep = page.filter((f) => citedForms?.has(f.sha256)).map((f) => f.sha256);
      const drop = page.filter((f) => !citedForms?.has(f.sha256)).map((f) => f.sha256);
      await this.forms.markCited(keep);
      cited += keep.length;
      const deleted = await this.forms.deleteUncited(drop, cutoff);
      for (const d of deleted) this.charge(d.device, -1, -d.size);
      expired.push(...deleted);
      if (page.length < SWEEP_PAGE) break;
    }
    return { expired, cited };
  }

  private async loadUsage(): Promise<Map<string, Usage>> {
    if (this.usage) return this.usage;
    this.loading ??= this.forms.usage().then((rows) => {
      const usage = new Map<string, Usage>();
      for (const r of rows) usage.set(r.device, { forms: r.forms, bytes: r.bytes });
      this.total = rows.reduce((s, r) => s + r.bytes, 0);
      this.usage = usage;
    });
    this.loading.catch(() => {
      this.loading = null;
    });
    await this.loading;
    if (!this.usage) throw new Error('form usage not loaded');
    return this.usage;
  }

  private charge(device: string, forms: number, bytes: number): void {
    const usage = this.usage;
    if (!usage) return;
    const u = usage.get(device) ?? { forms: 0, bytes: 0 };
    u.forms += forms;
    u.bytes += bytes;
    if (u.forms <= 0) usage.delete(device);
    else usage.set(device, u);
    this.total += bytes;
  }

  /** Writes queued uploads, many per transaction, until the queue is empty. */
  private async write(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        let count = 0;
        let bytes = 0;
        while (count < this.queue.length && count < MAX_BATCH && bytes < MAX_BATCH_BYTES)
          bytes += this.queue[count++]?.upload.data.length ?? 0;
        const batch = this.queue.splice(0, count);
        try {
          const fresh = await this.forms.putForms(batch.map((q) => q.upload));
          // The same form twice in one batch was stored once: the first upload is the new one.
          for (const q of batch) q.resolve(fresh.delete(q.upload.sha256));
        } catch (e) {
          for (const q of batch) q.reject(e);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}

/**
 * Every form hash the log cites: results (as sent and as corrected), corrections,
 * audit boards' photos of the paper, and the photos of agents' copies their dissents cite.
 */
export function formsCitedBy(fold: TallyFold): Set<string> {
  const cited = new Set<string>();
  for (const byStation of fold.results.values())
    for (const r of byStation.values()) {
      cited.add(r.form);
      if (r.correction) cited.add(r.correction.original.form);
    }
  for (const c of fold.officials.corrections.values()) cited.add(c.form);
  for (const a of fold.officials.audits.list())
    for (const r of a.rounds) for (const p of r.papers) cited.add(p.form);
  for (const words of fold.agents.allWords())
    for (const d of words.dissents.values()) cited.add(d.form);
  return cited;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
