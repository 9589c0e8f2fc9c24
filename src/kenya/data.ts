// Loads the committed Kenya 2022 facts (data/kenya2022/, built by
// scripts/build-kenya-data.ts; data/kenya2022/PROVENANCE.md says where every
// field comes from). Node only: node:fs and node:zlib. The files are located
// relative to this module, so the same code works from src/kenya (tsx) and
// dist/kenya (compiled).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { UnitLevel } from '../election/definition.js';

export type FormState = 'portal' | 'late' | 'none';
export type CodeSource = 'portal' | 'crowdsourced' | 'inferred' | 'synthetic';

export interface PresidentialTally {
  odinga: number;
  ruto: number;
  wajackoyah: number;
  mwaure: number;
}

export interface KenyaUnit {
  code: string;
  level: UnitLevel;
  name: string;
  /** null for a county. */
  parent: string | null;
}

export interface KenyaStation {
  /** 15 digits: county(3) constituency(3) ward(4) centre(3) stream(2). */
  code: string;
  name: string;
  county: string;
  constituency: string;
  ward: string;
  /** KIEMS kit serial from the Form 34A file name; null where no form is known. */
  kiemsSerial: string | null;
  /** Form 34A upload time, Unix seconds (UTC), read from the file name as Kenya time (UTC+3). */
  uploadedAt: number | null;
  /** Whether a Form 34A is known to have been uploaded (form !== 'none'). */
  formUploaded: boolean;
  /** 'portal': on the portal snapshot; 'late': uploaded after it (known from the crowdsourced export); 'none'. */
  form: FormState;
  /** Where the code comes from; 'inferred' and 'synthetic' codes are not IEBC's (see PROVENANCE.md). */
  codeSource: CodeSource;
  /** Official for diaspora and prison stations; elsewhere a derived split of the official constituency total. */
  registeredVoters: number;
  /** Crowdsourced (NOT official) Form 34A tally, unchanged, errors included; null where there is none. */
  crowdsourced: PresidentialTally | null;
  /** Prison stations only: the ward where the portal lists the prison. */
  physicalWard: string | null;
}

export interface CountyResult extends PresidentialTally {
  code: string;
  name: string;
  /** Registered voters per the register (sum of the constituency figures). */
  registered: number;
  /** Registered voters as printed in the declaration forms (kept, not used). */
  registeredDeclaration: number;
  /** As published; KILIFI and WEST POKOT exceed the candidates' sum by 10 and 100. */
  totalValid: number;
  rejected: number;
}

export interface National34C extends PresidentialTally {
  totalValid: number;
  rejected: number;
  registered: number;
}

export interface Kenya2022 {
  /** Every unit, counties first, then constituencies, then wards, each sorted by code. */
  units: readonly KenyaUnit[];
  /** 49: the 47 counties, DIASPORA (048) and PRISONS (049). */
  counties: readonly KenyaUnit[];
  constituencies: readonly KenyaUnit[];
  wards: readonly KenyaUnit[];
  unitByCode: ReadonlyMap<string, KenyaUnit>;
  /** Sorted by code. */
  stations: readonly KenyaStation[];
  stationByCode: ReadonlyMap<string, KenyaStation>;
  /** Official registered voters per constituency (6-digit code), DIASPORA and PRISONS included. */
  registeredByConstituency: ReadonlyMap<string, number>;
  /** The 47 counties' presidential results. */
  countyResults: readonly CountyResult[];
  national34C: National34C;
  perStationCap: number;
  /** Unix seconds of 2022-08-09T00:00:00+03:00, the base of the stored upload times. */
  timeBaseUnix: number;
}

/** Counties whose voters only vote for president. */
export const PRESIDENT_ONLY_COUNTIES: readonly string[] = ['048', '049'];

interface FactsFile {
  format: string;
  timeBaseUnix: number;
  perStationCap: number;
  stations: { file: string; count: number; sha256: string };
  units: [string, string][];
  registeredByConstituency: Record<string, number>;
  countyResults: CountyResult[];
  national34C: National34C;
}

const DATA_DIR = new URL('../../data/kenya2022/', import.meta.url);

const FORM: Record<string, FormState> = { P: 'portal', L: 'late', N: 'none' };
const CODE_SOURCE: Record<string, CodeSource> = {
  P: 'portal',
  C: 'crowdsourced',
  I: 'inferred',
  S: 'synthetic',
};

function levelOf(code: string): UnitLevel {
  switch (code.length) {
    case 3:
      return 'county';
    case 6:
      return 'constituency';
    case 10:
      return 'ward';
    default:
      throw new Error(`kenya2022: bad unit code ${code}`);
  }
}

function parentOf(code: string): string | null {
  return code.length === 3 ? null : code.length === 6 ? code.slice(0, 3) : code.slice(0, 6);
}

function num(s: string | undefined, what: string): number {
  if (s === undefined || !/^-?\d+$/.test(s)) throw new Error(`kenya2022: bad ${what}: ${s}`);
  return Number(s);
}

let cached: Kenya2022 | undefined;

/** The Kenya 2022 facts. Parsed once per process; treat the result as read-only. */
export function loadKenya2022(): Kenya2022 {
  if (!cached) cached = parseKenya2022(DATA_DIR);
  return cached;
}

/** Parses a data set in another folder (a file: URL ending in '/'); not cached. For the build script. */
export function parseKenya2022(dir: URL): Kenya2022 {
  const facts = JSON.parse(readFileSync(new URL('facts.json', dir), 'utf8')) as FactsFile;
  if (facts.format !== 'kura-kenya2022-facts/v1') {
    throw new Error(`kenya2022: unknown facts format ${facts.format}`);
  }
  const tsv = gunzipSync(readFileSync(new URL(facts.stations.file, dir)));
  const sha = createHash('sha256').update(tsv).digest('hex');
  if (sha !== facts.stations.sha256)
    throw new Error('kenya2022: stations file does not match facts.json');

  const units: KenyaUnit[] = facts.units.map(([code, name]) => ({
    code,
    name,
    level: levelOf(code),
    parent: parentOf(code),
  }));
  const unitByCode = new Map(units.map((u) => [u.code, u]));

  const lines = tsv.toString('utf8').split('\n');
  const header = lines[0]?.split('\t') ?? [];
  const expected =
    'code name kiems uploaded form code_source registered odinga ruto wajackoyah mwaure physical_ward';
  if (header.join(' ') !== expected) throw new Error('kenya2022: unexpected stations header');
  const stations: KenyaStation[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    const f = line.split('\t');
    const [code, name, kiems, uploaded, form, codeSource, registered, o, r, w, m, physical] = f;
    if (f.length !== 12 || code === undefined || name === undefined) {
      throw new Error(`kenya2022: bad station line ${i}`);
    }
    const formState = FORM[form ?? ''];
    const source = CODE_SOURCE[codeSource ?? ''];
    if (!formState || !source) throw new Error(`kenya2022: bad flags on line ${i}`);
    stations.push({
      code,
      name,
      county: code.slice(0, 3),
      constituency: code.slice(0, 6),
      ward: code.slice(0, 10),
      kiemsSerial: kiems ? kiems : null,
      uploadedAt: uploaded ? facts.timeBaseUnix + num(uploaded, 'upload time') : null,
      formUploaded: formState !== 'none',
      form: formState,
      codeSource: source,
      registeredVoters: num(registered, 'registered'),
      crowdsourced:
        o === ''
          ? null
          : {
              odinga: num(o, 'odinga'),
              ruto: num(r, 'ruto'),
              wajackoyah: num(w, 'wajackoyah'),
              mwaure: num(m, 'mwaure'),
            },
      physicalWard: physical ? physical : null,
    });
  }
  if (stations.length !== facts.stations.count)
    throw new Error('kenya2022: station count mismatch');

  return {
    units,
    counties: units.filter((u) => u.level === 'county'),
    constituencies: units.filter((u) => u.level === 'constituency'),
    wards: units.filter((u) => u.level === 'ward'),
    unitByCode,
    stations,
    stationByCode: new Map(stations.map((s) => [s.code, s])),
    registeredByConstituency: new Map(Object.entries(facts.registeredByConstituency)),
    countyResults: facts.countyResults,
    national34C: facts.national34C,
    perStationCap: facts.perStationCap,
    timeBaseUnix: facts.timeBaseUnix,
  };
}
