import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadKenya2022 } from '../../src/kenya/data.js';
import {
  PRESIDENTIAL_IDS,
  presidentialAdjustments,
  presidentialResults,
  presidentialStationResults,
  type StationPresidential,
} from '../../src/kenya/presidential-votes.js';

const k = loadKenya2022();
const rec = presidentialResults('reconciled');
const raw = presidentialResults('crowdsourced');
const FIELDS = [...PRESIDENTIAL_IDS, 'rejected', 'totalValid'] as const;
type Field = (typeof FIELDS)[number];

function sums(
  rows: readonly StationPresidential[],
  filter: (code: string) => boolean = () => true,
) {
  const out = Object.fromEntries(FIELDS.map((f) => [f, 0])) as Record<Field, number>;
  for (const r of rows) {
    if (!filter(r.code)) continue;
    for (const f of FIELDS) out[f] += r[f];
  }
  return out;
}

const valid = (r: StationPresidential) => r.odinga + r.ruto + r.wajackoyah + r.mwaure;

describe('presidential station results (reconciled)', () => {
  test('one result per station, in station order, non-negative integers', () => {
    assert.equal(rec.stations.length, k.stations.length);
    rec.stations.forEach((r, i) => {
      assert.equal(r.code, k.stations[i]?.code);
      for (const f of FIELDS) assert.ok(Number.isInteger(r[f]) && r[f] >= 0, `${r.code} ${f}`);
    });
    assert.equal(presidentialStationResults(), rec.stations);
  });

  test('national sums equal Form 34C exactly (totalValid: + the 110 of the county file)', () => {
    const s = sums(rec.stations);
    const n = k.national34C;
    assert.equal(s.odinga, n.odinga);
    assert.equal(s.ruto, n.ruto);
    assert.equal(s.wajackoyah, n.wajackoyah);
    assert.equal(s.mwaure, n.mwaure);
    assert.equal(s.rejected, n.rejected);
    assert.equal(s.odinga + s.ruto + s.wajackoyah + s.mwaure, n.totalValid);
    assert.equal(s.totalValid, n.totalValid + 110);
  });

  test('county sums equal the county file, totalValid included', () => {
    for (const c of k.countyResults) {
      const s = sums(rec.stations, (code) => code.startsWith(c.code));
      for (const f of FIELDS) assert.equal(s[f], c[f], `${c.name} ${f}`);
    }
  });

  test('totalValid = the candidates sum except one station in KILIFI (+10), one in WEST POKOT (+100)', () => {
    const odd = rec.stations.filter((r) => r.totalValid !== valid(r));
    assert.equal(odd.length, 2);
    const kilifi = odd.find((r) => r.code.startsWith('003'));
    const pokot = odd.find((r) => r.code.startsWith('024'));
    assert.ok(kilifi && pokot);
    assert.equal(kilifi.totalValid - valid(kilifi), 10);
    assert.equal(pokot.totalValid - valid(pokot), 100);
  });

  test('crowdsourced stations are unchanged except the reported adjustments', () => {
    const adjusted = new Map<string, Map<string, { crowdsourced: number; used: number }>>();
    for (const a of presidentialAdjustments()) {
      const m = adjusted.get(a.station) ?? new Map();
      assert.ok(!m.has(a.candidate), 'one adjustment per station and candidate');
      m.set(a.candidate, a);
      adjusted.set(a.station, m);
      assert.notEqual(a.crowdsourced, a.used);
      assert.equal(a.reason, a.used < a.crowdsourced ? 'county-excess' : 'county-shortfall');
    }
    let unchanged = 0;
    rec.stations.forEach((r, i) => {
      const s = k.stations[i];
      assert.ok(s);
      if (!s.crowdsourced) {
        assert.equal(r.source, 'filled');
        return;
      }
      const m = adjusted.get(s.code);
      assert.equal(r.source, m ? 'adjusted' : 'crowdsourced', s.code);
      for (const id of PRESIDENTIAL_IDS) {
        const a = m?.get(id);
        assert.equal(a ? a.crowdsourced : r[id], s.crowdsourced[id], `${s.code} ${id}`);
        if (a) assert.equal(r[id], a.used);
      }
      if (!m) unchanged++;
    });
    // Most tallies are untouched.
    assert.ok(unchanged > 27_000, `${unchanged} unchanged`);
  });

  test('tallies above the cap are cut only where the county cannot be reconciled otherwise', () => {
    const impossible = k.stations.filter(
      (s) => s.crowdsourced && Object.values(s.crowdsourced).reduce((a, b) => a + b, 0) > 700,
    );
    const cut = new Set(rec.groups.flatMap((g) => g.impossibleAdjusted));
    assert.equal(impossible.length, 28);
    for (const s of impossible) {
      const r = rec.stations[k.stations.indexOf(s)];
      assert.ok(r);
      for (const id of PRESIDENTIAL_IDS) {
        assert.ok(r[id] <= (s.crowdsourced?.[id] ?? 0), 'never raised');
      }
      if (!cut.has(s.code)) assert.equal(r.source, 'crowdsourced', s.code);
    }
    // Some stay impossible: forensics has something to find.
    assert.ok(rec.stations.filter((r) => valid(r) > 700).length >= 10);
  });

  test('ballots stay within registered voters except at the impossible tallies', () => {
    const over = new Set(rec.overRegistered);
    rec.stations.forEach((r, i) => {
      const s = k.stations[i];
      assert.ok(s);
      const cast = valid(r) + r.rejected;
      assert.equal(over.has(r.code), cast > s.registeredVoters, r.code);
      if (cast > s.registeredVoters) assert.ok(valid(r) > 700 || s.crowdsourced, r.code);
      if (r.source === 'filled') assert.ok(valid(r) <= 700, r.code);
    });
    assert.ok(rec.overRegistered.length <= 28);
  });

  test('diaspora and prisons carry the national residual', () => {
    const s = sums(rec.stations, (code) => code.startsWith('048') || code.startsWith('049'));
    assert.equal(s.odinga, 3727);
    assert.equal(s.ruto, 2190);
    assert.equal(s.wajackoyah, 40);
    assert.equal(s.mwaure, 31);
    assert.equal(s.rejected, 44);
  });

  test('filled stations are not all alike', () => {
    const filled = rec.stations.filter((r) => r.source === 'filled' && r.code.startsWith('047'));
    assert.ok(new Set(filled.map((r) => r.odinga)).size > 100);
  });
});

describe('presidential station results (crowdsourced mode)', () => {
  test('every crowdsourced tally exactly as read', () => {
    raw.stations.forEach((r, i) => {
      const s = k.stations[i];
      assert.ok(s);
      if (!s.crowdsourced) return;
      for (const id of PRESIDENTIAL_IDS) assert.equal(r[id], s.crowdsourced[id], `${s.code} ${id}`);
      assert.equal(r.source, 'crowdsourced');
    });
    assert.equal(raw.adjustments.length, 0);
    assert.equal(raw.overRegistered.length, 28);
  });

  test('county and national sums differ from the official ones by exactly the reported amounts', () => {
    const national = Object.fromEntries(PRESIDENTIAL_IDS.map((id) => [id, 0])) as Record<
      string,
      number
    >;
    for (const g of raw.groups) {
      const inGroup = (code: string) =>
        g.group === '048+049' ? /^04[89]/.test(code) : code.startsWith(g.group);
      const s = sums(raw.stations, inGroup);
      const c = k.countyResults.find((x) => x.code === g.group);
      for (const id of PRESIDENTIAL_IDS) {
        if (c) assert.equal(s[id] + g.unreconciled[id], c[id], `${g.group} ${id}`);
        national[id] = (national[id] ?? 0) + g.unreconciled[id];
      }
      if (c) assert.equal(s.rejected, c.rejected);
    }
    const s = sums(raw.stations);
    for (const id of PRESIDENTIAL_IDS)
      assert.equal(s[id] + (national[id] ?? 0), k.national34C[id], id);
    // Counties without tallies (036-047) are exact.
    for (const g of raw.groups.filter((x) => Number(x.group.slice(0, 3)) >= 36)) {
      for (const id of PRESIDENTIAL_IDS) assert.equal(g.unreconciled[id], 0, `${g.group} ${id}`);
    }
  });
});
