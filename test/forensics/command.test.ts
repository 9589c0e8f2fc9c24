// `kura forensics` end to end: a real server (PGlite) with results submitted
// over its API, including one over the cap and one over its register; the
// same log exported to a bundle; and the report opened in Chromium.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exportBundle } from '../../src/bundle/export.js';
import { CSV_HEADER } from '../../src/forensics/csv.js';
import { kura } from '../helpers/kura-cli.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';
import { CHROMIUM, launch } from '../portal/browser.js';

const SCREENSHOT = join(process.cwd(), 'test-output/screenshots/forensics-report.png');

/** RFC 4180 rows (quoted fields may hold commas and doubled quotes). */
function parseCsv(text: string): string[][] {
  return text
    .split('\r\n')
    .filter((l) => l !== '')
    .map((line) => {
      const out: string[] = [];
      const re = /("(?:[^"]|"")*"|[^,]*)(,|$)/g;
      for (const m of line.matchAll(re)) {
        const f = m[1] ?? '';
        out.push(f.startsWith('"') ? f.slice(1, -1).replace(/""/g, '"') : f);
        if (m[2] === '') break;
      }
      return out;
    });
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('kura forensics (command)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kura-forensics-'));
  const report = join(dir, 'report.html');
  const csv = join(dir, 'flagged.csv');
  let t: TestLog;
  let url = '';
  let overCap = '';
  let overRegistered = '';
  before(async () => {
    t = await newTestLog('pglite', { stations: 12 });
    const codes = t.definition.stations.map((s) => s.code);
    overCap = codes[0] as string; // 400 registered voters
    overRegistered = codes[1] as string; // 437 registered voters
    for (const [i, code] of codes.entries()) {
      const votes =
        code === overCap
          ? { alpha: 600, beta: 100, gamma: 50 } // 750 + 2 rejected: over 700 and over 400
          : code === overRegistered
            ? { alpha: 300, beta: 120, gamma: 20 } // 440 + 2 rejected, for 437 registered
            : { alpha: 150 + 7 * i, beta: 100 + 5 * i, gamma: 20 + i };
      const r = await t.running.app.inject({
        method: 'POST',
        url: '/api/v1/results',
        payload: t.result(code, { votes }),
      });
      assert.equal(r.statusCode, 201, r.body);
    }
    url = await t.running.app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('from a server: the over-cap and the over-registered stations are in the CSV with the right flags', async () => {
    const r = await kura('forensics', url, '--out', report, '--csv', csv);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stderr, /kura forensics: reading the log of http/);
    assert.match(r.stdout, /a reason to look, not proof/);
    assert.match(r.stdout, /More ballots than the per-station cap\s+1\n/);
    const rows = parseCsv(readFileSync(csv, 'utf8'));
    assert.deepEqual(rows[0], [...CSV_HEADER]);
    const flagsOf = (station: string) =>
      rows
        .filter((row) => row[0] === station && row[6] !== 'turnout-outlier')
        .map((row) => row[6])
        .sort();
    assert.deepEqual(flagsOf(overCap), ['over-cap', 'over-registered', 'votes-over-registered']);
    assert.deepEqual(flagsOf(overRegistered), ['over-registered', 'votes-over-registered']);
    const capRow = rows.find((row) => row[6] === 'over-cap');
    assert.deepEqual(capRow?.slice(0, 6), [
      overCap,
      'Station 1',
      'County 1',
      'Constituency 1',
      'president',
      '1',
    ]);
    assert.equal(capRow?.[7], '752 ballots (valid 750 + rejected 2); the cap is 700 per station');
    // No other station breaks a rule.
    const ruleRows = rows
      .slice(1)
      .filter((row) => !['turnout-outlier', 'fingerprint-corner'].includes(row[6] ?? ''));
    assert.deepEqual(
      [...new Set(ruleRows.map((row) => row[0]))].sort(),
      [overCap, overRegistered].sort(),
    );
    const html = readFileSync(report, 'utf8');
    assert.match(html, /A flag is a reason to look, not proof/);
    assert.match(
      html,
      /Read from the server <code>http:\/\/127\.0\.0\.1:\d+\/<\/code>: 13 log entries/,
    );
  });

  test('from a bundle of the same log: the same flags', async () => {
    const bundle = join(dir, 'log.kura');
    await exportBundle({ store: t.store, out: bundle, now: new Date('2022-08-16T12:00:00Z') });
    const fromBundle = join(dir, 'bundle.csv');
    const r = await kura(
      'forensics',
      bundle,
      '--out',
      join(dir, 'bundle.html'),
      '--csv',
      fromBundle,
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stderr, /reading the bundle/);
    if (!existsSync(csv)) assert.fail('the server test did not write its CSV');
    assert.equal(readFileSync(fromBundle, 'utf8'), readFileSync(csv, 'utf8'));
    assert.match(readFileSync(join(dir, 'bundle.html'), 'utf8'), /Read from the bundle <code>/);
  });

  test('the report opens in Chromium and shows its plots', async (ctx) => {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI) assert.fail(`${CHROMIUM} is missing; CI must have it`);
      ctx.skip(`${CHROMIUM} is missing: install chromium to run this test`);
      return;
    }
    assert.ok(existsSync(report), 'the server test wrote the report');
    const browser = await launch();
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const requests: string[] = [];
      page.on('request', (req) => requests.push(req.url()));
      await page.goto(`file://${report}`);
      assert.deepEqual(
        requests.filter((u) => !u.startsWith('file://')),
        [],
        'the report fetches nothing',
      );
      const h1 = await page.locator('h1').textContent();
      assert.match(h1 ?? '', /^Election forensics: /);
      const caution = page.getByRole('heading', { name: 'A flag is a reason to look, not proof' });
      assert.equal(await caution.count(), 1);
      const plots = page.locator('svg.plot');
      const count = await plots.count();
      assert.ok(count >= 12, `${count} plots`);
      for (let i = 0; i < count; i++) {
        const box = await plots.nth(i).boundingBox();
        assert.ok(box && box.width > 100 && box.height > 100, `plot ${i}: ${JSON.stringify(box)}`);
      }
      // The fingerprint heatmap has coloured cells, the histograms bars.
      const cells = await page.locator('svg.plot rect[fill^="#"]').count();
      assert.ok(cells > 50, `${cells} rectangles drawn`);
      const names = await page
        .getByRole('img')
        .evaluateAll((els) => els.map((e) => e.querySelector('title')?.textContent ?? ''));
      assert.ok(names.some((n) => n.startsWith('Election fingerprint: ')));
      assert.ok(names.some((n) => n.startsWith('More ballots than the per-station cap: ')));
      mkdirSync(join(process.cwd(), 'test-output/screenshots'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      assert.ok(readFileSync(SCREENSHOT).length > 10_000, 'a screenshot with something in it');
    } finally {
      await browser.close();
    }
  });

  test('exit codes: usage 64, an unreachable server 3', async () => {
    assert.equal((await kura('forensics', url)).code, 64, 'no --out');
    assert.equal((await kura('forensics', '--out', report)).code, 64, 'no source');
    assert.equal((await kura('forensics', 'ftp://example.org', '--out', report)).code, 64);
    const missing = await kura('forensics', join(dir, 'nothing.kura'), '--out', report);
    assert.equal(missing.code, 64);
    assert.match(missing.stderr, /no such bundle file/);
    const far = await kura(
      'forensics',
      `http://127.0.0.1:${await closedPort()}`,
      '--out',
      join(dir, 'x.html'),
      '--quiet',
    );
    assert.equal(far.code, 3, far.stderr);
    assert.match(far.stderr, /could not complete: GET .*log\/checkpoint failed/);
    assert.equal(existsSync(join(dir, 'x.html')), false, 'no report when nothing was read');
    const help = await kura('forensics', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /A flag is a reason to look, not proof/);
  });
});
