// Generated bad input against every write endpoint (and the read endpoints'
// indexes), on a real server with a real store: NULs, lone surrogates,
// malformed percent-encoding, huge, negative and fractional numbers, wrong
// types, deep nesting, duplicate keys, broken JSON, wrong content types and
// bad credentials, sent one by one and in parallel bursts. Not one answer may
// be 5xx, every refusal has kura's error body, and the log does not grow.
// Count-bounded and seeded (KURA_FUZZ_SEED replays a run), so it is the same
// run every time and well under a minute.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { totp } from '../../src/accounts/totp.js';
import { demoDeviceSeed } from '../../src/election/demo-keys.js';
import { toBase64 } from '../../src/log/bytes.js';
import { ed25519PublicKey } from '../../src/log/crypto.js';
import { API_ERRORS } from '../../src/server/errors.js';
import { testBackends } from '../helpers/postgres.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

const RUNS = 1200;
const BURST = 25;
const SEED = Number(process.env.KURA_FUZZ_SEED ?? 20261205);
const PASSWORD = 'correct horse battery staple';

type Json = Record<string, unknown>;
interface Endpoint {
  method: 'POST' | 'PUT';
  /** The route as registered (":name" parameters). */
  route: string;
  /** Parameter values a well-formed request would use. */
  params: Record<string, string>;
  /** A body that is well formed but for the poison the fuzz adds. */
  body: () => Json;
  /** false: the request is sent with bad credentials only (a good one would act: logout). */
  session: boolean;
}

interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  remoteAddress: string;
}

/** Write routes as the route files declare them, so a new endpoint cannot escape the fuzz. */
function declaredWriteRoutes(): string[] {
  const dir = fileURLToPath(new URL('../../src/server/routes/', import.meta.url));
  const found: string[] = [];
  for (const f of readdirSync(dir)) {
    const text = readFileSync(`${dir}${f}`, 'utf8');
    for (const m of text.matchAll(/\.(post|put|patch|delete)(?:<[^>]*>)?\(\s*'([^']+)'/g))
      found.push(`${m[1]?.toUpperCase()} ${m[2]}`);
  }
  return found;
}

// Values that are wrong for every field kura takes: strings no store can hold,
// numbers no count is, and types no field has.
const unstorableString = fc.oneof(
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udfff', '\udc00\ud800'),
  fc.string({ maxLength: 8 }).map((s) => `${s}\u0000`),
  fc.string({ maxLength: 8 }).map((s) => `\ud83d${s}`),
);
const badNumber = fc.oneof(
  fc.constantFrom(-1, 1.5, 1e300, -1e300, 2 ** 53, 2 ** 53 + 2, 1_000_000_001, -0.5),
  fc.integer({ min: -1_000_000_000, max: -1 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Number.isInteger(x)),
);
const wrongType = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.constant({ nested: { deeper: [1, { x: -1 }] } }),
);
const badValue = fc.oneof(unstorableString, badNumber, wrongType);
const anyValue = fc.oneof(badValue, fc.string({ maxLength: 12 }), fc.integer());

type Poison =
  | { kind: 'set'; field: number; value: unknown }
  | { kind: 'setVote'; value: unknown }
  | { kind: 'add'; key: string; value: unknown }
  | { kind: 'badKey'; key: string }
  | { kind: 'duplicate'; field: number }
  | { kind: 'deep'; field: number; depth: number }
  | { kind: 'syntax'; how: number }
  | { kind: 'huge' };

const poison: fc.Arbitrary<Poison> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('set' as const), field: fc.nat(), value: badValue }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('setVote' as const), value: badValue }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      key: fc.string({ minLength: 1, maxLength: 10 }).map((k) => `zz${k}`),
      value: anyValue,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('badKey' as const), key: unstorableString }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), field: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('deep' as const),
      field: fc.nat(),
      depth: fc.integer({ min: 17, max: 5000 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('syntax' as const), how: fc.nat({ max: 7 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'huge' as const }) },
);

/** The body text with its poison: every result is refused, whatever the route. */
function poisoned(body: Json, p: Poison): string {
  const keys = Object.keys(body);
  const pick = (n: number) => keys[n % keys.length] as string;
  switch (p.kind) {
    case 'set':
      return JSON.stringify({ ...body, [pick(p.field)]: p.value });
    case 'setVote': {
      const votes = (body.votes as Json | undefined) ?? {};
      const first = Object.keys(votes)[0] ?? 'alpha';
      return JSON.stringify({ ...body, votes: { ...votes, [first]: p.value } });
    }
    case 'add':
      return JSON.stringify({ ...body, [p.key]: p.value });
    case 'badKey':
      return JSON.stringify({ ...body, [p.key]: 1 });
    case 'duplicate': {
      const k = pick(p.field);
      return `{${JSON.stringify(k)}:${JSON.stringify(body[k] ?? 1)},${JSON.stringify(body).slice(1)}`;
    }
    case 'deep': {
      const k = pick(p.field);
      return JSON.stringify({ ...body, [k]: '__DEEP__' }).replace(
        '"__DEEP__"',
        `${'['.repeat(p.depth)}${']'.repeat(p.depth)}`,
      );
    }
    case 'syntax': {
      const text = JSON.stringify(body);
      return [
        text.slice(0, Math.max(1, text.length - 3)),
        `${text}}`,
        `\ufeff${text}`,
        text.replace(/"/g, "'"),
        `${text},${text}`,
        '',
        'null',
        `[${text}]`,
      ][p.how] as string;
    }
    case 'huge':
      return JSON.stringify({ ...body, [pick(0)]: 'x'.repeat(70 * 1024) });
  }
}

const badParam = fc.constantFrom(
  '%zz',
  '%',
  '%00',
  '%ED%A0%80',
  '%C0%AF',
  'a'.repeat(600),
  '0x10',
  '-1',
  '1e3',
  '%D9%A3',
  '..%2F..%2Fetc',
  '%20',
);
const badAuthorization = fc.oneof(
  fc.constantFrom('', 'Bearer', 'Bearer ', 'Basic YWRtaW46YWRtaW4=', 'bearer x', 'Bearer a b'),
  fc.string({ maxLength: 40 }).map((s) => `Bearer ${s.replace(/[^\x21-\x7e]/g, 'x')}`),
);
const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin1',
      'application/jsonx',
      'image/png',
      'application/pdf',
    ),
  },
);

for (const backend of await testBackends()) {
  describe(`fuzzing the write endpoints on ${backend}`, () => {
    let t: TestLog;
    let token = '';
    let endpoints: Endpoint[] = [];
    const size = () => t.running.sequencer?.treeSize ?? -1;

    before(async () => {
      // Rate limits off, so every request reaches the route it aims at.
      t = await newTestLog(backend, {
        officials: true,
        stations: 12,
        server: { rateLimits: false },
      });
      const officials = t.running.officials;
      assert.ok(officials);
      const made = await officials.createAccount(null, {
        account: 'chair',
        role: 'commission-admin',
        scope: '',
        password: PASSWORD,
      });
      const r = await t.running.app.inject({
        method: 'POST',
        url: '/api/v1/login',
        payload: {
          account: 'chair',
          password: PASSWORD,
          totp: totp(made.totpSecret as string, Date.now()),
        },
      });
      assert.equal(r.statusCode, 200, r.body);
      token = r.json().token;
      const station = t.definition.stations[0]?.code as string;
      const device = t.definition.devices[0]?.id as string;
      const votes = Object.fromEntries(
        (t.definition.contests[0]?.candidates ?? []).map((c, i) => [c.id, i + 1]),
      );
      const figures = {
        votes,
        rejected: 0,
        totalValid: Object.values(votes).reduce((a, b) => a + b, 0),
      };
      endpoints = [
        {
          method: 'POST',
          route: '/api/v1/results',
          params: {},
          session: false,
          body: () => t.result(station) as unknown as Json,
        },
        {
          method: 'POST',
          route: '/api/v1/results/batch',
          params: {},
          session: false,
          body: () => ({ results: [t.result(station)] }),
        },
        {
          method: 'POST',
          route: '/api/v1/login',
          params: {},
          session: false,
          body: () => ({ account: 'chair', password: PASSWORD, totp: '000000' }),
        },
        { method: 'POST', route: '/api/v1/logout', params: {}, session: false, body: () => ({}) },
        {
          method: 'POST',
          route: '/api/v1/accounts',
          params: {},
          session: true,
          body: () => ({ account: 'fz-new', role: 'observer', scope: '', password: PASSWORD }),
        },
        {
          method: 'POST',
          route: '/api/v1/accounts/:id/disable',
          params: { id: 'no-such-account' },
          session: true,
          body: () => ({}),
        },
        {
          method: 'POST',
          route: '/api/v1/accounts/:id/approve',
          params: { id: 'no-such-account' },
          session: true,
          body: () => ({}),
        },
        {
          method: 'POST',
          route: '/api/v1/accounts/:id/activate',
          params: { id: 'no-such-account' },
          session: false,
          body: () => ({ proposerCode: 'abc', approverCode: 'def', password: PASSWORD }),
        },
        {
          method: 'POST',
          route: '/api/v1/devices',
          params: {},
          session: true,
          body: () => ({
            device: 'fz-dev',
            station,
            publicKey: toBase64(ed25519PublicKey(demoDeviceSeed('fuzz', 'fz-dev'))),
          }),
        },
        {
          method: 'POST',
          route: '/api/v1/devices/:id/revoke',
          params: { id: device },
          session: true,
          body: () => ({ reason: 'fuzz' }),
        },
        {
          method: 'POST',
          route: '/api/v1/corrections',
          params: {},
          session: true,
          body: () => ({
            contest: 'president',
            station,
            reason: 'fuzz',
            form: 'ab'.repeat(32),
            ...figures,
          }),
        },
        {
          method: 'POST',
          route: '/api/v1/corrections/:index/approve',
          params: { index: '7' },
          session: true,
          body: () => ({}),
        },
        {
          method: 'POST',
          route: '/api/v1/parties',
          params: {},
          session: true,
          body: () => ({
            party: 'fz-party',
            name: 'Fuzz Party',
            publicKey: toBase64(ed25519PublicKey(demoDeviceSeed('fuzz', 'fz-party'))),
          }),
        },
        {
          method: 'POST',
          route: '/api/v1/roster',
          params: {},
          session: false,
          body: () => ({
            type: 'roster',
            v: 1,
            election: t.definition.electionId,
            party: 'fz-party',
            at: '2022-08-09T18:00:00Z',
            act: {
              kind: 'agent-enrolled',
              agent: 'fz-agent',
              station,
              publicKey: toBase64(ed25519PublicKey(demoDeviceSeed('fuzz', 'fz-agent'))),
              replaces: '',
            },
            sig: `${'A'.repeat(86)}==`,
          }),
        },
        {
          method: 'POST',
          route: '/api/v1/attestations',
          params: {},
          session: false,
          body: () => ({
            type: 'attestation',
            v: 1,
            election: t.definition.electionId,
            party: 'fz-party',
            agent: 'fz-agent',
            result: 'cd'.repeat(32),
            agentTime: '2022-08-09T18:00:00Z',
            sig: `${'A'.repeat(86)}==`,
          }),
        },
        {
          method: 'POST',
          route: '/api/v1/dissents',
          params: {},
          session: false,
          body: () => ({
            type: 'dissent',
            v: 1,
            election: t.definition.electionId,
            party: 'fz-party',
            agent: 'fz-agent',
            result: 'cd'.repeat(32),
            contest: 'president',
            station,
            ...figures,
            form: 'ef'.repeat(32),
            reason: 'fuzz',
            agentTime: '2022-08-09T18:00:00Z',
            sig: `${'A'.repeat(86)}==`,
          }),
        },
        {
          method: 'POST',
          route: '/api/v1/declarations',
          params: {},
          session: true,
          body: () => ({ contest: 'president', unit: '', override: '', ...figures }),
        },
        {
          method: 'POST',
          route: '/api/v1/audits',
          params: {},
          session: true,
          body: () => ({ audit: 'fz-audit', contest: 'president', method: 'macro', riskLimit: 5 }),
        },
        ...(['approve', 'seed', 'rounds', 'papers', 'ballots'] as const).map(
          (act): Endpoint => ({
            method: 'POST',
            route: `/api/v1/audits/:id/${act}`,
            params: { id: 'fz-audit' },
            session: true,
            body: () =>
              act === 'seed'
                ? { seed: '1'.repeat(24) }
                : act === 'rounds'
                  ? { draws: 3 }
                  : act === 'papers'
                    ? { round: 1, station, paper: 'counted', form: 'ab'.repeat(32), ...figures }
                    : act === 'ballots'
                      ? { round: 1, station, votes, invalid: 0, notFound: 0, form: 'ab'.repeat(32) }
                      : {},
          }),
        ),
        {
          method: 'POST',
          route: '/api/v1/audits/papers/:entry/confirm',
          params: { entry: '7' },
          session: true,
          body: () => ({}),
        },
        {
          method: 'POST',
          route: '/api/v1/audits/:id/rounds/:round/close',
          params: { id: 'fz-audit', round: '1' },
          session: true,
          body: () => ({}),
        },
        {
          method: 'PUT',
          route: '/api/v1/audits/:id/forms/:sha256',
          params: { id: 'fz-audit', sha256: 'ab'.repeat(32) },
          session: true,
          body: () => ({ station }),
        },
      ];
    });
    after(async () => t?.close());

    test('the fuzz covers every write route the route files declare', () => {
      const covered = new Set([
        ...endpoints.map((e) => `${e.method} ${e.route}`),
        'PUT /api/v1/forms/:sha256',
      ]);
      const missing = declaredWriteRoutes().filter((r) => !covered.has(r));
      assert.deepEqual(missing, [], 'write routes the fuzz does not reach');
    });

    test(`${RUNS} generated bad requests: no 5xx, every refusal in kura's format, the log unchanged`, async (ctx) => {
      const jsonRequest = fc
        .record({
          endpoint: fc.nat({ max: endpoints.length - 1 }),
          poison,
          extra: fc.option(poison, { nil: undefined }),
          contentType,
          param: fc.option(badParam, { freq: 4, nil: undefined }),
          auth: fc.option(badAuthorization, { freq: 4, nil: undefined }),
          address: fc.nat({ max: 250 }),
        })
        .map(
          ({
            endpoint,
            poison: p,
            extra,
            contentType: type,
            param,
            auth,
            address,
          }): FuzzRequest => {
            const e = endpoints[endpoint] as Endpoint;
            let body = e.body();
            if (extra?.kind === 'set' || extra?.kind === 'add')
              body = JSON.parse(poisoned(body, extra));
            const url = e.route.replace(/:([a-z]+)/g, (_m, name: string) =>
              param !== undefined ? param : encodeURIComponent(e.params[name] ?? ''),
            );
            const authorization =
              e.session && auth === undefined
                ? `Bearer ${token}`
                : (auth ?? `Bearer ${'x'.repeat(43)}=`);
            return {
              method: e.method,
              url,
              headers: { 'content-type': type, authorization },
              payload: poisoned(body, p),
              remoteAddress: `10.1.0.${address}`,
            };
          },
        );
      const formRequest = fc
        .record({
          hash: fc.oneof(
            fc.constantFrom(
              '0'.repeat(64),
              'A'.repeat(64),
              'ab',
              '%zz',
              '%00',
              'g'.repeat(64),
              'a'.repeat(600),
            ),
            fc
              .uint8Array({ minLength: 32, maxLength: 32 })
              .map((b) => Buffer.from(b).toString('hex')),
          ),
          bytes: fc.oneof(
            fc.uint8Array({ maxLength: 64 }),
            fc
              .uint8Array({ maxLength: 32 })
              .map((b) => new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, ...b])),
          ),
          type: fc.constantFrom(
            'application/pdf',
            'image/png',
            'image/jpeg',
            'application/json',
            'text/plain',
            'image/gif',
          ),
          device: fc.option(
            fc.oneof(
              fc.constant(t.definition.devices[0]?.id as string),
              fc.string({ maxLength: 12 }),
            ),
            {
              nil: undefined,
            },
          ),
          signature: fc.option(fc.string({ maxLength: 90 }), { nil: undefined }),
        })
        .map(({ hash, bytes, type, device, signature }): FuzzRequest => {
          const ascii = (s: string) => s.replace(/[^\x21-\x7e]/g, 'x');
          return {
            method: 'PUT',
            url: `/api/v1/forms/${hash}`,
            headers: {
              'content-type': type,
              ...(device !== undefined ? { 'kura-device': ascii(device) } : {}),
              ...(signature !== undefined ? { 'kura-form-signature': ascii(signature) } : {}),
            },
            payload: Buffer.from(bytes),
            remoteAddress: '10.2.0.1',
          };
        });
      // The read side's indexes and names, for the same decoding rules.
      const readRequest = fc
        .record({
          path: fc.constantFrom(
            '/api/v1/entries/{}',
            '/api/v1/entries/0?size={}',
            '/api/v1/proof/consistency?from={}',
            '/api/v1/proof/consistency?from=1&to={}',
            '/api/v1/officials/acts?from={}',
            '/api/v1/officials/acts?limit={}',
            '/api/v1/stations/{}',
            '/api/v1/tally/president/{}',
            '/api/v1/tally/{}',
            '/api/v1/devices/{}',
            '/api/v1/parties/{}/agents',
            '/api/v1/parties/x/agents?station={}',
            '/api/v1/parties/{}/tally/president/nation',
            '/api/v1/parties/x/tally/{}/nation',
            '/api/v1/forms/{}',
            '/log/tile/0/{}',
            '/log/tile/entries/{}',
          ),
          value: fc.oneof(
            badParam,
            fc.constantFrom('0x10', '007', '1.0', '+1', ' 1', '99999999999999999', '-0'),
          ),
        })
        .map(
          ({ path, value }): FuzzRequest => ({
            method: 'GET',
            url: path.replace('{}', value),
            headers: {},
            remoteAddress: '10.3.0.1',
          }),
        );
      const requests = fc.sample(
        fc.oneof(
          { weight: 8, arbitrary: jsonRequest },
          { weight: 1, arbitrary: formRequest },
          { weight: 1, arbitrary: readRequest },
        ),
        { numRuns: RUNS, seed: SEED },
      );
      assert.ok(requests.length >= 1000);

      const before = size();
      const failures: string[] = [];
      const statuses = new Map<number, number>();
      const send = async (q: FuzzRequest) => {
        const r = await t.running.app.inject({
          method: q.method as 'GET',
          url: q.url,
          headers: q.headers,
          remoteAddress: q.remoteAddress,
          ...(q.payload !== undefined ? { payload: q.payload } : {}),
        });
        statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1);
        const what = `${q.method} ${q.url.slice(0, 120)} ${JSON.stringify(q.headers)} ${String(q.payload).slice(0, 200)} → ${r.statusCode} ${r.body.slice(0, 300)}`;
        if (r.statusCode >= 500) failures.push(`5xx: ${what}`);
        else if (r.statusCode < 400) failures.push(`accepted: ${what}`);
        else {
          let code: unknown;
          try {
            const e = r.json().error;
            code = e?.code;
            if (typeof e?.message !== 'string') failures.push(`no message: ${what}`);
          } catch {
            failures.push(`not JSON: ${what}`);
          }
          if (typeof code !== 'string' || !(code in API_ERRORS))
            failures.push(`no catalogue code: ${what}`);
          else if (API_ERRORS[code as keyof typeof API_ERRORS].status !== r.statusCode)
            failures.push(`status is not the code's: ${what}`);
        }
      };
      // Half one by one, half in parallel bursts.
      const half = Math.floor(requests.length / 2);
      for (const q of requests.slice(0, half)) await send(q);
      const rest = requests.slice(half);
      for (let i = 0; i < rest.length; i += BURST)
        await Promise.all(rest.slice(i, i + BURST).map(send));

      assert.deepEqual(failures.slice(0, 10), [], `${failures.length} bad answers (seed ${SEED})`);
      assert.equal(size(), before, 'the log did not grow');
      const session = await t.running.app.inject({
        method: 'GET',
        url: '/api/v1/session',
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(session.statusCode, 200, 'the administrator’s session survived');
      ctx.diagnostic(
        `seed ${SEED}; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`,
      );
      // Every kind of refusal was reached, not just one early check.
      assert.ok(statuses.size >= 6, `statuses seen: ${JSON.stringify([...statuses])}`);
    });
  });
}
