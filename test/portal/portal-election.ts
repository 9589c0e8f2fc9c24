// A small election for the portal tests, with all six contests and several
// stations per ward (the synthetic country has one per ward at this size),
// served by a real kura server on a loopback port, on PGlite or PostgreSQL.
import { createHash } from 'node:crypto';
import type {
  Candidate,
  Contest,
  ContestKind,
  ElectionDefinition,
  ScopeLevel,
  Station,
  Unit,
} from '../../src/election/definition.js';
import { demoDevicePublicKey, demoDeviceSeed } from '../../src/election/demo-keys.js';
import { deviceTime, formUploadHeaders, signResult } from '../../src/election/device.js';
import type { ResultEntry, Unsigned } from '../../src/election/entries.js';
import { generateKey } from '../../src/log/note.js';
import type { RunningLog } from '../../src/server/start.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import type { Store } from '../../src/store/store.js';
import { type Backend, newTestLog } from '../helpers/test-log.js';

export type { Backend };

const SEED = (s: string) => new TextEncoder().encode(s.padEnd(32, '.')).slice(0, 32);
const ELECTION_ID = 'portal-test';

// Two real county codes (so the map has shapes to colour), 2 constituencies
// each, 2 wards each, 3 stations per ward: 24 stations.
const COUNTIES: Array<[string, string, string[]]> = [
  ['001', 'Mombasa', ['Changamwe', 'Jomvu']],
  ['002', 'Kwale', ['Msambweni', 'Lunga Lunga']],
];
const WARD_NAMES = [
  'Port Reitz',
  'Kipevu',
  'Miritini',
  'Mikindani',
  'Gombato',
  'Ukunda',
  'Pongwe',
  'Dzombo',
];
const SCHOOLS = ['Tudor Primary School', 'Bahari Secondary School', 'Mvita Social Hall'];

/** Real 2022 names and long station names, as the Kenya data has, for layout tests. */
export interface PortalOptions {
  longNames?: boolean;
  /** The server holds the commission key: logins and officials' acts on. */
  officials?: boolean;
}
const LONG_PRESIDENTIAL: Array<[string, string]> = [
  ['William Samoei Ruto', 'United Democratic Alliance'],
  ['Raila Amolo Odinga', 'Azimio La Umoja One Kenya Coalition Party'],
  ['George Luchiri Wajackoyah', 'Roots Party of Kenya'],
  ['David Mwaure Waihiga', 'Agano Party'],
];
const LONG_GIVEN = [
  'Mwanaisha Chidzuga',
  'Hassan Omar Sarai',
  'Gideon Mung’aro Maitha',
  'Agnes Zani Mwikali',
  'Kassim Sawa Tandaza',
  'Fatuma Achani Masito',
  'Salim Mvurya Mgala',
];
const LONG_SCHOOLS = [
  "St. Mary's Mukumu Girls' High School",
  'Bahari Secondary School',
  'Mombasa Polytechnic University College Social Hall',
];

export function portalDefinition(
  logKey: string,
  commissionKey: string,
  options: PortalOptions = {},
): ElectionDefinition {
  const schools = options.longNames ? LONG_SCHOOLS : SCHOOLS;
  const units: Unit[] = [];
  const stations: Station[] = [];
  let w = 0;
  for (const [county, countyName, constituencies] of COUNTIES) {
    units.push({ code: county, level: 'county', name: countyName, parent: null });
    constituencies.forEach((cname, ci) => {
      const constituency = `${county}${String(ci + 1).padStart(3, '0')}`;
      units.push({ code: constituency, level: 'constituency', name: cname, parent: county });
      for (let k = 0; k < 2; k++, w++) {
        const ward = `${constituency}${String(w + 1).padStart(4, '0')}`;
        units.push({
          code: ward,
          level: 'ward',
          name: WARD_NAMES[w] as string,
          parent: constituency,
        });
        for (const [si, school] of schools.entries())
          stations.push({
            code: `${ward}${String(si + 1).padStart(3, '0')}01`,
            name: `${school} - ${WARD_NAMES[w]} - 01`,
            ward,
            registeredVoters: 420 + (((w * 3 + si) * 53) % 260),
          });
      }
    });
  }
  const spec: Array<[ContestKind, ScopeLevel, string]> = [
    ['president', 'nation', 'President'],
    ['governor', 'county', 'Governor'],
    ['senator', 'county', 'Senator'],
    ['woman-representative', 'county', 'Woman Representative'],
    ['member-of-parliament', 'constituency', 'Member of Parliament'],
    ['member-of-county-assembly', 'ward', 'Member of County Assembly'],
  ];
  const contests: Contest[] = spec.map(([kind, scope, title]) => {
    const candidates: Candidate[] =
      scope === 'nation'
        ? [
            ['amani', 'Amani Wekesa', 'Umoja Party'],
            ['baraka', 'Baraka Otieno', 'Maendeleo Alliance'],
            ['chiku', 'Chiku Njeri', 'Haki Movement'],
            ['daudi', 'Daudi Mwangi', 'Independent'],
          ].map(([id, name, party], i) => ({
            id: id as string,
            name: (options.longNames ? LONG_PRESIDENTIAL[i]?.[0] : name) as string,
            party: (options.longNames ? LONG_PRESIDENTIAL[i]?.[1] : party) as string,
            unit: null,
            simulated: true,
          }))
        : units
            .filter((u) => u.level === scope)
            .flatMap((u) =>
              (options.longNames ? [1, 2, 3, 4, 5, 6, 7] : [1, 2, 3]).map((i) => ({
                id: `${kind}-${u.code}-${i}`,
                name: options.longNames
                  ? `${LONG_GIVEN[i - 1]} Candidate of ${u.name}`
                  : `Candidate ${i} for ${u.name}`,
                party: options.longNames
                  ? (LONG_PRESIDENTIAL[(i - 1) % 4]?.[1] as string)
                  : (['Umoja Party', 'Maendeleo Alliance', 'Independent'][i - 1] as string),
                unit: u.code,
                simulated: true,
              })),
            );
    return {
      id: kind,
      kind,
      title,
      scope,
      forms: { station: '34A', constituency: '34B', declaration: '34C' },
      candidates,
    };
  });
  return {
    format: 'kura-election/v1',
    electionId: ELECTION_ID,
    title: 'Portal test election',
    logOrigin: 'kura.test/portal',
    logKey,
    commissionKey,
    perStationCap: 700,
    units,
    stations,
    contests,
    devices: stations.map((s) => ({
      id: `kit-${s.code}`,
      publicKey: demoDevicePublicKey(ELECTION_ID, `kit-${s.code}`),
      station: s.code,
    })),
    provenance: 'portal test election; no real data',
  };
}

export interface PortalElection {
  running: RunningLog;
  store: Store;
  definition: ElectionDefinition;
  /** http://127.0.0.1:<port> */
  url: string;
  /** Deterministic, plausible votes for a station and contest, signed by its device. */
  result(station: string, contest: string, form: string): ResultEntry;
  /** Uploads a form (PNG bytes) and submits the result carrying its hash. */
  submit(station: string, contest: string, png?: Uint8Array): Promise<ResultEntry>;
  /** Contests a station takes part in (all six here). */
  contests(): string[];
  sql<T>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function startPortalElection(
  backend: Backend,
  options: PortalOptions = {},
): Promise<PortalElection> {
  const t = await newTestLog(backend, {
    electionId: ELECTION_ID,
    origin: 'kura.test/portal',
    logKey: generateKey('kura.test/portal', SEED('portal log')),
    commissionSeed: SEED('portal commission'),
    definition: (keys) => portalDefinition(keys.logKey, keys.commissionKey, options),
    sequencerPeriodMs: 10,
    signatureThreads: 0,
    officials: options.officials,
  });
  const { running, store, definition } = t;
  const address = await running.app.listen({ host: '127.0.0.1', port: 0 });

  const candidatesOf = (contest: string, station: string) => {
    const c = definition.contests.find((x) => x.id === contest) as Contest;
    const place = definition.stations.find((s) => s.code === station) as Station;
    const ward = definition.units.find((u) => u.code === place.ward) as Unit;
    const constituency = ward.parent as string;
    const county = definition.units.find((u) => u.code === constituency)?.parent as string;
    const raceUnit = { nation: null, county, constituency, ward: ward.code }[c.scope];
    return c.candidates.filter((x) => x.unit === raceUnit).map((x) => x.id);
  };
  const result = (station: string, contest: string, form: string): ResultEntry => {
    const n = Number.parseInt(
      createHash('sha256').update(`${station}/${contest}`).digest('hex').slice(0, 8),
      16,
    );
    const reg = definition.stations.find((s) => s.code === station)?.registeredVoters ?? 400;
    const ids = candidatesOf(contest, station);
    // Turnout 55-85%; the first candidates usually lead, with some variety.
    const cast = Math.floor(reg * (0.55 + (n % 31) / 100));
    const weights = ids.map((_, i) => Math.max(1, ((n >> (i * 3)) % 9) + (ids.length - i) * 4));
    const sum = weights.reduce((a, b) => a + b, 0);
    const votes = Object.fromEntries(
      ids.map((id, i) => [id, Math.floor((cast * (weights[i] as number)) / sum)]),
    );
    const totalValid = Object.values(votes).reduce((a, b) => a + b, 0);
    const unsigned: Unsigned<ResultEntry> = {
      type: 'result',
      v: 1,
      election: ELECTION_ID,
      contest,
      station,
      device: `kit-${station}`,
      votes,
      rejected: n % 7,
      totalValid,
      form,
      deviceTime: deviceTime(new Date(Date.UTC(2022, 7, 9, 14, 0, 0) + (n % 7200) * 1000)),
    };
    return signResult(unsigned, demoDeviceSeed(ELECTION_ID, `kit-${station}`));
  };

  return {
    running,
    store,
    definition,
    url: address.replace('localhost', '127.0.0.1'),
    result,
    contests: () => definition.contests.map((c) => c.id),
    async submit(station, contest, png) {
      let form = createHash('sha256').update(`no scan ${station} ${contest}`).digest('hex');
      if (png) {
        form = createHash('sha256').update(png).digest('hex');
        const put = await running.app.inject({
          method: 'PUT',
          url: `/api/v1/forms/${form}`,
          headers: {
            'content-type': 'image/png',
            ...formUploadHeaders(
              { electionId: ELECTION_ID, station, device: `kit-${station}`, sha256: form },
              demoDeviceSeed(ELECTION_ID, `kit-${station}`),
            ),
          },
          payload: Buffer.from(png),
        });
        if (put.statusCode >= 300) throw new Error(`form upload: ${put.statusCode} ${put.body}`);
      }
      const entry = result(station, contest, form);
      const r = await running.app.inject({
        method: 'POST',
        url: '/api/v1/results',
        payload: entry,
      });
      if (r.statusCode !== 201)
        throw new Error(`submit ${station}/${contest}: ${r.statusCode} ${r.body}`);
      return entry;
    },
    sql: async <T>(text: string, params: unknown[] = []) =>
      (await (store as SqlStore).db.query<T>(text, params)) as unknown as T[],
    close: () => t.close(),
  };
}
