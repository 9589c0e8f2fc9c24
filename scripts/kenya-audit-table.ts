// Prints the README's Kenya 2022 audit table (issue 14, part 6): for risk
// limits of 1, 5 and 10 % and for each share of stations whose paper differs
// from the log, a real seeded batch-comparison audit of the 2022 presidential
// log (src/simulate/kenya-audit-table.ts says what each column is):
//
//   npx tsx scripts/kenya-audit-table.ts [--simulated N]
//
// --simulated N: simulated audits per cell (default 1,000; 0 skips them).
// Deterministic: the same code and data print the same table;
// test/kenya/audit-table.test.ts recomputes cells and compares the README.
import { parseArgs } from 'node:util';
import {
  auditTableMarkdown,
  KENYA_AUDIT_SEED,
  kenyaAuditTable,
  SIMULATED_AUDITS,
} from '../src/simulate/kenya-audit-table.js';

const { values } = parseArgs({ options: { simulated: { type: 'string' } } });
const runs = values.simulated === undefined ? SIMULATED_AUDITS : Number(values.simulated);
if (!Number.isInteger(runs) || runs < 0) {
  process.stderr.write('--simulated must be a whole number ≥ 0\n');
  process.exit(64);
}
const started = performance.now();
const table = auditTableMarkdown(kenyaAuditTable(runs));
process.stdout.write(`${table}\n`);
process.stderr.write(
  `seed ${KENYA_AUDIT_SEED}; ${runs} simulated audits per cell; ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
);
