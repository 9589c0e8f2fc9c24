// Builds the committed Kenya 2022 data set (data/kenya2022/) from the research
// CSVs in ../shared/data/kenya2022 (not shipped to users):
//
//   npx tsx scripts/build-kenya-data.ts [--shared /work/shared/data/kenya2022] [--out data/kenya2022]
//
// Output (deterministic: the same input gives byte-identical files):
//   stations.tsv.gz  one row per presidential polling station (stream)
//   facts.json       units, official registered voters per constituency,
//                    county presidential results, the national Form 34C
//   PROVENANCE.md    where each field comes from, what was derived and how
//
// Only facts carry over: src/kenya/ reads these files and nothing else.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { apportion, Prng } from '../src/kenya/apportion.js';
import { parseKenya2022 } from '../src/kenya/data.js';
import {
  computePresidentialResults,
  PRESIDENTIAL_IDS,
  type PresidentialResults,
} from '../src/kenya/presidential-votes.js';

const PER_STATION_CAP = 700;
/** Upload times are stored as seconds since this instant (polling day, 00:00 in Kenya, UTC+3). */
const TIME_BASE_ISO = '2022-08-09T00:00:00+03:00';
const TIME_BASE_UNIX = Date.parse(TIME_BASE_ISO) / 1000;
const EXPECTED_STATIONS = 46_229;
const NATIONAL_34C = {
  ruto: 7_176_141,
  odinga: 6_942_930,
  wajackoyah: 61_969,
  mwaure: 31_987,
  totalValid: 14_213_027,
  rejected: 113_614,
  registered: 22_120_458,
};

// ---------- arguments ----------
function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  return v ?? fallback;
}
const SHARED = resolve(arg('--shared', '../shared/data/kenya2022'));
const OUT = resolve(arg('--out', 'data/kenya2022'));

// ---------- small helpers ----------
function fail(msg: string): never {
  throw new Error(`build-kenya-data: ${msg}`);
}

function check(cond: boolean, msg: string): asserts cond {
  if (!cond) fail(msg);
}

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF. */
function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const header = rows.shift() ?? fail('empty CSV');
  return rows
    .filter((r) => r.length > 1 || (r[0] ?? '') !== '')
    .map((r) => {
      check(r.length === header.length, `CSV row has ${r.length} fields, header ${header.length}`);
      return Object.fromEntries(header.map((h, i) => [h, r[i] as string]));
    });
}

function readShared(name: string): Buffer {
  return readFileSync(join(SHARED, name));
}

function csv(name: string): Record<string, string>[] {
  return parseCsv(readShared(name).toString('utf8'));
}

function get(r: Record<string, string>, k: string): string {
  const v = r[k];
  check(v !== undefined, `missing column ${k}`);
  return v;
}

function int(s: string, what: string): number {
  check(/^-?\d+$/.test(s.trim()), `not an integer (${what}): ${JSON.stringify(s)}`);
  return Number.parseInt(s.trim(), 10);
}

/** Names: trimmed, runs of white space collapsed (the portal has "BARINGO  NORTH"). */
function cleanName(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function sha256Hex(b: Buffer | string): string {
  return createHash('sha256').update(b).digest('hex');
}

/** gzip with fixed settings; mtime is 0 and the OS byte is forced to 255 ("unknown"). */
function gzipFixed(data: Buffer): Buffer {
  const gz = gzipSync(data, { level: 9, memLevel: 9, strategy: 0 });
  gz[9] = 0xff;
  return gz;
}

/** Seconds since TIME_BASE for "YYYYMMDD" + "HHMMSS", read as Kenya local time (UTC+3). */
function uploadSeconds(date: string, time: string): number {
  check(/^\d{8}$/.test(date) && /^\d{6}$/.test(time), `bad upload time ${date} ${time}`);
  const iso = `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${time.slice(0, 2)}:${time.slice(2, 4)}:${time.slice(4, 6)}+03:00`;
  const t = Date.parse(iso);
  check(Number.isFinite(t), `bad upload time ${iso}`);
  return t / 1000 - TIME_BASE_UNIX;
}

const FORM34A_NAME = /^1_34_A_(\d{15})_([A-Z0-9]+)_(\d{8})_(\d{6})$/;

// ---------- inputs ----------
const INPUTS = [
  'form34a_portal_index.csv',
  'form34a_ocr_crowdsourced_ib0b.csv',
  'iebc_portal_regions.csv',
  'county_presidential_2022_kura254.csv',
  'registered_voters_per_constituency_2022.csv',
  'registered_voters_diaspora_stations_2022.csv',
  'registered_voters_prison_stations_2022.csv',
];
const inputHashes = INPUTS.map((f) => [f, sha256Hex(readShared(f))] as const);

const portal = csv('form34a_portal_index.csv');
const crowd = csv('form34a_ocr_crowdsourced_ib0b.csv');
const regions = csv('iebc_portal_regions.csv');
const countyCsv = csv('county_presidential_2022_kura254.csv');
const constCsv = csv('registered_voters_per_constituency_2022.csv');
const diasporaCsv = csv('registered_voters_diaspora_stations_2022.csv');
const prisonCsv = csv('registered_voters_prison_stations_2022.csv');
check(portal.length === EXPECTED_STATIONS, `portal index has ${portal.length} rows`);

// ---------- units ----------
const unitNames = new Map<string, string>();
for (const r of regions) {
  const level = get(r, 'level');
  const code13 = get(r, 'code13');
  const len = level === 'county' ? 3 : level === 'constituency' ? 6 : level === 'ward' ? 10 : 0;
  if (len === 0) continue; // the nation row
  const code = code13.slice(0, len);
  check(/^\d+$/.test(code) && code13.slice(len).replace(/0/g, '') === '', `odd code13 ${code13}`);
  check(!unitNames.has(code), `duplicate unit ${code}`);
  unitNames.set(code, cleanName(get(r, 'name')));
}
// Prisons are not in the portal's region tree; their station codes all start
// 049 292 1451, which the registered-voter CSV names PRISONS at every level.
for (const code of ['049', '049292', '0492921451']) {
  check(!unitNames.has(code), `prison unit ${code} already present`);
  unitNames.set(code, 'PRISONS');
}

// ---------- crowdsourced tallies ----------
interface Tally {
  odinga: number;
  ruto: number;
  wajackoyah: number;
  mwaure: number;
}
interface CrowdRow {
  code: string;
  serial: string;
  date: string;
  time: string;
  tally: Tally;
}
const crowdByFile = new Map<string, CrowdRow>();
for (const r of crowd) {
  const file = get(r, 'fileName');
  const m = FORM34A_NAME.exec(file) ?? fail(`odd crowdsourced file name ${file}`);
  check(!crowdByFile.has(file), `duplicate crowdsourced file ${file}`);
  crowdByFile.set(file, {
    code: m[1] as string,
    serial: m[2] as string,
    date: m[3] as string,
    time: m[4] as string,
    tally: {
      odinga: int(get(r, 'Raila'), file),
      ruto: int(get(r, 'Ruto'), file),
      wajackoyah: int(get(r, 'WJ'), file),
      mwaure: int(get(r, 'David'), file),
    },
  });
}

// ---------- stations ----------
type FormState = 'P' | 'L' | 'N';
type CodeSource = 'P' | 'C' | 'I' | 'S';
interface StationRow {
  code: string;
  name: string;
  serial: string;
  uploaded: number | null;
  form: FormState;
  codeSource: CodeSource;
  registered: number;
  tally: Tally | null;
  physicalWard: string;
}
const stations: StationRow[] = [];
const usedCodes = new Set<string>();
const usedFiles = new Set<string>();
interface Uncoded {
  row: Record<string, string>;
  index: number;
  ward: string;
  centre: string;
}
const uncoded: Uncoded[] = [];
/** centre_portal_id -> 13-digit centre code prefix, from stations that have a code. */
const centreCode = new Map<string, string>();

portal.forEach((r, index) => {
  const code = get(r, 'station_code');
  const ward13 = get(r, 'ward_code13');
  if (code === '') {
    check(!get(r, 'form34a_url').endsWith('.PDF'), 'row without code has a form');
    uncoded.push({ row: r, index, ward: ward13.slice(0, 10), centre: get(r, 'centre_portal_id') });
    return;
  }
  check(/^\d{15}$/.test(code), `bad station code ${code}`);
  check(!usedCodes.has(code), `duplicate station code ${code}`);
  usedCodes.add(code);
  const url = get(r, 'form34a_url');
  const file = url.slice(url.lastIndexOf('/') + 1).replace(/\.PDF$/, '');
  const m = FORM34A_NAME.exec(file) ?? fail(`odd form file ${url}`);
  check(m[1] === code && m[2] === get(r, 'kiems_serial'), `file name disagrees with row ${code}`);
  const crowdRow = crowdByFile.get(file);
  if (crowdRow) usedFiles.add(file);
  const prison = code.startsWith('049');
  if (!prison) check(code.slice(0, 10) === ward13.slice(0, 10), `station ${code} not in its ward`);
  const c13 = code.slice(0, 13);
  const prev = centreCode.get(get(r, 'centre_portal_id'));
  check(prev === undefined || prev === c13, `centre ${get(r, 'centre_portal_id')} has two codes`);
  centreCode.set(get(r, 'centre_portal_id'), c13);
  stations.push({
    code,
    name: cleanName(get(r, 'station_name')),
    serial: get(r, 'kiems_serial'),
    uploaded: uploadSeconds(get(r, 'upload_date'), get(r, 'upload_time')),
    form: 'P',
    codeSource: 'P',
    registered: 0,
    tally: crowdRow ? crowdRow.tally : null,
    physicalWard: prison ? ward13.slice(0, 10) : '',
  });
});

// Rows without a form have no station code (it is parsed from the form's file name).
// 1. Crowdsourced forms that are not in the portal snapshot were uploaded after the
//    scrape: their file names give the code, serial and upload time.
const lateCrowd = [...crowdByFile.entries()]
  .filter(([file]) => !usedFiles.has(file))
  .map(([file, c]) => ({ file, ...c }))
  .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
const assigned = new Map<number, { code: string; source: CodeSource; late?: CrowdRow }>();
const ambiguous: string[] = [];
for (const late of lateCrowd) {
  check(!usedCodes.has(late.code), `late crowdsourced code ${late.code} already used`);
  const c13 = late.code.slice(0, 13);
  const free = uncoded.filter((u) => !assigned.has(u.index) && u.ward === late.code.slice(0, 10));
  // A row can take the code if its centre's known code is this one, or unknown.
  const same = free.filter((u) => centreCode.get(u.centre) === c13);
  const unknown = free.filter((u) => !centreCode.has(u.centre));
  const pool = same.length > 0 ? same : unknown;
  const sorted = [...pool].sort((a, b) => Number(a.centre) - Number(b.centre) || a.index - b.index);
  const pick = sorted[0] ?? fail(`no uncoded row for late form ${late.file}`);
  const distinctCentres = new Set(pool.map((u) => u.centre));
  if (same.length === 0 && distinctCentres.size > 1) {
    ambiguous.push(
      `${late.code}: ward ${late.code.slice(0, 10)} has ${distinctCentres.size} uncoded centres without a known code (${[...distinctCentres].map((c) => cleanName(get(uncoded.find((u) => u.centre === c)?.row ?? {}, 'centre_name'))).join(', ')}); given to ${cleanName(get(pick.row, 'centre_name'))} (lowest centre_portal_id)`,
    );
  }
  centreCode.set(pick.centre, c13);
  usedCodes.add(late.code);
  usedFiles.add(late.file);
  assigned.set(pick.index, { code: late.code, source: 'C', late });
}
check(usedFiles.size === crowdByFile.size, 'some crowdsourced rows matched nothing');

// 2. A centre whose other streams have codes: the lowest free stream number.
// 3. Otherwise a synthetic centre number 901, 902, ... within the ward (real ones stop at 257).
const syntheticCentre = new Map<string, string>();
const nextSynthetic = new Map<string, number>();
let maxRealCentre = 0;
for (const c of usedCodes) maxRealCentre = Math.max(maxRealCentre, Number(c.slice(10, 13)));
check(maxRealCentre < 900, `real centre numbers reach ${maxRealCentre}`);
for (const u of uncoded) {
  if (assigned.has(u.index)) continue;
  let c13 = centreCode.get(u.centre);
  let source: CodeSource = 'I';
  if (c13 === undefined) {
    source = 'S';
    c13 = syntheticCentre.get(u.centre);
    if (c13 === undefined) {
      const n = (nextSynthetic.get(u.ward) ?? 900) + 1;
      nextSynthetic.set(u.ward, n);
      c13 = `${u.ward}${String(n)}`;
      syntheticCentre.set(u.centre, c13);
    }
  }
  let stream = 1;
  while (usedCodes.has(`${c13}${String(stream).padStart(2, '0')}`)) stream++;
  const code = `${c13}${String(stream).padStart(2, '0')}`;
  usedCodes.add(code);
  assigned.set(u.index, { code, source });
}
for (const u of uncoded) {
  const a = assigned.get(u.index) ?? fail('unassigned uncoded row');
  check(a.code.slice(0, 10) === u.ward, `assigned code ${a.code} outside ward ${u.ward}`);
  stations.push({
    code: a.code,
    name: `${cleanName(get(u.row, 'centre_name'))} - ${a.code.slice(13)}`,
    serial: a.late?.serial ?? '',
    uploaded: a.late ? uploadSeconds(a.late.date, a.late.time) : null,
    form: a.late ? 'L' : 'N',
    codeSource: a.source,
    registered: 0,
    tally: a.late?.tally ?? null,
    physicalWard: '',
  });
}
stations.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
check(stations.length === EXPECTED_STATIONS, `${stations.length} stations`);
for (const s of stations) {
  check(unitNames.has(s.code.slice(0, 3)), `no county for ${s.code}`);
  check(unitNames.has(s.code.slice(0, 6)), `no constituency for ${s.code}`);
  check(unitNames.has(s.code.slice(0, 10)), `no ward for ${s.code}`);
  check(!s.name.includes('\t'), 'tab in a name');
}

// ---------- county results and the national declaration ----------
const countyResults = countyCsv.map((r) => ({
  code: get(r, 'county_code'),
  name: cleanName(get(r, 'county_name')),
  registered: int(get(r, 'registered_voters_2022_register'), 'register'),
  registeredDeclaration: int(get(r, 'registered_voters_2022_presidential_declaration'), 'decl'),
  odinga: int(get(r, 'raila_votes_2022'), 'raila'),
  ruto: int(get(r, 'ruto_votes_2022'), 'ruto'),
  wajackoyah: int(get(r, 'wajackoyah_votes_2022'), 'wajackoyah'),
  mwaure: int(get(r, 'mwaure_votes_2022'), 'mwaure'),
  totalValid: int(get(r, 'total_valid_votes_2022'), 'valid'),
  rejected: int(get(r, 'rejected_ballots_2022'), 'rejected'),
}));
check(countyResults.length === 47, 'county file must have 47 rows');
const countyByCode = new Map(countyResults.map((c) => [c.code, c]));

// ---------- registered voters ----------
const constituencyRegistered = new Map<string, number>();
for (const r of constCsv) {
  const cc = get(r, 'county_code');
  if (cc === '0' || cc === 'Total') continue; // the junk first row, the total row
  const code = `${cc}${get(r, 'constituency_code')}`;
  check(unitNames.has(code), `registered voters for unknown constituency ${code}`);
  check(!constituencyRegistered.has(code), `duplicate constituency ${code}`);
  constituencyRegistered.set(code, int(get(r, 'registered_voters'), code));
}
const totalRow = constCsv.find((r) => get(r, 'county_code') === 'Total') ?? fail('no Total row');
const sumConstituencies = [...constituencyRegistered.values()].reduce((a, b) => a + b, 0);
check(sumConstituencies === int(get(totalRow, 'registered_voters'), 'total'), 'constituency total');

function stationRegisters(
  rows: Record<string, string>[],
  isTotal: (r: Record<string, string>) => boolean,
) {
  const m = new Map<string, number>();
  let total = -1;
  for (const r of rows) {
    if (isTotal(r)) total = int(get(r, 'registered_voters'), 'total');
    else m.set(get(r, 'polling_station_code'), int(get(r, 'registered_voters'), 'station'));
  }
  const sum = [...m.values()].reduce((a, b) => a + b, 0);
  check(sum === total, `station registers sum ${sum} != ${total}`);
  return { m, total };
}
const diaspora = stationRegisters(diasporaCsv, (r) => get(r, 'county_code') === 'Total');
const prisons = stationRegisters(prisonCsv, (r) => get(r, 'county_name') === 'Total');
constituencyRegistered.set('048291', diaspora.total);
constituencyRegistered.set('049292', prisons.total);
const nationalRegistered = [...constituencyRegistered.values()].reduce((a, b) => a + b, 0);
check(nationalRegistered === NATIONAL_34C.registered, `national registered ${nationalRegistered}`);
for (const c of countyResults) {
  let s = 0;
  for (const [k, v] of constituencyRegistered) if (k.startsWith(c.code)) s += v;
  check(s === c.registered, `county ${c.code} register ${c.registered} != constituencies ${s}`);
}

function tallySum(t: Tally): number {
  return t.odinga + t.ruto + t.wajackoyah + t.mwaure;
}

const byConstituency = new Map<string, StationRow[]>();
for (const s of stations) {
  const k = s.code.slice(0, 6);
  const list = byConstituency.get(k) ?? [];
  list.push(s);
  byConstituency.set(k, list);
}
check(
  [...byConstituency.keys()].every((k) => constituencyRegistered.has(k)),
  'a constituency with stations has no registered total',
);
let overCapStations = 0;
for (const [k, list] of byConstituency) {
  const total = constituencyRegistered.get(k) ?? fail(`no registered total for ${k}`);
  if (k === '048291' || k === '049292') {
    const src = k === '048291' ? diaspora.m : prisons.m;
    check(src.size === list.length, `${k}: ${src.size} registers for ${list.length} stations`);
    for (const s of list) s.registered = src.get(s.code) ?? fail(`no register for ${s.code}`);
    continue;
  }
  const county = countyByCode.get(k.slice(0, 3)) ?? fail(`no county result for ${k}`);
  const turnout = (county.totalValid + county.rejected) / county.registered;
  const mean = total / list.length;
  // Streams differ in size: a station without a tally gets the mean times a seeded
  // factor in [0.7, 1.3) (seed: the station code), so equal splits do not look fabricated.
  const weights = list.map((s) =>
    s.tally
      ? Math.max(tallySum(s.tally) / turnout, mean / 4)
      : mean * (0.7 + 0.6 * new Prng(`kenya-2022/registered/${s.code}`).next()),
  );
  const lo = list.map((s) => (s.tally ? Math.min(tallySum(s.tally), PER_STATION_CAP) : 0));
  check(total <= PER_STATION_CAP * list.length, `${k} cannot fit under the cap`);
  const hi = list.map(() => PER_STATION_CAP);
  const x = apportion(total, weights, lo, hi);
  list.forEach((s, i) => {
    s.registered = x[i] as number;
    if (s.registered > PER_STATION_CAP) overCapStations++;
  });
}
check(overCapStations === 0, 'a station exceeds the cap');

// ---------- write ----------
const header = [
  'code',
  'name',
  'kiems',
  'uploaded',
  'form',
  'code_source',
  'registered',
  'odinga',
  'ruto',
  'wajackoyah',
  'mwaure',
  'physical_ward',
];
const lines = [header.join('\t')];
for (const s of stations) {
  const t = s.tally;
  lines.push(
    [
      s.code,
      s.name,
      s.serial,
      s.uploaded === null ? '' : String(s.uploaded),
      s.form,
      s.codeSource,
      String(s.registered),
      t ? String(t.odinga) : '',
      t ? String(t.ruto) : '',
      t ? String(t.wajackoyah) : '',
      t ? String(t.mwaure) : '',
      s.physicalWard,
    ].join('\t'),
  );
}
const tsv = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
const tsvSha = sha256Hex(tsv);

const units = [...unitNames.entries()].sort(
  (a, b) => a[0].length - b[0].length || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0),
);
const facts = {
  format: 'kura-kenya2022-facts/v1',
  note: 'Generated by scripts/build-kenya-data.ts; see PROVENANCE.md. Not official results.',
  timeBase: TIME_BASE_ISO,
  timeBaseUnix: TIME_BASE_UNIX,
  perStationCap: PER_STATION_CAP,
  stations: { file: 'stations.tsv.gz', count: stations.length, sha256: tsvSha },
  units: units.map(([code, name]) => [code, name]),
  registeredByConstituency: Object.fromEntries(
    [...constituencyRegistered.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
  ),
  countyResults,
  national34C: NATIONAL_34C,
};
// One unit / county per line keeps diffs readable.
const factsText = `${JSON.stringify(facts, null, 1)
  .replace(/\[\n\s+"(\d+)",\n\s+"([^"]*)"\n\s+\]/g, '["$1", "$2"]')
  .replace(/\{\n\s+"code": "(\d{3})",[^}]*\}/g, (m) => JSON.stringify(JSON.parse(m)))}\n`;
JSON.parse(factsText);

// ---------- statistics for PROVENANCE.md ----------
const count = (f: (s: StationRow) => boolean) => stations.filter(f).length;
const serialCounts = new Map<string, number>();
for (const s of stations)
  if (s.serial) serialCounts.set(s.serial, (serialCounts.get(s.serial) ?? 0) + 1);
const repeated = [...serialCounts.entries()].filter(([, n]) => n > 1).sort();
const crowdOver = stations.filter((s) => s.tally && tallySum(s.tally) > PER_STATION_CAP);
const crowdOverReg = stations.filter((s) => s.tally && tallySum(s.tally) > s.registered);
const regs = stations.map((s) => s.registered);
const fmt = (n: number) => n.toLocaleString('en-US');
const prisonByCounty = new Map<string, number>();
for (const s of stations) {
  if (!s.code.startsWith('049')) continue;
  const c = s.physicalWard.slice(0, 3);
  prisonByCounty.set(c, (prisonByCounty.get(c) ?? 0) + s.registered);
}
const declMatchesPrisons = countyResults.every(
  (c) => c.registeredDeclaration - c.registered === (prisonByCounty.get(c.code) ?? 0),
);
const stats = {
  stations: stations.length,
  portal: count((s) => s.form === 'P'),
  late: count((s) => s.form === 'L'),
  none: count((s) => s.form === 'N'),
  inferred: count((s) => s.codeSource === 'I'),
  synthetic: count((s) => s.codeSource === 'S'),
  diaspora: count((s) => s.code.startsWith('048')),
  prisons: count((s) => s.code.startsWith('049')),
  crowd: count((s) => s.tally !== null),
  counties: units.filter(([c]) => c.length === 3).length,
  constituencies: units.filter(([c]) => c.length === 6).length,
  wards: units.filter(([c]) => c.length === 10).length,
  minReg: Math.min(...regs),
  maxReg: Math.max(...regs),
};

mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'stations.tsv.gz'), gzipFixed(tsv));
writeFileSync(join(OUT, 'facts.json'), factsText);

// ---------- presidential station results (computed at run time; described here) ----------
const written = parseKenya2022(pathToFileURL(`${OUT}/`));
const rec = computePresidentialResults(written, 'reconciled');
const raw = computePresidentialResults(written, 'crowdsourced');
const cap = PER_STATION_CAP;
const overCap = (r: PresidentialResults) =>
  r.stations.filter((x) => x.odinga + x.ruto + x.wajackoyah + x.mwaure > cap).length;
const sumOf = (r: PresidentialResults, id: (typeof PRESIDENTIAL_IDS)[number] | 'rejected') =>
  r.stations.reduce((a, x) => a + x[id], 0);
const adjustedStations = new Set(rec.adjustments.map((a) => a.station)).size;
const impossibleCut = rec.groups.flatMap((g) => g.impossibleAdjusted);
const adjustedIn = PRESIDENTIAL_IDS.map((id) =>
  rec.groups.reduce((a, g) => a + g.adjustedIn[id], 0),
);
const adjustedOut = PRESIDENTIAL_IDS.map((id) =>
  rec.groups.reduce((a, g) => a + g.adjustedOut[id], 0),
);
const conflicted = rec.groups.filter((g) =>
  PRESIDENTIAL_IDS.some((id) => g.adjustedIn[id] !== 0 || g.adjustedOut[id] !== 0),
);
const maxExcess = Math.max(...rec.groups.flatMap((g) => PRESIDENTIAL_IDS.map((id) => -g.gap[id])));
const unrec = raw.groups.filter((g) => PRESIDENTIAL_IDS.some((id) => g.unreconciled[id] !== 0));
// Written by hand beside PHASE2: the audit's paper is derived at run time, not stored (issue 14).
const AUDIT_PAPER = `## The audit's "paper" (src/kenya/audit-paper.ts)

Not stored: derived at run time from \`stations.tsv.gz\` and the reconciliation above, for
the demo's risk-limiting audit (\`kura demo --audit\`, issue 14). At the 2,810 stations the
reconciliation adjusted, the paper Form 34A is taken to read as the crowdsourced tally
(unchanged, errors included); everywhere else it reads as the logged figures. The
crowdsourced data has no rejected ballots, so the paper's rejected figure is the logged one,
and its total valid is its candidates' sum plus the form's own difference (non-zero only at
the KILIFI and WEST POKOT stations above). Paper minus log, summed nationally: Odinga
+1,585, Ruto −20,470, Wajackoyah +8,796, Mwaure +8,953 (the adjustments undone).`;

const PHASE2 = `## Presidential station results (src/kenya/presidential-votes.ts)

Not stored: computed at run time from the files above, deterministically (seeded PRNGs).
Every station gets Odinga, Ruto, Wajackoyah, Mwaure, rejected and totalValid.

- **Groups and targets.** Each of the 47 counties is reconciled to its row of the county
  file. DIASPORA and PRISONS form one group whose target is Form 34C minus the 47 counties
  (Odinga 3,727, Ruto 2,190, Wajackoyah 40, Mwaure 31, rejected 44).
- **The conflict.** The crowdsourced tallies cover counties 001-034 almost completely
  (${fmt(written.stations.filter((x) => x.crowdsourced).length)} of ${fmt(written.stations.length)} stations), and for ${conflicted.length} counties the tallies cannot
  be reconciled by filling alone: for some candidate they exceed the county figure (by up to
  ${fmt(maxExcess)} votes), or fall short by more than the untallied stations can take. Much of the excess sits in
  the "impossible" tallies themselves (KWALE: two streams with 800 and 880 Mwaure votes
  against 413 in the county). So crowdsourced-unchanged, impossible-kept and county-exact
  cannot all hold. The module offers two modes.
- **\`reconciled\` (default):** county and national sums exact; crowdsourced figures changed only
  where nothing else reconciles them, each change reported with the original value. An
  excess is cut from that candidate's largest values down to a common level (water level
  from the top; tallies above ${cap} are left out of the cut when the others can absorb it); a
  shortfall the untallied stations cannot take is added to the candidate's smallest values
  up to a common level, within each station's room (registered voters, at most ${cap}, less a
  reserve for rejected). Result: ${fmt(rec.adjustments.length)} figures at ${fmt(adjustedStations)} stations changed
  (added: ${adjustedIn.map((v, i) => `${PRESIDENTIAL_IDS[i]} ${fmt(v)}`).join(', ')}; removed: ${adjustedOut.map((v, i) => `${PRESIDENTIAL_IDS[i]} ${fmt(v)}`).join(', ')});
  ${impossibleCut.length} of the ${crowdOver.length} tallies above ${cap} had to be cut as well; ${overCap(rec)} stations remain above ${cap}, and
  ${rec.overRegistered.length} have more ballots than registered voters.
- **\`crowdsourced\`:** every tally exactly as read (${overCap(raw)} stations above ${cap}, ${raw.overRegistered.length} above their
  registered voters); the untallied stations take what is left without negative numbers;
  ${unrec.length} groups keep a difference (target minus stations, per candidate), reported in the
  module's GroupReport.unreconciled. National sums in this mode: Odinga ${fmt(sumOf(raw, 'odinga'))},
  Ruto ${fmt(sumOf(raw, 'ruto'))}, Wajackoyah ${fmt(sumOf(raw, 'wajackoyah'))}, Mwaure ${fmt(sumOf(raw, 'mwaure'))}, rejected ${fmt(sumOf(raw, 'rejected'))}.
- **Untallied stations** (${fmt(rec.stations.filter((x) => x.source === 'filled').length)}, including those without a Form 34A, whose votes the declared
  totals include): each station's valid votes are the group's remainder split by registered
  voters times a seeded turnout factor in [0.75, 1.25), capped by its room; each candidate's
  votes are split by the station's votes times a seeded factor in [0.5, 1.5) (the largest
  candidate takes the rest at each station).
- **Rejected ballots** (absent from the crowdsourced data): each group's figure split over
  all its stations by valid votes (+1) times a seeded factor, within registered voters.
- **totalValid** = the candidates' sum, except one station in KILIFI (+10) and one in WEST POKOT
  (+100), the stations with the most valid votes there: the county file's own inconsistency
  is kept, so county sums of totalValid equal the county file. Nationally the sum of
  totalValid is then ${fmt(sumOf(rec, 'odinga') + sumOf(rec, 'ruto') + sumOf(rec, 'wajackoyah') + sumOf(rec, 'mwaure') + 110)} = Form 34C valid + 110, since Form 34C's valid figure equals
  its candidates' sum (14,213,027) while the county file's valid figures add 110.
- National sums (reconciled): Odinga ${fmt(sumOf(rec, 'odinga'))}, Ruto ${fmt(sumOf(rec, 'ruto'))}, Wajackoyah ${fmt(sumOf(rec, 'wajackoyah'))},
  Mwaure ${fmt(sumOf(rec, 'mwaure'))}, rejected ${fmt(sumOf(rec, 'rejected'))}: Form 34C exactly.
`;

const provenance = `# Kenya 2022 data set: provenance

Generated by \`scripts/build-kenya-data.ts\` from the research copies described in the
project's shared \`data/kenya2022/SOURCES.md\`. Re-running the script on the same inputs
gives byte-identical files. **Nothing here is an official IEBC publication; the crowdsourced
per-station tallies are NOT official results.** Treat the set as test and reference data.

## Files

| file | what |
|---|---|
| \`stations.tsv.gz\` | ${fmt(stats.stations)} presidential polling stations (streams), one TSV row each, sorted by code; gzip level 9, no mtime, OS byte 255. SHA-256 of the uncompressed TSV: \`${tsvSha}\` (also in \`facts.json\`; the loader checks it). |
| \`facts.json\` | units (code, name), official registered voters per constituency, county presidential results, the national Form 34C declaration. |

## Sources (inputs, with the SHA-256 of the copy used)

| input file | upstream (repository : path @ commit) | sha256 |
|---|---|---|
| form34a_portal_index.csv | Notyohclone/iebc : \`<COUNTY>[_updated].json\` @ fdb7fe3daa94f55e9a357f30b70269e0bccbc142 (scrape of forms.iebc.or.ke, 11-19 Aug 2022) | \`${inputHashes[0]?.[1]}\` |
| form34a_ocr_crowdsourced_ib0b.csv | ib0b/kenya-elections-ocr : forms-export.csv @ b31e8673a07c4aacee4071278252a35553544e82 | \`${inputHashes[1]?.[1]}\` |
| iebc_portal_regions.csv | Notyohclone/iebc : regions.json @ fdb7fe3daa94f55e9a357f30b70269e0bccbc142 (flattened) | \`${inputHashes[2]?.[1]}\` |
| county_presidential_2022_kura254.csv | pitsolu/iebc-data : 2022/data/kura254/kura254-counties-2026-09-11.json @ b9df65850fa5cc591452b3205eb1df28c085cee8 (hand transcription; "Credit Kura254 and the named original sources") | \`${inputHashes[3]?.[1]}\` |
| registered_voters_per_constituency_2022.csv | julienatasham/Kenya-Electoral-Infrastructure-Analytics : cleaned_csvs/constituency_clean.csv @ 46a8314a1882b764bcf47bd3e5e7add2299ce088 (from IEBC rov_per_constituency.pdf) | \`${inputHashes[4]?.[1]}\` |
| registered_voters_diaspora_stations_2022.csv | same repository : cleaned_csvs/diaspora_clean.csv | \`${inputHashes[5]?.[1]}\` |
| registered_voters_prison_stations_2022.csv | same repository : cleaned_csvs/prisons_clean.csv | \`${inputHashes[6]?.[1]}\` |

## stations.tsv.gz, field by field

| column | source | derivation |
|---|---|---|
| \`code\` | portal index \`station_code\` (parsed from the Form 34A file name \`1_34_A_<code>_<serial>_<date>_<time>.PDF\`) | county(3) + constituency(3) + ward(4) + centre(3) + stream(2). For rows without a form see "Stations without a form" below. |
| \`name\` | portal index \`station_name\` | white space collapsed. Rows without a form have only the centre name; " - NN" (the stream) is appended. |
| \`kiems\` | portal index \`kiems_serial\` (from the file name) | empty when no form file name is known. |
| \`uploaded\` | portal index \`upload_date\` + \`upload_time\` (from the file name) | seconds since ${TIME_BASE_ISO} (Unix ${TIME_BASE_UNIX}). **Assumption: the file-name times are Kenya local time, UTC+3** (the portal does not say). Empty when unknown. |
| \`form\` | portal index \`form34a_url\` | \`P\`: a Form 34A was on the portal snapshot (${fmt(stats.portal)}). \`L\`: not in the snapshot, but the crowdsourced export has the form's file name (uploaded later, 11 Aug 2022) (${fmt(stats.late)}). \`N\`: no form known (${fmt(stats.none)}). |
| \`code_source\` | | \`P\` portal file name, \`C\` crowdsourced file name, \`I\` inferred, \`S\` synthetic (see below). |
| \`registered\` | derived | see "Registered voters". |
| \`odinga ruto wajackoyah mwaure\` | crowdsourced export \`Raila Ruto WJ David\`, joined on the Form 34A file name (without \`.PDF\`) | copied unchanged, including impossible figures; empty where the export has no row. ${fmt(stats.crowd)} stations have a tally. |
| \`physical_ward\` | portal index \`ward_code13\` | prison stations only: the ward under which the portal lists the prison (its station code puts it under the PRISONS pseudo-ward). |

## Station count: ${fmt(stats.stations)}

The portal index has one row per presidential stream: ${fmt(EXPECTED_STATIONS)} rows. The
${stats.diaspora} diaspora stations (county 048, constituency 291, one ward per country) appear
in the portal's DIASPORA file, and their codes are exactly those of the diaspora
registered-voter CSV. The ${stats.prisons} prison stations (code prefix 049 292 1451) appear
in the portal under the county and ward where the prison is, but their codes are exactly
those of the prison registered-voter CSV. So both separate CSVs describe stations already
in the index: nothing is added and nothing is double-counted. Final count: ${fmt(stats.stations)}
= ${fmt(stats.stations - stats.diaspora - stats.prisons)} in the 47 counties + ${stats.diaspora} diaspora + ${stats.prisons} prisons.

## Units

Unit codes are station-code prefixes: county 3 digits, constituency 6, ward 10 (unique
across levels by length). Names come from \`iebc_portal_regions.csv\` (white space collapsed:
"BARINGO  NORTH", "CENTRAL  WARD", "KITUTU   CENTRAL"). ${stats.counties} counties (the 47, DIASPORA 048
as on the portal, and PRISONS 049 added), ${stats.constituencies} constituencies (290 + DIASPORA 048291
+ PRISONS 049292), ${stats.wards} wards (1,450 + 12 diaspora countries + PRISONS 0492921451).
The PRISONS units are not on the portal: they follow the prison station codes and the prison
CSV, which names county, constituency and ward "PRISONS". DIASPORA and PRISONS are
pseudo-units: their voters vote only for president, so no other contest has a race there
(the election definition gives those units no candidates).

## Stations without a form (${fmt(stats.late + stats.none)} rows)

67 portal rows have no Form 34A (\`form34a_url\` ends in \`/undefined\` or \`/null\`), and so no
station code, serial or upload time. They stay stations. Their codes are derived:

1. **\`C\`, ${lateCrowd.length} rows:** the crowdsourced export has ${lateCrowd.length} file names that are not in
   the portal snapshot; all are forms uploaded on 11 Aug 2022 for exactly these rows. Each is
   matched to the row in the same ward whose centre has that centre code (known from its
   other streams), else to a row whose centre code is unknown. Code, serial and upload time
   come from the file name; \`form\` = \`L\`.${ambiguous.length ? `\n   Ambiguous matches (the centre/name pairing is a guess; the code, serial and tally are not):\n${ambiguous.map((a) => `   - ${a}`).join('\n')}` : ''}
2. **\`I\`, ${stats.inferred} rows:** the centre has other streams with codes: centre code from
   them, stream = the lowest unused stream number.
3. **\`S\`, ${stats.synthetic} rows:** nothing is known: a synthetic centre number 901, 902, ... in the
   ward (real centre numbers stop at ${maxRealCentre}), streams 01, 02, ... in portal row order.
   These codes are NOT IEBC codes.

## Registered voters

- Official: per constituency from \`registered_voters_per_constituency_2022.csv\` (290 rows,
  sum ${fmt(sumConstituencies)}; the junk first row and the Total row dropped), plus DIASPORA
  ${fmt(diaspora.total)} and PRISONS ${fmt(prisons.total)} = **${fmt(nationalRegistered)}**, the Form 34C figure.
  The per-constituency sums equal the county file's \`registered_voters_2022_register\` for all 47 counties.
  The county file's other column, the figure in the declaration forms, is higher by
  ${fmt(countyResults.reduce((a, c) => a + c.registeredDeclaration - c.registered, 0))} in total, and ${declMatchesPrisons ? 'in every one of the 47 counties the difference is exactly the registered voters of the prison stations located there (by `physical_ward`)' : 'the per-county differences do not all match the prisons located there'}: the declaration figures count prison voters where the prison is.
  It is kept in \`facts.json\` (\`registeredDeclaration\`) but not used. This raises the question
  whether the county file's vote columns also include prison votes (then the national residual
  would be the diaspora's alone); SOURCES.md reads the residual as diaspora + prisons, and this
  data set follows it.
- Diaspora and prison stations: their own per-station figures from the two station CSVs.
- Every other station: **derived, not official.** Each constituency's total is split over its
  stations so that the station figures sum exactly to the constituency total: a station with a
  crowdsourced tally is weighted by (its crowdsourced valid votes / the county turnout from
  the county file), at least a quarter of the constituency mean; a station without one is
  weighted by the constituency mean times a factor in [0.7, 1.3) drawn from a PRNG seeded
  with the station code (sfc32 seeded by SHA-256 of "kenya-2022/registered/<code>"). Bounds: at least the crowdsourced valid votes (capped at
  ${PER_STATION_CAP}), at most ${PER_STATION_CAP}. The split is x = clamp(lambda * weight, lo, hi) with lambda found
  by bisection, rounded by largest remainder (ties by station code). No station exceeds
  ${PER_STATION_CAP}; station figures range ${stats.minReg}-${stats.maxReg}.

## Crowdsourced tallies (not official)

${fmt(crowd.length)} rows, county codes 001-035 and 049 only (regionally skewed); all match a
station (${fmt(crowd.length - lateCrowd.length)} on the portal file name, ${lateCrowd.length} as late forms, above). They contain form or
OCR errors, kept unchanged on purpose: ${crowdOver.length} stations have crowdsourced valid votes
above ${PER_STATION_CAP} per stream, and ${crowdOverReg.length} have more than their derived registered voters.

## KIEMS serials

${repeated.length} serials appear at two stations each (kept as they are; the election definition
keeps the real serial visible in the device id: \`SERIAL\` for the earlier upload, \`SERIAL#2\` for the
next): ${repeated.map(([s, n]) => `\`${s}\` (${n})`).join(', ')}.

## County results and Form 34C (\`facts.json\`)

\`countyResults\`: \`county_presidential_2022_kura254.csv\` unchanged (names upper-case as given;
\`registered\` = the register column, \`registeredDeclaration\` = the declaration-form column).
Known errors kept: in KILIFI the candidates sum to 10 less than \`total_valid_votes_2022\`, in
WEST POKOT to 100 less. \`national34C\`: the Form 34C declaration of 15 Aug 2022 as quoted in
SOURCES.md (Ruto 7,176,141; Odinga 6,942,930; Wajackoyah 61,969; Mwaure 31,987; valid
14,213,027; rejected 113,614; registered 22,120,458). National minus the 47 counties leaves
Odinga 3,727, Ruto 2,190, Wajackoyah 40, Mwaure 31, rejected 44, registered 17,926 (= diaspora +
prisons) for the diaspora and prison stations.

${PHASE2}
${AUDIT_PAPER}
`;

writeFileSync(join(OUT, 'PROVENANCE.md'), provenance);
console.log(
  `wrote ${OUT}: ${stats.stations} stations (${stats.portal} portal, ${stats.late} late, ${stats.none} none; codes ${stats.inferred} inferred, ${stats.synthetic} synthetic), ${units.length} units, ${stats.crowd} crowdsourced tallies`,
);
if (ambiguous.length) console.log(`ambiguous: ${ambiguous.join('; ')}`);
