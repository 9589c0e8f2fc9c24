#!/usr/bin/env node
// The installed entry point: runs the compiled CLI (npm run build writes dist/).
// A build swaps dist/ in while dist.building names its process (scripts/build.mjs):
// a command that finds no CLI then waits for that build and runs on its result.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);

/** The id of the build in progress, or null when none is. */
function buildInProgress() {
  let pid;
  try {
    pid = Number(readFileSync(new URL('../dist.building', import.meta.url), 'utf8'));
    process.kill(pid, 0);
    return pid;
  } catch (e) {
    return e.code === 'EPERM' ? pid : null;
  }
}

import('../dist/cli/main.js').then(
  (cli) => cli.main(args),
  async (err) => {
    const pid = buildInProgress();
    if (pid === null) {
      console.error(
        `kura: the CLI is not built (${err.message.split('\n')[0]}); run \`npm run build\` in ${new URL('..', import.meta.url).pathname}`,
      );
      process.exit(70);
    }
    console.error(`kura: waiting for the build in progress (pid ${pid}) to finish`);
    while (buildInProgress() !== null) await new Promise((r) => setTimeout(r, 250));
    // A fresh process: this one's module cache holds the failed import.
    const again = spawnSync(process.execPath, [...process.execArgv, process.argv[1], ...args], {
      stdio: 'inherit',
    });
    process.exit(again.status ?? 70);
  },
);
