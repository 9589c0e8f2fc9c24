// Builds the public results portal into dist/web (served by `kura serve` at /).
// Preact with the automatic JSX runtime through Vite's own oxc transform (no
// Babel). The shared log and election code (src/log, src/election) is
// imported from the repository, not copied.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
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
