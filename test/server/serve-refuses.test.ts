// `kura serve` on a store that fails its start-up check (issue 12, item 6):
// it serves nothing, exits 1, and says in one line what is wrong and where.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ElectionDefinition } from '../../src/election/definition.js';
import { CheckpointSigner } from '../../src/log/checkpoint-signer.js';
import { readElectionFiles, readKeyFile } from '../../src/platform/election-dir.js';
import { silentReporter } from '../../src/platform/reporter.js';
import { startLog } from '../../src/server/start.js';
import { openStore } from '../../src/store/open.js';
import { demoPresidentResult } from '../helpers/demo-result.js';
import { kuraIn } from '../helpers/kura-cli.js';

test('kura serve refuses a tampered store: exit 1, one line naming the entry', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kura-serve-refuses-'));
  try {
    const made = await kuraIn(
      dir,
      'election',
      'synthetic',
      '--stations',
      '4',
      '--president-only',
      '--out',
      'el',
    );
    assert.equal(made.code, 0, made.stderr);
    const def = JSON.parse(
      readFileSync(join(dir, 'el/definition.json'), 'utf8'),
    ) as ElectionDefinition;
    // The first start and four results, in this process.
    const store = await openStore({ dataDir: join(dir, 'data'), log: silentReporter });
    try {
      const running = await startLog({
        store,
        genesis: readElectionFiles(join(dir, 'el')),
        signer: new CheckpointSigner(readKeyFile(join(dir, 'el/log.key'))),
        signatureThreads: 0,
        sequencer: { periodMs: 5 },
      });
      for (const d of def.devices) {
        const entry = demoPresidentResult(def, d);
        const r = await running.app.inject({
          method: 'POST',
          url: '/api/v1/results',
          payload: entry,
        });
        assert.equal(r.statusCode, 201, r.body);
      }
      await running.close();
      // A database administrator changes a vote count in entry 3.
      await store.db.withTransaction(async (tx) => {
        await tx.query('SET LOCAL session_replication_role = replica');
        await tx.query(
          "UPDATE entries SET data = convert_to(replace(convert_from(data, 'UTF8'), '\"rejected\":1', '\"rejected\":7'), 'UTF8') WHERE idx = 3",
        );
      });
    } finally {
      await store.close();
    }
    const served = await kuraIn(dir, 'serve', '--election', 'el', '--data', 'data', '--port', '0');
    assert.equal(served.code, 1, served.stdout + served.stderr);
    assert.equal(served.stdout, '', 'nothing served');
    const last = served.stderr.trim().split('\n').at(-1) ?? '';
    assert.match(
      last,
      /^kura serve: the store fails the start-up check \(entry-hash\): entry 3's bytes hash to [0-9a-f]{64}, not to its stored leaf hash [0-9a-f]{64}; refusing to serve it \(recovery: docs\/FORMATS\.md §10\.6\)$/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
