// The demo's generated result forms: a valid one-page PDF 1.4 (every xref
// offset lands on its object, startxref on the xref table, the stream length
// is right), deterministic, carrying the station and its figures; and the hash
// a planned presidential result cites is the hash of the scan its device uploads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkDefinition } from '../../src/election/election-index.js';
import { toHex } from '../../src/log/bytes.js';
import { sha256 } from '../../src/log/crypto.js';
import { generateKey } from '../../src/log/note.js';
import { demoFormHash, demoFormScan, plannedFormHash } from '../../src/simulate/form-scans.js';
import { onePagePdf } from '../../src/simulate/pdf.js';
import { resultFormPdf } from '../../src/simulate/result-form-pdf.js';
import { syntheticDefinition } from '../../src/simulate/synthetic-country.js';
import { syntheticNightPlan } from '../../src/simulate/synthetic-night.js';

const checked = checkDefinition(
  syntheticDefinition({
    stations: 30,
    logOrigin: 'kura.example/forms',
    logKey: generateKey('kura.example/forms').verifierKey,
    commissionKey: generateKey('kura.example-commission').verifierKey,
  }),
);
assert.ok(checked.ok);
const index = checked.value;
const station = index.definition.stations[7];
assert.ok(station);
const candidates = index.raceFor('president', station.code)?.candidates ?? [];
const figures = {
  contest: 'president',
  station: station.code,
  votes: Object.fromEntries(candidates.map((c, i) => [c, 1000 + 17 * i])),
  rejected: 23,
  totalValid: candidates.reduce((s, _, i) => s + 1000 + 17 * i, 0),
};

/** Checks the file's structure as a PDF reader would walk it; returns its text. */
function checkPdf(bytes: Uint8Array): string {
  const text = new TextDecoder('latin1').decode(bytes);
  assert.ok(text.startsWith('%PDF-1.4\n'), 'header');
  assert.ok(text.endsWith('%%EOF\n'), 'trailer');
  const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(text)?.[1]);
  assert.equal(text.slice(startxref, startxref + 5), 'xref\n', 'startxref points at the table');
  const table = /^xref\n0 (\d+)\n((?:\d{10} \d{5} [nf] \n)+)trailer\n/.exec(text.slice(startxref));
  assert.ok(table, 'an xref table of 20-byte entries');
  const entries = (table[2] as string).match(/.{20}/gs) ?? [];
  assert.equal(entries.length, Number(table[1]));
  entries.slice(1).forEach((e, k) => {
    const offset = Number(e.slice(0, 10));
    assert.equal(text.slice(offset, offset + `${k + 1} 0 obj`.length), `${k + 1} 0 obj`);
  });
  const stream = /<< \/Length (\d+) >>\nstream\n/.exec(text);
  assert.ok(stream);
  const start = stream.index + stream[0].length;
  assert.equal(text.slice(start + Number(stream[1]), start + Number(stream[1]) + 9), 'endstream');
  assert.match(text, /\/Root 1 0 R/);
  assert.match(text, /\/Type \/Pages \/Kids \[3 0 R\] \/Count 1/);
  return text;
}

test('a result form is a valid one-page PDF with the station and its figures', () => {
  const pdf = resultFormPdf(index, figures);
  assert.ok(pdf.length > 500 && pdf.length < 4096, `${pdf.length} bytes`);
  const text = checkPdf(pdf);
  assert.ok(text.includes(`(${station.code}) Tj`), 'the station code');
  for (const n of Object.values(figures.votes)) assert.ok(text.includes(`(${n}) Tj`), `${n}`);
  assert.ok(text.includes(`(${figures.totalValid}) Tj`));
  assert.ok(text.includes('(23) Tj'), 'rejected ballots');
});

test('the same figures give the same bytes; other figures other bytes', () => {
  const a = resultFormPdf(index, figures);
  assert.deepEqual(resultFormPdf(index, { ...figures }), a);
  assert.notDeepEqual(resultFormPdf(index, { ...figures, rejected: 24 }), a);
});

test('text is escaped and kept to printable ASCII', () => {
  const text = checkPdf(onePagePdf([{ x: 10, y: 10, size: 9, text: 'Kisumu (East) \\ Nyérí' }]));
  assert.ok(text.includes('(Kisumu \\(East\\) \\\\ Ny?r?) Tj'), text);
});

test('a presidential result cites the hash of the scan its device uploads; others upload none', () => {
  const plan = [...syntheticNightPlan(index).results];
  const president = plan.filter((p) => p.contest === 'president');
  assert.equal(president.length, 30);
  for (const p of president) {
    const scan = demoFormScan(index, p);
    assert.ok(scan);
    assert.equal(scan.contentType, 'application/pdf');
    assert.equal(toHex(sha256(scan.data)), p.form, p.station);
    assert.equal(plannedFormHash(index, p), p.form);
  }
  const other = plan.find((p) => p.contest !== 'president');
  assert.ok(other);
  assert.equal(demoFormScan(index, other), null);
  assert.equal(other.form, demoFormHash(index.definition.electionId, other.contest, other.station));
});
