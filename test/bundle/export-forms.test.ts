// A bundle exported from the store carries the forms the log cites, and not an
// upload no entry cites (it is not part of the record, and it expires,
// FORMATS.md §10.3), on PGlite and PostgreSQL.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { formMember } from '../../src/bundle/format.js';
import { testBackends } from '../helpers/postgres.js';
import { exportTo, formOf, logWithForms, readMembers, sha256Hex } from './fixture.js';

const backends = await testBackends();
const dir = mkdtempSync(join(tmpdir(), 'kura-export-forms-'));
after(() => rmSync(dir, { recursive: true, force: true }));

for (const backend of backends) {
  describe(`export on ${backend}`, () => {
    test('the forms the log cites are exported; an upload nothing cites is not', async () => {
      const f = await logWithForms(backend, 4);
      try {
        const station = f.t.definition.stations[0]?.code as string;
        const stray = formOf(`${station} (a second scan nobody cites)`);
        const put = await f.t.uploadForm(station, stray, 'application/pdf');
        assert.equal(put.statusCode, 201, put.body);
        const members = await readMembers(await exportTo(f.t, dir, `${backend}.tar`));
        for (const s of f.t.definition.stations)
          assert.ok(members.has(formMember(sha256Hex(formOf(s.code)))), s.code);
        assert.ok(!members.has(formMember(sha256Hex(stray))), 'the stray upload is not exported');
      } finally {
        await f.t.close();
      }
    });
  });
}
