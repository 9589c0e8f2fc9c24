import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadKenya2022 } from '../../src/kenya/data.js';

const k = loadKenya2022();

describe('kenya 2022 facts: stations', () => {
  test('46,229 stations: 46,096 in the 47 counties, 27 diaspora, 106 prisons', () => {
    assert.equal(k.stations.length, 46_229);
    assert.equal(k.stations.filter((s) => s.county === '048').length, 27);
    assert.equal(k.stations.filter((s) => s.county === '049').length, 106);
    assert.equal(k.stations.filter((s) => Number(s.county) <= 47).length, 46_096);
  });

  test('codes are 15 digits, unique and sorted; prefixes give ward, constituency, county', () => {
    let prev = '';
    for (const s of k.stations) {
      assert.match(s.code, /^\d{15}$/);
      assert.ok(s.code > prev, `${s.code} after ${prev}`);
      prev = s.code;
      assert.equal(s.ward, s.code.slice(0, 10));
      assert.equal(s.constituency, s.code.slice(0, 6));
      assert.equal(s.county, s.code.slice(0, 3));
    }
    assert.equal(k.stationByCode.size, k.stations.length);
  });

  test("every station's ward, constituency and county exist, with consistent parents", () => {
    for (const s of k.stations) {
      const ward = k.unitByCode.get(s.ward);
      const con = k.unitByCode.get(s.constituency);
      const county = k.unitByCode.get(s.county);
      assert.ok(ward && con && county, `units of ${s.code}`);
      assert.equal(ward.level, 'ward');
      assert.equal(ward.parent, con.code);
      assert.equal(con.level, 'constituency');
      assert.equal(con.parent, county.code);
      assert.equal(county.level, 'county');
      assert.equal(county.parent, null);
    }
  });

  test('units: 49 counties, 292 constituencies, 1,463 wards; every unit has stations', () => {
    assert.equal(k.counties.length, 49);
    assert.equal(k.constituencies.length, 292);
    assert.equal(k.wards.length, 1463);
    assert.equal(k.units.length, 49 + 292 + 1463);
    assert.equal(k.unitByCode.get('001')?.name, 'MOMBASA');
    assert.equal(k.unitByCode.get('047')?.name, 'NAIROBI CITY');
    assert.equal(k.unitByCode.get('048')?.name, 'DIASPORA');
    assert.equal(k.unitByCode.get('049')?.name, 'PRISONS');
    assert.equal(k.unitByCode.get('030158')?.name, 'BARINGO NORTH'); // double space collapsed
    assert.equal(k.unitByCode.get('0482915007')?.name, 'UNITED KINGDOM');
    const used = new Set(k.stations.flatMap((s) => [s.county, s.constituency, s.ward]));
    for (const u of k.units) assert.ok(used.has(u.code), `unit ${u.code} has no station`);
  });

  test('form states: 46,162 on the portal, 11 late, 56 without a form', () => {
    const n = (f: string) => k.stations.filter((s) => s.form === f).length;
    assert.equal(n('portal'), 46_162);
    assert.equal(n('late'), 11);
    assert.equal(n('none'), 56);
    for (const s of k.stations) {
      assert.equal(s.formUploaded, s.form !== 'none');
      assert.equal(s.kiemsSerial === null, s.form === 'none');
      assert.equal(s.uploadedAt === null, s.form === 'none');
    }
    const src = (c: string) => k.stations.filter((s) => s.codeSource === c).length;
    assert.equal(src('portal'), 46_162);
    assert.equal(src('crowdsourced'), 11);
    assert.equal(src('inferred') + src('synthetic'), 56);
  });

  test('a known station: code, name, serial, upload time (Kenya time, UTC+3), tally', () => {
    const s = k.stationByCode.get('001001000100105');
    assert.ok(s);
    assert.equal(s.name, 'BOMU PRIMARY SCHOOL - 05');
    assert.equal(s.kiemsSerial, 'F230450M00201302');
    assert.equal(s.uploadedAt, Date.parse('2022-08-09T22:36:59+03:00') / 1000);
    assert.deepEqual(s.crowdsourced, { odinga: 236, ruto: 93, wajackoyah: 2, mwaure: 1 });
    const late = k.stationByCode.get('002009004004202');
    assert.ok(late);
    assert.equal(late.form, 'late');
    assert.equal(late.kiemsSerial, 'Y3KK12CQDIA00Y0');
    assert.deepEqual(late.crowdsourced, { odinga: 224, ruto: 58, wajackoyah: 1, mwaure: 0 });
    const prison = k.stationByCode.get('049292145106801');
    assert.equal(prison?.physicalWard, '0301620810');
  });

  test('crowdsourced tallies: 30,000, impossible figures kept as read', () => {
    const t = k.stations.filter((s) => s.crowdsourced !== null);
    assert.equal(t.length, 30_000);
    const sum = (x: { odinga: number; ruto: number; wajackoyah: number; mwaure: number }) =>
      x.odinga + x.ruto + x.wajackoyah + x.mwaure;
    assert.equal(t.filter((s) => sum(s.crowdsourced as never) > 700).length, 28);
    assert.equal(
      t.filter((s) => (s.crowdsourced?.odinga ?? 0) + (s.crowdsourced?.ruto ?? 0) > 700).length,
      11,
    );
    const counties = new Set(t.map((s) => s.county));
    for (const c of counties) assert.ok(Number(c) <= 35 || c === '049', `tally in county ${c}`);
  });

  test('two KIEMS serials appear at two stations each', () => {
    const seen = new Map<string, number>();
    for (const s of k.stations) {
      if (s.kiemsSerial) seen.set(s.kiemsSerial, (seen.get(s.kiemsSerial) ?? 0) + 1);
    }
    const repeated = [...seen]
      .filter(([, n]) => n > 1)
      .map(([s]) => s)
      .sort();
    assert.deepEqual(repeated, ['F230450M00204133', 'F230450M00209061']);
  });
});

describe('kenya 2022 facts: registered voters', () => {
  test('stations sum exactly to each official constituency figure', () => {
    const sums = new Map<string, number>();
    for (const s of k.stations) {
      sums.set(s.constituency, (sums.get(s.constituency) ?? 0) + s.registeredVoters);
    }
    assert.equal(sums.size, k.registeredByConstituency.size);
    for (const [code, official] of k.registeredByConstituency) {
      assert.equal(sums.get(code), official, `constituency ${code}`);
    }
  });

  test('official figures: 290 constituencies 22,102,532, diaspora 10,443, prisons 7,483', () => {
    assert.equal(k.registeredByConstituency.get('001001'), 93_561); // CHANGAMWE
    assert.equal(k.registeredByConstituency.get('047290'), 123_163); // MATHARE
    assert.equal(k.registeredByConstituency.get('048291'), 10_443);
    assert.equal(k.registeredByConstituency.get('049292'), 7_483);
    let total = 0;
    for (const v of k.registeredByConstituency.values()) total += v;
    assert.equal(total, 22_120_458);
    assert.equal(total, k.national34C.registered);
    assert.equal(total - 10_443 - 7_483, 22_102_532);
  });

  test('national registered from the stations = 22,120,458; no station above 700', () => {
    let total = 0;
    for (const s of k.stations) {
      total += s.registeredVoters;
      assert.ok(s.registeredVoters >= 0 && s.registeredVoters <= 700, s.code);
    }
    assert.equal(total, 22_120_458);
  });

  test('diaspora and prison stations carry their own official figures', () => {
    assert.equal(k.stationByCode.get('048291500000101')?.registeredVoters, 496);
    assert.equal(k.stationByCode.get('048291501101801')?.registeredVoters, 132);
    assert.equal(k.stationByCode.get('049292145100201')?.registeredVoters, 10);
    assert.equal(k.stationByCode.get('049292145112101')?.registeredVoters, 26);
  });

  test('county register figures equal the constituency sums', () => {
    for (const c of k.countyResults) {
      let s = 0;
      for (const [code, v] of k.registeredByConstituency) if (code.startsWith(c.code)) s += v;
      assert.equal(s, c.registered, c.name);
    }
  });

  test('a station with a tally has at least that many registered voters (up to the cap)', () => {
    for (const s of k.stations) {
      const t = s.crowdsourced;
      if (!t) continue;
      const v = t.odinga + t.ruto + t.wajackoyah + t.mwaure;
      assert.ok(s.registeredVoters >= Math.min(v, 700), s.code);
    }
  });
});

describe('kenya 2022 facts: results', () => {
  test('47 county rows; KILIFI and WEST POKOT keep their source inconsistency', () => {
    assert.equal(k.countyResults.length, 47);
    const diff = (name: string) => {
      const c = k.countyResults.find((x) => x.name === name);
      assert.ok(c);
      return c.totalValid - (c.odinga + c.ruto + c.wajackoyah + c.mwaure);
    };
    assert.equal(diff('KILIFI'), 10);
    assert.equal(diff('WEST POKOT'), 100);
    const others = k.countyResults.filter((c) => c.name !== 'KILIFI' && c.name !== 'WEST POKOT');
    for (const c of others) {
      assert.equal(c.totalValid, c.odinga + c.ruto + c.wajackoyah + c.mwaure, c.name);
    }
  });

  test('Form 34C as declared; the 47 counties leave the diaspora + prisons residual', () => {
    assert.deepEqual(k.national34C, {
      ruto: 7_176_141,
      odinga: 6_942_930,
      wajackoyah: 61_969,
      mwaure: 31_987,
      totalValid: 14_213_027,
      rejected: 113_614,
      registered: 22_120_458,
    });
    const sum = (f: (c: (typeof k.countyResults)[number]) => number) =>
      k.countyResults.reduce((a, c) => a + f(c), 0);
    assert.equal(k.national34C.odinga - sum((c) => c.odinga), 3727);
    assert.equal(k.national34C.ruto - sum((c) => c.ruto), 2190);
    assert.equal(k.national34C.wajackoyah - sum((c) => c.wajackoyah), 40);
    assert.equal(k.national34C.mwaure - sum((c) => c.mwaure), 31);
    assert.equal(k.national34C.rejected - sum((c) => c.rejected), 44);
    assert.equal(k.national34C.registered - sum((c) => c.registered), 17_926);
  });
});
