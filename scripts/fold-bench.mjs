// The tally fold's micro-benchmark (issue 13): folds a log's entries with the
// TallyFold of two builds, old and new alternated in fresh processes, as kura
// verify --state does (results on a recomputed verdict, their hashes given).
//
//   node scripts/fold-bench.mjs --db postgres://…/kura_main_kenya \
//     --definition .kura/kenya-2022/definition.json OLD_DIST NEW_DIST [rounds]
//
// The entries are read once (SELECT only) into a file beside the system's temp
// files. Each child prints the fold's wall and CPU time per repetition (and,
// with INLINE=1, parses each entry inside the loop as verify does) and a digest
// of its tallies, results and anomalies, which must be the same for both builds.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: {
    db: { type: 'string' },
    definition: { type: 'string' },
    entries: { type: 'string' },
    child: { type: 'boolean', default: false },
    reps: { type: 'string', default: '3' },
  },
  allowPositionals: true,
});

if (values.child) await child(resolve(positionals[0]));
else await parent();

async function parent() {
  const file = values.entries ?? join(tmpdir(), 'kura-fold-bench-entries.bin');
  if (!existsSync(file)) {
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: values.db });
    await client.connect();
    const parts = [];
    let after = -1;
    for (;;) {
      const r = await client.query(
        'SELECT idx, data FROM entries WHERE idx > $1 ORDER BY idx LIMIT 20000',
        [after],
      );
      if (r.rows.length === 0) break;
      for (const row of r.rows) {
        const length = Buffer.alloc(4);
        length.writeUInt32LE(row.data.length);
        parts.push(length, row.data);
        after = Number(row.idx);
      }
    }
    await client.end();
    writeFileSync(file, Buffer.concat(parts));
  }
  const [a, b, rounds = '2'] = positionals;
  for (let round = 0; round < Number(rounds); round++)
    for (const dist of [a, b]) {
      const run = spawnSync(
        process.execPath,
        [
          '--expose-gc',
          process.argv[1],
          '--child',
          '--entries',
          file,
          '--definition',
          values.definition,
          '--reps',
          values.reps,
          dist,
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      process.stdout.write(run.stdout);
    }
}

async function child(dist) {
  const { TallyFold } = await import(join(dist, 'election/fold.js'));
  const { ElectionIndex } = await import(join(dist, 'election/election-index.js'));
  const { verifiedBeforeVerdict } = await import(join(dist, 'election/rules.js'));
  const index = new ElectionIndex(JSON.parse(readFileSync(values.definition, 'utf8')));
  const buf = readFileSync(values.entries);
  const bytes = [];
  for (let at = 0; at < buf.length; ) {
    const n = buf.readUInt32LE(at);
    bytes.push(new Uint8Array(buf.buffer, buf.byteOffset + at + 4, n));
    at += 4 + n;
  }
  const hashes = bytes.map((b) => new Uint8Array(createHash('sha256').update(b).digest()));
  const decoder = new TextDecoder();
  const inline = process.env.INLINE === '1';
  const times = [];
  let fold;
  for (let r = 0; r < Number(values.reps); r++) {
    const parsed = inline ? null : bytes.map((b) => JSON.parse(decoder.decode(b)));
    fold = undefined;
    globalThis.gc?.();
    const start = performance.now();
    const cpu = process.cpuUsage();
    fold = new TallyFold(index);
    let only = 0;
    for (let i = 0; i < bytes.length; i++) {
      const e = inline ? JSON.parse(decoder.decode(bytes[i])) : parsed[i];
      const t = performance.now();
      if (e.type === 'result')
        fold.applyPrechecked(i, e, verifiedBeforeVerdict(index, e), bytes[i], hashes[i]);
      else fold.applyBytes(i, bytes[i]);
      only += performance.now() - t;
    }
    const used = process.cpuUsage(cpu);
    times.push({
      wallMs: Math.round(performance.now() - start),
      foldCallsMs: Math.round(only),
      cpuMs: Math.round((used.user + used.system) / 1000),
    });
  }
  const h = createHash('sha256');
  for (const [c, units] of fold.tallies)
    for (const [u, t] of units) h.update(JSON.stringify([c, u, t]));
  for (const [c, table] of fold.results)
    for (const [s, r] of table) h.update(JSON.stringify([c, s, r]));
  h.update(JSON.stringify(fold.anomalies));
  console.log(JSON.stringify({ dist, times, digest: h.digest('hex').slice(0, 16) }));
}
