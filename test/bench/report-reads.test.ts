// bench/results.md's rows for the tally reads of one process: beside the reads'
// own figures, what the public's reads did to the receipts of the results
// ingested meanwhile, against the issue-13 receipt goal (p99 ≤ 1.5 s). The
// figures come from the committed bench/results.json, changed here to each case.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { type BenchResults, renderMarkdown } from '../../src/bench/report.js';

const committed = (): BenchResults =>
  JSON.parse(readFileSync(new URL('../../bench/results.json', import.meta.url), 'utf8'));

/** The committed results with the PostgreSQL engine's ingest during the reads set as given. */
function withIngest(p99Ms: number, sent: number, ok: number): string {
  const r = committed();
  const pg = r.engines.find((e) => e.engine === 'postgres');
  assert.ok(pg?.reads && pg.latency, 'the committed results have PostgreSQL reads and latency');
  pg.reads.ingest = {
    ...pg.reads.ingest,
    sent,
    ok,
    latency: { ...pg.reads.ingest.latency, p50: 40, p99: p99Ms },
  };
  pg.latency = { ...pg.latency, latency: { ...pg.latency.latency, p99: 131 } };
  return renderMarkdown(r);
}

const receiptRow = (md: string) => {
  const rows = md
    .split('\n')
    .filter(
      (l) =>
        l.startsWith('| ″ receipt latency of the ingest during the reads') &&
        l.includes('| PostgreSQL |'),
    );
  assert.equal(rows.length, 1, 'one row for PostgreSQL');
  return rows[0] as string;
};

describe('bench report: receipts during one process’s tally reads', () => {
  test('a p99 within 1.5 s with every result acknowledged meets the goal', () => {
    const row = receiptRow(withIngest(170, 11_000, 11_000));
    assert.match(row, /p50 40 ms, \*\*p99 170 ms\*\* \(11,000 of 11,000 acknowledged\)/);
    assert.match(row, /no reads, same process, 1,000\/s: p99 131 ms \| 1\.30 \|/);
    assert.match(row, /\| p99 ≤ 1,500 ms \| 0\.11 \(met\) \|$/);
  });

  test('receipts queued behind the reads miss it', () => {
    const row = receiptRow(withIngest(8_856, 11_141, 11_141));
    assert.match(row, /\*\*p99 8,856 ms\*\*/);
    assert.match(row, /\| 5\.90 \(\*\*not met\*\*\) \|$/);
  });

  test('a result left unacknowledged misses it, however fast the rest', () => {
    const row = receiptRow(withIngest(170, 11_000, 10_999));
    assert.match(row, /10,999 of 11,000 acknowledged/);
    assert.match(row, /\(\*\*not met\*\*\) \|$/);
  });
});
