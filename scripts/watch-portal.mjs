// Watches the portal while `npm start` replays the night, as a person would:
//   node scripts/watch-portal.mjs http://127.0.0.1:8080/ MINUTES
// One page load and no reloads (so every change on screen came from the
// portal's own live updates); every 15 s it logs the tree size and the
// presidential rows, and saves screenshots in test-output/watch/.
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const [url, minutes] = [process.argv[2], Number(process.argv[3] ?? 5)];
mkdirSync('test-output/watch', { recursive: true });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
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
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
let navigations = 0;
page.on('framenavigated', (f) => {
  if (f === page.mainFrame()) navigations++;
});
for (let i = 0; ; i++) {
  try {
    await page.goto(url, { waitUntil: 'load' });
    break;
  } catch {
    if (i > 60) throw new Error('no portal');
    await new Promise((r) => setTimeout(r, 2000));
  }
}
const end = Date.now() + minutes * 60_000;
let n = 0;
while (Date.now() < end) {
  const tree = await page
    .locator('[data-testid=tree-size]')
    .first()
    .textContent()
    .catch(() => '?');
  const text = await page
    .locator('main')
    .innerText()
    .catch(() => '');
  const lines = text
    .split('\n')
    .filter((l) => /Ruto|Odinga|reported|Wajackoyah|Mwaure|rejected/i.test(l))
    .slice(0, 8);
  console.log(
    new Date().toISOString(),
    'tree',
    tree,
    '| navigations',
    navigations,
    '|',
    lines.join(' ¦ '),
  );
  if (n % 4 === 0)
    await page.screenshot({ path: `test-output/watch/t${String(n).padStart(2, '0')}.png` });
  n++;
  await new Promise((r) => setTimeout(r, 15_000));
}
await page.screenshot({ path: 'test-output/watch/final.png', fullPage: true });
await browser.close();
