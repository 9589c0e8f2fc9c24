// The results portal in a real browser (Debian's Chromium) against a real
// kura server: the national summary with chart, map and constitutional
// tests; drill-down to a station; Verify proving every step it can; a tampered entry
// and a swapped form image failing the right step; Swahili; live updates
// without a reload; search; keyboard use; and the initial JavaScript weight.
// Screenshots go to test-output/screenshots/.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { DEFAULT_PORTAL_DIR } from '../../src/server/routes/portal-routes.js';
import {
  browserMissing,
  drawForm,
  ensurePortalBuilt,
  launch,
  runVerify,
  SCREENSHOTS,
  screenshot,
  verdict,
} from './browser.js';
import { type PortalElection, startPortalElection } from './portal-election.js';

const missing = browserMissing();
if (missing) process.stderr.write(`portal browser tests skipped: ${missing}\n`);

describe('the results portal in Chromium', { skip: missing ?? false }, () => {
  let e: PortalElection;
  let browser: Browser;
  /** The station drilled down to and verified, with scans uploaded for every contest. */
  let verified: string;
  /** Stations that report later, during the live-update test. */
  let late: string[] = [];

  before(async () => {
    ensurePortalBuilt();
    e = await startPortalElection('pglite');
    browser = await launch();
    const stations = e.definition.stations;
    verified = stations[1]?.code as string;
    late = stations.filter((_, i) => i % 4 === 3).map((s) => s.code);
    for (const s of stations) {
      if (late.includes(s.code)) continue;
      for (const contest of e.contests()) {
        let png: Uint8Array | undefined;
        if (s.code === verified || s.code === stations[2]?.code) {
          const title = e.definition.contests.find((c) => c.id === contest)?.title ?? contest;
          png = await drawForm(
            browser,
            s.name,
            e.result(s.code, contest, 'x'.repeat(64)),
            title.toUpperCase(),
          );
        }
        await e.submit(s.code, contest, png);
      }
    }
  });
  after(async () => {
    await browser?.close();
    await e?.close();
  });

  async function open(path: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
    const page = await browser.newPage({ viewport });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 404/.test(m.text())) errors.push(m.text());
    });
    (page as Page & { errors: string[] }).errors = errors;
    await page.goto(e.url + path);
    return page;
  }
  const pageErrors = (page: Page) => (page as Page & { errors: string[] }).errors;

  /** Waits until `holds` (a bound for a hung run, not a timing). */
  async function waitUntil(holds: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await holds())) {
      assert.ok(Date.now() < deadline, 'the condition never held');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async function tally(contest: string, unit = '') {
    const r = await e.running.app.inject({
      method: 'GET',
      url: `/api/v1/tally/${contest}${unit ? `/${unit}` : ''}`,
    });
    return r.json().tally as {
      stationsReported: number;
      stationsExpected: number;
      votes: Record<string, number>;
    };
  }

  test('national summary: figures, bar chart, county map and constitutional tests', async () => {
    const page = await open('/');
    await page.getByRole('heading', { level: 1, name: 'President' }).waitFor();
    const t = await tally('president');
    await page
      .getByTestId('stations-reported')
      .filter({ hasText: String(t.stationsReported) })
      .waitFor();
    assert.match(
      await page.locator('.figures').innerText(),
      new RegExp(`of ${t.stationsExpected}`),
    );
    // The chart draws on a canvas of real size, labelled with the shares.
    const canvas = page.locator('.chart canvas');
    const box = await canvas.boundingBox();
    assert.ok(box && box.width > 200 && box.height > 100, `chart size ${JSON.stringify(box)}`);
    assert.match(String(await canvas.getAttribute('aria-label')), /Amani Wekesa \d/);
    // Every candidate's national votes are in the table, as the tally says.
    for (const [id, votes] of Object.entries(t.votes)) {
      const name = {
        amani: 'Amani Wekesa',
        baraka: 'Baraka Otieno',
        chiku: 'Chiku Njeri',
        daudi: 'Daudi Mwangi',
      }[id] as string;
      const row = page.locator('table.results tbody tr', { hasText: name }).first();
      assert.match(await row.innerText(), new RegExp(votes.toLocaleString('en-KE')));
    }
    // The map: 47 county shapes, the two counties of this election coloured.
    const map = page.locator('svg.map-svg');
    await map.waitFor();
    const mapBox = await map.boundingBox();
    assert.ok(
      mapBox && mapBox.width > 200 && mapBox.height > 200,
      `map size ${JSON.stringify(mapBox)}`,
    );
    assert.equal(await map.locator('path').count(), 47);
    const coloured = await map.locator('path:not([fill="#d9d9d9"])').count();
    assert.equal(coloured, 2);
    assert.match(
      String(await map.locator('a[href="/c/president/u/001"]').getAttribute('aria-label')),
      /^Mombasa: (Amani Wekesa|Baraka Otieno|Chiku Njeri|Daudi Mwangi) leads with \d+\.\d%, \d+ of 12 stations reported$/,
    );
    // The constitutional tests: two counties here, so 25% in 2 of them is needed.
    const tests = page.locator('section', {
      has: page.getByRole('heading', { name: 'Constitutional tests for the presidency' }),
    });
    await tests.waitFor();
    assert.match(await tests.innerText(), /\/ 2 counties at 25% or more \(2 needed\)/);
    assert.match(await tests.innerText(), /Provisional/);
    // The log status line.
    assert.match(await page.locator('.logbar').innerText(), /entries in the log/);
    assert.match(await page.locator('.logbar').innerText(), /no witness cosignatures/);
    await screenshot(page, 'national-summary');
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  test('on a phone screen the summary fits the width', async () => {
    const page = await open('/', { width: 390, height: 844 });
    await page.locator('.chart canvas').waitFor();
    await page.locator('svg.map-svg').waitFor();
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone screen`);
    await screenshot(page, 'national-summary-phone');
    await page.close();
  });

  test('drill down: county > constituency > ward > station, with a table at each level', async () => {
    const station = e.definition.stations.find((s) => s.code === verified);
    assert.ok(station);
    const page = await open('/');
    const children = page.getByTestId('children-table');
    await children.getByRole('link', { name: 'Mombasa' }).click();
    await page.getByRole('heading', { level: 1, name: 'Mombasa: President' }).waitFor();
    assert.equal(await page.getByTestId('children-table').locator('tbody tr').count(), 2);
    await screenshot(page, 'county');
    await page.getByTestId('children-table').getByRole('link', { name: 'Changamwe' }).click();
    await page.getByRole('heading', { level: 1, name: 'Changamwe: President' }).waitFor();
    await page.getByTestId('children-table').getByRole('link', { name: 'Port Reitz' }).click();
    await page.getByRole('heading', { level: 1, name: 'Port Reitz: President' }).waitFor();
    const rows = page.getByTestId('stations-table').locator('tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 3);
    assert.deepEqual(await page.locator('.crumbs li').allInnerTexts(), [
      'Nation',
      'Mombasa',
      'Changamwe',
      'Port Reitz',
    ]);
    await screenshot(page, 'ward');
    await page.getByTestId('stations-table').getByRole('link', { name: station.name }).click();
    await page.getByRole('heading', { level: 1, name: station.name }).waitFor();
    assert.equal(new URL(page.url()).pathname, `/station/${verified}`);
    // Each contest's result as signed, with its entry index and scan.
    const r = (
      await e.running.app.inject({ method: 'GET', url: `/api/v1/stations/${verified}` })
    ).json();
    for (const contest of e.contests()) {
      const section = page.getByTestId(`result-${contest}`);
      const text = await section.innerText();
      assert.match(text, new RegExp(`#${r.results[contest].entryIndex}\\b`), contest);
      for (const [id, n] of Object.entries(r.results[contest].votes as Record<string, number>))
        assert.equal(
          await section.locator(`td[data-candidate="${id}"]`).innerText(),
          n.toLocaleString('en-KE'),
        );
    }
    const img = page.getByTestId('result-president').locator('.scan img');
    await img.waitFor();
    await page.waitForFunction(() => {
      const i = document.querySelector(
        '[data-testid="result-president"] .scan img',
      ) as HTMLImageElement | null;
      return i?.complete && i.naturalWidth > 0;
    });
    await screenshot(page, 'station');
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  test('Verify proves every step for an honest station but the witnesses: partly verified', async () => {
    const page = await open(`/station/${verified}`);
    const steps = await runVerify(page);
    for (const id of [
      'trust',
      'checkpoint',
      'consistency',
      'devices',
      'inclusion',
      'signature',
      'correction',
      'form',
      'numbers',
    ])
      assert.equal(steps[id]?.status, 'pass', `${id}: ${steps[id]?.detail}`);
    // No witness is configured for this server: not checked, so never "verified".
    assert.equal(steps.witness?.status, 'warn');
    assert.match(steps.witness?.detail ?? '', /no witness is configured or pinned for this log/);
    assert.match(steps.inclusion?.detail ?? '', /entry \d+: \d+-hash proof verified/);
    assert.match(steps.form?.detail ?? '', /President: SHA-256 [0-9a-f]{16}… matches/);
    assert.equal(await verdict(page), 'partly');
    assert.match(await page.getByTestId('verdict').innerText(), /^Partly verified: /);
    assert.match(
      await page.locator('.verify').innerText(),
      /Log key built into this portal: kura\.test\/portal\+/,
    );
    await page.locator('.verify').screenshot({ path: join(SCREENSHOTS, 'verify-pass.png') });
    await page.close();
  });

  test('Verify fetches each scan once (never HEAD), each entry once, at most 6 at a time', async () => {
    // Counted where they arrive: the server (a scan the browser has cached is not a fetch).
    const seen: Array<{ method: string; path: string }> = [];
    let inFlight = 0;
    let most = 0;
    const count = (req: IncomingMessage, res: ServerResponse) => {
      const path = (req.url ?? '').split('?')[0] as string;
      if (!path.startsWith('/api/v1/')) return;
      seen.push({ method: req.method ?? '', path });
      if (!path.startsWith('/api/v1/entries/')) return;
      most = Math.max(most, ++inFlight);
      res.once('close', () => inFlight--);
    };
    e.running.app.server.on('request', count);
    try {
      const page = await open(`/station/${verified}`);
      const started = Date.now();
      await runVerify(page);
      process.stdout.write(`verify: a station's Verify took ${Date.now() - started} ms here\n`);
      assert.match(await page.getByTestId('verify-time').innerText(), /\d+\.\d s/);
      const forms = seen.filter((r) => r.path.startsWith('/api/v1/forms/'));
      assert.deepEqual(
        forms.filter((r) => r.method !== 'GET'),
        [],
      );
      const station = (
        await e.running.app.inject({ method: 'GET', url: `/api/v1/stations/${verified}` })
      ).json() as { results: Record<string, { form: string } | null> };
      const scans = Object.values(station.results).map((r) => `/api/v1/forms/${r?.form}`);
      assert.ok(scans.length >= 2, 'a scan per contest');
      assert.deepEqual(
        forms.map((r) => r.path).sort(),
        [...scans].sort(),
        'each scan fetched once, for the page and Verify together',
      );
      const entries = seen.filter((r) => r.path.startsWith('/api/v1/entries/'));
      assert.equal(new Set(entries.map((r) => r.path)).size, entries.length, 'each entry once');
      assert.ok(entries.length > scans.length, `${entries.length} entries fetched`);
      assert.ok(most <= 6, `${most} entries in flight at once`);
      await page.close();
    } finally {
      e.running.app.server.off('request', count);
    }
  });

  test('a changed entry in the database fails the inclusion step', async () => {
    const target = e.definition.stations[5]?.code as string;
    const r = (
      await e.running.app.inject({ method: 'GET', url: `/api/v1/stations/${target}` })
    ).json();
    const index = r.results.president.entryIndex as number;
    const [row] = await e.sql<{ data: Buffer }>('SELECT data FROM entries WHERE idx = $1', [index]);
    const original = Buffer.from(row?.data as Buffer);
    const text = original.toString('utf8');
    // One vote more for the first candidate, in the stored bytes.
    const changed = text.replace(
      /"votes":\{"amani":(\d+)/,
      (_m, n) => `"votes":{"amani":${Number(n) + 1}`,
    );
    assert.notEqual(changed, text);
    await e.sql('ALTER TABLE entries DISABLE TRIGGER entries_no_update_delete');
    try {
      await e.sql('UPDATE entries SET data = $1 WHERE idx = $2', [Buffer.from(changed), index]);
      const page = await open(`/station/${target}`);
      const steps = await runVerify(page);
      assert.equal(steps.checkpoint?.status, 'pass');
      assert.equal(steps.inclusion?.status, 'fail', steps.inclusion?.detail);
      assert.match(
        steps.inclusion?.detail ?? '',
        new RegExp(
          `entry ${index}: the proof that the entry is in the log does not add up \\(INCLUSION_PROOF_INVALID\\)`,
        ),
      );
      assert.equal(steps.numbers?.status, 'fail');
      assert.equal(await verdict(page), 'failed');
      await page
        .locator('.verify')
        .screenshot({ path: join(SCREENSHOTS, 'verify-tampered-entry.png') });
      await page.close();
    } finally {
      await e.sql('UPDATE entries SET data = $1 WHERE idx = $2', [original, index]);
      await e.sql('ALTER TABLE entries ENABLE TRIGGER entries_no_update_delete');
    }
  });

  test('a swapped form image fails the form step only', async () => {
    const target = e.definition.stations[2]?.code as string;
    const r = (
      await e.running.app.inject({ method: 'GET', url: `/api/v1/stations/${target}` })
    ).json();
    const sha = r.results.governor.form as string;
    const [row] = await e.sql<{ data: Buffer }>('SELECT data FROM blobs WHERE sha256 = $1', [sha]);
    const original = Buffer.from(row?.data as Buffer);
    const other = await e.sql<{ data: Buffer }>('SELECT data FROM blobs WHERE sha256 = $1', [
      r.results.president.form,
    ]);
    await e.sql('UPDATE blobs SET data = $1 WHERE sha256 = $2', [other[0]?.data, sha]);
    try {
      const page = await open(`/station/${target}`);
      const steps = await runVerify(page);
      for (const id of ['checkpoint', 'devices', 'inclusion', 'signature', 'numbers'])
        assert.equal(steps[id]?.status, 'pass', `${id}: ${steps[id]?.detail}`);
      assert.equal(steps.form?.status, 'fail');
      assert.match(
        steps.form?.detail ?? '',
        /Governor: the file hashes to [0-9a-f]{16}…, the entry says/,
      );
      await page
        .locator('.verify')
        .screenshot({ path: join(SCREENSHOTS, 'verify-swapped-form.png') });
      await page.close();
    } finally {
      await e.sql('UPDATE blobs SET data = $1 WHERE sha256 = $2', [original, sha]);
    }
  });

  test('Swahili labels, switchable and remembered', async () => {
    const page = await open('/');
    await page.getByRole('heading', { level: 1, name: 'President' }).waitFor();
    await page.getByRole('button', { name: 'Kiswahili' }).click();
    await page.getByRole('heading', { level: 1, name: 'Rais' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'sw');
    assert.equal(
      await page.getByRole('button', { name: 'Kiswahili' }).getAttribute('aria-pressed'),
      'true',
    );
    const text = await page.locator('main').innerText();
    for (const word of [
      'Vituo vya kupigia kura vilivyoripoti',
      'Waliojitokeza',
      'Kura halali',
      'Ramani ya kaunti',
      'Mgombea',
    ])
      assert.ok(text.includes(word), `Swahili label "${word}"`);
    assert.match(await page.locator('nav.site-nav').innerText(), /Matokeo/);
    await page.locator('svg.map-svg').waitFor();
    await screenshot(page, 'national-summary-swahili');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Rais' }).waitFor();
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { level: 1, name: 'President' }).waitFor();
    await page.close();
  });

  test('figures update live, without a reload, as results arrive: pushed, not polled', async () => {
    const page = await open('/');
    const asked: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    const before = await tally('president');
    const figure = page.getByTestId('stations-reported');
    await figure.filter({ hasText: String(before.stationsReported) }).waitFor();
    await page.evaluate(() => {
      (window as unknown as { marker: boolean }).marker = true;
    });
    const code = late.shift() as string;
    await e.submit(code, 'president');
    await figure
      .filter({ hasText: String(before.stationsReported + 1) })
      .waitFor({ timeout: 15_000 });
    // The same document: no reload happened.
    assert.equal(
      await page.evaluate(() => (window as unknown as { marker?: boolean }).marker),
      true,
    );
    // The news came over the event stream: the checkpoint was never polled.
    assert.ok(asked.includes('/api/v1/tally/president'), 'the figures were fetched again');
    assert.deepEqual(
      asked.filter((p) => p === '/log/checkpoint'),
      [],
    );
    await page.close();
  });

  test('with the event stream refused, the portal polls the checkpoint, backing off', async () => {
    // The page's clock is Playwright's: the test jumps it forward, and it also
    // flows with the real one, so on a loaded machine a poll may come while
    // the test waits. So the waits are read from the page's own clock, poll by
    // poll, and compared with the schedule (live-schedule.ts): from the end of
    // a poll to the start of the next, jittered down to half of 8 s after one
    // without news, of 4 s after one with news. SLACK allows for a timer that
    // fires late on a loaded machine; early it never fires.
    const SLACK = 1_500;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (m) => {
      // The browser reports the refused stream itself; anything else is a fault.
      if (m.type() === 'error' && !/status of 503|status 503/.test(m.text())) errors.push(m.text());
    });
    // Each poll's start and end on the page's clock, and the tree size it brought.
    // A string, not a function: tsx would wrap a function's inner names in a helper the page lacks.
    await page.addInitScript({
      content: `(() => {
        const f = window.fetch;
        window.__polls = [];
        window.fetch = function (input, init) {
          const url = typeof input === 'string' ? input : input.url;
          if (new URL(url, location.href).pathname !== '/log/checkpoint') return f.call(this, input, init);
          const poll = { start: Date.now(), end: null, size: null };
          window.__polls.push(poll);
          return f.call(this, input, init).then(async (r) => {
            poll.size = Number((await r.clone().text()).split('\\n')[1]);
            poll.end = Date.now();
            return r;
          });
        };
      })();`,
    });
    await page.clock.install();
    let streams = 0;
    await page.route('**/log/events', (route) => {
      streams++;
      return route.fulfill({
        status: 503,
        headers: { 'retry-after': '60', 'content-type': 'application/json' },
        body: '{"error":{"code":"LIVE_STREAMS_FULL","message":"full"}}',
      });
    });
    type Poll = { start: number; end: number | null; size: number | null };
    const polls = () =>
      page.evaluate(() => (window as unknown as { __polls: Poll[] }).__polls.slice());
    await page.goto(`${e.url}/`);
    const pageStart = await page.evaluate(() => Date.now());
    const figure = page.getByTestId('stations-reported');
    const before = await tally('president');
    await figure.filter({ hasText: String(before.stationsReported) }).waitFor();
    // Refused at once, the portal polled at once, and shows the log's status from it.
    await page
      .locator('.logbar')
      .filter({ hasText: /entries in the log/ })
      .waitFor();
    assert.ok((await polls()).length >= 1);
    const first = (await polls())[0] as Poll;
    await waitUntil(async () => (await polls())[0]?.end !== null);
    await e.submit(late.shift() as string, 'president');
    // The next poll brings the news: the figures follow.
    await page.clock.runFor(8_200);
    await figure.filter({ hasText: String(before.stationsReported + 1) }).waitFor();
    await page.clock.runFor(4_200);
    const news = async () => (await polls()).findIndex((p) => (p.size ?? 0) > (first.size ?? 0));
    await waitUntil(async () => {
      const all = await polls();
      const n = await news();
      return n >= 0 && all.length > n + 1;
    });
    const all = await polls();
    const n = await news();
    const gap = (k: number) => (all[k + 1] as Poll).start - ((all[k] as Poll).end as number);
    // After the first poll (no news): 4–8 s.
    assert.equal(all[0]?.size, first.size);
    assert.ok(gap(0) >= 4_000 && gap(0) <= 8_000 + SLACK, `waited ${gap(0)} ms after a quiet poll`);
    // After the poll with news: back to 2–4 s.
    assert.ok(gap(n) >= 2_000 && gap(n) <= 4_000 + SLACK, `waited ${gap(n)} ms after news`);
    // A refused stream is not asked for again within a minute's jitter (30–60 s).
    const elapsed = (await page.evaluate(() => Date.now())) - pageStart;
    assert.ok(
      streams >= 1 && streams <= 1 + Math.floor(elapsed / 30_000),
      `${streams} streams asked for in ${elapsed} ms`,
    );
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('search by station name or code', async () => {
    const station = e.definition.stations[7];
    assert.ok(station);
    const page = await open('/search');
    await page.getByLabel('Search by polling station name or code, or a place').fill(station.code);
    await page.keyboard.press('Enter');
    const hits = page.getByTestId('search-stations');
    await hits.waitFor();
    assert.equal(await hits.locator('li').count(), 1);
    await page.getByLabel('Search by polling station name or code, or a place').fill('bahari');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForURL(/q=bahari/);
    await hits.locator('li').nth(7).waitFor();
    assert.equal(await hits.locator('li').count(), 8);
    await screenshot(page, 'search');
    await hits.getByRole('link').first().click();
    await page.getByRole('heading', { level: 1, name: /^Bahari Secondary School/ }).waitFor();
    await page.close();
  });

  test('keyboard and screen reader basics', async () => {
    const page = await open('/');
    await page.getByRole('heading', { level: 1, name: 'President' }).waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => location.hash), '#main');
    // Tab reaches the county links in the map, and Enter follows them.
    await page.locator('svg.map-svg a[href="/c/president/u/002"]').focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Kwale: President' }).waitFor();
    // Names for every control and image.
    const unnamed = await page.evaluate(() =>
      Array.from(document.querySelectorAll('button, a, input, img, canvas'))
        .filter((el) => {
          const name =
            el.getAttribute('aria-label') ||
            el.getAttribute('alt') ||
            (el.id ? document.querySelector(`label[for="${el.id}"]`)?.textContent : '') ||
            el.textContent;
          return !name?.trim();
        })
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    assert.deepEqual(unnamed, []);
    await page.close();
  });

  test('every request goes to kura itself: no outside host for scripts, styles, fonts or maps', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(`${e.url}/`);
    await page.getByRole('heading', { level: 1, name: 'President' }).waitFor();
    await page.locator('svg.map-svg a').first().waitFor();
    await page.goto(`${e.url}/station/${verified}`);
    await runVerify(page);
    await page.goto(`${e.url}/data`);
    await page.waitForLoadState('networkidle');
    const origin = new URL(e.url).origin;
    const outside = requested.filter(
      (u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:') && !u.startsWith('blob:'),
    );
    assert.ok(requested.length > 10, `only ${requested.length} requests seen`);
    assert.deepEqual(outside, []);
    await page.close();
  });

  test('budget: the first load needs at most 100 KB of JavaScript, gzipped (measured)', async () => {
    const html = readFileSync(join(DEFAULT_PORTAL_DIR, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => m[1] as string);
    const preloads = [...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g)].map(
      (m) => m[1] as string,
    );
    let gz = 0;
    let raw = 0;
    for (const src of [...scripts, ...preloads]) {
      const body = readFileSync(join(DEFAULT_PORTAL_DIR, src));
      raw += body.length;
      gz += gzipSync(body, { level: 9 }).length;
    }
    process.stdout.write(
      `budget: portal first-load JavaScript ${raw} bytes, ${(gz / 1024).toFixed(1)} KB gzipped (${scripts.length + preloads.length} files; budget 100 KB)\n`,
    );
    assert.ok(scripts.length >= 1);
    assert.ok(gz <= 100 * 1024, `first-load JS is ${gz} bytes gzipped`);
  });

  test('budget: national figures painted on slow 4G with a 4x slower CPU (measured; what paints them is bounded)', async () => {
    // Lighthouse's slow 4G: 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up,
    // as Chromium's network emulation (CDP), and the CPU slowed 4x. "Painted":
    // from navigation start until every candidate's national votes are in the
    // results table, laid out (a MutationObserver marks it, after the frame).
    // The time is measured and reported (the 2.5 s goal), not asserted: on a
    // shared machine other processes slow the throttled CPU further, and a
    // test must not fail for that (speed belongs to npm run bench). What is
    // asserted is what the time is made of and does not depend on the
    // machine: which files and how many bytes the page fetches before the
    // figures show. At 1.6 Mbit/s those bytes and the round trips they need
    // are what keeps the paint within the goal. What can wait (the chart, the
    // map, the log's status and its signature code, the icon) is held back
    // until the figures show: they must show without it, and on a loaded
    // machine a late paint must not let it join the count by chance.
    const t = await tally('president');
    const expected = Object.values(t.votes).map((v) => v.toLocaleString('en-KE'));
    const slow4g = { latency: 150, down: (1.6 * 1024 * 1024) / 8, up: (750 * 1024) / 8 };
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    try {
      // A string, not a function: tsx would wrap a function's inner names in a helper the page lacks.
      await context.addInitScript({
        content: `(() => {
          const votes = ${JSON.stringify(expected)};
          const watch = new MutationObserver(() => {
            const rows = Array.from(document.querySelectorAll('table.results tbody tr'));
            const shown = votes.every((v) =>
              rows.some((r) => r.textContent.includes(v) && r.getBoundingClientRect().height > 0));
            if (!shown) return;
            watch.disconnect();
            // What was fetched by the time they show, before anything later joins it.
            window.__kuraBeforeFigures = performance.getEntriesByType('resource')
              .map((r) => ({ name: r.name, bytes: r.encodedBodySize }));
            window.__kuraFiguresShown();
            // After the frame that shows them.
            requestAnimationFrame(() => setTimeout(() => performance.mark('kura:national-figures')));
          });
          watch.observe(document, { childList: true, subtree: true, characterData: true });
        })();`,
      });
      let figuresShown: () => void = () => {};
      const shown = new Promise<void>((resolve) => {
        figuresShown = resolve;
      });
      await context.exposeBinding('__kuraFiguresShown', () => figuresShown());
      const canWait =
        /bar-chart|ResultsMap|counties|constituencies|log-status|crypto|favicon|\/log\//;
      const held: string[] = [];
      await context.route('**/*', async (route) => {
        const path = new URL(route.request().url()).pathname;
        if (canWait.test(path)) {
          held.push(path);
          await shown;
        }
        await route.continue();
      });
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: slow4g.latency,
        downloadThroughput: slow4g.down,
        uploadThroughput: slow4g.up,
      });
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
      await page.goto(`${e.url}/`, { waitUntil: 'commit' });
      await page.waitForFunction(
        () => performance.getEntriesByName('kura:national-figures').length > 0,
        null,
        { timeout: 120_000 },
      );
      const ms = await page.evaluate(
        () => performance.getEntriesByName('kura:national-figures')[0]?.startTime ?? -1,
      );
      const before = (await page.evaluate(
        () => (window as unknown as { __kuraBeforeFigures: unknown }).__kuraBeforeFigures,
      )) as Array<{ name: string; bytes: number }>;
      const html = await (
        await fetch(`${e.url}/`, { headers: { 'accept-encoding': 'gzip' } })
      ).arrayBuffer();
      const bytes = before.reduce((n, r) => n + r.bytes, 0) + html.byteLength;
      const files = before.map((r) => new URL(r.name).pathname);
      process.stdout.write(
        `budget: national figures painted in ${(ms / 1000).toFixed(2)} s on slow 4G (150 ms RTT, 1.6 Mbit/s down, 750 kbit/s up) with 4x CPU slowdown (goal 2.5 s; reported, not asserted); before them the page fetched ${files.length + 1} files, ${(bytes / 1024).toFixed(1)} KB as sent: ${files.join(', ')}\n`,
      );
      assert.ok(ms > 0);
      // Nothing that can wait is on the way to the figures: they showed while it was held back.
      assert.deepEqual(
        files.filter((f) => canWait.test(f)),
        [],
        'fetched before the national figures',
      );
      process.stdout.write(`budget: held back until the figures showed: ${held.join(', ')}\n`);
      // 1.6 Mbit/s moves 200 KB in 1 s: at most 60 KB as sent leaves the rest of the 2.5 s
      // to the round trips and the slowed CPU.
      assert.ok(bytes <= 60 * 1024, `${bytes} bytes fetched before the national figures`);
      assert.ok(
        files.length + 1 <= 8,
        `${files.length + 1} files fetched before the national figures`,
      );
    } finally {
      await context.close();
    }
  });
});
