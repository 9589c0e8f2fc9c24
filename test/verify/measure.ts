// Measures `kura verify` on a running server (not a test; run by hand):
//
//   node bin/kura.js serve --data ./kura-data/kenya-2022 --read-only --port 8099 &
//   node --import tsx test/verify/measure.ts http://127.0.0.1:8099 --election .kura/kenya-2022 [--wait-idle 600]
//
// Runs a cold verification (fresh state directory), then a second run on the
// same state (nothing new: the incremental case), and prints the wall time of
// each phase, the CPU time used (all threads), the signatures checked per
// second, and this machine's raw Ed25519 verify rate on the same worker
// threads, measured in the same run. --wait-idle N first waits up to N seconds
// for the machine to be idle (1-minute load average below 0.5), since the
// figures mean little on a machine other jobs are using.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { VerifyReport } from '../../src/verify/report.js';
import { verifyServer } from '../../src/verify/verify.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    election: { type: 'string' },
    'wait-idle': { type: 'string' },
    'stations-sample': { type: 'string' },
    runs: { type: 'string' },
  },
});
const server = positionals[0];
if (!server)
  throw new Error('usage: measure.ts <server-url> [--election DIR] [--wait-idle SECONDS]');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () => os.loadavg()[0] as number;

if (values['wait-idle']) {
  const until = Date.now() + Number(values['wait-idle']) * 1000;
  while (load() >= 0.5 && Date.now() < until) {
    process.stderr.write(`waiting for an idle machine (load ${load().toFixed(2)})\n`);
    await sleep(15_000);
  }
}

const state = mkdtempSync(join(os.tmpdir(), 'kura-verify-measure-'));
try {
  for (let run = 1; run <= Number(values.runs ?? 2); run++) {
    const loadBefore = load();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const r: VerifyReport = await verifyServer({
      server,
      stateDir: state,
      electionDir: values.election,
      stationsSample: values['stations-sample'] ? Number(values['stations-sample']) : undefined,
      measureEd25519: true,
      progress: false,
      say: () => {},
    });
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const ed = r.ed25519;
    const entries = r.checkpoint?.size ?? 0;
    const sig = r.signatures;
    console.log(
      [
        `run ${run} (${run === 1 ? 'cold: empty state directory' : 'again: same state directory'}): verdict ${r.verdict}, exit ${r.exitCode}${r.incomplete ? ` (${r.incomplete})` : ''}`,
        `  entries ${entries.toLocaleString('en')}; bundles fetched ${r.mirror?.bundlesFetched}, from the state dir ${r.mirror?.bundlesCached}; ${r.compare?.tallies} tallies and ${r.compare?.stations} station pages compared`,
        `  wall ${wall.toFixed(1)} s; phases ${Object.entries(r.seconds)
          .map(([k, v]) => `${k} ${v.toFixed(1)}`)
          .join(', ')}`,
        `  CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (all threads of the verifier; the server is another process)`,
        `  signatures: ${sig?.checked.toLocaleString('en')} checked in the log phase (${sig?.seconds.toFixed(1)} s wall, ${sig?.perSecond.toLocaleString('en')}/s on ${sig?.workers} threads)`,
        `  raw Ed25519 (node:crypto, ${ed?.threads} threads, same run): ${ed?.perSecond.toLocaleString('en')} verifications/s -> ${ed ? (entries / ed.perSecond).toFixed(1) : '?'} s for ${entries.toLocaleString('en')} signatures`,
        `  load average before ${loadBefore.toFixed(2)}, after ${load().toFixed(2)} (${os.availableParallelism()} cores)`,
      ].join('\n'),
    );
    if (r.findings.some((f) => f.severity !== 'warning'))
      console.log(
        r.findings
          .slice(0, 5)
          .map((f) => `  finding: ${f.message}`)
          .join('\n'),
      );
  }
} finally {
  rmSync(state, { recursive: true, force: true });
}
