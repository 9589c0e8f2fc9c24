// kura verify --state keeps the fold of the entries it verified (fold.bin): a
// later run folds only the entries after them, and must reach the very fold a
// run from scratch reaches (officials' acts and a risk-limiting audit among
// the new entries). A kept fold that is damaged, of another tree, or refused
// with --fold-all is not used: every entry is folded, and the first two are said.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { signaturesLine, type VerifyReport } from '../../src/verify/report.js';
import { type VerifyOptions, verifyServer } from '../../src/verify/verify.js';
import { auditOfficials, fillClearWinner, runMacroAudit } from '../helpers/audit-flow.js';
import { newTestLog, type TestLog } from '../helpers/test-log.js';

const explain = (r: VerifyReport) =>
  JSON.stringify({ incomplete: r.incomplete, findings: r.findings.map((f) => f.message) }, null, 2);
const warnings = (r: VerifyReport) =>
  r.findings.filter((f) => f.kind === 'state-damaged').map((f) => f.message);

describe('kura verify continues the fold an earlier run kept', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kura-verify-fold-kept-'));
  const stateDir = join(tmp, 'state');
  const foldFile = join(stateDir, 'fold.bin');
  let t: TestLog;
  let url = '';
  let scratchRuns = 0;
  const verify = (extra: Partial<VerifyOptions> = {}) =>
    verifyServer({
      server: url,
      stateDir,
      logKey: t.definition.logKey,
      commissionKey: t.definition.commissionKey,
      concurrency: 4,
      threads: 1,
      say: () => {},
      ...extra,
    });
  const scratch = () => verify({ stateDir: join(tmp, `scratch-${scratchRuns++}`) });
  /** The parts of a report the fold decides. */
  const folded = (r: VerifyReport) => ({ fold: r.fold, compare: r.compare?.audits });

  before(async () => {
    t = await newTestLog('pglite', { officials: true, stations: 12 });
    url = await t.running.app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await t?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  let firstSize = 0;
  let keptAtFirst: Uint8Array = new Uint8Array();

  test('the first run keeps its fold; the next folds only the new entries, to the same fold', async () => {
    const votes = await fillClearWinner(t);
    const first = await verify();
    assert.equal(first.exitCode, 0, explain(first));
    firstSize = first.checkpoint?.size ?? 0;
    assert.equal(first.signatures?.foldKept, undefined);
    keptAtFirst = new Uint8Array(readFileSync(foldFile));

    // Accounts, logins and a whole audit: officials' entries the kept fold must continue.
    const { tokens } = await auditOfficials(t);
    await runMacroAudit(t, tokens, votes, {
      id: 'a1',
      riskLimit: 10,
      seed: '16180339887498948482',
    });
    const second = await verify();
    assert.equal(second.exitCode, 0, explain(second));
    assert.ok((second.checkpoint?.size ?? 0) > firstSize + 10, 'the audit added entries');
    assert.equal(second.signatures?.verifiedBefore, firstSize);
    assert.equal(second.signatures?.foldKept, firstSize);
    assert.deepEqual(warnings(second), []);
    assert.ok((second.compare?.audits ?? 0) >= 1, 'the audit was compared with the server');
    assert.match(
      signaturesLine(second.signatures ?? { checked: 0, seconds: 0, perSecond: 0, workers: 1 }),
      /which kept their fold: neither re-checked nor folded again/,
    );
    assert.deepEqual(folded(second), folded(await scratch()));
    // The same tree again: the kept fold is used and not written again.
    const file = statSync(foldFile).ino;
    const third = await verify();
    assert.equal(third.signatures?.foldKept, second.checkpoint?.size);
    assert.equal(third.checkpoint?.size, second.checkpoint?.size);
    assert.equal(statSync(foldFile).ino, file, 'fold.bin left as it was');
    assert.deepEqual(folded(third), folded(second));
  });

  test('a damaged kept fold is said and not used: every entry is folded', async () => {
    const good = readFileSync(foldFile);
    const damaged = Buffer.from(good);
    damaged[damaged.length - 5] = (damaged[damaged.length - 5] as number) ^ 1;
    writeFileSync(foldFile, damaged);
    const r = await verify();
    assert.equal(r.signatures?.foldKept, undefined);
    assert.match(warnings(r)[0] ?? '', /fold\.bin is not used: it is damaged/);
    assert.deepEqual(folded(r), folded(await scratch()));
    // That run kept its own fold again.
    assert.equal((await verify()).signatures?.foldKept, r.checkpoint?.size);
  });

  test('a kept fold of another tree is not used', async () => {
    copyFileSync(foldFile, join(tmp, 'fold-now.bin'));
    writeFileSync(foldFile, keptAtFirst);
    const r = await verify();
    assert.equal(r.signatures?.foldKept, undefined);
    assert.match(warnings(r)[0] ?? '', /fold\.bin is not used: it is of another tree/);
    assert.deepEqual(folded(r), folded(await scratch()));
  });

  test('--fold-all folds every entry, without a word', async () => {
    const r = await verify({ foldAll: true });
    assert.equal(r.exitCode, 0, explain(r));
    assert.equal(r.signatures?.foldKept, undefined);
    assert.ok((r.signatures?.verifiedBefore ?? 0) > firstSize);
    assert.deepEqual(warnings(r), []);
  });
});
