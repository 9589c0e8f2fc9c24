// `kura demo --audit` on a slice of Kenya 2022 (one ward in Nyeri: 25 stations,
// 15 of them adjusted by the reconciliation, so their paper differs from the
// log): the night, then the audit through the server's API by the officials
// the demo makes from the console. What it prints must be what the same audit
// gives when run offline with the fold's own code (the rounds, the draws, the
// stations checked, the papers differing, the risk to the last bit); a second
// run on the same store shows the same audit and logs nothing new.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freezeFigures, withMacro } from '../../src/election/audit-measures.js';
import type { Contest, ElectionDefinition } from '../../src/election/definition.js';
import { checkDefinition } from '../../src/election/election-index.js';
import type { Figures } from '../../src/election/official-entry.js';
import { auditPaper } from '../../src/kenya/audit-paper.js';
import { presidentialStationResults } from '../../src/kenya/presidential-votes.js';
import { runMacroAudit } from '../../src/simulate/audit-rounds.js';
import { KENYA_AUDIT_SEED } from '../../src/simulate/kenya-audit-table.js';

const WARD = '0190990494';
const dir = mkdtempSync(join(tmpdir(), 'kura-demo-audit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const KURA = [
  join(process.cwd(), 'node_modules/tsx/dist/cli.mjs'),
  join(process.cwd(), 'src/cli/run.ts'),
];

function kura(...args: string[]): Promise<{ code: number; text: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...KURA, ...args], { cwd: dir });
    let text = '';
    child.stdout.on('data', (b: Buffer) => {
      text += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      text += b.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? 1, text }));
  });
}

/** The Kenya definition cut to one ward, made where the demo finds it. */
async function wardElection(): Promise<ElectionDefinition> {
  const made = await kura('election', 'kenya-2022', '--out', 'el');
  assert.equal(made.code, 0, made.text);
  const d = JSON.parse(readFileSync(join(dir, 'el/definition.json'), 'utf8')) as ElectionDefinition;
  d.stations = d.stations.filter((s) => s.ward === WARD);
  const codes = new Set(d.stations.map((s) => s.code));
  d.devices = d.devices.filter((x) => codes.has(x.station));
  const keep = new Set<string>();
  for (let u: string | null = WARD; u; u = d.units.find((x) => x.code === u)?.parent ?? null)
    keep.add(u);
  d.units = d.units.filter((u) => keep.has(u.code));
  for (const c of d.contests)
    c.candidates = c.candidates.filter((x) => x.unit === null || keep.has(x.unit));
  writeFileSync(join(dir, 'ward.json'), JSON.stringify(d));
  const cut = await kura('election', 'create', '--definition', 'ward.json', '--out', 'el');
  assert.equal(cut.code, 0, cut.text);
  return d;
}

test('kura demo --audit on one ward: the audit through the API is the audit offline', {
  timeout: 1_200_000,
}, async () => {
  const definition = await wardElection();
  const args = ['demo', '--election', 'el', '--data', 'data', '--audit', '--max-speed'];
  const first = await kura(...args, '--exit', '--port', '0');
  assert.equal(first.code, 0, first.text);

  // The same audit offline: the slice's logged figures frozen as the server froze them.
  const checked = checkDefinition(definition);
  assert.ok(checked.ok);
  const index = checked.value;
  const byCode = new Map(presidentialStationResults().map((r) => [r.code, r]));
  const figures = new Map<string, Figures>();
  for (const station of index.stations.keys()) {
    const r = byCode.get(station);
    assert.ok(r);
    figures.set(station, {
      votes: { odinga: r.odinga, ruto: r.ruto, wajackoyah: r.wajackoyah, mwaure: r.mwaure },
      rejected: r.rejected,
      totalValid: r.totalValid,
    });
  }
  const frozen = withMacro(
    freezeFigures(index, index.contests.get('president') as Contest, 'macro', figures),
  );
  const offline = runMacroAudit(frozen, KENYA_AUDIT_SEED, 5, (s) => {
    const p = auditPaper(s);
    return { votes: { ...p.votes }, rejected: p.rejected, totalValid: p.totalValid };
  });
  assert.ok(offline.discrepancies > 0, 'the slice has papers that differ from the log');

  const text = first.text;
  assert.match(text, /made: audit officials|audit officials: audit-chair and audit-vice-chair/);
  assert.match(text, /board-uda \(United Democratic Alliance[^)]*\)\) and board-odm \(ODM/);
  assert.match(text, new RegExp(`seed +${KENYA_AUDIT_SEED} `));
  for (const r of offline.rounds) {
    const what = r.full ? `full count of ${r.draws} stations` : `${r.draws} draws`;
    assert.match(
      text,
      new RegExp(
        `^ {2}round ${r.round} +${what}: risk ${r.full ? '0' : String(r.risk).replace('.', '\\.')},`,
        'm',
      ),
    );
  }
  const checkedLine =
    /^ {2}checked +(\d+) of (\d+) stations' paper forms, each entered by one audit-board member and confirmed by the other$/m.exec(
      text,
    );
  assert.ok(checkedLine, text);
  assert.equal(Number(checkedLine[1]), offline.stationsChecked);
  assert.equal(Number(checkedLine[2]), 25);
  assert.match(
    text,
    new RegExp(`^ {2}differing +${offline.discrepancies} of them differ from the log$`, 'm'),
  );
  assert.match(
    text,
    offline.outcome === 'risk-limit-met'
      ? /the risk limit is met: the paper confirms the outcome/
      : /the full count confirms the outcome/,
  );
  // Every kind of act on the log, papers and confirmations one per station checked.
  const entries = /^ {2}log entries +(.*)$/m.exec(text)?.[1] ?? '';
  for (const kind of ['audit-proposed', 'audit-approved', 'audit-seed', 'audit-round-closed'])
    assert.match(entries, new RegExp(`${kind} \\d+`));
  for (const kind of ['audit-paper', 'audit-confirmed'])
    assert.match(entries, new RegExp(`${kind} \\d+–\\d+ \\(${offline.stationsChecked} entries\\)`));
  const page = /^ {2}audit page +(http:\/\/127\.0\.0\.1:\d+\/audit\/(\S+))$/m.exec(text);
  assert.ok(page, text);
  // A discrepancy line names the station, the entry and the figures on paper and logged.
  const firstDiffering =
    /^ {15}(\d{15}) \(entry \d+\): votes\.(\w+) (\d+) on paper, (\d+) logged/m.exec(text);
  assert.ok(firstDiffering, text);
  const [, station, candidate, paper, logged] = firstDiffering;
  assert.equal(Number(paper), auditPaper(station as string).votes[candidate as 'odinga']);
  assert.equal(Number(logged), figures.get(station as string)?.votes[candidate as string]);

  // A second run on the same store shows the same audit and logs nothing new.
  const second = await kura(...args, '--exit', '--port', '0');
  assert.equal(second.code, 0, second.text);
  assert.match(second.text, /log entries +none by this run: the audit was on the log already/);
  assert.match(
    second.text,
    new RegExp(`audit page +http://127\\.0\\.0\\.1:\\d+/audit/${page[2]}$`, 'm'),
  );
  assert.doesNotMatch(second.text, /making the audit officials/);
});
