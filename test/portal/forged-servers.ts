// Servers for the forged-Verify tests: the honest election (witnessed, with
// officials), servers a liar would run in its place (its own keys, a
// look-alike origin, a swapped device key), and a tiny HTTP proxy in front
// that can serve one server's page with another's data, rewrite answers, or
// replay an old checkpoint.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { ElectionDefinition } from '../../src/election/definition.js';
import { demoDeviceSeed } from '../../src/election/demo-keys.js';
import { deviceTime, formUploadHeaders, signResult } from '../../src/election/device.js';
import type { ResultEntry, Unsigned } from '../../src/election/entries.js';
import { toBase64, utf8 } from '../../src/log/bytes.js';
import { ed25519PublicKey } from '../../src/log/crypto.js';
import type { RunningLog } from '../../src/server/start.js';
import type { WitnessTarget } from '../../src/server/witness-push.js';
import type { Store } from '../../src/store/store.js';
import { newTestLog } from '../helpers/test-log.js';

export const SEED = (s: string) => utf8(s.padEnd(32, '.')).slice(0, 32);
export const ELECTION = 'test-election';

export interface ServerOptions {
  origin: string;
  logKey: { signerKey: string; verifierKey: string };
  commissionSeed: Uint8Array;
  witnesses?: WitnessTarget[];
  officials?: boolean;
  /** Device ids whose key the definition gives as the attacker's (seed "attacker <id>"). */
  attackerDevices?: string[];
}

export interface Server {
  running: RunningLog;
  store: Store;
  definition: ElectionDefinition;
  url: string;
  stations: string[];
  /** Signs (with the device's key, or the attacker's for attackerDevices) and logs a result. */
  submit(
    station: string,
    opts?: { factor?: number; form?: string; device?: string; seed?: Uint8Array },
  ): Promise<{ index: number; entry: ResultEntry }>;
  /** Uploads a form as the station's device; returns its SHA-256. */
  upload(station: string, bytes: Uint8Array, device?: string, seed?: Uint8Array): Promise<string>;
  checkpoint(): Promise<string>;
  close(): Promise<void>;
}

export async function startServer(o: ServerOptions): Promise<Server> {
  const attacker = new Set(o.attackerDevices ?? []);
  const seedOf = (device: string) =>
    attacker.has(device) ? SEED(`attacker ${device}`) : demoDeviceSeed(ELECTION, device);
  const t = await newTestLog('pglite', {
    electionId: ELECTION,
    origin: o.origin,
    logKey: o.logKey,
    commissionSeed: o.commissionSeed,
    // The definition gives the attacker's key for its devices.
    definition: ({ synthetic }) =>
      attacker.size
        ? {
            ...synthetic,
            devices: synthetic.devices.map((d) =>
              attacker.has(d.id) ? { ...d, publicKey: rawPublicKey(seedOf(d.id)) } : d,
            ),
          }
        : synthetic,
    sequencerPeriodMs: 20,
    signatureThreads: 0,
    witnesses: o.witnesses,
    officials: o.officials,
    log: () => {},
  });
  const { running, store, definition } = t;
  const url = (await running.app.listen({ host: '127.0.0.1', port: 0 })).replace(
    'localhost',
    '127.0.0.1',
  );
  const candidates = definition.contests[0]?.candidates.map((c) => c.id) ?? [];
  const deviceOf = (station: string) =>
    definition.devices.find((d) => d.station === station)?.id ?? 'none';
  return {
    running,
    store,
    definition,
    url,
    stations: definition.stations.map((s) => s.code),
    async submit(station, s = {}) {
      const device = s.device ?? deviceOf(station);
      const factor = s.factor ?? 10;
      const votes = Object.fromEntries(candidates.map((c, i) => [c, factor * (i + 1) + 5]));
      const unsigned: Unsigned<ResultEntry> = {
        type: 'result',
        v: 1,
        election: ELECTION,
        contest: 'president',
        station,
        device,
        votes,
        rejected: 3,
        totalValid: Object.values(votes).reduce((a, b) => a + b, 0),
        form: s.form ?? createHash('sha256').update(`no scan ${station}`).digest('hex'),
        deviceTime: deviceTime(new Date('2022-08-09T17:00:00Z')),
      };
      const entry = signResult(unsigned, s.seed ?? seedOf(device));
      const r = await running.app.inject({
        method: 'POST',
        url: '/api/v1/results',
        payload: entry,
      });
      if (r.statusCode !== 201) throw new Error(`submit ${station}: ${r.statusCode} ${r.body}`);
      return { index: r.json().index as number, entry };
    },
    async upload(station, bytes, device, seed) {
      const sha = createHash('sha256').update(bytes).digest('hex');
      const uploader = device ?? deviceOf(station);
      const r = await running.app.inject({
        method: 'PUT',
        url: `/api/v1/forms/${sha}`,
        headers: {
          'content-type': 'image/png',
          ...formUploadHeaders(
            { electionId: ELECTION, station, device: uploader, sha256: sha },
            seed ?? demoDeviceSeed(ELECTION, uploader),
          ),
        },
        payload: Buffer.from(bytes),
      });
      if (r.statusCode >= 300) throw new Error(`upload: ${r.statusCode} ${r.body}`);
      return sha;
    },
    async checkpoint() {
      return (await running.app.inject({ method: 'GET', url: '/log/checkpoint' })).body;
    },
    close: () => t.close(),
  };
}

/** The raw Ed25519 public key (base64) for a seed, as a definition lists device keys. */
export function rawPublicKey(seed: Uint8Array): string {
  return toBase64(ed25519PublicKey(seed));
}

/** What the proxy does now; tests change it between page loads. */
export interface ProxyMode {
  /** Where /api/ and /log/ requests go. */
  data: string;
  /** Where everything else (the page, its scripts) goes; default `data`. */
  page?: string;
  /** Serve this note at /log/checkpoint instead of the upstream's. */
  checkpoint?: string;
  /** Rewrite an upstream answer (JSON bodies as parsed); return undefined to leave it. */
  rewrite?: (path: string, body: unknown) => unknown;
}

export interface TestProxy {
  url: string;
  mode: ProxyMode;
  /** Upstream requests seen, "METHOD path". */
  seen: string[];
  close(): Promise<void>;
}

export async function startProxy(mode: ProxyMode): Promise<TestProxy> {
  const proxy: TestProxy = { url: '', mode, seen: [], close: async () => {} };
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    proxy.seen.push(`${req.method} ${path}`);
    const m = proxy.mode;
    const pathname = path.split('?')[0] as string;
    if (m.checkpoint !== undefined && pathname === '/log/checkpoint') {
      res.writeHead(200, {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
      });
      res.end(m.checkpoint);
      return;
    }
    const isData = pathname.startsWith('/api/') || pathname.startsWith('/log/');
    const upstream = new URL(path, isData ? m.data : (m.page ?? m.data));
    const headers = { ...req.headers };
    delete headers.host;
    delete headers['if-none-match'];
    delete headers['if-modified-since'];
    headers['accept-encoding'] = 'identity';
    const up = http.request(upstream, { method: req.method, headers }, (ur) => {
      const chunks: Buffer[] = [];
      ur.on('data', (c: Buffer) => chunks.push(c));
      ur.on('end', () => {
        let body = Buffer.concat(chunks);
        const out = { ...ur.headers };
        const json = /json/.test(String(ur.headers['content-type'] ?? ''));
        if (m.rewrite && json && ur.statusCode === 200) {
          const changed = m.rewrite(pathname, JSON.parse(body.toString('utf8')));
          if (changed !== undefined) {
            body = Buffer.from(JSON.stringify(changed));
            delete out.etag;
          }
        }
        out['content-length'] = String(body.length);
        res.writeHead(ur.statusCode ?? 502, out);
        res.end(body);
      });
    });
    up.on('error', (e) => {
      res.writeHead(502);
      res.end(e.message);
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address() as { port: number };
  proxy.url = `http://127.0.0.1:${addr.port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
