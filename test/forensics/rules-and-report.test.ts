// The rule checks, the CSV and the HTML report on a constructed election
// whose every flag is known in advance.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Device } from '../../src/election/definition.js';
import { type Entry, encodeEntry } from '../../src/election/entries.js';
import { analyse, type ForensicsReport } from '../../src/forensics/analyse.js';
import { CSV_HEADER, flaggedCsv } from '../../src/forensics/csv.js';
import { renderReport } from '../../src/forensics/html-report.js';
import { constructedElection } from './fixtures.js';

/**
 * Twelve stations (registered voters 400, 437, 474, 511, 548, 585, 622, 659,
 * 696, 433, 470, 507; the cap is 700), one result each, planted as follows.
 */
function planted() {
  const e = constructedElection(12, (d) => {
    d.devices.forEach((dev, i) => {
      // Stations 5 and 6: devices with one serial between them.
      dev.serial = i === 5 || i === 6 ? 'KIT-SHARED' : `KIT-${i}`;
    });
    const s3 = d.stations[3];
    if (s3) s3.name = '=HYPERLINK("x") <b>&amp;';
  });
  const code = (i: number) => e.definition.stations[i]?.code as string;
  const expected = new Map<string, string[]>();
  const at = (i: number, flags: string[]) => expected.set(code(i), flags);
  e.add(code(0), { alpha: 150, beta: 100, gamma: 20 }, { rejected: 5 });
  at(0, []);
  // 460 valid + 2 rejected for 437 registered.
  e.add(code(1), { alpha: 300, beta: 150, gamma: 10 }, { rejected: 2 });
  at(1, ['over-registered', 'votes-over-registered']);
  // 470 valid ≤ 474 registered, but 480 ballots with the rejected.
  e.add(code(2), { alpha: 300, beta: 150, gamma: 20 }, { rejected: 10 });
  at(2, ['over-registered']);
  // 720 valid: over the cap of 700 and over 511 registered.
  e.add(code(3), { alpha: 650, beta: 60, gamma: 10 });
  at(3, ['over-cap', 'over-registered', 'votes-over-registered']);
  // The written total is 10 more than the candidates' sum.
  e.add(code(4), { alpha: 200, beta: 80, gamma: 20 }, { totalValid: 310 });
  at(4, ['sum-mismatch']);
  e.add(code(5), { alpha: 200, beta: 150, gamma: 20 });
  at(5, ['serial-at-two-stations']);
  e.add(code(6), { alpha: 210, beta: 160, gamma: 30 });
  at(6, ['serial-at-two-stations']);
  const first7 = e.add(code(7), { alpha: 220, beta: 170, gamma: 25 });
  for (const i of [8, 9, 10, 11]) {
    e.add(code(i), { alpha: 180 + i, beta: 120 + i, gamma: 15 });
    at(i, []);
  }
  // A second result for station 7 (a server refuses it; a bundle or a bad server may not).
  const second7 = e.add(code(7), { alpha: 1, beta: 2, gamma: 3 });
  at(7, ['station-reported-twice']);
  // An entry naming a contest the election does not have.
  const unknown = JSON.parse(new TextDecoder().decode(e.entries[1])) as Record<string, unknown>;
  e.entries.push(encodeEntry({ ...unknown, contest: 'mayor' } as unknown as Entry));
  return { e, code, expected, first7, second7 };
}

function analysed(): { report: ForensicsReport; p: ReturnType<typeof planted> } {
  const p = planted();
  const r = analyse(
    {
      definition: p.e.definition,
      entries: p.e.entries,
      source: { kind: 'bundle', location: 'constructed', trust: 'constructed for a test' },
    },
    new Date('2022-08-10T00:00:00Z'),
  );
  assert.ok(r.ok, r.ok ? '' : r.error);
  return { report: r.value, p };
}

const RULE_FLAGS = new Set([
  'over-cap',
  'over-registered',
  'votes-over-registered',
  'sum-mismatch',
  'serial-at-two-stations',
  'station-reported-twice',
]);

describe('rule checks', () => {
  test('every planted problem is flagged, at its station, and nothing else', () => {
    const { report, p } = analysed();
    const got = new Map<string, string[]>();
    for (const r of report.flagged) {
      if (!RULE_FLAGS.has(r.flag)) continue;
      got.set(r.station, [...(got.get(r.station) ?? []), r.flag]);
    }
    for (const [station, flags] of p.expected)
      assert.deepEqual((got.get(station) ?? []).sort(), [...flags].sort(), `station ${station}`);
    const twice = report.flagged.find((r) => r.flag === 'station-reported-twice');
    assert.equal(twice?.entryIndex, p.second7, 'the second result is the one flagged');
    assert.match(twice?.detail ?? '', new RegExp(`the first is entry ${p.first7}$`));
    const serial = report.flagged.filter((r) => r.flag === 'serial-at-two-stations');
    assert.deepEqual(serial.map((r) => r.station).sort(), [p.code(5), p.code(6)].sort());
    assert.match(
      serial[0]?.detail ?? '',
      /serial KIT-SHARED, which also signed results at station /,
    );
    const overCap = report.flagged.find((r) => r.flag === 'over-cap');
    assert.equal(
      overCap?.detail,
      '720 ballots (valid 720 + rejected 0); the cap is 700 per station',
    );
  });

  test('the counts, the unknown entry and the contest order', () => {
    const { report } = analysed();
    assert.equal(report.entries.total, 15);
    assert.equal(report.entries.results, 14);
    assert.equal(report.entries.skipped.length, 1);
    assert.match(report.entries.skipped[0]?.reason ?? '', /contest "mayor"/);
    const c = report.contests[0];
    assert.equal(c?.contest.id, 'president');
    assert.equal(c?.stationsReported, 12);
    assert.equal(c?.results, 13);
    const byId = new Map(c?.rules.map((r) => [r.id, r.flags.length]));
    assert.deepEqual(Object.fromEntries(byId), {
      'over-cap': 1,
      'over-registered': 3,
      'votes-over-registered': 2,
      'sum-mismatch': 1,
      'serial-at-two-stations': 2,
      'station-reported-twice': 1,
    });
    const twice = c?.rules.find((r) => r.id === 'station-reported-twice');
    assert.match(twice?.note ?? '', /HTTP 409/);
    // The statistics use each station's first result: station 7's second is not counted.
    assert.equal(c?.fingerprint.stations, 12);
  });

  test('no cap: the cap check says it does not apply and flags nothing', () => {
    const p = planted();
    p.e.definition.perStationCap = null;
    const r = analyse({
      definition: p.e.definition,
      entries: p.e.entries,
      source: { kind: 'bundle', location: 'x', trust: 'x' },
    });
    assert.ok(r.ok);
    const cap = r.value.contests[0]?.rules.find((x) => x.id === 'over-cap');
    assert.equal(cap?.applicable, false);
    assert.equal(cap?.flags.length, 0);
  });

  test('an inconsistent definition is refused with the reason', () => {
    const p = planted();
    p.e.definition.devices.push({ ...(p.e.definition.devices[0] as Device) });
    const r = analyse({
      definition: p.e.definition,
      entries: p.e.entries,
      source: { kind: 'bundle', location: 'x', trust: 'x' },
    });
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.error, /device id "dev-.*" is repeated/);
  });
});

describe('the CSV of flagged stations', () => {
  test('one row per flag, quoted, with spreadsheet formulas defused', () => {
    const { report, p } = analysed();
    const csv = flaggedCsv(report.flagged);
    const lines = csv.split('\r\n');
    assert.equal(lines[0], CSV_HEADER.join(','));
    assert.equal(lines.at(-1), '', 'ends with CRLF');
    assert.equal(lines.length, report.flagged.length + 2);
    const overCap = lines.find((l) => l.includes(',over-cap,'));
    assert.equal(
      overCap,
      `${p.code(3)},"'=HYPERLINK(""x"") <b>&amp;",County 1,Constituency 1,president,4,over-cap,720 ballots (valid 720 + rejected 0); the cap is 700 per station`,
    );
  });
});

describe('the HTML report', () => {
  test('self-contained, says a flag is not proof before any plot, and escapes what the definition says', () => {
    const { report } = analysed();
    const html = renderReport(report);
    assert.match(html, /^<!doctype html>/);
    const caution = html.indexOf('A flag is a reason to look, not proof');
    assert.ok(caution > 0 && caution < html.indexOf('<svg'), 'the caution comes before any plot');
    assert.ok(caution < html.indexOf('id="summary"'), 'and before the summary');
    assert.doesNotMatch(html, /<script|<link|<img|<iframe|@import|url\((?!#)/i);
    // The only URL is the SVG namespace.
    const urls = html.match(/https?:\/\/[^\s"'<>]+/g) ?? [];
    assert.deepEqual([...new Set(urls)], ['http://www.w3.org/2000/svg']);
    assert.ok(!html.includes('<b>&amp;'), 'the station name is escaped');
    assert.ok(html.includes('=HYPERLINK(&quot;x&quot;) &lt;b&gt;&amp;amp;'));
    // Six rule plots, last digits (pooled + three candidates), fingerprint, z histogram, strips.
    const svgs = html.match(/<svg /g) ?? [];
    assert.ok(svgs.length >= 6 + 4 + 1 + 1, `${svgs.length} plots`);
    const titled =
      html.match(
        /<svg [^>]*role="img" aria-labelledby="([^" ]+)-title \1-desc"[^>]*><title id="\1-title">[^<]+<\/title><desc id="\1-desc">[^<]+<\/desc>/g,
      ) ?? [];
    assert.equal(titled.length, svgs.length, 'every plot has a title and a description');
    const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(new Set(ids).size, ids.length, 'ids are unique');
    assert.match(html, /<table><caption>Results flagged by each check, per contest/);
  });
});
