// The results maps in Chromium, on a small Kenya: the real 47 counties and 290
// constituencies of the Kenya definition, one polling station in each
// constituency (and one abroad), president only. The county map on the home
// page and a county's constituency map: named links, drill-down by keyboard,
// the turnout toggle, the CC BY credit, Swahili, a phone's width, axe-core; the
// map data fetched only once a map is shown, gzipped. And no map for an
// election whose units are not Kenya's. Screenshots go to test-output/screenshots/.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import type { ElectionDefinition } from '../../src/election/definition.js';
import { demoDeviceSeed } from '../../src/election/demo-keys.js';
import { deviceTime, signResult } from '../../src/election/device.js';
import type { ResultEntry, Unsigned } from '../../src/election/entries.js';
import { buildKenya2022Definition } from '../../src/kenya/definition.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';
import { browserMissing, ensurePortalBuilt, launch, screenshot } from './browser.js';

const missing = browserMissing();
if (missing) process.stderr.write(`map browser tests skipped: ${missing}\n`);

/** Kenya with one station per constituency and one in the diaspora; president only. */
function smallKenya(keys: { logOrigin: string; logKey: string; commissionKey: string }) {
  const full = buildKenya2022Definition(keys);
  const seen = new Set<string>();
  const stations = full.stations.filter((s) => {
    const constituency = s.ward.slice(0, 6);
    if (seen.has(constituency)) return false;
    seen.add(constituency);
    return true;
  });
  const wards = new Set(stations.map((s) => s.ward));
  const codes = new Set(stations.map((s) => s.code));
  return {
    ...full,
    units: full.units.filter((u) => u.level !== 'ward' || wards.has(u.code)),
    stations,
    contests: full.contests.filter((c) => c.id === 'president'),
    devices: full.devices.filter((d) => codes.has(d.station)),
  } satisfies ElectionDefinition;
}

/** Counties and constituencies left without results: drawn neutral. */
const SILENT_COUNTIES = ['046', '047'];
const SILENT_CONSTITUENCY = '001003';

describe('the results maps in Chromium', { skip: missing ?? false }, () => {
  let kenya: TestLog;
  let other: TestLog;
  let url: string;
  let otherUrl: string;
  let browser: Browser;

  before(async () => {
    ensurePortalBuilt();
    kenya = await newTestLog('pglite', {
      electionId: 'kenya-2022',
      definition: (k) => smallKenya(k),
      sequencerPeriodMs: 10,
      signatureThreads: 0,
    });
    url = (await kenya.running.app.listen({ host: '127.0.0.1', port: 0 })).replace(
      'localhost',
      '127.0.0.1',
    );
    const d = kenya.definition;
    for (const s of d.stations) {
      if (SILENT_COUNTIES.includes(s.code.slice(0, 3)) || s.code.startsWith(SILENT_CONSTITUENCY))
        continue;
      const device = d.devices.find((x) => x.station === s.code)?.id as string;
      const n = Number.parseInt(createHash('sha256').update(s.code).digest('hex').slice(0, 8), 16);
      const cast = Math.floor(s.registeredVoters * (0.45 + (n % 45) / 100));
      const odinga = Math.floor(cast * (0.2 + ((n >>> 8) % 60) / 100));
      const votes = { odinga, ruto: cast - odinga, wajackoyah: 0, mwaure: 0 };
      const unsigned: Unsigned<ResultEntry> = {
        type: 'result',
        v: 1,
        election: d.electionId,
        contest: 'president',
        station: s.code,
        device,
        votes,
        rejected: n % 5,
        totalValid: cast,
        form: createHash('sha256').update(`no scan ${s.code}`).digest('hex'),
        deviceTime: deviceTime(new Date(Date.UTC(2022, 7, 9, 15, 0, n % 3600))),
      };
      const r = await kenya.running.app.inject({
        method: 'POST',
        url: '/api/v1/results',
        payload: signResult(unsigned, demoDeviceSeed(d.electionId, device)),
      });
      assert.equal(r.statusCode, 201, r.body);
    }
    // The synthetic country: codes like Kenya's ("001"), names that are not.
    other = await newTestLog('pglite', { stations: 12 });
    otherUrl = (await other.running.app.listen({ host: '127.0.0.1', port: 0 })).replace(
      'localhost',
      '127.0.0.1',
    );
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await kenya?.close();
    await other?.close();
  });

  async function open(base: string, path: string, viewport = { width: 1280, height: 900 }) {
    // bypassCSP: axe-core is injected as an inline script, which the portal's CSP forbids.
    const page = await browser.newPage({ viewport, bypassCSP: true });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(base + path);
    return { page, requests, errors };
  }
  const mapFiles = (requests: string[]) =>
    requests.filter((p) => /^\/assets\/(counties|constituencies-\d{3})-[\w-]+\.json$/.test(p));

  async function tally(unit: string) {
    const r = await kenya.running.app.inject({
      url: `/api/v1/tally/president${unit ? `/${unit}` : ''}`,
    });
    return r.json() as {
      children: Array<{
        unit: string;
        name: string;
        tally: {
          stationsReported: number;
          stationsExpected: number;
          votes: Record<string, number>;
        };
      }>;
    };
  }
  const NAMES: Record<string, string> = {
    odinga: 'Raila Amolo Odinga',
    ruto: 'William Samoei Ruto',
  };
  /** The accessible name the portal should give a unit's shape, in English. */
  function expectedName(c: Awaited<ReturnType<typeof tally>>['children'][number]): string {
    const t = c.tally;
    const reported = `${t.stationsReported} of ${t.stationsExpected} stations reported`;
    const total = Object.values(t.votes).reduce((a, b) => a + b, 0);
    if (total === 0) return `${c.name}: no results yet, ${reported}`;
    const [id, votes] = Object.entries(t.votes).sort((a, b) => b[1] - a[1])[0] as [string, number];
    return `${c.name}: ${NAMES[id]} leads with ${((100 * votes) / total).toFixed(1)}%, ${reported}`;
  }

  async function axeViolations(page: Page, selector: string) {
    await page.addScriptTag({ path: 'node_modules/axe-core/axe.min.js' });
    return page.evaluate(async (sel) => {
      const axe = (
        window as unknown as {
          axe: {
            run(el: Element): Promise<{ violations: Array<{ id: string; nodes: unknown[] }> }>;
          };
        }
      ).axe;
      const r = await axe.run(document.querySelector(sel) as Element);
      return r.violations.map((v) => `${v.id} (${v.nodes.length})`);
    }, selector);
  }

  test('no map data before a map is shown; the county map: 47 named links, credit, axe', async () => {
    const { page, requests, errors } = await open(url, '/search');
    await page.getByRole('searchbox').or(page.locator('input')).first().waitFor();
    await page.waitForLoadState('networkidle');
    assert.deepEqual(mapFiles(requests), [], 'a page without a map fetches no map data');
    assert.ok(!requests.some((p) => p.includes('ResultsMap')), 'nor the map code');
    // Now to the national page, by the portal's own navigation.
    await page.getByRole('link', { name: 'Results' }).first().click();
    const svg = page.locator('svg.map-svg[data-level="county"]');
    await svg.waitFor();
    const links = svg.locator('a.map-unit');
    assert.equal(await links.count(), 47);
    const national = await tally('');
    const counties = national.children.filter((c) => c.unit.length === 3 && c.unit <= '047');
    assert.equal(counties.length, 47);
    for (const c of counties)
      assert.equal(
        await svg.locator(`a[href="/c/president/u/${c.unit}"]`).getAttribute('aria-label'),
        expectedName(c),
      );
    assert.match(
      String(await svg.locator('a[data-unit="047"]').getAttribute('aria-label')),
      /^NAIROBI CITY: no results yet, 0 of 17 stations reported$/,
    );
    assert.equal(await svg.locator('a[data-unit="047"] path').getAttribute('fill'), '#d9d9d9');
    assert.match(String(await svg.locator('title').first().textContent()), /^Map of counties: /);
    // The map fills its column.
    const box = await svg.boundingBox();
    assert.ok(box && box.width > 300 && box.height > 300, `map size ${JSON.stringify(box)}`);
    const legend = await page.locator('.map .legend').innerText();
    assert.match(legend, /William Samoei Ruto \(\d+\)/);
    assert.match(legend, /no results yet/);
    const credit = page.getByTestId('map-credit');
    assert.match(
      await credit.innerText(),
      /Omare B\.D\.A\. and Omare G\.J\.M\. \(2017\), Kenya County Assembly Boundaries, CC BY 4\.0\. .*modified/,
    );
    assert.equal(
      await credit.getByRole('link').first().getAttribute('href'),
      'https://github.com/benaboki/Kenya-County-Assembly-Boundaries',
    );
    // The county map only: no constituency map was fetched.
    const fetched = mapFiles(requests);
    assert.equal(fetched.length, 1);
    assert.match(fetched[0] as string, /^\/assets\/counties-/);
    assert.deepEqual(await axeViolations(page, '[data-testid="results-map"]'), []);
    await screenshot(page, 'map-counties');
    assert.deepEqual(errors, []);

    // Served gzipped and cached for good, as every hashed asset.
    const asset = await kenya.running.app.inject({
      url: fetched[0] as string,
      headers: { 'accept-encoding': 'gzip' },
    });
    assert.equal(asset.statusCode, 200);
    assert.equal(asset.headers['content-encoding'], 'gzip');
    assert.match(String(asset.headers['content-type']), /^application\/json/);
    assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
    const raw = gunzipSync(asset.rawPayload);
    assert.equal(JSON.parse(raw.toString()).shapes.length, 47);
    process.stdout.write(
      `# county map data: ${raw.length} bytes, ${asset.rawPayload.length} bytes gzipped\n`,
    );
    await page.close();
  });

  test('keyboard: a county is a link, focus is visible, Enter drills down to its constituency map', async () => {
    const { page, requests, errors } = await open(url, '/');
    const county = page.locator('svg.map-svg a[data-unit="001"]');
    await county.focus();
    assert.equal(await page.locator('path.map-focus').count(), 1, 'the focus is drawn');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'MOMBASA: President' }).waitFor();
    const svg = page.locator('svg.map-svg[data-level="constituency"]');
    await svg.waitFor();
    const mombasa = (await tally('001')).children;
    assert.equal(mombasa.length, 6);
    assert.equal(await svg.locator('a.map-unit').count(), 6);
    for (const c of mombasa)
      assert.equal(
        await svg.locator(`a[href="/c/president/u/${c.unit}"]`).getAttribute('aria-label'),
        expectedName(c),
      );
    assert.match(
      String(await svg.locator(`a[data-unit="${SILENT_CONSTITUENCY}"]`).getAttribute('aria-label')),
      /^KISAUNI: no results yet, 0 of 1 stations reported$/,
    );
    assert.match(
      String(await svg.locator('title').first().textContent()),
      /^Map of constituencies: Leading candidate$/,
    );
    // Only this county's constituencies were fetched.
    assert.deepEqual(
      mapFiles(requests)
        .filter((p) => p.includes('constituencies-'))
        .map((p) => p.slice(8, 26)),
      ['constituencies-001'],
    );
    assert.deepEqual(await axeViolations(page, '[data-testid="results-map"]'), []);
    await screenshot(page, 'map-constituencies-mombasa');

    // The toggle: turnout bands instead of the leader's colour.
    const before = await svg.locator('a[data-unit="001001"] path').getAttribute('fill');
    await page.getByRole('button', { name: 'Turnout' }).click();
    assert.equal(
      await page.getByRole('button', { name: 'Turnout' }).getAttribute('aria-pressed'),
      'true',
    );
    await page
      .locator('#map-title-constituency', { hasText: 'Map of constituencies: Turnout' })
      .waitFor({ state: 'attached' });
    const label = String(await svg.locator('a[data-unit="001001"]').getAttribute('aria-label'));
    assert.match(label, /^CHANGAMWE: turnout \d+\.\d%, 1 of 1 stations reported$/);
    const after = await svg.locator('a[data-unit="001001"] path').getAttribute('fill');
    assert.notEqual(after, before);
    assert.match(await page.locator('.map .legend').innerText(), /80% \+/);
    assert.deepEqual(await axeViolations(page, '[data-testid="results-map"]'), []);
    await screenshot(page, 'map-constituencies-turnout');
    // A constituency shape is a link too.
    await svg.locator('a[data-unit="001002"]').click();
    await page.getByRole('heading', { level: 1, name: 'JOMVU: President' }).waitFor();
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('Swahili names, and at 360 px the map fits the screen', async () => {
    const { page } = await open(url, '/c/president/u/022', { width: 360, height: 740 });
    const svg = page.locator('svg.map-svg[data-level="constituency"]');
    await svg.waitFor();
    assert.equal(await svg.locator('a.map-unit').count(), 12);
    const box = await svg.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 360, `map at ${JSON.stringify(box)}`);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone screen`);
    await screenshot(page, 'map-constituencies-phone');
    await page.getByRole('button', { name: 'Kiswahili' }).click();
    await page.getByRole('heading', { name: 'Ramani ya maeneo bunge' }).waitFor();
    assert.match(
      String(await svg.locator('a.map-unit').first().getAttribute('aria-label')),
      /^[A-Z' -]+: (Raila Amolo Odinga|William Samoei Ruto) anaongoza kwa \d+[.,]\d%, vituo 1 kati ya 1 vimeripoti$/,
    );
    assert.match(await page.getByTestId('map-credit').innerText(), /^Mipaka: Omare/);
    await page.goto(`${url}/`);
    const counties = page.locator('svg.map-svg[data-level="county"]');
    await counties.waitFor();
    assert.match(
      String(await counties.locator('a[data-unit="047"]').getAttribute('aria-label')),
      /^NAIROBI CITY: bado hakuna matokeo, vituo 0 kati ya 17 vimeripoti$/,
    );
    await screenshot(page, 'map-counties-phone-swahili');
    await page.getByRole('button', { name: 'English' }).click();
    await page.close();
  });

  test('no map for an election whose units are not Kenya’s counties', async () => {
    const { page, errors } = await open(otherUrl, '/');
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.waitForLoadState('networkidle');
    // The page settled: its table of counties is there, and no map.
    await page.getByTestId('children-table').waitFor();
    assert.equal(await page.locator('svg.map-svg').count(), 0);
    assert.equal(await page.getByTestId('results-map').count(), 0);
    await page.goto(`${otherUrl}/c/president/u/001`);
    await page.getByTestId('children-table').waitFor();
    await page.waitForLoadState('networkidle');
    assert.equal(await page.locator('svg.map-svg').count(), 0);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
