// The audit pages in Chromium, against a real kura server with a real audit
// made through the API on the portal's small election (docs/FORMATS.md §15):
// the list and the audit page show the API's numbers (seed and its entry, every
// draw's station and ticket, the risks, the progress per county, the paper
// against the log with the form's photo), and a page served a tampered answer
// is told apart; at 360 px nothing scrolls sideways and every figure is on
// screen; axe finds no violation; the keyboard alone reaches an audit and a
// sampled station; in Swahili no English words; the pages' code loads only
// when they are opened. The officials' desk in /admin: an administrator
// proposes, a second approves, the dice are logged and a round drawn; an audit
// board member enters a paper with its photo, another confirms it; a refusal
// is shown in plain words with its code.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { totp } from '../../src/accounts/totp.js';
import type { AuditAnswer, AuditsAnswer } from '../../src/api/contract.js';
import { demoDeviceSeed } from '../../src/election/demo-keys.js';
import { signResult } from '../../src/election/device.js';
import { DEFAULT_PORTAL_DIR } from '../../src/server/routes/portal-routes.js';
import { browserMissing, drawForm, ensurePortalBuilt, launch, screenshot } from './browser.js';
import { type PortalElection, startPortalElection } from './portal-election.js';

const missing = browserMissing();
if (missing) process.stderr.write(`portal audit tests skipped: ${missing}\n`);

const PASSWORD = 'correct horse battery staple';
const AUDIT = 'president-2022';
const SEED = '31415926535897932384626433';
/** What the audit board reads less for the first candidate on the first sampled station's paper. */
const SHORT = 3;

// The portal's own formatting of a risk, loaded by path (it resolves as the bundler does).
const { formatRisk } = (await import(join(process.cwd(), 'web/src/audits.ts'))) as {
  formatRisk: (lang: 'en' | 'sw', risk: number) => string;
};

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON
type Json = Record<string, any>;

describe('the audit pages in Chromium', { skip: missing ?? false }, () => {
  let e: PortalElection;
  let browser: Browser;
  const tokens = new Map<string, string>();
  const secrets = new Map<string, string>();
  /** The photo of the first sampled station's paper (a PNG the browser drew), and its SHA-256. */
  let photo: Uint8Array = new Uint8Array();
  let photoSha = '';
  let differing = '';

  const api = async (path: string): Promise<Json> => {
    const r = await e.running.app.inject({ method: 'GET', url: path });
    assert.equal(r.statusCode, 200, `${path}: ${r.body}`);
    return r.json() as Json;
  };
  const post = async (who: string, url: string, payload: unknown = {}): Promise<Json> => {
    const r = await e.running.app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${tokens.get(who)}` },
      payload: payload as object,
    });
    assert.equal(r.statusCode, 201, `${url}: ${r.body}`);
    return r.json() as Json;
  };
  const logged = async (station: string) =>
    (await api(`/api/v1/stations/${station}`)).results.president as Json;

  /** Enters a station's paper as the log has it (less `short` votes for the first candidate). */
  async function enterPaper(who: string, station: string, short = 0, form = 'ab'.repeat(32)) {
    const r = await logged(station);
    const first = Object.keys(r.votes)[0] as string;
    const votes = { ...r.votes, [first]: r.votes[first] - short };
    return post(who, `/api/v1/audits/${AUDIT}/papers`, {
      station,
      paper: 'counted',
      votes,
      rejected: r.rejected,
      totalValid: r.totalValid - short,
      form,
    });
  }

  before(async () => {
    ensurePortalBuilt();
    e = await startPortalElection('pglite', { officials: true });
    browser = await launch();
    // A clear winner (more than half of the valid votes) at every station: an outcome an audit can confirm.
    for (const [i, s] of e.definition.stations.entries()) {
      const { sig: _sig, ...unsigned } = e.result(s.code, 'president', 'f'.repeat(64));
      const votes = {
        amani: 180 + ((i * 7) % 40),
        baraka: 50 + (i % 9),
        chiku: 30 + (i % 5),
        daudi: 10 + (i % 3),
      };
      const entry = signResult(
        { ...unsigned, votes, totalValid: Object.values(votes).reduce((a, b) => a + b, 0) },
        demoDeviceSeed(e.definition.electionId, `kit-${s.code}`),
      );
      const r = await e.running.app.inject({
        method: 'POST',
        url: '/api/v1/results',
        payload: entry,
      });
      assert.equal(r.statusCode, 201, r.body);
    }
    const officials = e.running.officials;
    assert.ok(officials);
    // Administrators who log in on the pages are not the ones the API calls use: a
    // TOTP code is used once, so each logs in once (no waiting for the next code).
    for (const account of ['desk-chair', 'desk-proposer', 'desk-approver']) {
      const made = await officials.createAccount(null, {
        account,
        role: 'commission-admin',
        scope: '',
        password: PASSWORD,
      });
      secrets.set(account, made.totpSecret as string);
    }
    for (const [account, role] of [
      ['chair', 'commission-admin'],
      ['vice', 'commission-admin'],
      ['board-a', 'audit-board'],
      ['board-b', 'audit-board'],
    ] as const) {
      const made: { totpSecret: string | null } = await officials.createAccount(null, {
        account,
        role,
        scope: '',
        password: PASSWORD,
      });
      if (made.totpSecret) secrets.set(account, made.totpSecret);
      const r: { statusCode: number; body: string; json: () => unknown } =
        await e.running.app.inject({
          method: 'POST',
          url: '/api/v1/login',
          payload: {
            account,
            password: PASSWORD,
            ...(made.totpSecret ? { totp: totp(made.totpSecret, Date.now()) } : {}),
          },
        });
      assert.equal(r.statusCode, 200, r.body);
      tokens.set(account, (r.json() as Json).token);
    }

    // The audit: proposed, approved by another administrator, the dice logged.
    await post('chair', '/api/v1/audits', {
      audit: AUDIT,
      contest: 'president',
      method: 'macro',
      riskLimit: 1,
    });
    await post('vice', `/api/v1/audits/${AUDIT}/approve`);
    await post('chair', `/api/v1/audits/${AUDIT}/seed`, { seed: SEED });
    // Round 1: every paper entered and confirmed; the first reads fewer votes than the log, with a photo.
    const one = await post('chair', `/api/v1/audits/${AUDIT}/rounds`, { draws: 4 });
    const stations = [...new Set((one.draws as Json[]).map((d) => d.station as string))];
    differing = stations[0] as string;
    const name = e.definition.stations.find((s) => s.code === differing)?.name as string;
    photo = await drawForm(browser, name, e.result(differing, 'president', ''), 'PRESIDENT');
    photoSha = createHash('sha256').update(photo).digest('hex');
    const put = await e.running.app.inject({
      method: 'PUT',
      url: `/api/v1/audits/${AUDIT}/forms/${photoSha}?station=${differing}`,
      headers: { authorization: `Bearer ${tokens.get('board-a')}`, 'content-type': 'image/png' },
      payload: Buffer.from(photo),
    });
    assert.ok(put.statusCode === 201, put.body);
    const entries: number[] = [];
    for (const s of stations)
      entries.push(
        (
          await enterPaper(
            'board-a',
            s,
            s === differing ? SHORT : 0,
            s === differing ? photoSha : undefined,
          )
        ).index,
      );
    for (const i of entries) await post('board-b', `/api/v1/audits/papers/${i}/confirm`);
    const closed = await post('chair', `/api/v1/audits/${AUDIT}/rounds/1/close`);
    assert.equal(closed.outcome, 'continue', 'a 1% limit is not met by four draws');
    // Round 2, open: one paper entered and awaiting its second member; the rest not yet entered.
    const two = await post('chair', `/api/v1/audits/${AUDIT}/rounds`, { draws: 3 });
    const fresh = (two.draws as Json[])
      .map((d) => d.station as string)
      .filter((s) => !stations.includes(s));
    assert.ok(fresh.length >= 2, `round 2 drew new stations: ${fresh}`);
    await enterPaper('board-a', fresh[0] as string);
  });
  after(async () => {
    await browser?.close();
    await e?.close();
  });

  async function open(
    path: string,
    viewport = { width: 1366, height: 900 },
    lang: 'en' | 'sw' = 'en',
  ): Promise<Page> {
    // axe-core is injected as an inline script, which the portal's CSP rightly refuses.
    const page = await browser.newPage({ viewport, bypassCSP: true });
    if (lang === 'sw') await page.addInitScript(() => localStorage.setItem('kura.lang', 'sw'));
    await page.goto(e.url + path);
    return page;
  }
  /** The audit page once its figures and every station's name are in. */
  async function openAudit(viewport?: { width: number; height: number }, lang?: 'en' | 'sw') {
    const page = await open(`/audit/${AUDIT}`, viewport, lang);
    await page.getByTestId('sample').waitFor();
    await page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('[data-testid="sample"] tbody a')).every(
          (a) => a.textContent !== a.getAttribute('title'),
        ) && document.querySelector('main .loading') === null,
    );
    return page;
  }

  /** The figures an audit page shows, as the test reads them. */
  interface Shown {
    risk: string;
    riskText: string;
    limitText: string;
    seed: string;
    seedEntry: string;
    draws: Array<{ draw: number; station: string; href: string; ticket: string; paper: string }>;
    rounds: Array<{ round: number; risk: string; draws: string }>;
    chart: Array<string | null>;
    counties: Array<{ county: string; figures: string }>;
    differences: Array<{
      entry: number;
      rows: Array<{ field: string; paper: string; logged: string }>;
      photo: string;
    }>;
  }
  /** The figures the page shows, read from the page. (A string: the test runner's compiler would wrap named functions.) */
  const shown = (page: Page) =>
    page.evaluate(`(() => {
      const q = (s, root = document) => Array.from(root.querySelectorAll(s));
      const one = (s, root = document) => root.querySelector(s);
      const text = (el) => ((el && el.textContent) || '').trim();
      const attr = (el, a) => (el && el.getAttribute(a)) || '';
      const figure = '[data-testid="audit-figures"] [data-figure=';
      return {
        risk: attr(one(figure + '"risk"]'), 'data-risk'),
        riskText: text(one(figure + '"risk"]')),
        limitText: text(one(figure + '"risk-limit"]')),
        seed: text(one('[data-testid="seed-digits"]')),
        seedEntry: attr(one('[data-testid="seed"] a'), 'href'),
        draws: q('[data-testid="sample"] tbody tr').map((tr) => ({
          draw: Number(tr.getAttribute('data-draw')),
          station: attr(tr, 'data-station'),
          href: attr(one('a', tr), 'href'),
          ticket: text(one('.ticket', tr)),
          paper: attr(one('[data-paper]', tr), 'data-paper'),
        })),
        rounds: q('[data-testid="rounds"] tbody tr').map((tr) => ({
          round: Number(tr.getAttribute('data-round')),
          risk: attr(one('[data-figure="round-risk"]', tr), 'data-risk'),
          draws: text(one('[data-figure="round-draws"]', tr)),
        })),
        chart: q('[data-testid="risk-chart"] circle').map((c) => c.getAttribute('data-risk')),
        counties: q('[data-testid="progress"] li').map((li) => ({
          county: attr(li, 'data-county'),
          figures: text(one('[data-figure="county-confirmed"]', li)),
        })),
        differences: q('[data-testid="discrepancies"] > li').map((li) => ({
          entry: Number(li.getAttribute('data-entry')),
          rows: q('tr[data-field]', li).map((tr) => ({
            field: attr(tr, 'data-field'),
            paper: text(one('[data-figure="paper"]', tr)),
            logged: text(one('[data-figure="logged"]', tr)),
          })),
          photo: attr(one('[data-testid="form-photo"]', li), 'href'),
        })),
      };
    })()`) as Promise<Shown>;

  /** What the page must show for the API's answer: the same shape as `shown`. */
  function expected(a: AuditAnswer): Shown {
    const n = (x: number) => x.toLocaleString('en-KE');
    return {
      risk: String(a.risk),
      riskText: formatRisk('en', a.risk),
      limitText: formatRisk('en', a.riskLimit / 100),
      seed: a.seed ?? '',
      seedEntry: `/api/v1/entries/${a.seedAt}`,
      draws: a.rounds.flatMap((r) =>
        r.draws.map((d) => {
          // MACRO reads a station's paper once per audit: its confirmed entry stands for every draw of it.
          const papers = a.rounds.flatMap((x) => x.papers).filter((p) => p.station === d.station);
          const p = papers.find((x) => x.confirmedBy !== null) ?? papers.at(-1);
          const paper = !p
            ? 'awaiting'
            : p.confirmedBy === null
              ? 'entered'
              : p.paper === 'not-found'
                ? 'not-found'
                : p.differences.length > 0
                  ? 'differs'
                  : 'confirmed';
          return {
            draw: d.draw,
            station: d.station,
            href: `/station/${d.station}`,
            ticket: d.ticket,
            paper,
          };
        }),
      ),
      rounds: a.rounds.map((r) => ({
        round: r.round,
        risk: r.risk ?? '',
        draws: n(r.draws.length),
      })),
      chart: ['1', ...a.rounds.filter((r) => r.risk !== null).map((r) => String(Number(r.risk)))],
      counties: a.progress.counties
        .filter((c) => c.sampled > 0)
        .map((c) => ({ county: c.county, figures: `${n(c.confirmed)} / ${n(c.sampled)}` })),
      differences: a.rounds
        .flatMap((r) => r.papers)
        .filter((p) => p.paper === 'not-found' || p.differences.length > 0)
        .map((p) => ({
          entry: p.entryIndex,
          rows: p.differences.map((d) => ({
            field: d.field,
            paper: n(d.paper),
            logged: n(d.logged),
          })),
          photo: p.form === '0'.repeat(64) ? '' : `/api/v1/forms/${p.form}`,
        })),
    };
  }

  test('the list shows each audit with the API’s risk limit, risk and status', async () => {
    const list = (await api('/api/v1/audits')) as AuditsAnswer;
    assert.equal(list.audits.length, 1);
    const a = list.audits[0] as AuditsAnswer['audits'][number];
    const page = await open('/audit');
    const row = page.locator(`[data-testid="audit-list"] tr[data-audit="${AUDIT}"]`);
    await row.waitFor();
    assert.equal(
      await row.locator('[data-figure="risk"]').getAttribute('data-risk'),
      String(a.risk),
    );
    assert.equal(await row.locator('[data-figure="risk"]').innerText(), formatRisk('en', a.risk));
    assert.equal(
      await row.locator('[data-figure="risk-limit"]').innerText(),
      formatRisk('en', a.riskLimit / 100),
    );
    assert.equal(await row.getByTestId('audit-status').getAttribute('data-status'), a.status);
    assert.equal(a.status, 'round-open');
    assert.match(await row.innerText(), /President/);
    await screenshot(page, 'audit-list');
    await page.close();
  });

  test('the audit page shows the API’s seed, sample, risks, progress and discrepancies', async () => {
    const a = (await api(`/api/v1/audits/${AUDIT}`)) as AuditAnswer;
    const page = await openAudit();
    const got = await shown(page);
    const want = expected(a);
    assert.deepEqual(got, want);
    // Not vacuous: two rounds, seven draws, one discrepancy with its photo, two counties.
    assert.equal(got.draws.length, 7);
    assert.equal(got.rounds.length, 2);
    assert.equal(got.chart.length, 2, 'the start and round 1');
    assert.deepEqual(
      got.differences.map((d) => d.photo),
      [`/api/v1/forms/${photoSha}`],
    );
    assert.ok(got.differences[0]?.rows.some((r) => r.field.startsWith('votes.')));
    assert.ok(
      got.draws.some((d) => d.paper === 'entered') && got.draws.some((d) => d.paper === 'awaiting'),
    );
    assert.ok(got.counties.length >= 1);
    // The open data of the audit, as linked.
    for (const [id, type] of [
      ['audit-csv', 'text/csv'],
      ['audit-json', 'application/json'],
    ] as const) {
      const href = (await page.getByTestId(id).getAttribute('href')) as string;
      const got = await page.request.get(`${e.url}${href}`);
      assert.equal(got.status(), 200, href);
      assert.ok(
        got.headers()['content-type']?.startsWith(type),
        `${href}: ${got.headers()['content-type']}`,
      );
      assert.ok(
        (await got.body()).includes(a.rounds[0]?.draws[0]?.ticket as string),
        `${href} lists the draws`,
      );
    }
    // The photo link serves the very form the board uploaded.
    const form = await page.request.get(`${e.url}/api/v1/forms/${photoSha}`);
    assert.equal(form.status(), 200);
    assert.deepEqual(new Uint8Array(await form.body()), photo);
    // Names, not codes: the differing station by name, the first candidate by name.
    const disc = await page.getByTestId('discrepancies').innerText();
    const stationName = e.definition.stations.find((s) => s.code === differing)?.name as string;
    assert.ok(disc.includes(stationName), `${stationName} in ${disc}`);
    assert.match(disc, /Amani Wekesa/);
    assert.match(
      await page.getByTestId('assertions').innerText(),
      /has more than half of the valid votes/,
    );
    await screenshot(page, 'audit-page');
    await page.close();
  });

  test('a page served a tampered answer is told apart from the API’s', async () => {
    const a = (await api(`/api/v1/audits/${AUDIT}`)) as AuditAnswer;
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    await page.route(`**/api/v1/audits/${AUDIT}`, async (route) => {
      const forged = JSON.parse(JSON.stringify(a)) as AuditAnswer;
      const draw = forged.rounds[0]?.draws[1];
      assert.ok(draw);
      draw.ticket = `${draw.ticket.slice(0, -1)}${draw.ticket.endsWith('1') ? '2' : '1'}`;
      const d = forged.rounds[0]?.papers.find((p) => p.differences.length > 0)?.differences[0];
      assert.ok(d);
      d.paper += 1;
      await route.fulfill({ json: forged });
    });
    await page.goto(`${e.url}/audit/${AUDIT}`);
    await page.getByTestId('sample').waitFor();
    const got = await shown(page);
    const want = expected(a);
    assert.notDeepEqual(got.draws, want.draws, 'a changed ticket shows');
    assert.notDeepEqual(got.differences, want.differences, 'a changed paper figure shows');
    assert.deepEqual(got.seed, want.seed, 'the rest is as served');
    await page.close();
  });

  for (const viewport of [
    { width: 360, height: 740 },
    { width: 1366, height: 768 },
  ])
    test(`at ${viewport.width} px: no sideways scroll, every figure on screen, no axe violation`, async () => {
      for (const path of ['/audit', `/audit/${AUDIT}`]) {
        const page = path === '/audit' ? await open(path, viewport) : await openAudit(viewport);
        if (path === '/audit') await page.getByTestId('audit-list').waitFor();
        const label = `${path} at ${viewport.width}`;
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - window.innerWidth,
        );
        assert.ok(overflow <= 0, `${label}: the page is ${overflow}px wider than the screen`);
        const outside = await page.evaluate(() =>
          Array.from(
            document.querySelectorAll('main td.num, main [data-figure], main .ticket, main .seed'),
          )
            .filter((el) => {
              const r = el.getBoundingClientRect();
              return r.width > 0 && (r.left < -0.5 || r.right > window.innerWidth + 0.5);
            })
            .map((el) => `${el.getAttribute('data-figure') ?? el.className}: ${el.textContent}`),
        );
        assert.deepEqual(outside, [], `${label}: figures outside the screen`);
        const scrolling = await page.evaluate(
          () =>
            Array.from(document.querySelectorAll('main .table-wrap')).filter(
              (w) => w.scrollWidth > w.clientWidth + 1,
            ).length,
        );
        assert.equal(scrolling, 0, `${label}: a table scrolls sideways`);
        await page.addScriptTag({ path: 'node_modules/axe-core/axe.min.js' });
        const result = await page.evaluate(async () => {
          const axe = (
            window as unknown as {
              axe: {
                run: (d: Document) => Promise<{
                  passes: unknown[];
                  violations: Array<{ id: string; nodes: Array<{ target: string[] }> }>;
                }>;
              };
            }
          ).axe;
          const r = await axe.run(document);
          return {
            passed: r.passes.length,
            violations: r.violations.map(
              (v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
            ),
          };
        });
        assert.ok(result.passed >= 10, `${label}: axe passed only ${result.passed} rules`);
        assert.deepEqual(result.violations, [], `${label}: axe violations`);
        await screenshot(page, `audit${path === '/audit' ? '-list' : ''}-${viewport.width}`);
        await page.close();
      }
    });

  test('the keyboard alone goes from the home page to an audit and one of its stations', async () => {
    const page = await open('/', { width: 390, height: 844 });
    await page.locator('main h1').waitFor();
    const tabTo = async (selector: string) => {
      for (let i = 0; i < 300; i++) {
        await page.keyboard.press('Tab');
        if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) {
          await page.keyboard.press('Enter');
          return;
        }
      }
      assert.fail(`Tab never reached ${selector}`);
    };
    await tabTo('nav a[href="/audit"]');
    await page.getByRole('heading', { level: 1, name: 'Risk-limiting audits' }).waitFor();
    await tabTo(`main a[href="/audit/${AUDIT}"]`);
    await page.getByRole('heading', { level: 1, name: 'Audit of the President result' }).waitFor();
    await tabTo(`[data-testid="sample"] a[href="/station/${differing}"]`);
    const name = e.definition.stations.find((s) => s.code === differing)?.name as string;
    await page.getByRole('heading', { level: 1, name }).waitFor();
    await page.close();
  });

  test('in Swahili the audit pages show no English words', async () => {
    const ENGLISH =
      /\b(the|and|not|of|is|by|with|from|this|entry|entries|draw|ticket|round|risk|paper|limit|audit|seed|sample|votes|valid|station|form|found|log|more|than|half|confirmed|awaiting)\b/i;
    for (const [path, heading] of [
      ['/audit', 'Ukaguzi unaodhibiti hatari'],
      [`/audit/${AUDIT}`, 'Ukaguzi wa matokeo ya Rais'],
    ] as const) {
      const page =
        path === '/audit'
          ? await open(path, { width: 360, height: 740 }, 'sw')
          : await openAudit({ width: 360, height: 740 }, 'sw');
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await page.locator('main .loading').waitFor({ state: 'detached' });
      const text = (await page.evaluate(`(() => {
        const main = document.getElementById('main').cloneNode(true);
        for (const el of main.querySelectorAll('code, pre, .mono, [translate="no"]')) el.remove();
        return main.innerText;
      })()`)) as string;
      assert.doesNotMatch(text, ENGLISH, `${path} in Swahili: ${text.match(ENGLISH)?.[0]}`);
      if (path !== '/audit') {
        for (const words of ['Mbegu', 'Sampuli', 'Maendeleo kwa kila kaunti', 'ana zaidi ya nusu'])
          assert.ok(text.includes(words), words);
        await screenshot(page, 'audit-swahili-360');
      }
      await page.close();
    }
  });

  test('the audit pages’ code is not in the first load: it comes when they are opened', async () => {
    const html = readFileSync(join(DEFAULT_PORTAL_DIR, 'index.html'), 'utf8');
    const first = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]);
    assert.ok(first.length >= 1);
    for (const f of first) {
      const code = readFileSync(join(DEFAULT_PORTAL_DIR, f as string), 'utf8');
      assert.ok(!code.includes('auditsIntro'), `${f} carries the audit words`);
      assert.ok(!code.includes('risk-chart'), `${f} carries the audit page`);
    }
    const page = await browser.newPage();
    const scripts: string[] = [];
    page.on('request', (r) => {
      if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
    });
    await page.goto(`${e.url}/`);
    await page.locator('main h1').waitFor();
    const home = [...scripts];
    await page.getByRole('link', { name: 'Audits' }).click();
    await page.getByTestId('audit-list').waitFor();
    const later = scripts.filter((s) => !home.includes(s));
    assert.ok(
      later.some((s) => /\/audit-pages-.*\.js$/.test(s)),
      `the audit page's code came when opened: ${later}`,
    );
    assert.ok(!home.some((s) => /audit/i.test(s)), `not before: ${home}`);
    await page.close();
  });

  async function login(page: Page, account: string) {
    await page.goto(`${e.url}/admin`);
    await page.getByLabel('Account').fill(account);
    await page.getByLabel('Password').fill(PASSWORD);
    const secret = secrets.get(account);
    if (secret)
      await page.getByLabel('Code from your authenticator app').fill(totp(secret, Date.now()));
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('whoami').waitFor();
  }
  const paperForm = (p: Page) => p.getByTestId(`enter-paper-${AUDIT}`);
  const view = async () => (await api(`/api/v1/audits/${AUDIT}`)) as AuditAnswer;
  const openRound = async () => (await view()).rounds.at(-1) as AuditAnswer['rounds'][number];

  test('an audit board member confirms another’s entry, and enters a paper with its photo', async () => {
    const waiting = (await openRound()).papers.find((p) => p.confirmedBy === null);
    assert.ok(waiting);
    // The member who entered it is not offered it to confirm.
    const a = await browser.newPage();
    await login(a, 'board-a');
    const desk = a.getByTestId(`confirm-${AUDIT}`);
    await desk.getByText('No entry awaits your confirmation.').waitFor();
    await a.close();

    const b = await browser.newPage();
    await login(b, 'board-b');
    const item = b.locator(
      `[data-testid="confirm-${AUDIT}"] li[data-entry="${waiting.entryIndex}"]`,
    );
    await item.waitFor();
    await item.getByRole('button', { name: `Confirm entry ${waiting.entryIndex}` }).click();
    const done = await b.getByTestId(`confirm-result-${AUDIT}`).innerText();
    const index = Number(/Logged as entry (\d+)/.exec(done)?.[1]);
    const confirmed = (await openRound()).papers.find((p) => p.entryIndex === waiting.entryIndex);
    assert.equal(confirmed?.confirmedBy, 'board-b');
    assert.equal(confirmed?.confirmedAt, index);

    // Board b enters a station still awaiting its paper: the figures as the form has them, and a photo.
    const round = await openRound();
    // A station's paper is read once per audit: one with no entry in any round.
    const entered = new Set((await view()).rounds.flatMap((x) => x.papers).map((p) => p.station));
    const station = round.draws.map((d) => d.station).find((s) => !entered.has(s)) as string;
    const form = paperForm(b);
    await form.getByLabel('Sampled station').selectOption(station);
    const r = await logged(station);
    const candidates = e.definition.contests[0]?.candidates ?? [];
    for (const [id, v] of Object.entries(r.votes as Record<string, number>)) {
      const name = candidates.find((c) => c.id === id)?.name as string;
      await form.getByLabel(name, { exact: true }).fill(String(v));
    }
    await form.getByLabel('Rejected ballots').fill(String(r.rejected));
    await form.getByLabel('Total valid').fill(String(r.totalValid));
    const png = await drawForm(browser, station, e.result(station, 'president', ''), 'PRESIDENT');
    await form
      .getByLabel('Photo of the form (JPEG, PNG or PDF)')
      .setInputFiles({ name: 'form.png', mimeType: 'image/png', buffer: Buffer.from(png) });
    await form.getByRole('button', { name: 'Log what the paper says' }).click();
    await b
      .getByTestId(`enter-result-${AUDIT}`)
      .filter({ hasText: /Logged as entry \d+/ })
      .waitFor();
    const paper = (await openRound()).papers.find((p) => p.station === station);
    assert.ok(paper);
    assert.equal(paper.enteredBy, 'board-b');
    assert.equal(paper.form, createHash('sha256').update(png).digest('hex'));
    assert.deepEqual(paper.differences, []);
    const served = await b.request.get(`${e.url}/api/v1/forms/${paper.form}`);
    assert.deepEqual(new Uint8Array(await served.body()), png);
    await screenshot(b, 'audit-desk-board');
    await b.close();
  });

  test('an empty figure is refused naming the field; closing an unfinished round is refused in plain words, a finished one logs its risk', async () => {
    const b = await browser.newPage();
    await login(b, 'board-b');
    const form = paperForm(b);
    await form.getByRole('button', { name: 'Log what the paper says' }).click();
    assert.match(
      await b.getByTestId(`enter-result-${AUDIT}`).innerText(),
      /INVALID_FIELD \(votes\.\w+\)|INVALID_FIELD \(\w+\)/,
    );
    await b.close();
    const before = await view();
    const chair = await browser.newPage();
    await login(chair, 'desk-chair');
    await chair
      .getByTestId(`audit-controls-${AUDIT}`)
      .getByRole('button', { name: 'Close the round' })
      .click();
    const refused = await chair.getByTestId(`audit-step-result-${AUDIT}`).innerText();
    assert.match(refused, /ROUND_INCOMPLETE/);
    assert.doesNotMatch(refused, /^ROUND_INCOMPLETE/, 'plain words before the code');
    assert.deepEqual(await view(), before, 'a refusal changes nothing');

    // Every paper of the round entered and confirmed (each by the member who did not enter it): closing now logs the risk.
    const round = await openRound();
    for (const station of new Set(round.draws.map((d) => d.station))) {
      const all = (await view()).rounds
        .flatMap((x) => x.papers)
        .filter((p) => p.station === station);
      if (all.some((p) => p.confirmedBy !== null)) continue;
      const open = all.find((p) => p.supersededBy === null);
      const entry = open ?? {
        entryIndex: (await enterPaper('board-a', station)).index,
        enteredBy: 'board-a',
      };
      await post(
        entry.enteredBy === 'board-a' ? 'board-b' : 'board-a',
        `/api/v1/audits/papers/${entry.entryIndex}/confirm`,
      );
    }
    await chair
      .getByTestId(`audit-controls-${AUDIT}`)
      .getByRole('button', { name: 'Close the round' })
      .click();
    const result = chair.getByTestId(`audit-step-result-${AUDIT}`);
    await result.filter({ hasText: /Logged as entry \d+/ }).waitFor();
    const closed = (await view()).rounds.find((r) => r.round === round.round);
    assert.ok(closed?.risk && closed.outcome);
    const said = await result.innerText();
    assert.ok(
      said.includes(
        `${closed.outcome === 'continue' ? 'more draws needed' : 'risk limit met'} (${formatRisk('en', Number(closed.risk))})`,
      ),
      said,
    );
    if (closed.outcome === 'continue')
      assert.match(
        said,
        /Draws the next round needs: \d+ for a 70% chance of finishing, \d+ for 80%, \d+ for 90%/,
      );
    await chair.close();
  });

  test('administrators propose, approve, seed and draw a round of a second audit from /admin', async () => {
    const chair = await browser.newPage();
    await login(chair, 'desk-proposer');
    await chair.getByLabel('Name of the audit (letters, digits and -)').fill('second-look');
    await chair.getByLabel('Risk limit, in % (1 to 20)').fill('10');
    await chair.getByRole('button', { name: 'Propose', exact: true }).click();
    await chair
      .getByTestId('audit-propose-result')
      .filter({ hasText: /Logged as entry/ })
      .waitFor();
    assert.equal(((await api('/api/v1/audits/second-look')) as AuditAnswer).status, 'proposed');
    // The proposer may not approve it: two people.
    const own = chair.getByTestId('audit-controls-second-look');
    await own.getByRole('button', { name: 'Approve the audit' }).click();
    assert.match(await chair.getByTestId('audit-step-result-second-look').innerText(), /— [A-Z_]+/);
    await chair.close();

    const vice = await browser.newPage();
    await login(vice, 'desk-approver');
    const controls = vice.getByTestId('audit-controls-second-look');
    await controls.getByRole('button', { name: 'Approve the audit' }).click();
    await vice
      .getByTestId('audit-step-result-second-look')
      .filter({ hasText: /Logged as entry/ })
      .waitFor();
    await controls.getByLabel('Digits of the dice rolled in public (20 or more)').waitFor();
    await controls
      .getByLabel('Digits of the dice rolled in public (20 or more)')
      .fill('271828182845904523536028');
    await controls.getByRole('button', { name: 'Log the seed' }).click();
    await controls.getByLabel('Draws in the next round (empty: the estimate at 90%)').waitFor();
    await controls.getByLabel('Draws in the next round (empty: the estimate at 90%)').fill('2');
    await controls.getByRole('button', { name: 'Draw the next round' }).click();
    await controls.getByRole('button', { name: 'Close the round' }).waitFor();
    const a = (await api('/api/v1/audits/second-look')) as AuditAnswer;
    assert.equal(a.approvedBy, 'desk-approver');
    assert.equal(a.seed, '271828182845904523536028');
    assert.equal(a.status, 'round-open');
    assert.equal(a.rounds[0]?.draws.length, 2);
    await screenshot(vice, 'audit-desk-admin');
    await vice.close();
  });
});
