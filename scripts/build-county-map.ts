// Builds the portal's county map, data/kenya2022/counties.paths.json, from the
// research GeoJSON in the shared data (not shipped to users):
//
//   npx tsx scripts/build-county-map.ts [--shared /work/shared/data/kenya2022] [--out data/kenya2022]
//
// The 47 county outlines are projected once here (Web Mercator, fitted to a
// fixed view box) and written as SVG path strings with integer, relative
// coordinates, so the browser needs no projection code and the file stays
// small. Deterministic: the same input gives a byte-identical file. Its
// provenance goes to counties.PROVENANCE.md beside it (PROVENANCE.md belongs
// to scripts/build-kenya-data.ts, whose test rebuilds it byte for byte).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { geoMercator } from 'd3-geo';

const WIDTH = 800;
const MARGIN = 8;
const INPUT = 'kenya_counties_47.simplified.geojson';
const OUTPUT = 'counties.paths.json';

type Ring = Array<[number, number]>;
interface Feature {
  properties: { county: string; code: number; source?: string; proxyFallback?: boolean };
  geometry:
    | { type: 'Polygon'; coordinates: Ring[] }
    | { type: 'MultiPolygon'; coordinates: Ring[][] };
}

const { values } = parseArgs({
  options: {
    shared: { type: 'string', default: '/work/shared/data/kenya2022' },
    out: { type: 'string', default: 'data/kenya2022' },
  },
});
const inputPath = join(resolve(values.shared as string), INPUT);
const outDir = resolve(values.out as string);
const inputBytes = readFileSync(inputPath);
const features = (JSON.parse(inputBytes.toString('utf8')) as { features: Feature[] }).features;
if (features.length !== 47) throw new Error(`expected 47 counties, found ${features.length}`);

const polygonsOf = (f: Feature): Ring[][] =>
  f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;

// Fit by hand on projected points: d3's fitExtent measures spherical bounds,
// which depend on ring winding, and this file's winding is not guaranteed.
const unit = geoMercator().scale(1).translate([0, 0]);
let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
for (const f of features)
  for (const poly of polygonsOf(f))
    for (const ring of poly)
      for (const p of ring) {
        const [x, y] = unit(p) as [number, number];
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
      }
const scale = (WIDTH - 2 * MARGIN) / (x1 - x0);
const height = Math.ceil((y1 - y0) * scale + 2 * MARGIN);
const project = (p: [number, number]): [number, number] => {
  const [x, y] = unit(p) as [number, number];
  return [Math.round((x - x0) * scale + MARGIN), Math.round((y - y0) * scale + MARGIN)];
};

/** One ring as "M x y l dx dy … z", consecutive duplicate points dropped. */
function ringPath(ring: Ring): string {
  const pts: Array<[number, number]> = [];
  for (const p of ring) {
    const q = project(p);
    const last = pts[pts.length - 1];
    if (!last || last[0] !== q[0] || last[1] !== q[1]) pts.push(q);
  }
  if (pts.length > 1) {
    const [a, b] = [pts[0] as [number, number], pts[pts.length - 1] as [number, number]];
    if (a[0] === b[0] && a[1] === b[1]) pts.pop();
  }
  if (pts.length < 3) return '';
  const [first, ...rest] = pts as [[number, number], ...Array<[number, number]>];
  let d = `M${first[0]} ${first[1]}l`;
  let prev = first;
  const parts: string[] = [];
  for (const p of rest) {
    parts.push(`${p[0] - prev[0]} ${p[1] - prev[1]}`);
    prev = p;
  }
  d += parts.join(' ').replace(/ -/g, '-');
  return `${d}z`;
}

interface CountyPath {
  code: string;
  name: string;
  /** True where the source has only a bounding box, not the real outline. */
  approximate: boolean;
  d: string;
  /** Label anchor: the centre of the projected bounding box. */
  cx: number;
  cy: number;
}

const counties: CountyPath[] = features.map((f) => {
  const d = polygonsOf(f)
    .flatMap((poly) => poly.map(ringPath))
    .filter((s) => s !== '')
    .join('');
  const pts = polygonsOf(f).flatMap((poly) => (poly[0] ?? []).map(project));
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  return {
    code: String(f.properties.code).padStart(3, '0'),
    name: f.properties.county,
    approximate: f.properties.proxyFallback === true,
    d,
    cx: Math.round((Math.min(...xs) + Math.max(...xs)) / 2),
    cy: Math.round((Math.min(...ys) + Math.max(...ys)) / 2),
  };
});
// Approximate boxes first, so that real outlines are drawn over their overlaps.
counties.sort(
  (a, b) => Number(b.approximate) - Number(a.approximate) || (a.code < b.code ? -1 : 1),
);

const inputSha = createHash('sha256').update(inputBytes).digest('hex');
const out = {
  format: 'kura-county-paths/v1',
  source: `${INPUT} (sha256 ${inputSha})`,
  projection: 'Web Mercator, fitted to the view box; integer coordinates',
  width: WIDTH,
  height,
  counties,
};
const text = `${JSON.stringify(out)}\n`;
writeFileSync(join(outDir, OUTPUT), text);
const outSha = createHash('sha256').update(text).digest('hex');
const approximate = counties.filter((c) => c.approximate).map((c) => `${c.code} ${c.name}`);

const provenance = `# ${OUTPUT}: provenance (the portal's county map)

Generated by \`scripts/build-county-map.ts\` from the shared research file \`${INPUT}\`
(sha256 \`${inputSha}\`), itself derived from \`dansamuka/kenya-election-intelligence-engine\` :
\`data/kenya_counties.geojson\` @ \`983b83d217793f973a3f466259d7cfea9960a1f5\` (coordinates
rounded to 3 decimals; no licence stated upstream). The 47 outlines are projected with Web
Mercator, fitted to a ${WIDTH} × ${height} view box, rounded to whole units (about 1.2 km) and
written as SVG paths with relative coordinates; county codes are the IEBC codes (001 Mombasa …
047 Nairobi City). Output sha256 \`${outSha}\`, ${text.length.toLocaleString('en')} bytes.

**Known defect of the source:** ${approximate.length} counties have only a rectangular bounding
box instead of their outline (\`proxyFallback\` in the source): ${approximate.join(', ')}. The
portal draws these boxes first (so real outlines cover their overlaps) and says on the map that
their shapes are approximate. The map is for orientation only; every figure comes from the log.
`;
writeFileSync(join(outDir, 'counties.PROVENANCE.md'), provenance);
process.stdout.write(
  `wrote ${join(outDir, OUTPUT)} (${text.length} bytes, ${counties.length} counties, view box ${WIDTH}x${height}) and counties.PROVENANCE.md\n`,
);
