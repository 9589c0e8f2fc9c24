// The portal's maps (data/kenya2022/maps): rebuilt byte for byte from the
// shared boundary files where they are present; and always, their shape: 47
// counties and 290 constituencies with the Kenya definition's codes and names,
// each constituency in its own county's file, no shape a mere box.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  buildMaps,
  CONSTITUENCIES_INPUT,
  COUNTIES_INPUT,
  MAP_FORMAT,
} from '../../scripts/build-maps.js';
import { buildKenya2022Definition } from '../../src/kenya/definition.js';
import { syntheticDefinition } from '../../src/simulate/synthetic-country.js';
import { type MapFile, mapFits } from '../../web/src/map-fit.js';
import { skipIfMissing } from '../helpers/required.js';
import { portalDefinition } from '../portal/portal-election.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const dir = join(repo, 'data/kenya2022/maps');
const shared = process.env.KURA_KENYA_SHARED ?? join(repo, '../shared/data/kenya2022');
const present = existsSync(join(shared, COUNTIES_INPUT));

const read = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as MapFile;
const counties = read('counties.json');
const perCounty = readdirSync(dir)
  .filter((f) => /^constituencies-\d{3}\.json$/.test(f))
  .sort()
  .map(read);
const definition = buildKenya2022Definition({ logOrigin: 'x', logKey: 'x', commissionKey: 'x' });
const unitsAt = (level: string) =>
  definition.units
    .filter((u) => u.level === level && !['048', '049'].includes(u.code.slice(0, 3)))
    .map((u) => ({ unit: u.code, name: u.name, parent: u.parent }));

test('scripts/build-maps.ts reproduces the committed maps byte for byte', {
  skip: skipIfMissing(present, `the boundary files (${shared}; set KURA_KENYA_SHARED)`),
}, () => {
  const files = buildMaps(
    readFileSync(join(shared, COUNTIES_INPUT)),
    readFileSync(join(shared, CONSTITUENCIES_INPUT)),
  );
  assert.deepEqual([...files.keys()].sort(), readdirSync(dir).sort());
  for (const [name, text] of files)
    assert.ok(
      Buffer.from(text).equals(readFileSync(join(dir, name))),
      `${name} differs from a fresh build`,
    );
});

/** The distinct vertices of an SVG path of "M x y l dx dy … z" rings. */
function vertices(d: string): Set<string> {
  const out = new Set<string>();
  for (const ring of d.split('z').filter(Boolean)) {
    const m = /^M(-?\d+) (-?\d+)l(.*)$/.exec(ring);
    assert.ok(m, `ring "${ring.slice(0, 40)}"`);
    let [x, y] = [Number(m[1]), Number(m[2])];
    out.add(`${x},${y}`);
    const steps = (m[3] as string).match(/-?\d+/g)?.map(Number) ?? [];
    assert.equal(steps.length % 2, 0);
    for (let i = 0; i < steps.length; i += 2) {
      x += steps[i] as number;
      y += steps[i + 1] as number;
      out.add(`${x},${y}`);
    }
  }
  return out;
}

test('the county map: the 47 counties of the Kenya definition, real outlines', () => {
  assert.equal(counties.format, MAP_FORMAT);
  assert.equal(counties.level, 'county');
  const expected = unitsAt('county');
  assert.equal(expected.length, 47);
  assert.deepEqual(
    counties.shapes.map((s) => s.code),
    expected.map((u) => u.unit),
  );
  for (const s of counties.shapes) {
    const n = vertices(s.d).size;
    assert.ok(n >= 5, `${s.code} ${s.name} has ${n} vertices: a box at best`);
  }
  assert.ok(mapFits(counties, expected));
});

test('the constituency maps: 290, each in its county file, as the Kenya definition has them', () => {
  assert.deepEqual(
    perCounty.map((m) => m.county),
    counties.shapes.map((s) => s.code),
  );
  const expected = unitsAt('constituency');
  assert.equal(expected.length, 290);
  const drawn = perCounty.flatMap((m) => m.shapes.map((s) => ({ ...s, file: m.county })));
  assert.equal(drawn.length, 290);
  assert.deepEqual(drawn.map((s) => s.code).sort(), expected.map((u) => u.unit).sort());
  const parentOf = new Map(expected.map((u) => [u.unit, u.parent]));
  for (const s of drawn) {
    assert.equal(s.file, parentOf.get(s.code), `${s.code} ${s.name} is in county ${s.file}'s map`);
    const n = vertices(s.d).size;
    assert.ok(n >= 5, `${s.code} ${s.name} has ${n} vertices`);
  }
  for (const m of perCounty) {
    assert.equal(m.format, MAP_FORMAT);
    assert.ok(m.width <= 600 && m.height <= 600 && Math.max(m.width, m.height) >= 590);
    const own = expected.filter((u) => u.parent === m.county);
    assert.ok(mapFits(m, own), `county ${m.county}: names and codes match`);
  }
});

test('a map fits only units with its codes and names', () => {
  const mombasa = perCounty.find((m) => m.county === '001') as MapFile;
  const kwale = perCounty.find((m) => m.county === '002') as MapFile;
  // The portal tests' election: Mombasa's two constituencies have real codes
  // and names, Kwale's do not, and its counties are real.
  const portal = portalDefinition('k', 'c').units;
  const under = (parent: string | null) =>
    portal.filter((u) => u.parent === parent).map((u) => ({ unit: u.code, name: u.name }));
  assert.ok(mapFits(counties, under(null)));
  assert.ok(mapFits(mombasa, under('001')));
  assert.ok(!mapFits(kwale, under('002')));
  // The synthetic country has Kenya's codes ("001") but not its names.
  const synthetic = syntheticDefinition({
    electionId: 'x',
    stations: 12,
    logOrigin: 'o',
    logKey: 'k',
    commissionKey: 'c',
    presidentOnly: true,
  }).units.filter((u) => u.level === 'county');
  assert.ok(synthetic.length > 0 && synthetic.every((u) => /^0\d\d$/.test(u.code)));
  assert.ok(
    !mapFits(
      counties,
      synthetic.map((u) => ({ unit: u.code, name: u.name })),
    ),
  );
  // A code naming another place, or no code at all, does not fit.
  assert.ok(!mapFits(counties, [{ unit: '001', name: 'Atlantis' }]));
  assert.ok(!mapFits(counties, [{ unit: 'A1', name: 'Mombasa' }]));
  assert.ok(mapFits(counties, [{ unit: '047', name: 'NAIROBI  CITY' }]));
});
