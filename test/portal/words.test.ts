// The portal's words and focus in Chromium: an unknown path shows the portal's
// Not found page (with HTTP 404); /admin on a server without the commission key
// says so before any login and shows no login form; in Swahili, the key pages
// (Verify's details and a refusal included) show no English words; the keyboard
// focus never drops to <body> while Verify runs, nor after following a search result.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserMissing, ensurePortalBuilt, launch, screenshot } from './browser.js';
import { type PortalElection, startPortalElection } from './portal-election.js';

const missing = browserMissing();
if (missing) process.stderr.write(`portal browser tests skipped: ${missing}\n`);

describe('the portal’s words and focus in Chromium', { skip: missing ?? false }, () => {
  let e: PortalElection;
  let browser: Browser;
  let station = '';

  before(async () => {
    ensurePortalBuilt();
    e = await startPortalElection('pglite');
    browser = await launch();
    station = e.definition.stations[1]?.code as string;
    // One contest is left to report while Verify runs (below).
    for (const contest of e.contests().slice(0, -1)) await e.submit(station, contest);
  });
  after(async () => {
    await browser?.close();
    await e?.close();
  });

  async function open(path: string, lang: 'en' | 'sw' = 'en'): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    if (lang === 'sw') await page.addInitScript(() => localStorage.setItem('kura.lang', 'sw'));
    await page.goto(e.url + path);
    return page;
  }
  /** What has the focus: "body" when it dropped. */
  const focused = (page: Page) =>
    page.evaluate(() => {
      const a = document.activeElement;
      return !a || a === document.body ? 'body' : `${a.tagName.toLowerCase()}#${a.id}`;
    });

  test('an unknown path: the Not found page, with HTTP 404, in both languages', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const r = await page.goto(`${e.url}/nope`);
    assert.equal(r?.status(), 404);
    await page.getByRole('heading', { level: 1, name: 'Not found' }).waitFor();
    assert.match(await page.getByTestId('not-found').innerText(), /no page at\s+\/nope/);
    await page.getByRole('link', { name: 'Go to the results' }).click();
    await page.getByRole('heading', { level: 1, name: 'President' }).waitFor();
    await page.close();
    const sw = await open('/nope/deeper', 'sw');
    await sw.getByRole('heading', { level: 1, name: 'Haikupatikana' }).waitFor();
    await screenshot(sw, 'not-found-swahili');
    await sw.close();
  });

  test('/admin without the commission key says so first, and offers no login form', async () => {
    const page = await open('/admin');
    const off = page.getByTestId('officials-off');
    await off.waitFor();
    assert.match(await off.innerText(), /Officials cannot log in on this server/);
    assert.match(await off.innerText(), /without the commission’s key/);
    assert.equal(await page.locator('input[type="password"]').count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Log in' }).count(), 0);
    await screenshot(page, 'admin-officials-off');
    await page.close();
  });

  /** English words that have no place on a Swahili page (names of people and places aside). */
  const ENGLISH =
    /\b(the|and|not|of|is|by|with|from|this|entry|entries|signed|proof|checkpoint|votes|valid|rejected|station|form|found|results?|verified|failed|log|key|error|server|unit|contest)\b/i;
  /** The words a reader sees in <main>, less codes, hashes and keys (.mono, code, pre). */
  const visibleWords = (page: Page) =>
    page.evaluate(`(() => {
      const main = document.getElementById('main').cloneNode(true);
      for (const el of main.querySelectorAll('code, pre, .mono, [translate="no"]')) el.remove();
      return main.innerText;
    })()`) as Promise<string>;

  test('in Swahili, the key pages and Verify’s details show no English words', async () => {
    const code = station;
    const checks: Array<[string, string]> = [
      ['/', 'Rais'],
      ['/c/president/u/001', 'Mombasa'],
      ['/search?q=bahari', 'Tafuta'],
      ['/data', 'Data huria'],
      ['/record', 'Kumbukumbu: nani alifanya nini'],
      ['/admin', 'Maafisa'],
      ['/nope', 'Haikupatikana'],
      ['/c/no-such-contest', 'Ukurasa huu haukuweza kupakiwa'],
    ];
    for (const [path, heading] of checks) {
      const page = await open(path, 'sw');
      await page.getByRole('heading', { name: heading }).first().waitFor();
      await page.locator('.loading').waitFor({ state: 'detached' });
      const text = await visibleWords(page);
      assert.doesNotMatch(text, ENGLISH, `${path} in Swahili: ${text.match(ENGLISH)?.[0]}`);
      await page.close();
    }
    // The log status line above every page: how long ago the log signed, in Swahili word order.
    const home = await open('/', 'sw');
    const bar = home.locator('.logbar').filter({ hasText: /sasa hivi|zilizopita/ });
    await bar.waitFor();
    assert.doesNotMatch(await bar.innerText(), /\b(ago|min)\b|\d+ s\b/);
    await home.close();
    const page = await open(`/station/${code}`, 'sw');
    await page.getByTestId('verify').click();
    await page.getByTestId('verdict').waitFor({ timeout: 30_000 });
    const text = await visibleWords(page);
    assert.match(text, /Fomu \d/, 'the form’s label');
    assert.doesNotMatch(text, ENGLISH, `station in Swahili: ${text.match(ENGLISH)?.[0]}`);
    await screenshot(page, 'verify-swahili');
    await page.close();
  });

  test('focus stays off <body> while Verify runs, and lands on the page after a search', async () => {
    const page = await open(`/station/${station}`);
    const verify = page.getByTestId('verify');
    await verify.focus();
    // Sampled on every frame from the press until the verdict: never <body>.
    // (A string: the test runner's compiler would rename a named function inside.)
    await page.evaluate(`(() => {
      window.dropped = [];
      window.sampling = true;
      const sample = () => {
        const a = document.activeElement;
        if (!a || a === document.body) window.dropped.push(performance.now().toFixed(0));
        if (window.sampling) requestAnimationFrame(sample);
      };
      requestAnimationFrame(sample);
    })()`);
    // Verify is held at its entries while a result for this station arrives, so the live
    // update re-renders the page under the running Verify.
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    await page.route('**/api/v1/entries/**', async (route) => {
      await held;
      await route.continue();
    });
    const size = await page.getByTestId('tree-size').innerText();
    await page.keyboard.press('Enter');
    await page.getByText('Checking…').waitFor();
    await e.submit(station, e.contests().at(-1) as string);
    await page.getByTestId('tree-size').filter({ hasNotText: size }).waitFor({ timeout: 20_000 });
    await page
      .getByTestId(`result-${e.contests().at(-1)}`)
      .locator('table')
      .waitFor();
    release();
    await page.getByTestId('verdict').waitFor({ timeout: 30_000 });
    const dropped = await page.evaluate(() => {
      const w = window as unknown as { dropped: string[]; sampling: boolean };
      w.sampling = false;
      return w.dropped;
    });
    assert.deepEqual(dropped, [], 'frames with the focus on <body> while Verify ran');
    assert.notEqual(await focused(page), 'body');
    await page.close();

    const search = await open('/search');
    const name = e.definition.stations[1]?.name as string;
    await search.getByLabel('Search by polling station name or code, or a place').fill(station);
    await search.keyboard.press('Enter');
    const hit = search.getByTestId('search-stations').getByRole('link', { name });
    await hit.focus();
    await search.keyboard.press('Enter');
    await search.getByRole('heading', { level: 1, name }).waitFor();
    assert.notEqual(await focused(search), 'body', 'focus after following a search result');
    // The next Tab goes on from the new page, not from the top of the document.
    assert.equal(await focused(search), 'main#main');
    await search.close();
  });
});
