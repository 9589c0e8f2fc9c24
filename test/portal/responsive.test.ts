// The portal at a phone's width (360×740, 390×844) and a laptop's (1366×768),
// in Chromium against a real kura server, with the real 2022 presidential
// names and long polling-station names: on every page every figure of a
// results table lies fully within the screen's width (nothing to scroll
// sideways to read a vote count), the contest tabs are whole, axe-core finds
// no violation of any impact, and the keyboard alone drills down from the
// nation to a station and runs Verify. Screenshots are named by page and
// viewport in test-output/screenshots/.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { demoDeviceSeed } from '../../src/election/demo-keys.js';
import { signResult } from '../../src/election/device.js';
import { browserMissing, ensurePortalBuilt, launch, screenshot } from './browser.js';
import { type PortalElection, startPortalElection } from './portal-election.js';

const missing = browserMissing();
if (missing) process.stderr.write(`portal responsive tests skipped: ${missing}\n`);

const VIEWPORTS = [
  { width: 360, height: 740 },
  { width: 390, height: 844 },
  { width: 1366, height: 768 },
];
const WARD = '0010010001';
const STATION = `${WARD}00101`;
/** A station whose presidential result an official proposes to correct: on /record. */
const CORRECTED = `${WARD}00201`;
const PASSWORD = 'correct horse battery staple';

interface Where {
  name: string;
  path: string;
  /** What must be on screen before the page is measured. */
  ready: string[];
  /** The page shows a table of results: its figure cells must be there. */
  figures: boolean;
}
const PAGES: Where[] = [
  {
    name: 'home',
    path: '/',
    ready: ['[data-testid="candidate-table"]', '[data-testid="children-table"]', '.chart canvas'],
    figures: true,
  },
  {
    name: 'county',
    path: '/c/president/u/001',
    ready: ['[data-testid="children-table"]'],
    figures: true,
  },
  {
    name: 'constituency',
    path: '/c/president/u/001001',
    ready: ['[data-testid="children-table"]'],
    figures: true,
  },
  {
    name: 'ward',
    path: `/c/president/u/${WARD}`,
    ready: ['[data-testid="stations-table"]'],
    figures: true,
  },
  {
    name: 'ward-assembly',
    path: `/c/member-of-county-assembly/u/${WARD}`,
    ready: ['[data-testid="stations-table"]'],
    figures: true,
  },
  {
    name: 'station',
    path: `/station/${STATION}`,
    ready: ['[data-testid="result-president"] table'],
    figures: true,
  },
  {
    name: 'search',
    path: '/search?q=bahari',
    ready: ['[data-testid="search-stations"]'],
    figures: false,
  },
  { name: 'record', path: '/record', ready: ['main table'], figures: false },
  { name: 'admin', path: '/admin', ready: [], figures: false },
  { name: 'data', path: '/data', ready: [], figures: false },
];

interface Cell {
  text: string;
  left: number;
  right: number;
  shown: boolean;
}

describe('the portal at phone and laptop widths', { skip: missing ?? false }, () => {
  let e: PortalElection;
  let browser: Browser;

  before(async () => {
    ensurePortalBuilt();
    e = await startPortalElection('pglite', { longNames: true, officials: true });
    browser = await launch();
    const stations = e.definition.stations;
    for (const [i, s] of stations.entries()) {
      // Some stations have not reported yet.
      if (i % 5 === 4) continue;
      for (const contest of e.contests()) {
        if (s.code === STATION && contest === 'president') {
          // A form whose total valid is not the sum of its votes: a flagged station.
          const honest = e.result(s.code, contest, 'f'.repeat(64));
          const { sig: _sig, ...unsigned } = honest;
          const flagged = signResult(
            { ...unsigned, totalValid: unsigned.totalValid + 5 },
            demoDeviceSeed(e.definition.electionId, `kit-${s.code}`),
          );
          const r = await e.running.app.inject({
            method: 'POST',
            url: '/api/v1/results',
            payload: flagged,
          });
          assert.equal(r.statusCode, 201, r.body);
          continue;
        }
        await e.submit(s.code, contest);
      }
    }
    // On the record: an account, a failed login, a correction and a declaration that differs.
    const officials = e.running.officials;
    const fold = e.running.sequencer?.fold;
    assert.ok(officials && fold);
    await officials.createAccount(null, {
      account: 'clerk',
      role: 'commission-admin',
      scope: '',
      password: PASSWORD,
    });
    const clerk = fold.officials.accounts.get('clerk');
    assert.ok(clerk);
    const refused = await e.running.app.inject({
      method: 'POST',
      url: '/api/v1/login',
      payload: { account: 'clerk', password: 'not the password at all' },
    });
    assert.equal(refused.statusCode, 401, refused.body);
    const get = async (url: string) => (await e.running.app.inject({ method: 'GET', url })).json();
    const original = (await get(`/api/v1/stations/${CORRECTED}`)).results.president;
    const votes = { ...original.votes, amani: original.votes.amani + 5 };
    await officials.act(clerk, {
      kind: 'correction-proposed',
      contest: 'president',
      station: CORRECTED,
      original: original.entryIndex,
      reason: 'the tally clerk misread a 5 as a 0',
      form: 'ab'.repeat(32),
      votes,
      rejected: original.rejected,
      totalValid: original.totalValid + 5,
    });
    const nation = (await get('/api/v1/tally/president')).tally;
    await officials.act(clerk, {
      kind: 'declaration',
      contest: 'president',
      unit: '',
      override: 'figures of the returning officers, stations still to report',
      votes: { ...nation.votes, baraka: nation.votes.baraka + 120 },
      rejected: nation.rejected,
      totalValid: nation.totalValid + 120,
    });
  });
  after(async () => {
    await browser?.close();
    await e?.close();
  });

  async function open(path: string, viewport: { width: number; height: number }): Promise<Page> {
    // axe-core is injected as an inline script, which the portal's CSP rightly refuses.
    const page = await browser.newPage({ viewport, bypassCSP: true });
    await page.goto(e.url + path);
    return page;
  }

  async function settle(page: Page, where: Where): Promise<void> {
    await page.locator('main h1').first().waitFor();
    for (const selector of where.ready) await page.locator(selector).first().waitFor();
    await page.waitForFunction(() => document.querySelector('main .loading') === null);
  }

  /** Figure cells: numeric cells of any table, and whatever is marked as a figure. */
  const figureCells = (page: Page) =>
    page.evaluate(() =>
      Array.from(document.querySelectorAll('main td.num, main [data-figure]')).map((el) => {
        const r = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        return {
          text: `${el.getAttribute('data-figure') ?? 'num'}: ${(el.textContent ?? '').trim()}`,
          left: r.left,
          right: r.right,
          shown: el.getClientRects().length > 0 && style.visibility !== 'hidden' && r.width > 0,
        };
      }),
    );

  /** Every shown figure cell lies within the screen's width; what must never hide is shown. */
  async function assertFiguresInView(page: Page, label: string): Promise<number> {
    const width = await page.evaluate(() => window.innerWidth);
    const cells: Cell[] = await figureCells(page);
    const outside = cells.filter((c) => c.shown && (c.left < 0 || c.right > width + 0.5));
    assert.deepEqual(outside, [], `${label}: figure cells outside 0..${width}px`);
    const marked = await page.evaluate(
      () =>
        Array.from(document.querySelectorAll('main [data-figure]')).filter(
          (el) => el.getClientRects().length === 0,
        ).length,
    );
    assert.equal(marked, 0, `${label}: figures hidden`);
    return cells.filter((c) => c.shown).length;
  }

  for (const viewport of VIEWPORTS) {
    const size = `${viewport.width}x${viewport.height}`;
    for (const where of PAGES) {
      test(`${where.name} at ${size}: every figure within the width, whole tabs, no axe violation`, async () => {
        const page = await open(where.path, viewport);
        await settle(page, where);
        const label = `${where.name} ${size}`;
        const shown = await assertFiguresInView(page, label);
        if (where.figures) assert.ok(shown >= 3, `${label}: only ${shown} figure cells`);

        // Numbers first: the votes table comes before the chart.
        const order = await page.evaluate(() => {
          const table = document.querySelector('[data-testid="candidate-table"]');
          const chart = document.querySelector('.chart');
          if (!table || !chart) return null;
          return table.compareDocumentPosition(chart) & Node.DOCUMENT_POSITION_FOLLOWING;
        });
        if (order !== null) assert.ok(order, `${label}: the chart comes before the votes`);

        // The page itself never scrolls sideways.
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - window.innerWidth,
        );
        assert.ok(overflow <= 0, `${label}: the page is ${overflow}px wider than the screen`);

        // Contest tabs whole: inside the screen and not cut.
        const cutTabs = await page.evaluate(() =>
          Array.from(document.querySelectorAll('.tabs a'))
            .filter((a) => {
              const r = a.getBoundingClientRect();
              return r.left < 0 || r.right > window.innerWidth || a.scrollWidth > a.clientWidth + 1;
            })
            .map((a) => a.textContent),
        );
        assert.deepEqual(cutTabs, [], `${label}: contest tabs cut`);

        // Tables fit their frame; what still scrolls says so and takes the keyboard.
        const frames = await page.evaluate(() =>
          Array.from(document.querySelectorAll('main .table-wrap')).map((w) => ({
            scrolls: w.scrollWidth > w.clientWidth + 1,
            over: w.scrollWidth - w.clientWidth,
            focusable: w.getAttribute('tabindex') === '0',
            named: Boolean(w.getAttribute('aria-label')) && w.getAttribute('role') === 'region',
            cue: Boolean(w.parentElement?.querySelector('.scroll-cue')),
          })),
        );
        for (const f of frames.filter((x) => x.scrolls))
          assert.ok(f.focusable && f.named && f.cue, `${label}: a scrolling table without cue`);
        if (viewport.width >= 1366)
          assert.deepEqual(
            frames.filter((f) => f.scrolls).map((f) => f.over),
            [],
            `${label}: tables wider than the content`,
          );

        // The secondary columns, once asked for, are within the width too.
        const more = page.getByTestId('more-columns');
        for (const button of await more.all()) if (await button.isVisible()) await button.click();
        await assertFiguresInView(page, `${label} (more columns)`);
        for (const button of await more.all()) if (await button.isVisible()) await button.click();

        // axe-core: no violation of any impact.
        await page.addScriptTag({ path: 'node_modules/axe-core/axe.min.js' });
        const violations = await page.evaluate(async () => {
          const axe = (window as unknown as { axe: { run: (d: Document) => Promise<AxeResult> } })
            .axe;
          type AxeResult = {
            passes: unknown[];
            violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }>;
          };
          const r = await axe.run(document);
          return {
            passed: r.passes.length,
            violations: r.violations.map((v) => ({
              id: v.id,
              impact: v.impact,
              nodes: v.nodes.slice(0, 4).map((n) => n.target.join(' ')),
            })),
          };
        });
        // axe did run its rules on this page.
        assert.ok(violations.passed >= 10, `${label}: axe passed only ${violations.passed} rules`);
        assert.deepEqual(violations.violations, [], `${label}: axe violations`);
        await screenshot(page, `responsive-${where.name}-${size}`);
        await page.close();
      });
    }

    if (viewport.width >= 1366)
      test(`at ${size} the national figures are above the fold and station names are short`, async () => {
        const home = await open('/', viewport);
        await settle(home, PAGES[0] as Where);
        const bottoms = await home.evaluate(() =>
          Array.from(
            document.querySelectorAll('[data-testid="candidate-table"] [data-figure="votes"]'),
          ).map((td) => td.getBoundingClientRect().bottom),
        );
        assert.equal(bottoms.length, 4);
        const fold = viewport.height;
        assert.ok(
          bottoms.every((b) => b <= fold),
          `candidate votes end at ${Math.max(...bottoms)}px, the fold is at ${fold}px`,
        );
        await home.close();
        const ward = await open(`/c/president/u/${WARD}`, viewport);
        await settle(ward, PAGES[3] as Where);
        const lines = await ward.evaluate(() =>
          Array.from(document.querySelectorAll('[data-testid="stations-table"] tbody th a')).map(
            (a) => {
              const lineHeight = Number.parseFloat(getComputedStyle(a).lineHeight);
              return Math.round(a.getBoundingClientRect().height / lineHeight);
            },
          ),
        );
        assert.ok(lines.length >= 2);
        assert.ok(Math.max(...lines) <= 2, `station names take ${lines.join(', ')} lines`);
        await ward.close();
      });

    test(`at ${size} the keyboard alone drills down to a station and runs Verify`, async () => {
      const page = await open('/', viewport);
      await settle(page, PAGES[0] as Where);
      /** Presses Tab until the focus is on `selector`, then Enter. */
      const tabTo = async (selector: string) => {
        for (let i = 0; i < 400; i++) {
          await page.keyboard.press('Tab');
          if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) {
            await page.keyboard.press('Enter');
            return;
          }
        }
        assert.fail(`${size}: Tab never reached ${selector}`);
      };
      const steps: Array<[string, string]> = [
        ['/c/president/u/001', 'Mombasa: President'],
        ['/c/president/u/001001', 'Changamwe: President'],
        [`/c/president/u/${WARD}`, 'Port Reitz: President'],
      ];
      for (const [href, heading] of steps) {
        await tabTo(`main a[href="${href}"]`);
        await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      }
      await page.getByTestId('stations-table').waitFor();
      await tabTo(`main a[href="/station/${STATION}"]`);
      await page.getByTestId('verify').waitFor();
      await tabTo('[data-testid="verify"]');
      await page.getByTestId('verdict').waitFor({ timeout: 30_000 });
      await page.close();
    });
  }
  test('a table still wider than a tablet says so, and the keyboard scrolls it', async () => {
    // 800 px: above the phones' card layout, too narrow for six candidates' columns.
    const page = await open(`/c/member-of-county-assembly/u/${WARD}`, { width: 800, height: 1000 });
    await settle(page, PAGES[4] as Where);
    const frame = page.locator('.table-wrap', { has: page.getByTestId('stations-table') });
    await frame.and(page.locator('.scrolls')).waitFor();
    assert.equal(await frame.getAttribute('role'), 'region');
    assert.equal(await frame.getAttribute('tabindex'), '0');
    assert.equal(
      await frame.getAttribute('aria-label'),
      'Polling stations: Scroll sideways for more',
    );
    const cue = page.locator('.table-frame', { has: frame }).locator('.scroll-cue');
    assert.match(await cue.innerText(), /Scroll sideways/);
    assert.ok(await cue.isVisible());
    // Focused from the keyboard, the arrow keys scroll it.
    await frame.focus();
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(
      () => (document.querySelector('.table-wrap.scrolls') as HTMLElement).scrollLeft > 0,
    );
    await page.addScriptTag({ path: 'node_modules/axe-core/axe.min.js' });
    const violations = await page.evaluate(async () => {
      const axe = (
        window as unknown as {
          axe: { run: (d: Document) => Promise<{ violations: Array<{ id: string }> }> };
        }
      ).axe;
      return (await axe.run(document)).violations.map((v) => v.id);
    });
    assert.deepEqual(violations, []);
    await screenshot(page, 'responsive-ward-assembly-800x1000');
    await page.close();
  });
});
