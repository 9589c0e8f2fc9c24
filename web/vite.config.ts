// Builds the public results portal into dist/web (served by `kura serve` at /).
// Preact with the automatic JSX runtime through Vite's own oxc transform (no
// Babel). The shared log and election code (src/log, src/election) is
// imported from the repository, not copied.
//
// KURA_ELECTION=DIR builds a portal for one election: its trust root (FORMATS
// §3.5.1: log key, origin, commission key, definition hash, from DIR's entry 0
// and definition, checked) is compiled into index.html, and a server cannot
// replace it. Without it, `kura serve` fills in the election it serves.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { openGenesis } from '../src/election/genesis.js';
import { toHex } from '../src/log/bytes.js';
import { sha256 } from '../src/log/crypto.js';
import { TRUST_ROOT_ELEMENT, trustRootElement } from '../src/server/routes/portal-routes.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

function trustRootFor(dir: string | undefined): Plugin {
  return {
    name: 'kura-trust-root',
    transformIndexHtml(html) {
      if (!dir) return html;
      const definition = new Uint8Array(readFileSync(join(dir, 'definition.json')));
      const opened = openGenesis(
        new Uint8Array(readFileSync(join(dir, 'entry0.json'))),
        definition,
      );
      if (!opened.ok) throw new Error(`KURA_ELECTION=${dir}: ${opened.error}`);
      const e = opened.value.entry;
      const element = trustRootElement({
        electionId: e.electionId,
        logOrigin: e.logOrigin,
        logKey: e.logKey,
        commissionKey: e.commissionKey,
        definitionSha256: toHex(sha256(definition)),
        witnessKeys: (process.env.KURA_WITNESS_KEYS ?? '').split(/\s+/).filter(Boolean),
      });
      return html.replace(`${TRUST_ROOT_ELEMENT}null</script>`, element);
    },
  };
}

export default defineConfig({
  plugins: [trustRootFor(process.env.KURA_ELECTION)],
  root: here('.'),
  base: '/',
  publicDir: here('public'),
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: { fs: { allow: [here('..')] } },
});
