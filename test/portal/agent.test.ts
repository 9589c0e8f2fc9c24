// The party agent's page in Debian's Chromium at a phone's size (390×844):
// the agent's key is made in the browser (WebCrypto Ed25519, and the page's own
// @noble code where the browser has none), the party enrols it through the
// API with the party's key, the device's QR text is fed in, and "Agree" puts
// an attestation on the record that the station page then shows; a dissent
// shows its figures beside the device's, and the party's parallel tally lists
// the station; a word signed without a network waits in the queue and is sent
// when the network comes back; the page opens offline from its service
// worker; axe finds nothing; the keyboard reaches every control.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { encodeEntry, type ResultEntry, signingMessage } from '../../src/election/entries.js';
import { resultQrText } from '../../src/election/result-qr.js';
import { toBase64, toHex } from '../../src/log/bytes.js';
import { ed25519PublicKey, ed25519Sign, sha256 } from '../../src/log/crypto.js';
import { browserMissing, drawForm, ensurePortalBuilt, launch, screenshot } from './browser.js';
import { type PortalElection, startPortalElection } from './portal-election.js';

const missing = browserMissing();
if (missing) process.stderr.write(`agent page tests skipped: ${missing}\n`);

const PHONE = { width: 390, height: 844 };
const PARTY = 'umoja';
const PARTY_SEED = new TextEncoder().encode('umoja party key'.padEnd(32, '.')).slice(0, 32);

describe('the party agent’s page', { skip: missing ?? false }, () => {
  let e: PortalElection;
  let browser: Browser;
  let stations: string[] = [];
  const results = new Map<string, ResultEntry>();

  before(async () => {
    ensurePortalBuilt();
    e = await startPortalElection('pglite', { officials: true });
    stations = e.definition.stations.slice(0, 6).map((s) => s.code);
    for (const s of stations) results.set(s, await e.submit(s, 'president'));
    const officials = e.running.officials;
    assert.ok(officials, 'the test server takes officials’ acts');
    await officials.act(null, {
      kind: 'party-enrolled',
      party: PARTY,
      name: 'Umoja Party',
      publicKey: toBase64(ed25519PublicKey(PARTY_SEED)),
    });
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await e?.close();
  });

  /** The party enrols an agent's key at a station: a roster entry signed by the party's key. */
  async function enrol(agent: string, station: string, publicKey: string) {
    const unsigned = {
      type: 'roster' as const,
      v: 1 as const,
      election: e.definition.electionId,
      party: PARTY,
      at: '2022-08-09T15:00:00Z',
      act: { kind: 'agent-enrolled' as const, agent, station, publicKey, replaces: '' as const },
    };
    const entry = { ...unsigned, sig: toBase64(ed25519Sign(PARTY_SEED, signingMessage(unsigned))) };
    const r = await e.running.app.inject({ method: 'POST', url: '/api/v1/roster', payload: entry });
    assert.equal(r.statusCode, 201, r.body);
  }

  const qrText = (station: string) => resultQrText(results.get(station) as ResultEntry);

  async function words(station: string) {
    const r = await e.running.app.inject({ url: `/api/v1/stations/${station}` });
    return (r.json() as { words?: Record<string, Array<Record<string, unknown>>> }).words ?? {};
  }

  /** Opens /agent in a fresh phone-sized context, names the agent and returns its public key. */
  async function agentPage(
    agent: string,
    options: { noWebCryptoEd25519?: boolean } = {},
  ): Promise<{ context: BrowserContext; page: Page; publicKey: string; errors: string[] }> {
    // bypassCSP: axe-core is injected as an inline script, which the portal's CSP forbids.
    const context = await browser.newContext({ viewport: PHONE, bypassCSP: true });
    if (options.noWebCryptoEd25519)
      await context.addInitScript(() => {
        const generate = crypto.subtle.generateKey.bind(crypto.subtle);
        crypto.subtle.generateKey = ((alg: AlgorithmIdentifier, ...rest: unknown[]) =>
          (typeof alg === 'string' ? alg : alg.name) === 'Ed25519'
            ? Promise.reject(new DOMException('not supported', 'NotSupportedError'))
            : (generate as (...a: unknown[]) => Promise<unknown>)(alg, ...rest)) as never;
      });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (x) => errors.push(x.message));
    await page.goto(`${e.url}/agent`);
    // A page that is not the front one may get no animation frames in headless Chromium, and a
    // click waits for two frames (stable): once, in CI, the Save button waited 30 s for them.
    await page.bringToFront();
    const publicKey = (await page.getByTestId('agent-public-key').innerText()).trim();
    await page.getByLabel('Party (its identifier)').fill(PARTY);
    await page.getByLabel('Your agent name (as your party enrolled it)').fill(agent);
    await page.getByRole('button', { name: 'Save' }).click();
    return { context, page, publicKey, errors };
  }

  async function read(page: Page, text: string) {
    await page.getByLabel('Text of the device’s QR code').fill(text);
    await page.getByRole('button', { name: 'Read the result' }).click();
  }

  /** The newest word in the queue reaches `state`; its log index when sent. */
  async function newestWord(page: Page, state: 'sent' | 'refused' | 'waiting') {
    const word = page.getByTestId('agent-word').first();
    await page.waitForFunction(
      (s) => document.querySelector('[data-testid="agent-word"]')?.getAttribute('data-state') === s,
      state,
      { timeout: 20_000 },
    );
    if (state !== 'sent') return null;
    const text = await word.getByTestId('agent-word-index').innerText();
    return Number(/#(\d+)/.exec(text)?.[1]);
  }

  test('agree: the key is made in the browser, the QR text read, the attestation on the station page', async () => {
    const station = stations[0] as string;
    const { context, page, publicKey, errors } = await agentPage('agent-a');
    assert.equal(await page.getByTestId('agent-key-kind').getAttribute('data-kind'), 'webcrypto');
    assert.equal(Buffer.from(publicKey, 'base64').length, 32, 'an Ed25519 public key');
    await enrol('agent-a', station, publicKey);

    // Not a QR code of a result: said so, nothing to sign.
    await read(page, 'kura-result:not base64!');
    await page.getByTestId('agent-scan-error').waitFor();
    assert.equal(await page.getByTestId('agent-agree').count(), 0);

    await read(page, qrText(station));
    const entry = results.get(station) as ResultEntry;
    const hash = toHex(sha256(encodeEntry(entry)));
    assert.equal(await page.getByTestId('agent-result-hash').innerText(), hash);
    const [first, votes] = Object.entries(entry.votes)[0] as [string, number];
    assert.equal(
      await page.locator(`[data-testid="agent-figures"] td[data-candidate="${first}"]`).innerText(),
      votes.toLocaleString('en-KE'),
    );
    // Names come from the server while online.
    await page.getByText(e.definition.stations[0]?.name as string).waitFor();
    await screenshot(page, 'agent-390-result', true);

    await page.getByTestId('agent-agree').click();
    const index = await newestWord(page, 'sent');
    assert.ok(index && index > 0);
    assert.match((await page.getByTestId('agent-receipt').first().textContent()) ?? '', /\S/);
    const said = (await words(station)).president ?? [];
    assert.deepEqual(
      said.map((w) => [w.kind, w.party, w.agent, w.entryIndex]),
      [['attestation', PARTY, 'agent-a', index]],
    );

    // The station page shows the party's co-signature.
    await page.goto(`${e.url}/station/${station}`);
    const word = page.locator('[data-testid="words-president"] [data-testid="station-word"]');
    await word.first().waitFor();
    assert.deepEqual(
      [await word.getAttribute('data-kind'), await word.getAttribute('data-party')],
      ['attestation', PARTY],
    );
    assert.match(await word.innerText(), /Co-signed\s+Umoja Party/);
    await screenshot(page, 'agent-390-station-cosigned', true);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a changed result is not the device’s: the server refuses the word and the page says so', async () => {
    const station = stations[1] as string;
    const { context, page, publicKey } = await agentPage('agent-b');
    await enrol('agent-b', station, publicKey);
    // Tamper with one figure: its hash names no counted result.
    const real = results.get(station) as ResultEntry;
    const [first, n] = Object.entries(real.votes)[0] as [string, number];
    const forged = { ...real, votes: { ...real.votes, [first]: n + 1 } };
    await read(page, resultQrText(forged));
    await page.getByTestId('agent-agree').click();
    await newestWord(page, 'refused');
    assert.match(await page.getByTestId('agent-word').first().innerText(), /UNKNOWN_RESULT/);
    assert.deepEqual(await words(station), {}, 'nothing logged');
    await context.close();
  });

  test('dissent: the agent’s figures and photo, beside the device’s on the station page and in the party’s tally', async () => {
    const station = stations[2] as string;
    const { context, page, publicKey, errors } = await agentPage('agent-c');
    await enrol('agent-c', station, publicKey);
    await read(page, qrText(station));
    await page.getByTestId('agent-disagree').click();
    const entry = results.get(station) as ResultEntry;
    const [first, n] = Object.entries(entry.votes)[0] as [string, number];
    const firstName = e.definition.contests[0]?.candidates.find((c) => c.id === first)?.name;
    await page.getByLabel(firstName as string, { exact: true }).fill(String(n + 7));
    await page.getByLabel('Total valid (as written on forms)').fill(String(entry.totalValid + 7));
    await page
      .getByLabel('What differs (optional)')
      .fill('7 votes for the first candidate left out');
    // Without a photo: refused on the page.
    await page.getByTestId('dissent-send').click();
    await page.getByText('Add a photo of your copy of the form.').waitFor();
    const png = await drawForm(browser, 'agent copy', entry, 'PRESIDENT');
    await page.getByLabel('Photo of your copy of the form').setInputFiles({
      name: 'copy.png',
      mimeType: 'image/png',
      buffer: Buffer.from(png),
    });
    const photoHash = toHex(sha256(png));
    await page.getByTestId('dissent-photo-hash').getByText(photoHash).waitFor();
    await page.getByTestId('dissent-send').click();
    const index = await newestWord(page, 'sent');
    const said = (await words(station)).president ?? [];
    assert.equal(said.length, 1);
    assert.equal(said[0]?.kind, 'dissent');
    assert.equal(said[0]?.entryIndex, index);
    assert.equal((said[0]?.votes as Record<string, number> | undefined)?.[first], n + 7);
    assert.equal(said[0]?.form, photoHash);
    // The photo went first, signed with the agent key, and is served like a device's form.
    const served = await e.running.app.inject({ url: `/api/v1/forms/${photoHash}` });
    assert.equal(served.statusCode, 200, served.body);
    assert.deepEqual(new Uint8Array(served.rawPayload), new Uint8Array(png));

    await page.goto(`${e.url}/station/${station}`);
    const table = page.locator('[data-testid="words-president"] [data-testid="dissent-figures"]');
    await table.waitFor();
    const row = table.locator(`tr[data-figure="${first}"]`);
    assert.equal(await row.getAttribute('data-differs'), 'true');
    assert.deepEqual(
      (await row.locator('td').allInnerTexts()).map((s) => s.trim()),
      [n.toLocaleString('en-KE'), (n + 7).toLocaleString('en-KE')],
    );
    const rejected = table.locator('tr[data-figure="rejected"]');
    assert.equal(await rejected.getAttribute('data-differs'), 'false');
    // The device's figures stay the station's: a dissent never changes the count.
    assert.equal(
      await page
        .locator(`[data-testid="result-president"] td[data-candidate="${first}"]`)
        .first()
        .innerText(),
      n.toLocaleString('en-KE'),
    );
    await screenshot(page, 'agent-390-station-dissent', true);

    // The party's parallel tally lists the station, at the agent's figures.
    await page.goto(`${e.url}/party/${PARTY}?contest=president`);
    await page.getByTestId('party-differing').waitFor();
    assert.equal(
      await page.locator(`[data-testid="party-differing"] li[data-station="${station}"]`).count(),
      1,
    );
    assert.equal(await page.getByTestId('party-dissented').innerText(), '1');
    await screenshot(page, 'agent-390-party-tally', true);
    // Below the nation, the page names the unit (from /api/v1/units/<unit>).
    const county = (await e.running.app.inject({ url: '/api/v1/units' })).json().children[0] as {
      code: string;
      name: string;
    };
    await page.goto(`${e.url}/party/${PARTY}?contest=president&unit=${county.code}`);
    await page.locator('.page-head p.muted', { hasText: county.name }).waitFor();
    // The nation's figures count co-signed and disputed stations.
    await page.goto(`${e.url}/c/president`);
    await page.getByTestId('agent-counts').waitFor();
    assert.equal(await page.getByTestId('disputed').innerText(), '1');
    assert.ok(Number(await page.getByTestId('cosigned').innerText()) >= 1);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('offline: the word waits in the queue and is sent when the network is back; the page opens offline', async () => {
    const station = stations[3] as string;
    // The page and its worker are served (the worker's scope is the page alone).
    const served = await e.running.app.inject({ url: '/agent' });
    assert.equal(served.statusCode, 200);
    const worker = await e.running.app.inject({ url: '/agent-sw.js' });
    assert.equal(worker.statusCode, 200);
    assert.match(String(worker.headers['content-type']), /^text\/javascript/);
    const { context, page, publicKey } = await agentPage('agent-d');
    await enrol('agent-d', station, publicKey);
    await page
      .getByTestId('agent-enrolment')
      .and(page.locator('[data-state="enrolled"]'))
      .waitFor();
    // The service worker keeps the page once it controls it.
    await page.waitForFunction(() => navigator.serviceWorker?.controller !== null, null, {
      timeout: 20_000,
    });
    // ... and every script and style the page loaded is in its cache.
    await page.waitForFunction(
      async () => {
        const kept = new Set(
          (await (await caches.open('kura-agent-v1')).keys()).map((r) => new URL(r.url).pathname),
        );
        const loaded = performance
          .getEntriesByType('resource')
          .map((r) => new URL(r.name).pathname)
          .filter((p) => p.startsWith('/assets/'));
        return kept.has('/agent') && loaded.length > 0 && loaded.every((p) => kept.has(p));
      },
      null,
      { timeout: 20_000 },
    );
    await read(page, qrText(station));
    await context.setOffline(true);
    await page.getByTestId('agent-agree').click();
    await newestWord(page, 'waiting');
    assert.equal(await page.getByTestId('agent-waiting').getAttribute('data-waiting'), '1');
    assert.deepEqual(await words(station), {}, 'nothing reached the server');
    // A reload without a network: the page and the queue are still there.
    await page.reload();
    await page.getByTestId('agent-public-key').getByText(publicKey).waitFor();
    await newestWord(page, 'waiting');
    await context.setOffline(false);
    const index = await newestWord(page, 'sent');
    const said = (await words(station)).president ?? [];
    assert.deepEqual(
      said.map((w) => [w.kind, w.entryIndex]),
      [['attestation', index]],
    );
    await context.close();
  });

  test('a browser without WebCrypto Ed25519 signs with the page’s own code', async () => {
    const station = stations[4] as string;
    const { context, page, publicKey } = await agentPage('agent-e', { noWebCryptoEd25519: true });
    assert.equal(await page.getByTestId('agent-key-kind').getAttribute('data-kind'), 'noble');
    await enrol('agent-e', station, publicKey);
    await read(page, qrText(station));
    await page.getByTestId('agent-agree').click();
    const index = await newestWord(page, 'sent');
    assert.deepEqual(
      ((await words(station)).president ?? []).map((w) => w.entryIndex),
      [index],
    );
    await context.close();
  });

  test('axe finds nothing; the keyboard reaches every control; Swahili', async () => {
    const station = stations[5] as string;
    const { context, page } = await agentPage('agent-f');
    await read(page, qrText(station));
    await page.getByTestId('agent-disagree').click();
    await page.addScriptTag({ path: 'node_modules/axe-core/axe.min.js' });
    const violations = await page.evaluate(async () => {
      const axe = (
        window as unknown as {
          axe: {
            run(el: Element): Promise<{ violations: Array<{ id: string; nodes: unknown[] }> }>;
          };
        }
      ).axe;
      const r = await axe.run(document.body);
      return r.violations.map((v) => `${v.id} (${v.nodes.length})`);
    });
    assert.deepEqual(violations, []);
    // Tab from the top reaches every button and field of the page, in order.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.locator('body').focus();
    const wanted = await page.evaluate(() =>
      Array.from(document.querySelectorAll('main button, main input, main textarea')).map(
        (x) => x.id || x.textContent,
      ),
    );
    const reached = new Set<string>();
    for (let i = 0; i < 60 && reached.size < wanted.length; i++) {
      await page.keyboard.press('Tab');
      const at = await page.evaluate(() => {
        const a = document.activeElement as HTMLElement | null;
        return a?.closest('main') ? a.id || a.textContent : null;
      });
      if (at) reached.add(at);
    }
    assert.deepEqual(
      wanted.filter((w) => !reached.has(w as string)),
      [],
      'controls the keyboard does not reach',
    );
    await page.getByRole('button', { name: 'Kiswahili' }).click();
    await page.getByRole('heading', { name: 'Thibitisha au pinga matokeo ya kituo' }).waitFor();
    await page.getByRole('button', { name: 'Kubali na utie sahihi' }).waitFor();
    await screenshot(page, 'agent-390-sw', true);
    await context.close();
  });
});
