import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Candidate, ElectionDefinition } from '../../src/election/definition.js';
import { demoDevicePublicKey as demoDevicePublicKeyBase64 } from '../../src/election/demo-keys.js';
import { loadKenya2022 } from '../../src/kenya/data.js';
import {
  buildKenya2022Definition,
  contestsForStation,
  SCOPE_CODE_LENGTH,
  stationDevices,
} from '../../src/kenya/definition.js';
import { simulatedCandidates } from '../../src/kenya/simulated-candidates.js';
import { generateKey } from '../../src/log/note.js';

const opts = {
  logOrigin: 'kura.example/kenya-2022',
  logKey: generateKey('kura.example/kenya-2022', new Uint8Array(32).fill(1)).verifierKey,
  commissionKey: generateKey('iebc', new Uint8Array(32).fill(2)).verifierKey,
};
const def: ElectionDefinition = buildKenya2022Definition(opts);
const k = loadKenya2022();

describe('kenya 2022 election definition', () => {
  test('header fields', () => {
    assert.equal(def.format, 'kura-election/v1');
    assert.equal(def.electionId, 'kenya-2022');
    assert.equal(def.perStationCap, 700);
    assert.equal(def.logOrigin, opts.logOrigin);
    assert.equal(def.logKey, opts.logKey);
    assert.equal(def.commissionKey, opts.commissionKey);
    assert.ok(def.provenance?.includes('SIMULATED'));
  });

  test('units: unique codes, level by code length, parents exist', () => {
    const codes = new Set(def.units.map((u) => u.code));
    assert.equal(codes.size, def.units.length);
    for (const u of def.units) {
      assert.equal(u.code.length, SCOPE_CODE_LENGTH[u.level]);
      if (u.level === 'county') assert.equal(u.parent, null);
      else {
        assert.ok(u.parent && codes.has(u.parent), u.code);
        assert.ok(u.code.startsWith(u.parent));
      }
    }
  });

  test('stations: 46,229 with existing wards and the registered voters of the facts', () => {
    assert.equal(def.stations.length, 46_229);
    const wards = new Set(def.units.filter((u) => u.level === 'ward').map((u) => u.code));
    let total = 0;
    for (const s of def.stations) {
      assert.ok(wards.has(s.ward), s.code);
      total += s.registeredVoters;
    }
    assert.equal(total, 22_120_458);
  });

  test('six contests with the expected ids, scopes and forms', () => {
    assert.deepEqual(
      def.contests.map((c) => [c.id, c.kind, c.scope, c.forms.station]),
      [
        ['president', 'president', 'nation', '34A'],
        ['governor', 'governor', 'county', '37A'],
        ['senator', 'senator', 'county', '38A'],
        ['woman-representative', 'woman-representative', 'county', '39A'],
        ['member-of-parliament', 'member-of-parliament', 'constituency', '35A'],
        ['member-of-county-assembly', 'member-of-county-assembly', 'ward', '36A'],
      ],
    );
    const president = def.contests[0];
    assert.deepEqual(president?.forms, { station: '34A', constituency: '34B', declaration: '34C' });
  });

  test('president: the four real candidates, not simulated', () => {
    const p = def.contests.find((c) => c.id === 'president');
    assert.ok(p);
    assert.deepEqual(
      p.candidates.map((c) => c.id),
      ['odinga', 'ruto', 'wajackoyah', 'mwaure'],
    );
    for (const c of p.candidates) {
      assert.equal(c.unit, null);
      assert.ok(!c.simulated);
    }
    assert.equal(p.candidates[0]?.name, 'Raila Amolo Odinga');
    assert.match(p.candidates[0]?.party ?? '', /Azimio la Umoja One Kenya Coalition/);
    assert.match(p.candidates[1]?.party ?? '', /UDA/);
    assert.match(p.candidates[2]?.party ?? '', /Roots Party/);
    assert.match(p.candidates[3]?.party ?? '', /Agano/);
  });

  test('scoped contests: 2-6 simulated candidates in every real unit, none in DIASPORA/PRISONS', () => {
    for (const c of def.contests) {
      if (c.scope === 'nation') continue;
      const ids = new Set(c.candidates.map((x) => x.id));
      assert.equal(ids.size, c.candidates.length, `${c.id}: duplicate candidate ids`);
      const byUnit = new Map<string, Candidate[]>();
      for (const cand of c.candidates) {
        assert.equal(cand.simulated, true);
        assert.ok(cand.name.length > 3 && cand.party.includes('simulated'), cand.id);
        assert.ok(cand.unit !== null);
        const list = byUnit.get(cand.unit) ?? [];
        list.push(cand);
        byUnit.set(cand.unit, list);
      }
      const scopeUnits = def.units.filter((u) => u.level === c.scope);
      for (const u of scopeUnits) {
        const list = byUnit.get(u.code) ?? [];
        if (u.code.startsWith('048') || u.code.startsWith('049')) {
          assert.equal(list.length, 0, `${c.id} race in ${u.code}`);
        } else {
          assert.ok(list.length >= 2 && list.length <= 6, `${c.id} ${u.code}: ${list.length}`);
          list.forEach((cand, i) => {
            assert.ok(cand.id.endsWith(`-${u.code}-${i + 1}`), cand.id);
          });
          assert.equal(
            new Set(list.map((x) => (x.party === 'Independent (simulated)' ? x.id : x.party))).size,
            list.length,
          );
        }
      }
      assert.equal(byUnit.size, scopeUnits.filter((u) => !/^04[89]/.test(u.code)).length);
    }
    const gov = def.contests.find((c) => c.id === 'governor');
    assert.equal(gov?.candidates[0]?.id, 'gov-001-1');
  });

  test('which contests a station takes part in', () => {
    const races = (contestId: string) => {
      const c = def.contests.find((x) => x.id === contestId);
      assert.ok(c);
      return new Set(c.candidates.map((x) => x.unit));
    };
    const takesPart = (code: string, contestId: string) => {
      const c = def.contests.find((x) => x.id === contestId);
      assert.ok(c);
      if (c.scope === 'nation') return true;
      return races(contestId).has(code.slice(0, SCOPE_CODE_LENGTH[c.scope]));
    };
    for (const code of ['001001000100105', '048291500000101', '049292145100201']) {
      const expected = def.contests.filter((c) => takesPart(code, c.id)).map((c) => c.id);
      assert.deepEqual(contestsForStation(code), expected, code);
    }
    assert.deepEqual(contestsForStation('048291500000101'), ['president']);
    assert.equal(contestsForStation('001001000100105').length, 6);
  });

  test('devices: one per station, unique ids carrying the KIEMS serial, demo keys', () => {
    assert.equal(def.devices.length, def.stations.length);
    const ids = new Set(def.devices.map((d) => d.id));
    assert.equal(ids.size, def.devices.length);
    const stations = new Set(def.devices.map((d) => d.station));
    assert.equal(stations.size, def.stations.length);
    const byStation = new Map(def.devices.map((d) => [d.station, d]));
    for (const s of k.stations) {
      const d = byStation.get(s.code);
      assert.ok(d);
      if (s.kiemsSerial) assert.equal(d.id.split('#')[0], s.kiemsSerial);
      else assert.equal(d.id, `no-kiems-${s.code}`);
    }
    // The repeated serials: plain for the earlier upload, #2 for the later.
    assert.equal(byStation.get('039216107703501')?.id, 'F230450M00204133');
    assert.equal(byStation.get('019099049304303')?.id, 'F230450M00204133#2');
    assert.equal(byStation.get('021110054602202')?.id, 'F230450M00209061');
    assert.equal(byStation.get('049292145106401')?.id, 'F230450M00209061#2');
    assert.equal(def.devices.filter((d) => d.id.includes('#')).length, 2);
    for (const d of def.devices.filter((_, i) => i % 997 === 0)) {
      assert.equal(d.publicKey, demoDevicePublicKeyBase64('kenya-2022', d.id), d.id);
    }
    assert.deepEqual(
      stationDevices().map((d) => d.id),
      def.devices.map((d) => d.id),
    );
  });

  test('deterministic: a second build is identical', () => {
    const again = buildKenya2022Definition(opts);
    assert.deepEqual(again, def);
    assert.deepEqual(
      simulatedCandidates('kenya-2022', 'member-of-parliament', '001001'),
      simulatedCandidates('kenya-2022', 'member-of-parliament', '001001'),
    );
  });

  test('the returned definition is a fresh copy (mutating it does not leak)', () => {
    const a = buildKenya2022Definition(opts);
    (a.devices[0] as { publicKey: string }).publicKey = 'x';
    (a.contests[0]?.candidates[0] as { name: string }).name = 'x';
    const b = buildKenya2022Definition(opts);
    assert.notEqual(b.devices[0]?.publicKey, 'x');
    assert.notEqual(b.contests[0]?.candidates[0]?.name, 'x');
  });
});

describe('kenya 2022 definition against the election index', async () => {
  const { checkDefinition } = await import('../../src/election/election-index.js');
  test('checkDefinition accepts it; races follow the station (president only abroad and in prison)', () => {
    const checked = checkDefinition(def);
    assert.ok(checked.ok, checked.ok ? '' : checked.error.join('\n'));
    const index = checked.value;
    const nairobi = k.stations.find((s) => s.county === '047')?.code ?? '';
    for (const code of ['001001000100105', nairobi, '048291500000101', '049292145100201']) {
      assert.ok(index.stations.has(code), code);
      const taking = def.contests.filter((c) => index.raceFor(c.id, code)).map((c) => c.id);
      assert.deepEqual(taking, contestsForStation(code), code);
    }
    assert.equal(index.raceFor('governor', '048291500000101'), undefined);
    assert.equal(index.raceFor('president', '049292145100201')?.candidates.length, 4);
  });
});
