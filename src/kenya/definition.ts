// The Kenya 2022 general election as a kura ElectionDefinition.
//
// Units: counties (3-digit codes), constituencies (6) and wards (10), all
// station-code prefixes, including the pseudo-units DIASPORA (048, 048291,
// one ward per country) and PRISONS (049, 049292, 0492921451).
//
// Who votes for what. A race is a unit at the contest's scope that has
// candidates; a station takes part in a contest if the contest is national or
// the station's ancestor at the contest's scope has candidates in it:
//
//   takesPart(station, contest) = contest.scope === 'nation' ||
//     contest.candidates.some((c) => c.unit === station.code.slice(0, LEN[contest.scope]))
//
// Diaspora and prison voters vote only for president, so the DIASPORA and
// PRISONS units get no candidates in any other contest: their stations take
// part in `president` only. (See also contestsForStation below.)
//
// Statutory forms: 34A/34B/34C president; 35A/35B/35C member of parliament;
// 36A/36B/36C member of county assembly; 37A/37B/37C governor; 38A/38B/38C
// senator; 39A/39B/39C woman representative. Only the presidential forms are
// confirmed by the primary sources we have (the portal's Form 34A file names
// and the 34C declaration); the others follow secondary descriptions of the
// Elections (General) Regulations 2012 forms, not the regulation text itself.
import type {
  Candidate,
  Contest,
  ContestKind,
  Device,
  ElectionDefinition,
  ScopeLevel,
  Station,
  Unit,
} from '../election/definition.js';
import { demoDevicePublicKey as demoDevicePublicKeyBase64 } from '../election/demo-keys.js';
import { loadKenya2022, PRESIDENT_ONLY_COUNTIES } from './data.js';
import { simulatedCandidates } from './simulated-candidates.js';

export const KENYA_2022_ELECTION_ID = 'kenya-2022';

/** Length of a unit code at each level (codes are station-code prefixes). */
export const SCOPE_CODE_LENGTH: Record<Exclude<ScopeLevel, 'nation'>, number> = {
  county: 3,
  constituency: 6,
  ward: 10,
};

/** The presidential candidates as on the 2022 ballot and in the Form 34C declaration. */
export const PRESIDENTIAL_CANDIDATES: readonly Candidate[] = [
  {
    id: 'odinga',
    name: 'Raila Amolo Odinga',
    party: 'Azimio la Umoja One Kenya Coalition Party',
    unit: null,
  },
  {
    id: 'ruto',
    name: 'William Samoei Ruto',
    party: 'United Democratic Alliance (UDA)',
    unit: null,
  },
  {
    id: 'wajackoyah',
    name: 'George Luchiri Wajackoyah',
    party: 'Roots Party of Kenya',
    unit: null,
  },
  { id: 'mwaure', name: 'David Mwaure Waihiga', party: 'Agano Party', unit: null },
];

interface ContestSpec {
  id: string;
  kind: ContestKind;
  title: string;
  scope: ScopeLevel;
  forms: Contest['forms'];
}

/**
 * A Kenyan contest: its id is its kind, and its forms are numbered together
 * (34A at the station, 34B for the constituency, 34C the declaration).
 */
function contest(kind: ContestKind, title: string, scope: ScopeLevel, form: number): ContestSpec {
  return {
    id: kind,
    kind,
    title,
    scope,
    forms: { station: `${form}A`, constituency: `${form}B`, declaration: `${form}C` },
  };
}

export const KENYA_2022_CONTESTS: readonly ContestSpec[] = [
  contest('president', 'President', 'nation', 34),
  contest('governor', 'County Governor', 'county', 37),
  contest('senator', 'Senator', 'county', 38),
  contest('woman-representative', 'County Woman Member of the National Assembly', 'county', 39),
  contest('member-of-parliament', 'Member of the National Assembly', 'constituency', 35),
  contest('member-of-county-assembly', 'Member of the County Assembly', 'ward', 36),
];

/** Contest ids a station votes in: all six, or only `president` in DIASPORA and PRISONS. */
export function contestsForStation(stationCode: string): string[] {
  if (PRESIDENT_ONLY_COUNTIES.includes(stationCode.slice(0, 3))) return ['president'];
  return KENYA_2022_CONTESTS.map((c) => c.id);
}

/** The device id of each station: its KIEMS serial, made unique (see deviceIdsByStation). */
export interface StationDevice {
  station: string;
  id: string;
  /** The KIEMS serial as on the form, or null where no form (so no serial) is known. */
  serial: string | null;
}

/**
 * One device per station. The id is the KIEMS serial from the Form 34A file name.
 * A serial seen at more than one station keeps its plain form at the station that
 * uploaded first; the others get `SERIAL#2`, `SERIAL#3` (by upload time, then code),
 * so "one serial at two stations" stays visible. A station with no known serial
 * gets `no-kiems-<station code>`.
 */
export function stationDevices(): StationDevice[] {
  const k = loadKenya2022();
  const bySerial = new Map<string, { code: string; at: number }[]>();
  for (const s of k.stations) {
    if (!s.kiemsSerial) continue;
    const list = bySerial.get(s.kiemsSerial) ?? [];
    list.push({ code: s.code, at: s.uploadedAt ?? Number.MAX_SAFE_INTEGER });
    bySerial.set(s.kiemsSerial, list);
  }
  const idOf = new Map<string, string>();
  for (const [serial, list] of bySerial) {
    list.sort((a, b) => a.at - b.at || (a.code < b.code ? -1 : 1));
    list.forEach((e, i) => {
      idOf.set(e.code, i === 0 ? serial : `${serial}#${i + 1}`);
    });
  }
  return k.stations.map((s) => ({
    station: s.code,
    id: idOf.get(s.code) ?? `no-kiems-${s.code}`,
    serial: s.kiemsSerial,
  }));
}

let deviceCache: { electionId: string; devices: Device[] } | undefined;

function devices(electionId: string): Device[] {
  if (deviceCache?.electionId !== electionId) {
    deviceCache = {
      electionId,
      devices: stationDevices().map((d) => ({
        id: d.id,
        ...(d.serial ? { serial: d.serial } : {}),
        publicKey: demoDevicePublicKeyBase64(electionId, d.id),
        station: d.station,
      })),
    };
  }
  return deviceCache.devices.map((d) => ({ ...d }));
}

export interface Kenya2022DefinitionOptions {
  logOrigin: string;
  logKey: string;
  commissionKey: string;
}

/**
 * The Kenya 2022 ElectionDefinition: real units, stations, presidential candidates
 * and KIEMS serials; SIMULATED candidates for the other five contests; DEMO device keys.
 */
export function buildKenya2022Definition(opts: Kenya2022DefinitionOptions): ElectionDefinition {
  const k = loadKenya2022();
  const electionId = KENYA_2022_ELECTION_ID;
  const units: Unit[] = k.units.map((u) => ({
    code: u.code,
    level: u.level,
    name: u.name,
    parent: u.parent,
  }));
  const stations: Station[] = k.stations.map((s) => ({
    code: s.code,
    name: s.name,
    ward: s.ward,
    registeredVoters: s.registeredVoters,
  }));
  const contests: Contest[] = KENYA_2022_CONTESTS.map((spec) => {
    let candidates: Candidate[];
    if (spec.kind === 'president') {
      candidates = PRESIDENTIAL_CANDIDATES.map((c) => ({ ...c }));
    } else {
      const kind = spec.kind;
      const level = spec.scope;
      const raceUnits = k.units.filter(
        (u) => u.level === level && !PRESIDENT_ONLY_COUNTIES.includes(u.code.slice(0, 3)),
      );
      candidates = raceUnits.flatMap((u) => simulatedCandidates(electionId, kind, u.code));
    }
    return { ...spec, forms: { ...spec.forms }, candidates };
  });
  return {
    format: 'kura-election/v1',
    electionId,
    title: 'Kenya general election, 9 August 2022',
    logOrigin: opts.logOrigin,
    logKey: opts.logKey,
    commissionKey: opts.commissionKey,
    perStationCap: k.perStationCap,
    units,
    stations,
    contests,
    devices: devices(electionId),
    provenance:
      'Units, stations, KIEMS serials and upload data: IEBC forms portal (forms.iebc.or.ke) as scraped 11-19 Aug 2022 ' +
      '(Notyohclone/iebc @ fdb7fe3). Registered voters: IEBC per-constituency, diaspora and prison figures ' +
      '(julienatasham/Kenya-Electoral-Infrastructure-Analytics @ 46a8314); per-station figures outside diaspora and ' +
      'prisons are a derived split, not official. Presidential candidates: real. Governor, senator, woman representative, ' +
      'MP and MCA candidates: SIMULATED. Device keys: DEMO keys derived from public data (anyone can sign). ' +
      'See data/kenya2022/PROVENANCE.md.',
  };
}
