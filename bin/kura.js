#!/usr/bin/env node
// The installed entry point: runs the compiled CLI (npm run build writes dist/).
import('../dist/cli/main.js').then(
  (cli) => cli.main(process.argv.slice(2)),
  (err) => {
    console.error('kura: the CLI is not built yet; run `npm run build` first.\n', err.message);
    process.exit(70);
  },
);
