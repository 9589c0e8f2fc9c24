// The synthetic night: every station's forms for every contest, deterministic
// figures within the registered voters, spread over the night, and the same
// plan every time it is iterated.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkDefinition } from '../../src/election/election-index.js';
import { generateKey } from '../../src/log/note.js';
import { syntheticDefinition } from '../../src/simulate/synthetic-country.js';
import {
  SYNTHETIC_NIGHT_HOURS,
  SYNTHETIC_NIGHT_START,
  syntheticNightPlan,
} from '../../src/simulate/synthetic-night.js';
import { FormTotals } from '../../src/simulate/totals.js';

const logKey = generateKey('kura.example/synthetic-97');
const commissionKey = generateKey('kura.example-commission');

function index(stations: number) {
  const checked = checkDefinition(
    syntheticDefinition({
      stations,
      logOrigin: 'kura.example/synthetic-97',
      logKey: logKey.verifierKey,
      commissionKey: commissionKey.verifierKey,
    }),
  );
  assert.ok(checked.ok);
  return checked.value;
}

test('a synthetic night: all forms of all stations, plausible and deterministic', () => {
  const idx = index(97);
  const night = syntheticNightPlan(idx);
  const forms = [...night.results];
  assert.equal(forms.length, night.count);
  assert.equal(night.count, 97 * 6);
  for (const [contest, n] of night.expected) {
    assert.equal(n, 97, contest);
    assert.equal(forms.filter((f) => f.contest === contest).length, 97, contest);
  }
  assert.equal(new Set(forms.map((f) => `${f.contest}/${f.station}`)).size, forms.length);
  const end = SYNTHETIC_NIGHT_START + SYNTHETIC_NIGHT_HOURS * 3_600_000;
  for (const f of forms) {
    const registered = idx.stations.get(f.station)?.registeredVoters ?? 0;
    const sum = Object.values(f.votes).reduce((s, v) => s + v, 0);
    assert.equal(sum, f.totalValid);
    assert.ok(f.totalValid + f.rejected <= registered);
    assert.ok(f.totalValid > 0);
    assert.ok(f.at >= SYNTHETIC_NIGHT_START && f.at <= night.end && night.end <= end + 600_000);
    const race = idx.raceFor(f.contest, f.station);
    assert.deepEqual(Object.keys(f.votes), race?.candidates);
  }
  // Iterating again gives the same night.
  assert.deepEqual([...night.results], forms);
  assert.deepEqual([...syntheticNightPlan(idx).results], forms);
  // No plausibility flags in the plan itself.
  const totals = new FormTotals(idx);
  for (const f of forms) totals.add(f);
  for (const t of totals.byContest.values()) {
    assert.equal(t.stations, 97);
    assert.deepEqual({ ...t.flagged }, {});
  }
});
