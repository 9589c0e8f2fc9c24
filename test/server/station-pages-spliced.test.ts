// GET /api/v1/station-pages writes each stored result's JSON text into its
// body as it is, not parsed and serialised again; the pages that need the
// fold too must still say exactly what each station's own URL says (FORMATS
// §10.4): a correction in force with its approvals, one proposed and not yet
// approved, the party agents' attestations and dissents, a station with no
// result, on both engines, to the writer and to a reader alike.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signingMessage } from '../../src/election/entries.js';
import type { OfficialAct } from '../../src/election/official-entry.js';
import type { Account } from '../../src/election/officials.js';
import { toBase64, toHex } from '../../src/log/bytes.js';
import { ed25519PublicKey, ed25519Sign, sha256 } from '../../src/log/crypto.js';
import { type RunningLog, startLog } from '../../src/server/start.js';
import { testBackends } from '../helpers/postgres.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

type App = RunningLog['app'];
/** A parsed JSON body, taken apart freely by the test. */
type Json = ReturnType<typeof JSON.parse>;

const PASSWORD = 'correct horse battery staple';
const seed = (s: string) => new TextEncoder().encode(s.padEnd(32, '.')).slice(0, 32);
const PARTY = seed('party kk');
const pub = (s: Uint8Array) => toBase64(ed25519PublicKey(s));
const sign = <T extends Record<string, unknown>>(u: T, key: Uint8Array) => ({
  ...u,
  sig: toBase64(ed25519Sign(key, signingMessage(u as never))),
});

async function getJson(app: App, url: string): Promise<Json> {
  const r = await app.inject({ method: 'GET', url });
  assert.equal(r.statusCode, 200, `${url}: ${r.body}`);
  return r.json();
}

for (const backend of await testBackends()) {
  describe(`station pages in bulk, spliced, on ${backend}`, () => {
    let t: TestLog;
    let reader: RunningLog;
    let codes: string[] = [];

    before(async () => {
      t = await newTestLog(backend, { stations: 12, officials: true, presidentOnly: false });
      const officials = t.running.officials;
      const sequencer = t.running.sequencer;
      assert.ok(officials && sequencer);
      const index = t.running.election.index;
      codes = t.definition.stations.map((s) => s.code);
      const [corrected, pending, attested, dissented, both] = codes as [
        string,
        string,
        string,
        string,
        string,
      ];
      const constituencies = [corrected, pending, both].map(
        (c) => index.places.get(c)?.constituency as string,
      );
      await officials.createAccount(null, {
        account: 'chair',
        role: 'commission-admin',
        scope: '',
        password: PASSWORD,
      });
      await officials.createAccount(null, {
        account: 'vice',
        role: 'commission-admin',
        scope: '',
        password: PASSWORD,
      });
      for (const [k, scope] of [...new Set(constituencies)].entries())
        await officials.createAccount(null, {
          account: `ro${k}`,
          role: 'returning-officer',
          scope,
          password: PASSWORD,
        });
      const as = (id: string) => sequencer.fold.officials.accounts.get(id) as Account;
      const act = async (actor: string, a: OfficialAct) => {
        officials.precheck(as(actor), a);
        return officials.act(as(actor), a);
      };
      const roOf = (station: string) =>
        `ro${[...new Set(constituencies)].indexOf(index.places.get(station)?.constituency as string)}`;
      const post = async (url: string, payload: unknown) => {
        const r = await t.running.app.inject({
          method: 'POST',
          url,
          payload: payload as Record<string, unknown>,
        });
        assert.equal(r.statusCode, 201, `${url}: ${r.body}`);
        return r.json() as { index: number };
      };
      // Results everywhere but the last two stations, in two contests where they take part.
      const sent = new Map<string, number>();
      for (const code of codes.slice(0, -2))
        for (const contest of ['president', 'governor']) {
          if (!index.raceFor(contest, code)) continue;
          const county = index.places.get(code)?.county;
          const standing = t.definition.contests
            .find((c) => c.id === contest)
            ?.candidates.filter((c) => c.unit === null || c.unit === county);
          const votes = Object.fromEntries((standing ?? []).map((c, k) => [c.id, 10 + k]));
          const totalValid = Object.values(votes).reduce((a, b) => a + b, 0);
          const { index: at } = await post(
            '/api/v1/results',
            t.result(code, { votes, totalValid }, contest),
          );
          sent.set(`${contest}/${code}`, at);
        }
      const propose = async (station: string) => {
        const votes = t.result(station).votes;
        const first = Object.keys(votes)[0] as string;
        const fixed = { ...votes, [first]: (votes[first] as number) + 3 };
        return act('chair', {
          kind: 'correction-proposed',
          contest: 'president',
          station,
          original: sent.get(`president/${station}`) as number,
          reason: 'transposed digits, "quoted" ünï \\',
          form: 'cd'.repeat(32),
          votes: fixed,
          rejected: 2,
          totalValid: Object.values(fixed).reduce((s, n) => s + n, 0),
        });
      };
      for (const station of [corrected, both]) {
        const proposed = await propose(station);
        await act(roOf(station), { kind: 'correction-approved', correction: proposed.index });
        await act('vice', { kind: 'correction-approved', correction: proposed.index });
      }
      await propose(pending);
      // A party and its agents: an attestation, a dissent, and both words on the corrected station.
      const party = {
        kind: 'party-enrolled',
        party: 'kk',
        name: 'Kenya Kwanza',
        publicKey: pub(PARTY),
      };
      officials.precheck(null, party as OfficialAct);
      await officials.act(null, party as OfficialAct);
      const election = t.definition.electionId;
      for (const [i, [station, kind, contest]] of (
        [
          [attested, 'attestation', 'president'],
          [dissented, 'dissent', 'president'],
          [both, 'attestation', 'governor'],
          [both, 'dissent', 'president'],
        ] as const
      ).entries()) {
        const agent = `ag-${i}`;
        const key = seed(agent);
        await post(
          '/api/v1/roster',
          sign(
            {
              type: 'roster',
              v: 1,
              election,
              party: 'kk',
              at: '2022-08-09T18:00:00Z',
              act: { kind: 'agent-enrolled', agent, station, publicKey: pub(key), replaces: '' },
            },
            PARTY,
          ),
        );
        const bytes = (await t.store.getEntry(sent.get(`${contest}/${station}`) as number))
          ?.data as Uint8Array;
        const word = {
          v: 1,
          election,
          party: 'kk',
          agent,
          result: toHex(sha256(bytes)),
          agentTime: '2022-08-09T18:05:00Z',
        };
        if (kind === 'attestation')
          await post('/api/v1/attestations', sign({ type: 'attestation', ...word }, key));
        else
          await post(
            '/api/v1/dissents',
            sign(
              {
                type: 'dissent',
                ...word,
                contest,
                station,
                votes: { alpha: 11, beta: 20, gamma: 30 },
                rejected: 2,
                totalValid: 61,
                form: 'ef'.repeat(32),
                reason: 'alpha had 11 on "our" copy',
              },
              key,
            ),
          );
      }
      reader = await startLog({ store: t.store, signer: null });
      const checkpoint = async (app: App) =>
        (await app.inject({ method: 'GET', url: '/log/checkpoint' })).body;
      for (
        let i = 0;
        i < 3000 && (await checkpoint(reader.app)) !== (await checkpoint(t.running.app));
        i++
      )
        await new Promise((r) => setTimeout(r, 20));
    });
    after(async () => {
      await reader?.close();
      await t?.close();
    });

    test('every page says what the station’s own URL says', async () => {
      for (const app of [t.running.app, reader.app])
        for (const limit of [1, 5, 1000]) {
          const pages: Json[] = [];
          let after: string | null = null;
          do {
            const body: Json = await getJson(
              app,
              `/api/v1/station-pages?limit=${limit}${after === null ? '' : `&after=${after}`}`,
            );
            pages.push(...body.stations);
            after = body.next;
          } while (after !== null);
          assert.deepEqual(
            pages.map((p) => p.station.code),
            codes,
          );
          for (const page of pages)
            assert.deepEqual(
              page,
              await getJson(app, `/api/v1/stations/${page.station.code}`),
              `limit ${limit}: ${page.station.code}`,
            );
        }
    });

    test('the pages hold what is compared: corrections, approvals, words and no result', async () => {
      const body = await getJson(t.running.app, '/api/v1/station-pages?limit=1000');
      const [corrected, pending, attested, dissented, both] = body.stations as Json[];
      for (const p of [corrected, both]) {
        assert.equal(p.results.president.correction.approvals.length, 2, p.station.code);
        assert.match(p.results.president.correction.reason, /"quoted" ünï \\/);
      }
      assert.deepEqual(pending.results.president.correction, undefined);
      assert.deepEqual(
        attested.words.president.map((w: Json) => w.kind),
        ['attestation'],
      );
      assert.deepEqual(
        dissented.words.president.map((w: Json) => w.kind),
        ['dissent'],
      );
      assert.deepEqual(
        Object.entries(both.words).map(([c, w]) => [c, (w as Json[]).map((x) => x.kind)]),
        [
          ['president', ['dissent']],
          ['governor', ['attestation']],
        ],
      );
      assert.equal(corrected.words, undefined);
      const last = body.stations.at(-1);
      assert.ok(Object.keys(last.results).length > 0);
      for (const r of Object.values(last.results)) assert.equal(r, null);
      assert.ok(
        body.stations.some((p: Json) => p.results.governor !== undefined),
        'a second contest',
      );
    });
  });
}
