// Verify in the browser against a lying server (FORMATS §3.5.1): a proxy in
// front of a real kura server adds a made-up correction, alters a real one,
// swaps a device key, replays an old checkpoint, or hands the page to a
// server with its own keys and a look-alike origin. Each must end "failed",
// naming what and where; what the browser cannot check ends "partly
// verified" with the reason; only an honest, witnessed station with its scan
// ends "verified". Screenshots go to test-output/screenshots/.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { generateKey } from '../../src/log/note.js';
import type { StationAnswer } from '../../web/src/api.js';
import {
  eventually,
  LOG_KEY,
  ORIGIN,
  type RunningWitness,
  startWitness,
} from '../witness/witnessed-log.js';
import {
  browserMissing,
  ensurePortalBuilt,
  launch,
  runVerify,
  screenshot,
  verdict,
} from './browser.js';
import {
  rawPublicKey,
  SEED,
  type Server,
  startProxy,
  startServer,
  type TestProxy,
} from './forged-servers.js';

const missing = browserMissing();
if (missing) process.stderr.write(`portal browser tests skipped: ${missing}\n`);

/** A valid 1×1 PNG: the server keeps PNG, JPEG and PDF only. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
/** "log" with a Cyrillic о (U+043E): the look-alike origin. */
const LOOKALIKE = 'kura.test/l\u043eg';
const PASSWORD = 'correct horse battery staple';

describe('Verify in the browser does not pass forged figures', { skip: missing ?? false }, () => {
  let browser: Browser;
  let witness: RunningWitness;
  let honest: Server;
  let proxy: TestProxy;
  const liars: Server[] = [];
  let s: {
    verified: string;
    noScan: string;
    awaiting: string;
    corrected: string;
    fake: string;
    replaced: string;
    rollback: string;
  };
  let oldNote = '';
  let firstCandidate = '';

  before(async () => {
    ensurePortalBuilt();
    browser = await launch();
    witness = await startWitness('observers');
    honest = await startServer({
      origin: ORIGIN,
      logKey: LOG_KEY,
      commissionSeed: SEED('commission'),
      witnesses: [witness.target],
      officials: true,
    });
    const st = honest.stations;
    s = {
      verified: st[0] as string,
      noScan: st[1] as string,
      awaiting: st[2] as string,
      corrected: st[3] as string,
      fake: st[4] as string,
      replaced: st[5] as string,
      rollback: st[6] as string,
    };
    firstCandidate = honest.definition.contests[0]?.candidates[0]?.id as string;
    const scanned = async (station: string) =>
      honest.submit(station, { form: await honest.upload(station, PNG) });
    await scanned(s.verified);
    await honest.submit(s.noScan);
    await scanned(s.fake);

    // A real correction: proposed by one administrator, approved by the area's
    // returning officer and then by another administrator.
    const officials = honest.running.officials;
    const fold = honest.running.sequencer?.fold;
    assert.ok(officials && fold);
    // Administrators made on the console; a returning officer proposed by one
    // and approved by another; the correction's proposer and final approver
    // independent of the officer's making (the two-person rules).
    for (const account of ['chair', 'vice', 'clerk', 'auditor'])
      await officials.createAccount(null, {
        account,
        role: 'commission-admin',
        scope: '',
        password: PASSWORD,
      });
    const [chair, vice, clerk, auditor] = ['chair', 'vice', 'clerk', 'auditor'].map(
      (a) => fold.officials.accounts.get(a) ?? null,
    );
    assert.ok(chair && vice && clerk && auditor);
    const constituency = honest.running.election.index.unitOf(
      s.corrected,
      'constituency',
    ) as string;
    await officials.proposeAccount(chair, {
      account: 'ro',
      role: 'returning-officer',
      scope: constituency,
    });
    await officials.approveAccount(vice, 'ro');
    const original = await scanned(s.corrected);
    const votes = { ...original.entry.votes, [firstCandidate]: 120 };
    const proposed = await officials.act(clerk, {
      kind: 'correction-proposed',
      contest: 'president',
      station: s.corrected,
      original: original.index,
      reason: 'the tally clerk misread 120',
      form: original.entry.form,
      votes,
      rejected: original.entry.rejected,
      totalValid: Object.values(votes).reduce((a, b) => a + b, 0),
    });
    await officials.act(fold.officials.accounts.get('ro') ?? null, {
      kind: 'correction-approved',
      correction: proposed.index,
    });
    await officials.act(auditor, { kind: 'correction-approved', correction: proposed.index });
    assert.equal(fold.result('president', s.corrected)?.votes[firstCandidate], 120);

    // A lost kit replaced by an official entry; the new kit signs the result.
    const lost = honest.definition.devices.find((d) => d.station === s.replaced)?.id as string;
    await officials.act(chair, {
      kind: 'device-enrolled',
      device: 'kit-new',
      station: s.replaced,
      publicKey: rawPublicKey(SEED('new kit')),
      replaces: lost,
    });
    const sha = await honest.upload(s.replaced, PNG, 'kit-new', SEED('new kit'));
    await honest.submit(s.replaced, { form: sha, device: 'kit-new', seed: SEED('new kit') });

    // An old checkpoint that covers the rollback station's result; then the log grows.
    const rolled = await scanned(s.rollback);
    oldNote = await eventually('a checkpoint covering the rollback station', async () => {
      const n = await honest.checkpoint();
      return Number(n.split('\n')[1]) > rolled.index ? n : undefined;
    });
    for (const code of st.slice(7, 10)) await honest.submit(code);
    const size = Number((await honest.checkpoint()).split('\n')[1]);
    await eventually(
      'the witness cosigning the latest checkpoint',
      async () => {
        const n = await honest.checkpoint();
        return n.includes('— observers ') && Number(n.split('\n')[1]) === size ? n : undefined;
      },
      20_000,
    );
    proxy = await startProxy({ data: honest.url });
  });
  after(async () => {
    await browser?.close();
    await proxy?.close();
    for (const l of liars) await l.close();
    await honest?.close();
    await witness?.stop();
  });

  /** A page in a fresh browser profile (no pins), unless a context is given (a returning visitor). */
  async function station(code: string, page?: Page): Promise<Page> {
    const p = page ?? (await browser.newPage());
    await p.goto(`${proxy.url}/station/${code}`);
    await p.getByTestId('verify').waitFor();
    return p;
  }
  const stationRewrite =
    (code: string, change: (a: StationAnswer) => void) => (path: string, body: unknown) => {
      if (path !== `/api/v1/stations/${code}`) return undefined;
      change(body as StationAnswer);
      return body;
    };

  test('an honest station, scanned and witnessed: verified, with the time it took; each scan fetched once', async () => {
    proxy.mode = { data: honest.url };
    proxy.seen.length = 0;
    const page = await station(s.verified);
    await page.locator('.scan img').waitFor();
    const steps = await runVerify(page);
    for (const [id, step] of Object.entries(steps))
      assert.equal(step.status, 'pass', `${id}: ${step.detail}`);
    assert.equal(await verdict(page), 'verified');
    assert.equal(
      await page.evaluate(() => document.activeElement?.getAttribute('data-testid')),
      'verify',
      'the focus stays on the Verify button while it runs and after',
    );
    assert.match(
      await page.getByTestId('verdict').innerText(),
      /^Verified: every step was proven\. \(Verify took \d+\.\d s\)$/,
    );
    assert.match(steps.witness?.detail ?? '', /observers at \S+: cosignature verified/);
    assert.match(steps.devices?.detail ?? '', /is the one entry 0 commits to/);
    const form = (await page.locator('.scan figcaption').innerText()).replace('SHA-256 ', '');
    const formRequests = proxy.seen.filter((r) => r.includes(`/api/v1/forms/${form}`));
    assert.deepEqual(formRequests, [`GET /api/v1/forms/${form}`], 'one GET per scan, no HEAD');
    await page
      .locator('.verify')
      .screenshot({ path: 'test-output/screenshots/verify-verified.png' });
    await page.close();
  });

  test('no scan, or no witness cosignature: partly verified, saying what was not checked', async () => {
    proxy.mode = { data: honest.url };
    let page = await station(s.noScan);
    let steps = await runVerify(page);
    assert.equal(await verdict(page), 'partly');
    assert.equal(steps.form?.status, 'warn');
    assert.match(
      steps.form?.detail ?? '',
      /President: the scan [0-9a-f]{16}… has not been uploaded/,
    );
    assert.match(await page.getByTestId('verdict').innerText(), /^Partly verified/);
    // Exactly what could not be checked, listed under the verdict.
    assert.deepEqual(
      (await page.getByTestId('verdict-items').locator('li').allInnerTexts()).map((l) =>
        l.replace(/[0-9a-f]{16}…/, 'SHA…'),
      ),
      [
        'Scanned form matches the SHA-256 in the entry: President: the scan SHA… has not been uploaded, so it could not be checked',
      ],
    );
    await page.close();
    // The same checkpoint without the witness's line: the log's own signature still verifies.
    const note = await honest.checkpoint();
    proxy.mode = {
      data: honest.url,
      checkpoint: note
        .split('\n')
        .filter((l) => !l.startsWith('— observers '))
        .join('\n'),
    };
    page = await station(s.verified);
    steps = await runVerify(page);
    assert.equal(steps.checkpoint?.status, 'pass', steps.checkpoint?.detail);
    assert.equal(steps.witness?.status, 'warn');
    assert.match(steps.witness?.detail ?? '', /no pinned witness has cosigned this checkpoint/);
    assert.equal(await verdict(page), 'partly');
    await page.close();
  });

  test('a station awaiting its result: partly verified, pointing to kura verify', async () => {
    proxy.mode = { data: honest.url };
    const page = await station(s.awaiting);
    const steps = await runVerify(page);
    assert.equal(await verdict(page), 'partly');
    assert.equal(steps.numbers?.status, 'warn');
    assert.match(
      steps.numbers?.detail ?? '',
      /President: no result shown \(awaiting\)\. Absence of a result cannot be proven in a browser; run `kura verify`/,
    );
    await page.close();
  });

  test('a made-up correction (figures raised by 100, original = the true ones) fails', async () => {
    proxy.mode = {
      data: honest.url,
      rewrite: stationRewrite(s.fake, (a) => {
        const r = a.results.president;
        assert.ok(r);
        r.correction = {
          entryIndex: r.entryIndex,
          inForceAt: r.entryIndex,
          reason: 'recount',
          original: {
            votes: { ...r.votes },
            rejected: r.rejected,
            totalValid: r.totalValid,
            form: r.form,
            flags: r.flags,
          },
        };
        r.votes[firstCandidate] = (r.votes[firstCandidate] as number) + 100;
      }),
    };
    const page = await station(s.fake);
    const steps = await runVerify(page);
    assert.equal(await verdict(page), 'failed');
    assert.equal(steps.correction?.status, 'fail');
    assert.match(
      steps.correction?.detail ?? '',
      /President: the correction shown \(entry \d+\) is not proven: entry \d+ is a result entry, not a correction signed by the commission/,
    );
    assert.equal(steps.numbers?.status, 'fail');
    assert.match(
      steps.numbers?.detail ?? '',
      /corrected figures on screen are not backed by a proven correction/,
    );
    assert.match(
      await page.getByTestId('verdict').innerText(),
      /^Failed: do not trust these figures/,
    );
    await screenshot(page, 'verify-fake-correction', false);
    await page.close();
  });

  test('a real correction verifies; the corrected figure altered on screen (120 → 999) fails, naming it', async () => {
    proxy.mode = { data: honest.url };
    let page = await station(s.corrected);
    let steps = await runVerify(page);
    assert.equal(steps.correction?.status, 'pass', steps.correction?.detail);
    assert.match(
      steps.correction?.detail ?? '',
      /President: correction \d+ signed by the commission, approved at entries \d+, \d+, in force/,
    );
    assert.match(
      steps.numbers?.detail ?? '',
      /corrected figures equal correction \d+; the original figures equal entry \d+/,
    );
    assert.equal(await verdict(page), 'verified');
    await page.close();

    proxy.mode = {
      data: honest.url,
      rewrite: stationRewrite(s.corrected, (a) => {
        const r = a.results.president;
        assert.equal(r?.votes[firstCandidate], 120);
        if (r) r.votes[firstCandidate] = 999;
      }),
    };
    page = await station(s.corrected);
    steps = await runVerify(page);
    assert.equal(await verdict(page), 'failed');
    assert.equal(steps.numbers?.status, 'fail');
    assert.match(
      steps.numbers?.detail ?? '',
      new RegExp(`President: ${firstCandidate} is 999 on screen, 120 in entry \\d+`),
    );
    assert.match(
      await page.getByTestId('verdict-items').innerText(),
      new RegExp(
        `Numbers on screen equal the numbers in the entry: President: ${firstCandidate} is 999 on screen, 120 in entry \\d+`,
      ),
    );
    await page.close();
  });

  test('a flag the rules do not give, shown on the page, fails', async () => {
    proxy.mode = {
      data: honest.url,
      rewrite: stationRewrite(s.verified, (a) => {
        if (a.results.president) a.results.president.flags = ['over-registered'];
      }),
    };
    const page = await station(s.verified);
    const steps = await runVerify(page);
    assert.equal(await verdict(page), 'failed');
    assert.match(
      steps.numbers?.detail ?? '',
      /President: the list of flags is over-registered on screen, – in entry \d+/,
    );
    await page.close();
  });

  test('a look-alike origin with its own log key: red for a returning visitor, and on a first visit', async () => {
    const liar = await startServer({
      origin: LOOKALIKE,
      logKey: generateLogKey('kura.test/log', 'liar log'),
      commissionSeed: SEED('liar commission'),
    });
    liars.push(liar);
    await liar.submit(s.verified, { factor: 40 }); // other figures, re-signed
    const context = await browser.newContext();
    try {
      proxy.mode = { data: honest.url };
      const page = await station(s.verified, await context.newPage());
      await runVerify(page);
      assert.equal(await verdict(page), 'verified');
      // The same site now serves the liar's page and data.
      proxy.mode = { data: liar.url };
      await station(s.verified, page);
      const steps = await runVerify(page);
      assert.equal(await verdict(page), 'failed');
      assert.equal(steps.trust?.status, 'fail');
      assert.match(
        steps.trust?.detail ?? '',
        /WARNING: this site now presents a different log name for this election\. Pinned in this browser: "kura\.test\/log"; presented now: "kura\.test\/lоg" \(character 12 is "о" U\+043E where "o" was expected\)/,
      );
      assert.match(steps.trust?.detail ?? '', /a different log key/);
      assert.equal(await page.getByTestId('verdict').getAttribute('role'), 'alert');
      await screenshot(page, 'verify-lookalike-returning', false);
      await page.close();
    } finally {
      await context.close();
    }
    // A first visit: the page built for the election, the liar's data.
    proxy.mode = { data: liar.url, page: honest.url };
    const page = await station(s.verified);
    const steps = await runVerify(page);
    assert.equal(await verdict(page), 'failed');
    assert.equal(steps.trust?.status, 'fail');
    assert.match(
      steps.trust?.detail ?? '',
      /WARNING: the server names the log key kura\.test\/log\+/,
    );
    assert.equal(steps.checkpoint?.status, 'fail');
    assert.match(
      steps.checkpoint?.detail ?? '',
      /the checkpoint is for the log "kura\.test\/lоg", not "kura\.test\/log" \(character 12 is "о" U\+043E/,
    );
    await page.close();
  });

  test('a device key swapped in the station page fails, also when the server holds the log key', async () => {
    // The proxy swaps the key on the honest server's page.
    const device = honest.definition.devices.find((d) => d.station === s.verified)?.id as string;
    const attackerKey = rawPublicKey(SEED(`attacker ${device}`));
    proxy.mode = {
      data: honest.url,
      rewrite: stationRewrite(s.verified, (a) => {
        for (const d of a.devices) if (d.id === device) d.publicKey = attackerKey;
      }),
    };
    let page = await station(s.verified);
    let steps = await runVerify(page);
    assert.equal(await verdict(page), 'failed');
    assert.match(
      steps.devices?.detail ?? '',
      new RegExp(
        `the page gives device ${device} the key ${attackerKey.replace(/[+/]/g, '\\$&')}; the definition \\(entry 0\\) says`,
      ),
    );
    await page.close();

    // A compromised server: the real log key, its own definition (the
    // station's device is the attacker's), entry 0 signed by its own
    // "commission", and a result the attacker's device signed.
    const liar = await startServer({
      origin: ORIGIN,
      logKey: LOG_KEY,
      commissionSeed: SEED('liar commission'),
      attackerDevices: [device],
    });
    liars.push(liar);
    await liar.submit(s.verified, { factor: 40 });
    proxy.mode = { data: liar.url, page: honest.url };
    page = await station(s.verified);
    steps = await runVerify(page);
    assert.equal(steps.checkpoint?.status, 'pass', 'the log key is the real one');
    assert.equal(await verdict(page), 'failed');
    assert.equal(steps.devices?.status, 'fail');
    assert.match(
      steps.devices?.detail ?? '',
      /entry 0 is not signed by the commission key kura\.test-commission\+[0-9a-f]{8}/,
    );
    assert.equal(steps.signature?.status, 'fail');
    assert.match(
      steps.signature?.detail ?? '',
      new RegExp(`device ${device} is not proven to serve this station`),
    );
    await page.close();
  });

  test('a rollback to an older checkpoint after a newer one was verified fails, showing both signed notes', async () => {
    const context = await browser.newContext();
    try {
      proxy.mode = { data: honest.url };
      const page = await station(s.rollback, await context.newPage());
      await runVerify(page);
      assert.equal(await verdict(page), 'verified');
      const newer = await honest.checkpoint();
      proxy.mode = { data: honest.url, checkpoint: oldNote };
      await station(s.rollback, page);
      const steps = await runVerify(page);
      assert.equal(steps.checkpoint?.status, 'pass', 'the old checkpoint is validly signed');
      assert.equal(steps.consistency?.status, 'fail');
      const was = Number(newer.split('\n')[1]);
      const now = Number(oldNote.split('\n')[1]);
      assert.match(
        steps.consistency?.detail ?? '',
        new RegExp(
          `ROLLBACK: this browser verified a tree of ${was} entries; the server now shows ${now}`,
        ),
      );
      const evidence = await page.getByTestId('evidence-consistency').innerText();
      assert.ok(evidence.includes(oldNote.split('\n')[2] as string), 'the old root hash is shown');
      assert.ok(evidence.includes(`${ORIGIN}\n${was}\n`), 'the newer signed note is shown');
      assert.equal(await verdict(page), 'failed');
      await screenshot(page, 'verify-rollback', false);
      await page.close();
    } finally {
      await context.close();
    }
  });

  test('a replaced device: the page lists both kits; the enrolment and revocation are proven', async () => {
    proxy.mode = { data: honest.url };
    const page = await station(s.replaced);
    const lost = honest.definition.devices.find((d) => d.station === s.replaced)?.id as string;
    assert.match(
      await page.getByTestId('devices').innerText(),
      new RegExp(`${lost} \\(Revoked #\\d+\\), kit-new|kit-new, ${lost} \\(Revoked #\\d+\\)`),
    );
    const steps = await runVerify(page);
    assert.match(steps.devices?.detail ?? '', /kit-new: enrolled by official entry \d+/);
    assert.match(steps.devices?.detail ?? '', new RegExp(`${lost}: revoked at entry \\d+`));
    assert.match(steps.signature?.detail ?? '', /signed by kit-new/);
    assert.equal(await verdict(page), 'verified');
    await page.close();
  });

  test('the verdict and its details in Swahili', async () => {
    proxy.mode = { data: honest.url };
    const page = await station(s.awaiting);
    await page.getByRole('button', { name: 'Kiswahili' }).click();
    const steps = await runVerify(page);
    assert.match(await page.getByTestId('verdict').innerText(), /^Imethibitishwa kwa sehemu/);
    assert.match(
      steps.numbers?.detail ?? '',
      /Kutokuwepo kwa matokeo hakuwezi kuthibitishwa kwenye kivinjari; endesha `kura verify`/,
    );
    assert.match(steps.checkpoint?.detail ?? '', /ukubwa wa mti \d+/);
    await page.close();
  });
});

function generateLogKey(name: string, seed: string) {
  return generateKey(name, SEED(seed));
}
