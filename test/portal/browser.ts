// Debian's Chromium driven by playwright-core, for the portal tests; and the
// built portal (dist/web), built here when missing.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { ResultEntry } from '../../src/election/entries.js';
import { DEFAULT_PORTAL_DIR } from '../../src/server/routes/portal-routes.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = 'test-output/screenshots';

/** Why the browser tests cannot run here, or null. In CI a missing browser is a failure. */
export function browserMissing(): string | null {
  if (existsSync(CHROMIUM)) return null;
  const why = `${CHROMIUM} is missing (install Debian's chromium package)`;
  if (process.env.CI) throw new Error(why);
  return why;
}

export function ensurePortalBuilt(): void {
  if (existsSync(join(DEFAULT_PORTAL_DIR, 'index.html'))) return;
  execFileSync(
    process.execPath,
    ['node_modules/vite/bin/vite.js', 'build', '--config', 'web/vite.config.ts'],
    {
      stdio: 'inherit',
    },
  );
}

export async function launch(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Presses Verify on a station page and reads each step's status and detail. */
export async function runVerify(
  page: Page,
): Promise<Record<string, { status: string; detail: string }>> {
  await page.getByTestId('verify').click();
  await page.getByTestId('verdict').waitFor({ timeout: 20_000 });
  const steps: Record<string, { status: string; detail: string }> = {};
  for (const li of await page.locator('[data-step]').all()) {
    const detail = li.locator('.step-detail');
    steps[(await li.getAttribute('data-step')) as string] = {
      status: (await li.getAttribute('data-status')) as string,
      detail: (await detail.count()) ? await detail.innerText() : '',
    };
  }
  return steps;
}

/** The verdict of the last Verify: "verified", "partly" or "failed". */
export async function verdict(page: Page): Promise<string> {
  return (await page.getByTestId('verdict').getAttribute('data-verdict')) ?? '';
}

export async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
}

/** A presiding officer's scanned form, drawn by the browser itself: a PNG. */
export async function drawForm(
  browser: Browser,
  stationName: string,
  entry: ResultEntry,
  title: string,
): Promise<Uint8Array> {
  const page = await browser.newPage({ viewport: { width: 620, height: 560 } });
  const rows = Object.entries(entry.votes)
    .map(([id, n]) => `<tr><td>${id}</td><td class="n">${n}</td></tr>`)
    .join('');
  await page.setContent(`<!doctype html><html><body style="margin:0;font-family:serif;background:#fbf8ef">
    <div style="margin:18px;border:2px solid #333;padding:16px 20px">
      <div style="text-align:center;font-weight:bold">INDEPENDENT ELECTORAL AND BOUNDARIES COMMISSION (DEMO)</div>
      <div style="text-align:center;font-size:20px;margin:6px 0">FORM 34A &mdash; ${title}</div>
      <div>Polling station: <b>${stationName}</b> (${entry.station})</div>
      <table style="width:100%;margin-top:10px;border-collapse:collapse" border="1" cellpadding="5">
        <tr><th align="left">Candidate</th><th align="right">Votes</th></tr>${rows}
        <tr><td>Total valid</td><td class="n">${entry.totalValid}</td></tr>
        <tr><td>Rejected</td><td class="n">${entry.rejected}</td></tr>
      </table>
      <style>.n{text-align:right;font-family:monospace;font-size:18px}</style>
      <div style="margin-top:14px">Presiding officer: ____________ &nbsp; Agents: ____________</div>
    </div></body></html>`);
  const png = await page.screenshot({ type: 'png' });
  await page.close();
  return new Uint8Array(png);
}
