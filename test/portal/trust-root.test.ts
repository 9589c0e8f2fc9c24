// The portal's trust root in index.html (FORMATS §3.5.1): filled in by the
// server from the election it serves, kept as built when a portal was built
// for one election (KURA_ELECTION=DIR vite build), and written so that no
// value can close its element.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Fastify from 'fastify';
import { createGenesis } from '../../src/election/genesis.js';
import { toHex } from '../../src/log/bytes.js';
import { sha256 } from '../../src/log/crypto.js';
import { generateKey } from '../../src/log/note.js';
import {
  type PortalTrustRoot,
  registerPortalRoutes,
  TRUST_ROOT_ELEMENT,
  trustRootElement,
} from '../../src/server/routes/portal-routes.js';
import { syntheticDefinition } from '../../src/simulate/synthetic-country.js';

const ROOT: PortalTrustRoot = {
  electionId: 'kenya-2022',
  logOrigin: 'kura.example/kenya-2022',
  logKey: 'kura.example/kenya-2022+6a7d83e7+Aa8G8LL78/cab6tbbgqgT19P13lJmoriboPSjmQUD/GA',
  commissionKey: 'kura.example-commission+ea9151ab+AUh5wibBqUliI66ex0yuVFXpPeO/PFZ8YxHfwc+/YLnR',
  definitionSha256: 'ab'.repeat(32),
  witnessKeys: [],
};

const page = (trustRoot: string) =>
  `<!doctype html><html><body><div id="app"></div>${trustRoot}<script type="module" src="/assets/x.js"></script></body></html>`;

describe('the trust root in index.html', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  async function serve(html: string, trustRoot?: PortalTrustRoot) {
    const dir = mkdtempSync(join(tmpdir(), 'kura-portal-root-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'index.html'), html);
    const app = Fastify();
    registerPortalRoutes(app, { dir, trustRoot });
    const r = await app.inject({ url: '/station/001' });
    await app.close();
    return r.body;
  }
  const rootIn = (html: string) => {
    const m = /<script type="application\/json" id="kura-trust-root">(.*?)<\/script>/s.exec(html);
    return m ? JSON.parse(m[1] as string) : undefined;
  };

  test('the server fills in the election it serves', async () => {
    const html = await serve(page(`${TRUST_ROOT_ELEMENT}null</script>`), ROOT);
    assert.deepEqual(rootIn(html), ROOT);
  });

  test('a portal built for one election keeps its own root, whatever the server serves', async () => {
    const built = { ...ROOT, logKey: 'built+00000000+AAAA' };
    const html = await serve(page(trustRootElement(built)), ROOT);
    assert.deepEqual(rootIn(html), built);
  });

  test('no value can close the element', async () => {
    const hostile = { ...ROOT, electionId: '</script><script>alert(1)</script>' };
    const html = await serve(page(`${TRUST_ROOT_ELEMENT}null</script>`), hostile);
    assert.equal(
      html.split('</script>').length,
      page('<script></script>').split('</script>').length,
    );
    assert.equal(rootIn(html).electionId, hostile.electionId);
  });

  test("KURA_ELECTION=DIR builds a portal with that election's root compiled in", async () => {
    const seed = new Uint8Array(32).fill(3);
    const log = generateKey('kura.test/built', new Uint8Array(32).fill(4));
    const commission = generateKey('kura.test-commission', seed);
    const definition = syntheticDefinition({
      electionId: 'built-election',
      stations: 6,
      logOrigin: 'kura.test/built',
      logKey: log.verifierKey,
      commissionKey: commission.verifierKey,
      presidentOnly: true,
    });
    const g = createGenesis(definition, seed, new Date('2022-08-09T05:00:00Z'));
    const dir = mkdtempSync(join(tmpdir(), 'kura-built-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'definition.json'), g.definitionBytes);
    writeFileSync(join(dir, 'entry0.json'), g.entryBytes);
    const out = join(dir, 'web');
    execFileSync(
      process.execPath,
      [
        'node_modules/vite/bin/vite.js',
        'build',
        '--config',
        'web/vite.config.ts',
        '--logLevel',
        'error',
        '--outDir',
        out,
      ],
      { env: { ...process.env, KURA_ELECTION: dir }, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const built = rootIn(readFileSync(join(out, 'index.html'), 'utf8'));
    assert.deepEqual(built, {
      electionId: 'built-election',
      logOrigin: 'kura.test/built',
      logKey: log.verifierKey,
      commissionKey: commission.verifierKey,
      definitionSha256: toHex(sha256(g.definitionBytes)),
      witnessKeys: [],
    });
    // Served by a server of another election, it keeps the root it was built with.
    const app = Fastify();
    registerPortalRoutes(app, { dir: out, trustRoot: ROOT });
    const served = await app.inject({ url: '/' });
    await app.close();
    assert.deepEqual(rootIn(served.body), built);
  });
});
