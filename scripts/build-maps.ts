// Builds the portal's maps in data/kenya2022/maps/ from the boundary files in
// the shared data (not shipped to users):
//
//   npx tsx scripts/build-maps.ts [--shared /work/shared/data/kenya2022] [--out data/kenya2022/maps]
//
// Two levels: counties.json (the 47 counties, for the national page) and
// constituencies-CCC.json (one county's constituencies, for that county's
// page, so a county page fetches only its own). Each map is projected once
// here (Web Mercator, fitted to its own box) and written as SVG path strings
// with integer, relative coordinates: the browser needs no projection code and
// the files stay small. Codes are the election's unit codes: counties "001",
// constituencies county + constituency ("047288"). Deterministic: the same
// input gives byte-identical files; test/kenya/maps.test.ts rebuilds them.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { geoMercator } from 'd3-geo';

export const COUNTIES_INPUT = 'kenya_counties_47.geojson';
export const CONSTITUENCIES_INPUT = 'kenya_constituencies_290.geojson';
export const MAP_FORMAT = 'kura-map/v1';
/** The largest side of a map's view box, in its integer units. */
const BOX = 600;
const MARGIN = 4;

type Point = [number, number];
type Ring = Point[];
interface Feature {
  properties: { code: string; name: string; county?: string };
  geometry:
    | { type: 'Polygon'; coordinates: Ring[] }
    | { type: 'MultiPolygon'; coordinates: Ring[][] };
}

export interface MapShape {
  /** The election's unit code. */
  code: string;
  name: string;
  /** SVG path: "M x y l dx dy … z" per ring, integer units. */
  d: string;
}
export interface MapFile {
  format: typeof MAP_FORMAT;
  level: 'county' | 'constituency';
  /** The county whose constituencies these are (constituency maps only). */
  county?: string;
  width: number;
  height: number;
  shapes: MapShape[];
}

const rings = (f: Feature): Ring[] =>
  f.geometry.type === 'Polygon' ? f.geometry.coordinates : f.geometry.coordinates.flat();

const mercator = geoMercator().scale(1).translate([0, 0]);

/** Projects a set of features fitted to a BOX × BOX square (aspect kept), into SVG paths. */
function drawMap(features: Feature[], codeOf: (f: Feature) => string) {
  // Fit by hand on projected points: d3's fitExtent measures spherical bounds,
  // which depend on ring winding.
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const f of features)
    for (const ring of rings(f))
      for (const p of ring) {
        const [x, y] = mercator(p) as Point;
        [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
      }
  const scale = (BOX - 2 * MARGIN) / Math.max(x1 - x0, y1 - y0);
  const width = Math.ceil((x1 - x0) * scale + 2 * MARGIN);
  const height = Math.ceil((y1 - y0) * scale + 2 * MARGIN);
  const project = (p: Point): Point => {
    const [x, y] = mercator(p) as Point;
    return [Math.round((x - x0) * scale + MARGIN), Math.round((y - y0) * scale + MARGIN)];
  };
  const shapes = features.map((f) => ({
    code: codeOf(f),
    name: f.properties.name,
    d: rings(f)
      .map((r) => ringPath(r.map(project)))
      .join(''),
  }));
  // Kenya lies on the equator, where one Mercator radian is the Earth's radius.
  const kmPerUnit = 6371 / scale;
  return { map: { width, height, shapes: shapes.filter((s) => s.d !== '') }, kmPerUnit };
}

/**
 * One ring as "M x y l dx dy … z": the further simplification. Whole-unit
 * rounding merges points closer than a unit; repeated points and points on a
 * straight line between their neighbours are dropped. Both depend only on a
 * point and its neighbours, so a border shared by two shapes is simplified
 * the same way on both sides (no slivers between neighbours).
 */
function ringPath(projected: Point[]): string {
  const pts: Point[] = [];
  for (const q of projected) {
    const last = pts[pts.length - 1];
    if (!last || last[0] !== q[0] || last[1] !== q[1]) pts.push(q);
  }
  const first = pts[0];
  const last = pts[pts.length - 1];
  if (first && last && pts.length > 1 && first[0] === last[0] && first[1] === last[1]) pts.pop();
  const kept = pts.filter((p, i) => {
    const a = pts[(i + pts.length - 1) % pts.length] as Point;
    const b = pts[(i + 1) % pts.length] as Point;
    const cross = (p[0] - a[0]) * (b[1] - a[1]) - (p[1] - a[1]) * (b[0] - a[0]);
    const between = (p[0] - a[0]) * (b[0] - p[0]) + (p[1] - a[1]) * (b[1] - p[1]) > 0;
    return !(cross === 0 && between);
  });
  if (kept.length < 3) return '';
  const [start, ...rest] = kept as [Point, ...Point[]];
  let prev = start;
  const steps = rest.map((p) => {
    const step = `${p[0] - prev[0]} ${p[1] - prev[1]}`;
    prev = p;
    return step;
  });
  return `M${start[0]} ${start[1]}l${steps.join(' ').replace(/ -/g, '-')}z`;
}

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const fileText = (m: MapFile) => `${JSON.stringify(m)}\n`;

/** Every output file (name → text) for the two input files' bytes. */
export function buildMaps(countiesBytes: Uint8Array, constituenciesBytes: Uint8Array) {
  const parse = (b: Uint8Array) =>
    (JSON.parse(Buffer.from(b).toString('utf8')) as { features: Feature[] }).features;
  const counties = parse(countiesBytes).sort((a, b) => cmp(a.properties.code, b.properties.code));
  const constituencies = parse(constituenciesBytes).sort((a, b) =>
    cmp(a.properties.code, b.properties.code),
  );
  if (counties.length !== 47) throw new Error(`expected 47 counties, found ${counties.length}`);
  if (constituencies.length !== 290)
    throw new Error(`expected 290 constituencies, found ${constituencies.length}`);

  const files = new Map<string, string>();
  const national = drawMap(counties, (f) => f.properties.code);
  files.set('counties.json', fileText({ format: MAP_FORMAT, level: 'county', ...national.map }));
  let finest = Infinity;
  for (const county of counties) {
    const code = county.properties.code;
    const own = constituencies.filter((f) => f.properties.county === code);
    if (own.length === 0) throw new Error(`county ${code} has no constituencies`);
    const { map, kmPerUnit } = drawMap(own, (f) => `${code}${f.properties.code}`);
    finest = Math.min(finest, kmPerUnit);
    files.set(
      `constituencies-${code}.json`,
      fileText({ format: MAP_FORMAT, level: 'constituency', county: code, ...map }),
    );
  }
  const units = { national: national.kmPerUnit, finest };
  files.set('PROVENANCE.md', provenance(countiesBytes, constituenciesBytes, files, units));
  return files;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function provenance(
  countiesBytes: Uint8Array,
  constituenciesBytes: Uint8Array,
  files: Map<string, string>,
  kmPerUnit: { national: number; finest: number },
): string {
  const perCounty = [...files].filter(([name]) => name.startsWith('constituencies-'));
  const sizes = perCounty.map(([, text]) => text.length);
  const gz = (t: string) => gzipSync(t, { level: 9 }).length;
  const countiesText = files.get('counties.json') as string;
  const n = (x: number) => x.toLocaleString('en');
  return `# Portal maps: provenance

The files here are the portal's maps, generated by \`scripts/build-maps.ts\`:

- \`counties.json\`: the 47 counties, for the national page (${n(countiesText.length)} bytes,
  ${n(gz(countiesText))} gzipped).
- \`constituencies-001.json\` … \`constituencies-047.json\`: one county's constituencies each, for that
  county's page, 290 in all (${n(Math.min(...sizes))} to ${n(Math.max(...sizes))} bytes, ${n(
    sizes.reduce((a, b) => a + b, 0),
  )} together; ${n(Math.min(...perCounty.map(([, t]) => gz(t))))} to ${n(
    Math.max(...perCounty.map(([, t]) => gz(t))),
  )} gzipped).

**Source and licence.** Omare B.D.A. and Omare G.J.M. (2017), Kenya County Assembly Boundaries,
CC BY 4.0 (\`benaboki/Kenya-County-Assembly-Boundaries\` @ \`7ee2ae5d3710e11e4e8ffdfb13ad52693605f633\`),
as prepared in the project's shared data (five ward codes corrected, dissolved to constituencies
and counties, simplified by mapshaper; see "Administrative boundaries" in its SOURCES.md):

- \`${COUNTIES_INPUT}\` sha256 \`${sha256(countiesBytes)}\`
- \`${CONSTITUENCIES_INPUT}\` sha256 \`${sha256(constituenciesBytes)}\`

The data was modified. **What kura changed:** each map is projected with Web Mercator and fitted
to its own view box (at most ${BOX} × ${BOX} units; the constituency maps to their county's bounds),
coordinates are rounded to whole units (${kmPerUnit.national.toFixed(1)} km on the county map,
${(kmPerUnit.finest * 1000).toFixed(0)} m on the finest constituency map), repeated points and
points on a straight line between their neighbours are dropped, and the shapes are written as SVG
paths with relative coordinates. Counties keep their IEBC code ("001" … "047");
constituencies are coded as the election codes them, county code + IEBC constituency code
("047288" Kamukunji). Names are the source's. The maps are for orientation only; every
figure comes from the log. The portal credits the source under each map.

Output sha256:

\`\`\`
${[...files].map(([name, text]) => `${sha256(text)}  ${name}`).join('\n')}
\`\`\`
`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      shared: { type: 'string', default: '/work/shared/data/kenya2022' },
      out: { type: 'string', default: 'data/kenya2022/maps' },
    },
  });
  const shared = resolve(values.shared as string);
  const out = resolve(values.out as string);
  const files = buildMaps(
    readFileSync(join(shared, COUNTIES_INPUT)),
    readFileSync(join(shared, CONSTITUENCIES_INPUT)),
  );
  mkdirSync(out, { recursive: true });
  for (const [name, text] of files) writeFileSync(join(out, name), text);
  process.stdout.write(`wrote ${files.size} files to ${out}\n`);
}
