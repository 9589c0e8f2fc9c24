// Rebuilds data/kenya2022 from the research CSVs, when they are present (they
// are beside the repository on the project's machines and in CI, not on a
// user's), and checks that the committed files are exactly what the script produces.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { skipIfMissing } from '../helpers/required.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
// The research CSVs: where KURA_KENYA_SHARED says, or in the shared folder beside the repository.
const shared = process.env.KURA_KENYA_SHARED ?? join(repo, '../shared/data/kenya2022');
const present = existsSync(join(shared, 'form34a_portal_index.csv'));

test('scripts/build-kenya-data.ts reproduces the committed data byte for byte', {
  skip: skipIfMissing(present, `the research CSVs (${shared}; set KURA_KENYA_SHARED)`),
}, () => {
  const out = mkdtempSync(join(tmpdir(), 'kura-kenya-'));
  try {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/build-kenya-data.ts', '--shared', shared, '--out', out],
      { cwd: repo, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    for (const f of ['stations.tsv.gz', 'facts.json', 'PROVENANCE.md']) {
      assert.ok(
        readFileSync(join(out, f)).equals(readFileSync(join(repo, 'data/kenya2022', f))),
        `${f} differs from a fresh build`,
      );
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
