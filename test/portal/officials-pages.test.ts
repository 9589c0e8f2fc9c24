// The officials' pages in a real browser: a returning officer and then an
// administrator (with a TOTP code) log in and approve a correction; a
// declaration that does not match the log is refused on the page; the public
// record page shows, in plain words (contests, places, candidates and roles by
// name), the correction in force, the acts, and a declaration's figures beside
// the log's with the differences flagged, also on a 360 px phone in Swahili; the station page shows the corrected figures beside the
// original ones, and Verify proves the correction and its approvals, the
// corrected figures against it and the original ones against the signed entry.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { totp } from '../../src/accounts/totp.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';
import { browserMissing, ensurePortalBuilt, launch, runVerify, screenshot } from './browser.js';

const missing = browserMissing();
if (missing) process.stderr.write(`portal browser tests skipped: ${missing}\n`);
const PASSWORD = 'correct horse battery staple';

describe('officials in the portal', { skip: missing ?? false }, () => {
  let t: TestLog;
  let url = '';
  let browser: Browser;
  let station = '';
  let constituency = '';
  let chairSecret = '';
  let first = '';
  let original: Record<string, number> = {};
  let stationName = '';
  let firstName = '';
  /** The nation's president figures as declared, one above the log's for the first candidate. */
  let declaredIndex = 0;

  before(async () => {
    ensurePortalBuilt();
    t = await newTestLog('pglite', { officials: true, stations: 30 });
    const officials = t.running.officials;
    const fold = t.running.sequencer?.fold;
    assert.ok(officials && fold);
    station = t.definition.stations[0]?.code as string;
    constituency = t.running.election.index.unitOf(station, 'constituency') as string;
    chairSecret = (
      await officials.createAccount(null, {
        account: 'chair',
        role: 'commission-admin',
        scope: '',
        password: PASSWORD,
      })
    ).totpSecret as string;
    // Founding accounts from the console: an administrator alone may create only observers.
    await officials.createAccount(null, {
      account: 'ro',
      role: 'returning-officer',
      scope: constituency,
      password: PASSWORD,
    });
    await officials.createAccount(null, {
      account: 'clerk',
      role: 'commission-admin',
      scope: '',
      password: PASSWORD,
    });
    const sent = await t.running.app.inject({
      method: 'POST',
      url: '/api/v1/results',
      payload: t.result(station),
    });
    assert.equal(sent.statusCode, 201, sent.body);
    original = t.result(station).votes;
    first = Object.keys(original)[0] as string;
    stationName = t.definition.stations[0]?.name as string;
    firstName = t.definition.contests[0]?.candidates.find((c) => c.id === first)?.name as string;
    const clerk = fold.officials.accounts.get('clerk');
    assert.ok(clerk);
    const corrected = { ...original, [first]: (original[first] as number) + 5 };
    await officials.act(clerk, {
      kind: 'correction-proposed',
      contest: 'president',
      station,
      original: sent.json().index,
      reason: 'tally clerk misread a 5 as a 0',
      form: 'ab'.repeat(32),
      votes: corrected,
      rejected: 2,
      totalValid: Object.values(corrected).reduce((s, n) => s + n, 0),
    });
    // A declaration that differs from the log, with its override: the record shows both figures.
    const logged = fold.raceFigures('president', '');
    assert.ok(logged);
    const declaredVotes = { ...logged.votes, [first]: (logged.votes[first] as number) + 1 };
    declaredIndex = (
      await officials.act(clerk, {
        kind: 'declaration',
        contest: 'president',
        unit: '',
        override: 'the constituency forms were recounted',
        votes: declaredVotes,
        rejected: logged.rejected,
        totalValid: logged.totalValid + 1,
      })
    ).index;
    url = await t.running.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  async function login(page: Page, account: string, code = '') {
    await page.goto(`${url}/admin`);
    await page.getByLabel('Account').fill(account);
    await page.getByLabel('Password').fill(PASSWORD);
    if (code) await page.getByLabel('Code from your authenticator app').fill(code);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('whoami').waitFor();
  }

  test('a wrong password is refused on the page', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/admin`);
    await page.getByLabel('Account').fill('ro');
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Log in' }).click();
    assert.match(await page.getByTestId('login-error').innerText(), /LOGIN_FAILED/);
    await page.close();
  });

  test('the returning officer, then an administrator, approve the correction', async () => {
    const page = await browser.newPage();
    await login(page, 'ro');
    assert.match(await page.getByTestId('whoami').innerText(), /ro \(Returning officer/);
    await page.getByRole('button', { name: /^Approve #/ }).click();
    assert.match(await page.getByTestId('approve-result').innerText(), /Approved #/);
    await screenshot(page, 'admin-ro-approved');
    // A declaration that does not match the log is refused, naming the field.
    await page.getByRole('button', { name: 'Fill in the logged figures' }).click();
    await page.waitForFunction(
      () => (document.getElementById('d-votes') as HTMLInputElement)?.value !== '',
    );
    const votes = await page.locator('#d-votes').inputValue();
    await page.locator('#d-votes').fill(votes.replace(/=(\d+)/, (_m, n) => `=${Number(n) + 1}`));
    await page.getByRole('button', { name: 'Declare a result' }).click();
    const refused = await page.getByTestId('declare-result').innerText();
    assert.match(refused, /DECLARATION_MISMATCH \(act\.votes\.\w+\)/);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Log in' }).waitFor();

    await login(page, 'chair', totp(chairSecret, Date.now()));
    await page.getByRole('button', { name: /^Approve #/ }).click();
    assert.match(await page.getByTestId('approve-result').innerText(), /Approved #/);
    await screenshot(page, 'admin-chair-approved');
    await page.close();
    const r = t.running.sequencer?.fold.result('president', station);
    assert.equal(r?.votes[first], (original[first] as number) + 5, 'in force after two approvals');
  });

  test('the public record in plain words: names, roles, acts as sentences, declared beside logged', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/record`);
    await page.getByTestId('corrections').waitFor();
    const corrections = page.getByTestId('corrections');
    // In plain words: the contest and the station by name, roles by name, figures by candidate.
    await corrections.getByText(stationName).waitFor();
    // The candidates' names come with their own request, after the station's.
    await corrections.locator('table.record-figures').getByText(firstName).first().waitFor();
    const correction = await corrections.innerText();
    assert.match(
      correction,
      /President · .*in force[\s\S]*approved by\s+ro \(Returning officer\)[\s\S]*approved by\s+chair \(Commission administrator\)/,
    );
    assert.match(
      correction,
      new RegExp(`${firstName} \\(\\w[^)]*\\)\\s+${(original[first] as number) + 5}`),
    );
    assert.doesNotMatch(correction, new RegExp(`${first}=`), 'no "id=votes" code');
    const acts = await page.getByTestId('acts').innerText();
    for (const k of [
      /Correction approved \(Log entry #\d+\)/,
      new RegExp(`Correction proposed: President · ${stationName}`),
      /chair \(Commission administrator\): Logged in/,
      /Account created: ro/,
    ])
      assert.match(acts, k);
    assert.doesNotMatch(acts, /-approved|-proposed|-created|returning-officer/, 'no codes');
    assert.doesNotMatch(
      acts,
      /Login failed/,
      'failed logins are counted apart, not listed one by one',
    );
    const failed = await page.getByTestId('failed-logins').innerText();
    assert.match(failed, /ro: 1 failed attempt/, 'the failed login is on the record, counted');
    // The declaration: its figures beside the log's, the differing ones flagged.
    const declared = page.getByTestId(`declared-${declaredIndex}`);
    await declared.getByText(firstName).waitFor();
    const flagged = await declared.locator('tr[data-differs]').allInnerTexts();
    assert.equal(flagged.length, 2, `the first candidate and the total valid: ${flagged}`);
    assert.match(flagged[0] as string, new RegExp(`${firstName}[\\s\\S]*differs`));
    assert.match(
      await page.getByTestId('declarations').innerText(),
      /President · Nation differs from the log[\s\S]*clerk \(Commission administrator\)[\s\S]*the constituency forms were recounted/,
    );
    await screenshot(page, 'record');
    await page.close();
  });

  test('the record on a 360 px phone: nothing clipped or scrolling sideways; and in Swahili', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await page.addInitScript(() => localStorage.setItem('kura.lang', 'sw'));
    await page.goto(`${url}/record`);
    await page.getByTestId(`declared-${declaredIndex}`).getByText(firstName).waitFor();
    await page.getByTestId('corrections').getByText(stationName).waitFor();
    const wide = await page.evaluate(`(() => {
      const out = [];
      for (const el of document.querySelectorAll('main *')) {
        const r = el.getBoundingClientRect();
        if (r.width > 0 && (r.right > innerWidth + 0.5 || r.left < -0.5))
          out.push(el.tagName + '.' + el.className + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
      }
      return { out, scroll: document.documentElement.scrollWidth };
    })()`);
    assert.deepEqual(wide, { out: [], scroll: 360 });
    // Names get room: no column squeezed to a few letters a line.
    const narrowest = await page.evaluate(`Math.min(...Array.from(
      document.querySelectorAll('.record-figures tbody th, .record-figures tbody td'),
      (c) => c.getBoundingClientRect().width))`);
    assert.ok((narrowest as number) >= 60, `the narrowest figure column: ${narrowest} px`);
    const text = await page.locator('main').innerText();
    for (const words of [
      'Marekebisho yameidhinishwa',
      'Afisa msimamizi wa uchaguzi',
      'Msimamizi wa tume',
      'Kwenye kumbukumbu',
      'inatofautiana na kumbukumbu',
      'Rais',
    ])
      assert.ok(text.includes(words), words);
    await screenshot(page, 'record-phone-swahili');
    await page.close();
  });

  test('the station page shows both figures; Verify passes', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/station/${station}`);
    const shown = await page.getByTestId('original-president').innerText();
    assert.match(shown, new RegExp(`${first} ${original[first]}`));
    assert.match(await page.getByTestId('correction-president').innerText(), /misread a 5 as a 0/);
    const steps = await runVerify(page);
    assert.equal(steps.correction?.status, 'pass', steps.correction?.detail);
    assert.equal(steps.numbers?.status, 'pass', steps.numbers?.detail);
    assert.match(
      steps.numbers?.detail ?? '',
      /corrected figures equal correction \d+; the original figures equal entry \d+/,
    );
    await screenshot(page, 'station-corrected');
    await page.close();
  });
});
