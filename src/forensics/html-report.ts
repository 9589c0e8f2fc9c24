// The forensics report as one self-contained HTML file: no script, no font,
// image or style from another host; every plot is inline SVG drawn by svg.ts,
// with its numbers also in a table. The first thing it says is that a flag is
// a reason to look, not proof.
import type { AgentCoverage, AreaCoverage } from './agent-coverage.js';
import type { ContestForensics, FlaggedRow, ForensicsReport } from './analyse.js';
import { CORNER } from './fingerprint.js';
import { FLAG_ORDER, FLAG_TITLES, type ForensicFlag, type StationFlag } from './flags.js';
import { type DigitTest, MIN_SAMPLE, SIGNIFICANCE } from './last-digits.js';
import type { RuleCheck } from './rule-checks.js';
import { barsSvg, columnSvg, escapeXml as esc, heatmapSvg, histogramSvg, stripSvg } from './svg.js';

/** Rows shown in each table of flagged results (the CSV has them all). */
export const TABLE_ROWS = 10;

const n0 = (x: number) => x.toLocaleString('en');
const pct = (x: number, digits = 1) => `${(100 * x).toFixed(digits)}%`;

function formatP(p: number): string {
  if (p < 1e-4) return 'p < 0.0001';
  return `p = ${p < 0.01 ? p.toPrecision(2) : p.toFixed(3)}`;
}

const STYLE = `
:root { color-scheme: light; }
body { margin: 0; background: #ffffff; color: #1b1b1b; font: 16px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 20px 64px; }
h1 { font-size: 1.8rem; margin: 0 0 8px; }
h2 { font-size: 1.45rem; margin: 40px 0 12px; border-bottom: 2px solid #1b1b1b; padding-bottom: 4px; }
h3 { font-size: 1.2rem; margin: 28px 0 8px; }
h4 { font-size: 1.05rem; margin: 22px 0 6px; }
a { color: #0b4f9c; }
.meta { color: #3d3d3d; }
.caution { border: 3px solid #8a4b00; background: #fff4e5; padding: 12px 18px; margin: 20px 0; }
.caution h2 { border: 0; margin: 0 0 6px; font-size: 1.35rem; }
.note { border-left: 4px solid #6b6b6b; padding: 4px 12px; background: #f5f5f5; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 0.92rem; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border: 1px solid #b8b8b8; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #ececec; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.hit { background: #fde2df; font-weight: 600; }
td.na { color: #555555; }
figure { margin: 12px 0; }
figcaption { font-size: 0.9rem; color: #3d3d3d; max-width: 720px; }
svg.plot { max-width: 100%; height: auto; display: block; border: 1px solid #d0d0d0; }
.grid { display: flex; flex-wrap: wrap; gap: 12px 24px; }
.grid figure { flex: 0 1 480px; }
.verdict-bad { color: #9c1c13; font-weight: 600; }
.verdict-ok { color: #1d5e20; font-weight: 600; }
code { font-size: 0.92em; }
`;

interface Context {
  plot: number;
  report: ForensicsReport;
}

function plotId(ctx: Context, name: string): string {
  ctx.plot++;
  return `plot-${ctx.plot}-${name}`;
}

function figure(svg: string, caption: string): string {
  return `<figure>${svg}<figcaption>${caption}</figcaption></figure>`;
}

function flaggedTable(rows: readonly FlaggedRow[], caption: string, total: number): string {
  if (rows.length === 0) return '';
  const body = rows
    .map(
      (r) =>
        `<tr><td><code>${esc(r.station)}</code></td><td>${esc(r.stationName)}</td><td>${esc(r.constituency)}</td><td>${esc(r.county)}</td><td class="num">${r.entryIndex}</td><td>${esc(r.detail)}</td></tr>`,
    )
    .join('');
  const more =
    total > rows.length
      ? `<p>Showing ${rows.length} of ${n0(total)}; the CSV of flagged stations lists every one.</p>`
      : '';
  return `<table><caption>${esc(caption)}</caption><thead><tr><th scope="col">Station</th><th scope="col">Name</th><th scope="col">Constituency</th><th scope="col">County</th><th scope="col" class="num">Entry</th><th scope="col">Detail</th></tr></thead><tbody>${body}</tbody></table>${more}`;
}

/** The rows of the report's flagged list that belong to these flags, furthest past the line first. */
function topRows(
  ctx: Context,
  contest: string,
  flags: readonly StationFlag[],
): { rows: FlaggedRow[]; total: number } {
  const wanted = new Set(flags.map((f) => `${f.entryIndex}/${f.flag}`));
  const rows = ctx.report.flagged
    .filter((r) => r.contest === contest && wanted.has(`${r.entryIndex}/${r.flag}`))
    .sort((a, b) => b.magnitude - a.magnitude || a.entryIndex - b.entryIndex);
  return { rows: rows.slice(0, TABLE_ROWS), total: rows.length };
}

function ruleSection(ctx: Context, c: ContestForensics, r: RuleCheck): string {
  const title = FLAG_TITLES[r.id];
  const count = r.flags.length;
  let out = `<section><h4>${esc(title)}</h4><p><strong>Rule:</strong> ${esc(r.rule)}. `;
  out += r.applicable
    ? `<strong>${n0(count)}</strong> of ${n0(r.examined)} results flagged.</p>`
    : 'Not applicable here.</p>';
  if (r.note) out += `<p class="note">${esc(r.note)}</p>`;
  const id = plotId(ctx, r.id);
  const desc = (what: string) =>
    `${what} for ${c.contest.title}. ${count} results flagged by this check.`;
  if (r.chart.kind === 'histogram') {
    const thresholds =
      r.chart.threshold === null
        ? []
        : [{ value: r.chart.threshold, label: r.chart.thresholdLabel }];
    out += figure(
      histogramSvg({
        id,
        title: `${title}: ${c.contest.title}`,
        desc: desc(
          `Histogram of ${r.chart.xLabel}, stations per bin; flagged stations in red${thresholds.length ? `, the dashed line at ${r.chart.thresholdLabel}` : ''}`,
        ),
        histogram: r.chart.histogram,
        xLabel: r.chart.xLabel,
        yLabel: 'results',
        thresholds,
        percent: r.chart.percent,
      }),
      `Results by ${esc(r.chart.xLabel)}. Red: flagged by this check${thresholds.length ? `; dashed line: ${esc(r.chart.thresholdLabel)}` : ''}. The last bar counts everything beyond the axis.`,
    );
  } else {
    out += figure(
      barsSvg({
        id,
        title: `${title}: ${c.contest.title}`,
        desc: desc(
          `Bar chart of ${r.chart.xLabel}: ${r.chart.bars.map((b) => `${b.label} ${b.count}`).join('; ')}`,
        ),
        bars: r.chart.bars.map((b) => ({ label: b.label, value: b.count, highlight: b.flagged })),
        xLabel: r.chart.xLabel,
      }),
      `${esc(r.chart.xLabel[0]?.toUpperCase() ?? '')}${esc(r.chart.xLabel.slice(1))}. Red bars are the flagged ones.`,
    );
  }
  const top = topRows(ctx, c.contest.id, r.flags);
  out += flaggedTable(
    top.rows,
    `${title}: flagged results, furthest past the line first`,
    top.total,
  );
  return `${out}</section>`;
}

function digitFigure(ctx: Context, c: ContestForensics, t: DigitTest): string {
  const expected = t.n / 10;
  const sd = Math.sqrt(t.n * 0.1 * 0.9);
  const verdict = !t.enough
    ? `too few counts (${t.n}) to judge`
    : t.deviates
      ? `deviates from uniform (${formatP(t.pValue)})`
      : `consistent with uniform (${formatP(t.pValue)})`;
  return figure(
    columnSvg({
      id: plotId(ctx, 'digits'),
      title: `Last digits, ${t.label}: ${c.contest.title}`,
      desc: `Counts of each last digit 0 to 9 of ${t.n} vote counts of ${t.label}: ${t.digits.join(', ')}. A uniform distribution expects ${expected.toFixed(1)} each. Chi-square ${t.chiSquare.toFixed(2)} on 9 degrees of freedom, ${formatP(t.pValue)}.`,
      columns: t.digits.map((v, d) => ({ label: String(d), value: v })),
      xLabel: 'last digit',
      yLabel: 'counts',
      expected: { value: expected, label: 'uniform' },
      band: { low: Math.max(0, expected - 2.576 * sd), high: expected + 2.576 * sd },
    }),
    `<strong>${esc(t.label)}</strong>: ${n0(t.n)} counts; χ² = ${t.chiSquare.toFixed(2)} (9 d.f.), <span class="${t.deviates ? 'verdict-bad' : 'verdict-ok'}">${esc(verdict)}</span>. Dashed line: what a uniform last digit expects; grey band: where 99% of each digit’s count falls by chance.`,
  );
}

function digitTable(tests: readonly DigitTest[]): string {
  const rows = tests
    .map(
      (t) =>
        `<tr><th scope="row">${esc(t.label)}</th><td class="num">${n0(t.n)}</td>${t.digits.map((d) => `<td class="num">${n0(d)}</td>`).join('')}<td class="num">${t.chiSquare.toFixed(2)}</td><td class="num">${esc(formatP(t.pValue))}</td><td${t.deviates ? ' class="hit"' : ''}>${!t.enough ? 'too few to judge' : t.deviates ? 'deviates' : 'consistent'}</td></tr>`,
    )
    .join('');
  return `<table><caption>Last digits: counts per digit, chi-square against uniform</caption><thead><tr><th scope="col">Counts of</th><th scope="col" class="num">n</th>${[0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => `<th scope="col" class="num">${d}</th>`).join('')}<th scope="col" class="num">χ²</th><th scope="col" class="num">p</th><th scope="col">verdict</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function statisticalSections(ctx: Context, c: ContestForensics): string {
  let out = '<h3>Statistical checks</h3>';
  // Last digits.
  const ld = c.lastDigits;
  out += `<section><h4>Last-digit uniformity</h4><p>The last digit of each candidate’s count at each station, for counts of ${ld.minCount} or more. In honest counts of that size each digit turns up about as often as any other; invented numbers often favour some digits (such as 0 and 5). Chi-square test against uniform, 9 degrees of freedom; below p = ${SIGNIFICANCE} the digits are called deviating (with fewer than ${MIN_SAMPLE} counts the test is not judged). Many tests are run, so an occasional small p-value is expected by chance; and where a candidate’s counts are mostly small and fall off steeply (a candidate with little support), low last digits are more common by arithmetic alone.</p>`;
  out += `<div class="grid">${[ld.pooled, ...ld.byRank].map((t) => digitFigure(ctx, c, t)).join('')}</div>`;
  out += `${digitTable([ld.pooled, ...ld.byRank])}</section>`;
  // The fingerprint.
  const fp = c.fingerprint;
  out += `<section><h4>The election fingerprint</h4><p>Each reporting station placed by its turnout (ballots ÷ registered voters) and by the share of its valid votes that went to the leader of its race (after Klimek, Yegorov, Hanel and Thurner, <i>PNAS</i> 2012). Fair elections tend to give one roughly round cluster; ballot stuffing, where extra ballots for one candidate raise turnout and share together, drags stations towards the top-right corner, where a second cluster forms. ${n0(fp.stations)} stations are placed${fp.excluded ? `; ${n0(fp.excluded)} are left out (no registered voters, or no valid votes)` : ''}${fp.overTurnout ? `; ${n0(fp.overTurnout)} over 100% turnout are drawn in the rightmost column` : ''}.</p>`;
  out += figure(
    heatmapSvg({
      id: plotId(ctx, 'fingerprint'),
      title: `Election fingerprint: ${c.contest.title}`,
      desc: `Heatmap of ${fp.stations} stations by turnout (x axis, 0 to 100%) and the race leader's vote share (y axis, 0 to 100%), in ${fp.bins} by ${fp.bins} cells, colour on a log scale. ${fp.corner.length} stations (${pct(fp.cornerShare)}) are in the corner at or above ${pct(CORNER, 0)} turnout and ${pct(CORNER, 0)} share.`,
      cells: fp.cells,
      xLabel: 'turnout (ballots ÷ registered voters)',
      yLabel: 'vote share of the race’s leader',
      corner: {
        from: CORNER,
        label: `${n0(fp.corner.length)} stations`,
      },
    }),
    `Stations per cell of ${100 / fp.bins}% × ${100 / fp.bins}%, colour on a logarithmic scale. The red dashed box is the corner of at least ${pct(CORNER, 0)} turnout and ${pct(CORNER, 0)} for the leader: ${n0(fp.corner.length)} stations (${pct(fp.cornerShare)}), each flagged.`,
  );
  const corner = topRows(ctx, c.contest.id, fp.flags);
  out += `${flaggedTable(corner.rows, 'Stations in the corner, highest first', corner.total)}</section>`;
  // Turnout outliers.
  const to = c.turnout;
  const judged = to.constituencies.reduce((s, k) => s + k.points.length, 0);
  out += `<section><h4>Turnout outliers within a constituency</h4><p>Each station’s turnout against the other stations of its constituency: robust z-score, 0.6745 × (turnout − median) ÷ MAD (median absolute deviation), flagged beyond ±${to.limit} (Iglewicz and Hoaglin) when the station is also at least ${pct(to.minDifference, 0).replace('%', '')} points of turnout from the median (in a constituency whose stations are all alike, a high score can be a small difference). Median and MAD are not moved by the outliers themselves. ${n0(judged)} stations in ${n0(to.constituencies.length)} constituencies are judged${to.tooSmall ? `; ${n0(to.tooSmall)} constituencies have fewer than ${to.minStations} reporting stations and are not` : ''}. <strong>${n0(to.flags.length)}</strong> stations are outliers.</p>`;
  out += figure(
    histogramSvg({
      id: plotId(ctx, 'robust-z'),
      title: `Turnout robust z-scores: ${c.contest.title}`,
      desc: `Histogram of ${judged} stations' robust z-scores of turnout within their constituency; ${to.flags.length} beyond ±${to.limit}, in red.`,
      histogram: to.zHistogram,
      xLabel: 'robust z-score of turnout within the constituency',
      yLabel: 'stations',
      thresholds: [
        { value: -to.limit, label: `−${to.limit}` },
        { value: to.limit, label: `+${to.limit}` },
      ],
    }),
    `Stations by robust z-score; red: flagged (beyond ±${to.limit} and ${pct(to.minDifference, 0).replace('%', '')} points from the median). Scores below −10 are drawn at −10; the last bar counts scores of 10 or more.`,
  );
  const worst = to.constituencies.filter((k) => k.outliers > 0).slice(0, 12);
  if (worst.length) {
    const rowsMax = Math.max(1.1, ...worst.flatMap((k) => k.points.map((p) => p.turnout)));
    out += figure(
      stripSvg({
        id: plotId(ctx, 'turnout-strips'),
        title: `Turnout by station in the constituencies with the most outliers: ${c.contest.title}`,
        desc: `One row per constituency (${worst.length} shown), one dot per station's turnout; outliers in red, the median as a black tick.`,
        rows: worst.map((k) => ({
          label: `${k.name} (${k.outliers})`,
          mark: 100 * k.median,
          points: k.points.map((p) => ({
            value: 100 * p.turnout,
            highlight: p.outlier,
            tip: `${p.station}: turnout ${pct(p.turnout)}, robust z ${p.z.toFixed(1)}`,
          })),
        })),
        xLabel: 'turnout (%)',
        xMin: 0,
        xMax: Math.min(200, Math.ceil((100 * rowsMax) / 10) * 10),
        percent: true,
      }),
      'Each dot is a station’s turnout; red dots are outliers, the black tick is the constituency’s median. In brackets: how many outliers.',
    );
  }
  const top = topRows(ctx, c.contest.id, to.flags);
  out += `${flaggedTable(top.rows, 'Turnout outliers, furthest from their constituency first', top.total)}</section>`;
  return out;
}

function contestSection(ctx: Context, c: ContestForensics, i: number): string {
  let out = `<section id="contest-${i}" aria-labelledby="contest-${i}-h"><h2 id="contest-${i}-h">${esc(c.contest.title)}</h2>`;
  out += `<p>${n0(c.stationsReported)} of ${n0(c.stationsExpected)} stations reported (${n0(c.results)} result entries in the log).</p>`;
  if (c.simulated)
    out +=
      '<p class="note">Some or all candidates of this contest are <strong>simulated</strong> (the election definition says so): patterns here reflect the simulation, not real voting.</p>';
  out += '<h3>Rule checks</h3>';
  for (const r of c.rules) out += ruleSection(ctx, c, r);
  out += statisticalSections(ctx, c);
  return `${out}</section>`;
}

function summaryTable(report: ForensicsReport): string {
  const contests = report.contests;
  const head = contests
    .map((c) => `<th scope="col" class="num">${esc(c.contest.title)}</th>`)
    .join('');
  const cell = (c: ContestForensics, flag: ForensicFlag): string => {
    const rule = c.rules.find((r) => r.id === flag);
    if (rule && !rule.applicable) return '<td class="num na">n/a</td>';
    const count =
      rule?.flags.length ??
      (flag === 'turnout-outlier' ? c.turnout.flags.length : c.fingerprint.flags.length);
    return `<td class="num${count > 0 ? ' hit' : ''}">${n0(count)}</td>`;
  };
  const rows = FLAG_ORDER.map(
    (flag) =>
      `<tr><th scope="row">${esc(FLAG_TITLES[flag])}</th>${contests.map((c) => cell(c, flag)).join('')}</tr>`,
  ).join('');
  const digits = `<tr><th scope="row">Last digits not uniform (all candidates)</th>${contests
    .map((c) => {
      const t = c.lastDigits.pooled;
      return `<td class="num${t.deviates ? ' hit' : ''}">${t.enough ? esc(formatP(t.pValue)) : 'too few'}</td>`;
    })
    .join('')}</tr>`;
  const reported = `<tr><th scope="row">Stations reported</th>${contests.map((c) => `<td class="num">${n0(c.stationsReported)} / ${n0(c.stationsExpected)}</td>`).join('')}</tr>`;
  return `<table><caption>Results flagged by each check, per contest (highlighted: something to look at)</caption><thead><tr><th scope="col">Check</th>${head}</tr></thead><tbody>${reported}${rows}${digits}</tbody></table>`;
}

/** Rows of the constituency table in the agents' section (the counties are all shown). */
const AREA_ROWS = 15;
/** Dissents listed in the agents' section. */
const DISSENT_ROWS = 100;

function areaTable(rows: readonly AreaCoverage[], caption: string, level: string): string {
  const body = rows
    .map(
      (a) =>
        `<tr><td>${esc(a.name)} <code>${esc(a.code)}</code></td><td class="num">${n0(a.reported)}</td><td class="num">${n0(a.cosigned)}</td><td class="num${a.unsigned ? ' hit' : ''}">${n0(a.unsigned)}</td><td class="num${a.disputed ? ' hit' : ''}">${n0(a.disputed)}</td></tr>`,
    )
    .join('');
  return `<table><caption>${esc(caption)}</caption><thead><tr><th scope="col">${esc(level)}</th><th scope="col" class="num">Results</th><th scope="col" class="num">Co-signed</th><th scope="col" class="num">No agent’s word</th><th scope="col" class="num">Disputed</th></tr></thead><tbody>${body}</tbody></table>`;
}

function figuresText(f: {
  votes: Record<string, number>;
  rejected: number;
  totalValid: number;
}): string {
  return `${Object.entries(f.votes)
    .map(([c, k]) => `${c} ${n0(k)}`)
    .join(', ')}; rejected ${n0(f.rejected)}; valid ${n0(f.totalValid)}`;
}

function agentsSection(a: AgentCoverage): string {
  let out = `<section id="agents" aria-labelledby="agents-h"><h2 id="agents-h">Party agents: co-signatures and dissents</h2>`;
  out += `<p>Parties keeping a roster of agents: ${a.parties.map((p) => `${esc(p.name)} (<code>${esc(p.party)}</code>)`).join(', ') || 'none'}. A result no agent co-signed is not wrong; a dissent is an agent’s signed word that its copy of the form says otherwise. A dissent never changes the count.</p>`;
  for (const c of a.contests) {
    if (!c.reported) continue;
    out += `<h3>${esc(c.title)}</h3><p>${n0(c.reported)} results counted: ${n0(c.cosigned)} co-signed by at least one agent, ${n0(c.unsigned)} with no agent’s word, ${n0(c.disputed)} disputed.</p>`;
    out += areaTable(c.counties, `${c.title}: by county`, 'County');
    const worst = c.constituencies.slice(0, AREA_ROWS);
    out += areaTable(
      worst,
      `${c.title}: the ${worst.length} constituencies with most results no agent signed (of ${n0(c.constituencies.length)})`,
      'Constituency',
    );
  }
  const shown = a.dissents.slice(0, DISSENT_ROWS);
  out += `<h3>Dissents</h3><p>${n0(a.dissents.length)} dissents on the record${a.dissents.length > shown.length ? ` (the first ${shown.length} shown)` : ''}.</p>`;
  if (shown.length)
    out += `<table><caption>Each dissent: the agent’s figures beside the device’s</caption><thead><tr><th scope="col">Station</th><th scope="col">County</th><th scope="col">Constituency</th><th scope="col">Contest</th><th scope="col">Party / agent</th><th scope="col" class="num">Entry</th><th scope="col">Device’s figures (entry)</th><th scope="col">Agent’s figures</th><th scope="col">Reason</th></tr></thead><tbody>${shown
      .map(
        (d) =>
          `<tr><td><code>${esc(d.station)}</code> ${esc(d.stationName)}</td><td>${esc(d.county)}</td><td>${esc(d.constituency)}</td><td>${esc(d.contest)}</td><td>${esc(d.party)} / ${esc(d.agent)}</td><td class="num">${d.entryIndex}</td><td>${esc(figuresText(d.official))} (${d.resultIndex})</td><td class="hit">${esc(figuresText(d.agentFigures))}</td><td>${esc(d.reason)}</td></tr>`,
      )
      .join('')}</tbody></table>`;
  return `${out}</section>`;
}

export function renderReport(report: ForensicsReport): string {
  const ctx: Context = { plot: 0, report };
  const src = report.source;
  const distinct = new Set(report.flagged.map((r) => `${r.contest}/${r.station}`)).size;
  let body = `<h1>Election forensics: ${esc(report.election.title)}</h1>`;
  body += `<p class="meta">Election <code>${esc(report.election.id)}</code>, ${n0(report.election.stations)} polling stations${report.election.perStationCap !== null ? `, a cap of ${n0(report.election.perStationCap)} ballots per station` : ''}. Read from ${src.kind === 'server' ? 'the server' : 'the bundle'} <code>${esc(src.location)}</code>: ${n0(report.entries.total)} log entries (${n0(report.entries.results)} results)${src.checkpoint ? `, checkpoint of size ${n0(src.checkpoint.size)}, root <code>${esc(src.checkpoint.rootHash)}</code>` : ''}. Made ${esc(report.generatedAt)}.</p>`;
  body += `<section class="caution" role="note" aria-labelledby="caution-h"><h2 id="caution-h">A flag is a reason to look, not proof</h2><p>Every check below picks out results that are <strong>unusual or impossible on paper</strong>. A flagged station may have a typing mistake on its form, a register that changed, a real local landslide, or nothing wrong at all; and a clean report does not prove a result right. Each flag says where to look: at the station’s scanned form, its register, and what observers saw there. ${n0(report.flagged.length)} flags fall on ${n0(distinct)} station results.</p></section>`;
  body += `<p class="meta">${esc(src.trust)}</p>`;
  if (report.entries.skipped.length)
    body += `<p class="note">${n0(report.entries.skipped.length)} log entries could not be analysed (for example entry ${report.entries.skipped[0]?.entryIndex}: ${esc(report.entries.skipped[0]?.reason ?? '')}). <code>kura verify</code> reports such entries as anomalies.</p>`;
  body += `<h2 id="summary">Summary</h2>${summaryTable(report)}`;
  body += `<nav aria-label="Contests"><p>Contests: ${report.contests.map((c, i) => `<a href="#contest-${i}">${esc(c.contest.title)}</a>`).join(' · ')} · ${report.agents ? '<a href="#agents">Party agents</a> · ' : ''}<a href="#about">About these checks</a></p></nav>`;
  if (report.agents) body += agentsSection(report.agents);
  report.contests.forEach((c, i) => {
    body += contestSection(ctx, c, i);
  });
  body += `<section id="about" aria-labelledby="about-h"><h2 id="about-h">About these checks</h2><ul>
<li><strong>Ballots</strong> at a station are the larger of the written valid total and the candidates’ sum, plus rejected ballots: the same count the server’s own flags use.</li>
<li><strong>Rule checks</strong> are arithmetic every honest form satisfies. They are tested on every result entry of the log, including any second result of a station.</li>
<li><strong>Statistical checks</strong> use each station’s first result per contest (the one the tally counts). They compare stations with one another; unusual is not wrong.</li>
<li>The last-digit test follows Beber and Scacco (<i>Political Analysis</i>, 2012); the fingerprint, Klimek, Yegorov, Hanel and Thurner (<i>PNAS</i> 109(41), 2012); the robust z-score, Iglewicz and Hoaglin (1993).</li>
<li>This report does not check signatures or the log’s integrity: <code>kura verify</code> does that.</li>
</ul></section>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Election forensics: ${esc(report.election.title)}</title>
<style>${STYLE}</style></head>
<body><main>${body}</main></body></html>
`;
}
