// Reading a V8 CPU profile (node --cpu-prof) of the server child over one
// phase: self time per function, per area (PGlite, node-postgres, Fastify,
// node:crypto, kura's own modules, ...), and inclusive time of kura's own
// functions. Samples are cut to the phase by their timestamps, which are on
// the same monotonic clock as process.hrtime() in the bench.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Share {
  name: string;
  ms: number;
  pct: number;
}

export interface ProfileSummary {
  file: string;
  /** Sampled time within the window, ms. */
  sampledMs: number;
  /** Share of the window the server's main thread was idle. */
  idlePct: number;
  byArea: Share[];
  bySelf: Share[];
  kuraInclusive: Share[];
}

/** node --cpu-prof names files CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile; thread 0 is the main thread. */
function threadOf(file: string): number {
  const parts = file.split('.');
  return Number(parts[parts.length - 3]);
}

/** The main thread's profile in dir, or null. */
export function findProfile(dir: string): string | null {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && threadOf(f) === 0);
  return files.length ? join(dir, files.sort().at(-1) as string) : null;
}

/** Profiles of the server's worker threads (e.g. a signature-verification pool). */
export function findWorkerProfiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile') && threadOf(f) !== 0)
    .sort()
    .map((f) => join(dir, f));
}

/** Several threads' profiles over one window, added up (busy time is the sum over threads). */
export function summarizeProfiles(
  files: string[],
  fromUs: number,
  toUs: number,
  top = 10,
): ProfileSummary | null {
  if (files.length === 0) return null;
  const parts = files.map((f) => summarizeProfile(f, fromUs, toUs, 1000));
  const add = (pick: (p: ProfileSummary) => Share[]) => {
    const m = new Map<string, number>();
    for (const p of parts) for (const s of pick(p)) m.set(s.name, (m.get(s.name) ?? 0) + s.ms);
    const total = parts.reduce((a, p) => a + p.sampledMs, 0);
    return [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms, pct: total ? Math.round((ms / total) * 1000) / 10 : 0 }));
  };
  const sampledMs = parts.reduce((a, p) => a + p.sampledMs, 0);
  const idleMs = parts.reduce((a, p) => a + (p.sampledMs * p.idlePct) / 100, 0);
  return {
    file: `${files.length} worker thread profiles`,
    sampledMs,
    idlePct: sampledMs ? Math.round((idleMs / sampledMs) * 1000) / 10 : 0,
    byArea: add((p) => p.byArea),
    bySelf: add((p) => p.bySelf),
    kuraInclusive: add((p) => p.kuraInclusive),
  };
}

function shortUrl(url: string): string {
  const i = url.indexOf('/dist/');
  if (i >= 0) return url.slice(i + 6);
  const n = url.lastIndexOf('node_modules/');
  if (n >= 0) return url.slice(n + 13);
  return url.replace(/^file:\/\//, '');
}

function frameName(cf: CallFrame): string {
  const fn = cf.functionName || '(anonymous)';
  if (!cf.url) return fn;
  return `${fn} ${shortUrl(cf.url)}:${cf.lineNumber + 1}`;
}

export function areaOf(cf: CallFrame): string {
  const { url, functionName: fn } = cf;
  if (fn === '(idle)') return 'idle';
  if (fn === '(garbage collector)') return 'garbage collector';
  if (fn === '(program)') return '(program: native, unattributed)';
  if (url.startsWith('wasm://') || url.includes('@electric-sql/pglite'))
    return 'PGlite (WebAssembly and its JS glue)';
  if (
    /node_modules\/(pg|pg-protocol|pg-types|pg-pool|postgres-[a-z]+|pgpass|buffer-writer|packet-reader)\//.test(
      url,
    )
  )
    return 'node-postgres (pg)';
  if (
    /node_modules\/(fastify|@fastify|find-my-way|avvio|light-my-request|fast-json-stringify|secure-json-parse|fast-querystring|pino|abstract-logging|process-warning|toad-cache|rfdc)/.test(
      url,
    )
  )
    return 'Fastify';
  if (url.includes('node_modules/'))
    return `npm: ${url.split('node_modules/')[1]?.split('/')[0] ?? url}`;
  if (url.startsWith('node:internal/crypto') || url === 'node:crypto') return 'node:crypto';
  if (/^node:(internal\/)?(http|_http|net|stream|streams|dns|tls|internal\/stream)/.test(url))
    return 'Node HTTP/net/streams';
  if (url.startsWith('node:')) return 'Node (other internals)';
  const d = url.indexOf('/dist/');
  if (d >= 0) return `kura ${url.slice(d + 6).split('/')[0]}/`;
  if (!url && fn) return `native: ${fn}`;
  return 'other';
}

export function summarizeProfile(
  file: string,
  fromUs: number,
  toUs: number,
  top = 20,
): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  // Time per sampled node within the window.
  const timeOf = new Map<number, number>();
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    if (t < fromUs || t > toUs) continue;
    // A sample's time is the gap to the next sample.
    const dt = p.timeDeltas[i + 1] ?? 0;
    const id = p.samples[i] as number;
    timeOf.set(id, (timeOf.get(id) ?? 0) + dt);
  }

  const self = new Map<string, number>();
  const area = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, dt] of timeOf) {
    const node = byId.get(id);
    if (!node) continue;
    total += dt;
    if (node.callFrame.functionName === '(idle)') idle += dt;
    const name = frameName(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + dt);
    const a = areaOf(node.callFrame);
    area.set(a, (area.get(a) ?? 0) + dt);
    // Inclusive time of kura's own functions (each counted once per stack).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const cf = byId.get(cur)?.callFrame;
      // kura's own: its dist/, not the bench, nor a package's dist/ (PGlite, pg-protocol).
      if (
        !cf?.url.includes('/dist/') ||
        cf.url.includes('/dist/bench/') ||
        cf.url.includes('node_modules/')
      )
        continue;
      const n = frameName(cf);
      if (seen.has(n)) continue;
      seen.add(n);
      inclusive.set(n, (inclusive.get(n) ?? 0) + dt);
    }
  }
  const shares = (m: Map<string, number>, n: number): Share[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({
        name,
        ms: Math.round(us / 1000),
        pct: total ? Math.round((us / total) * 1000) / 10 : 0,
      }));
  return {
    file,
    sampledMs: Math.round(total / 1000),
    idlePct: total ? Math.round((idle / total) * 1000) / 10 : 0,
    byArea: shares(area, top >= 1000 ? top : 15),
    bySelf: shares(self, top),
    kuraInclusive: shares(inclusive, top),
  };
}
