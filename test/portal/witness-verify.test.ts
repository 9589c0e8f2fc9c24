// Verify in the browser checks the witnesses' cosignatures, not only lists
// them: a real witness (kura witness's server, on loopback) cosigns the log's
// checkpoint; the browser pins its key on first use and verifies the
// cosignature; a key pinned earlier under the same name that the served
// cosignature does not match fails the witness step, saying why.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { cosignatureVerifierKey, cosigner } from '../../src/log/cosignature.js';
import { parseNote } from '../../src/log/note.js';
import {
  eventually,
  ORIGIN,
  type RunningWitness,
  startWitness,
  startWitnessedLog,
  type WitnessedLog,
} from '../witness/witnessed-log.js';
import { browserMissing, ensurePortalBuilt, launch, runVerify, screenshot } from './browser.js';

const missing = browserMissing();
if (missing) process.stderr.write(`portal browser tests skipped: ${missing}\n`);

describe('Verify in the browser checks witness cosignatures', { skip: missing ?? false }, () => {
  let witness: RunningWitness;
  let log: WitnessedLog;
  let browser: Browser;
  let station: string;

  before(async () => {
    ensurePortalBuilt();
    witness = await startWitness('observers');
    log = await startWitnessedLog([witness.target]);
    station = log.definition.stations[0]?.code as string;
    await log.submit([station]);
    await eventually('the witness cosigning size 2', async () => {
      const n = await log.checkpoint();
      const p = parseNote(n);
      return n.startsWith(`${ORIGIN}\n2\n`) &&
        p.ok &&
        p.value.signatures.some((s) => s.name === 'observers')
        ? n
        : undefined;
    });
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await log?.close();
    await witness?.stop();
  });

  test('the cosignature of a witness the server names is verified', async () => {
    const page = await browser.newPage();
    await page.goto(`${log.url}/station/${station}`);
    const steps = await runVerify(page);
    assert.equal(steps.witness?.status, 'pass', steps.witness?.detail);
    assert.match(steps.witness?.detail ?? '', /observers at \S+: cosignature verified/);
    assert.equal(steps.checkpoint?.status, 'pass', steps.checkpoint?.detail);
    // The witness key comes with the trust root the server was started with.
    assert.match(
      (await page.locator('#kura-trust-root').textContent()) ?? '',
      new RegExp(witness.vkey.replace(/[+/]/g, '\\$&')),
    );
    await page
      .locator('.verify')
      .screenshot({ path: 'test-output/screenshots/verify-witness.png' });
    await page.close();
  });

  test('a cosignature that does not match the key pinned for its witness fails the step', async () => {
    const page = await browser.newPage();
    await page.goto(`${log.url}/station/${station}`);
    await runVerify(page); // pins this election's trust root on this site
    // Pinned earlier under the name "observers": another key (the witness the
    // reader met first, say, before the server swapped in its own).
    const other = cosigner('observers', new Uint8Array(32).fill(7), () => 0);
    const otherKey = cosignatureVerifierKey('observers', other.publicKey);
    assert.notEqual(otherKey, witness.vkey);
    await page.evaluate(
      ([election, key]) => {
        const site = `kura.trust.${location.origin}`;
        const pins = JSON.parse(localStorage.getItem(site) ?? '{}');
        pins[election].witnessKeys = [key];
        localStorage.setItem(site, JSON.stringify(pins));
      },
      [log.definition.electionId, otherKey] as const,
    );
    const steps = await runVerify(page);
    assert.equal(steps.witness?.status, 'fail', steps.witness?.detail);
    assert.match(
      steps.witness?.detail ?? '',
      /observers: signed with a key other than the one pinned for it/,
    );
    assert.equal(await page.getByTestId('verdict').getAttribute('data-verdict'), 'failed');
    await screenshot(page, 'verify-witness-mismatch', false);
    await page.close();
  });
});
