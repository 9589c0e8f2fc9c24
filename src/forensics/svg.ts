// Plots as inline SVG, drawn here so the report needs no script and no other
// host to show them: histograms, column and bar charts, a heatmap and a strip
// plot. Each is an <svg role="img"> named by its <title> and described by its
// <desc>, for screen readers; the numbers behind every plot are also in the
// report's tables. Colours keep a contrast of at least 3:1 on white.
import type { Histogram } from './histogram.js';

export const COLOURS = {
  text: '#1b1b1b',
  axis: '#4a4a4a',
  grid: '#e3e3e3',
  bar: '#2f5f98',
  flagged: '#b3261e',
  expected: '#1b1b1b',
  empty: '#ffffff',
} as const;

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text for HTML and SVG (element content or a quoted attribute). */
export function escapeXml(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

const n0 = (x: number) => Math.round(x).toLocaleString('en');
const num = (x: number) => x.toLocaleString('en', { maximumFractionDigits: 2 });

/** 1, 2, 2.5 or 5 times a power of ten. */
function isRound(v: number): boolean {
  if (!(v > 0)) return false;
  const m = v / 10 ** Math.floor(Math.log10(v) + 1e-9);
  return [1, 2, 2.5, 5, 10].some((r) => Math.abs(m - r) < 1e-6);
}
const r1 = (x: number) => Math.round(x * 10) / 10;

/** Tick values 0..≥max at a step of 1, 2 or 5 × 10^k, about `count` of them. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * pow >= raw) ?? 10) * pow;
  const ticks: number[] = [];
  for (let v = 0; v < max + step * 0.999; v += step) ticks.push(Math.round(v * 1e9) / 1e9);
  return ticks;
}

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** A full-width frame around rows `rowsHeight` high (labels on the left), `below` clear under them. */
function rowsFrame(
  rowsHeight: number,
  m: { left: number; right: number; bottom: number; below: number },
): Frame {
  const { left, right, bottom, below } = m;
  const top = 16;
  return { width: 720, height: top + rowsHeight + below + bottom, left, right, top, bottom };
}

function open(id: string, title: string, desc: string, f: Frame): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${f.width}" height="${f.height}" viewBox="0 0 ${f.width} ${f.height}" role="img" aria-labelledby="${id}-title ${id}-desc" class="plot" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="12" fill="${COLOURS.text}">` +
    `<title id="${id}-title">${escapeXml(title)}</title><desc id="${id}-desc">${escapeXml(desc)}</desc>` +
    `<rect x="0" y="0" width="${f.width}" height="${f.height}" fill="#ffffff"/>`
  );
}

function yAxis(
  f: Frame,
  max: number,
  label: string,
): { scale: (v: number) => number; svg: string } {
  const ticks = niceTicks(max);
  const top = ticks[ticks.length - 1] as number;
  const h = f.height - f.top - f.bottom;
  const scale = (v: number) => f.top + h - (v / top) * h;
  let s = '';
  for (const t of ticks) {
    const y = r1(scale(t));
    s += `<line x1="${f.left}" x2="${f.width - f.right}" y1="${y}" y2="${y}" stroke="${COLOURS.grid}"/>`;
    s += `<text x="${f.left - 6}" y="${y + 4}" text-anchor="end">${escapeXml(n0(t))}</text>`;
  }
  s += `<line x1="${f.left}" x2="${f.left}" y1="${f.top}" y2="${f.height - f.bottom}" stroke="${COLOURS.axis}"/>`;
  s += `<text transform="translate(14 ${f.top + h / 2}) rotate(-90)" text-anchor="middle">${escapeXml(label)}</text>`;
  return { scale, svg: s };
}

export interface HistogramPlot {
  id: string;
  title: string;
  desc: string;
  histogram: Histogram;
  xLabel: string;
  yLabel: string;
  /** Dashed vertical lines the checks draw (a cap, 100%, ±3.5). */
  thresholds?: Array<{ value: number; label: string }>;
  /** Append % to tick labels. */
  percent?: boolean;
}

/** A histogram: the flagged part of each bin stacked in red on top of the rest. */
export function histogramSvg(p: HistogramPlot): string {
  const f: Frame = { width: 720, height: 300, left: 64, right: 16, top: 20, bottom: 52 };
  const bins = p.histogram.bins;
  const regular = bins.length - 1;
  const first = bins[0];
  const lastRegular = bins[regular - 1];
  if (!first || !lastRegular) return '';
  const max = Math.max(1, ...bins.map((b) => b.count));
  const y = yAxis(f, max, p.yLabel);
  const plotW = f.width - f.left - f.right;
  // The overflow bin is drawn one bin-width apart from the rest.
  const slot = plotW / (bins.length + 0.5);
  const xOf = (i: number) => f.left + (i < regular ? i : i + 0.5) * slot;
  const base = f.height - f.bottom;
  const unit = p.percent ? '%' : '';
  let s = open(p.id, p.title, p.desc, f) + y.svg;
  bins.forEach((b, i) => {
    const x = r1(xOf(i) + 1);
    const w = r1(Math.max(1, slot - 2));
    const plain = b.count - b.flagged;
    const yPlain = y.scale(plain);
    const hPlain = base - yPlain;
    const label = Number.isFinite(b.to)
      ? `${r1(b.from)}${unit} to ${r1(b.to)}${unit}`
      : `${r1(b.from)}${unit} or more`;
    s += `<g><title>${escapeXml(`${label}: ${n0(b.count)} (${n0(b.flagged)} flagged)`)}</title>`;
    if (plain > 0)
      s += `<rect x="${x}" y="${r1(yPlain)}" width="${w}" height="${r1(Math.max(1, hPlain))}" fill="${COLOURS.bar}"/>`;
    if (b.flagged > 0) {
      const hFlag = Math.max(3, base - y.scale(b.flagged));
      const top = (plain > 0 ? Math.min(yPlain, base - 1) : base) - hFlag;
      s += `<rect x="${x}" y="${r1(top)}" width="${w}" height="${r1(hFlag)}" fill="${COLOURS.flagged}"/>`;
    }
    s += '</g>';
  });
  // x ticks at bin edges a round step apart (at most 8), and the overflow bin's label.
  const width = lastRegular.to - lastRegular.from;
  let every = 1;
  while (every < regular && (regular / every > 8 || !isRound(every * width))) every++;
  for (let i = 0; i <= regular - 3; i += every) {
    const v = first.from + i * width;
    const x = r1(xOf(i));
    s += `<line x1="${x}" x2="${x}" y1="${base}" y2="${base + 4}" stroke="${COLOURS.axis}"/>`;
    s += `<text x="${x}" y="${base + 16}" text-anchor="middle">${escapeXml(`${num(v)}${unit}`)}</text>`;
  }
  s += `<text x="${r1(xOf(regular) + slot / 2)}" y="${base + 16}" text-anchor="middle">${escapeXml(`≥${num(lastRegular.to)}${unit}`)}</text>`;
  s += `<line x1="${f.left}" x2="${f.width - f.right}" y1="${base}" y2="${base}" stroke="${COLOURS.axis}"/>`;
  s += `<text x="${f.left + plotW / 2}" y="${f.height - 10}" text-anchor="middle">${escapeXml(p.xLabel)}</text>`;
  for (const t of p.thresholds ?? []) {
    const pos = (t.value - first.from) / (lastRegular.to - first.from);
    if (pos >= 0 && pos <= 1) {
      const x = r1(f.left + pos * regular * slot);
      s += `<line x1="${x}" x2="${x}" y1="${f.top - 4}" y2="${base}" stroke="${COLOURS.expected}" stroke-width="1.5" stroke-dasharray="5 3"/>`;
      s += `<text x="${x + 4}" y="${f.top + 8}" font-weight="600">${escapeXml(t.label)}</text>`;
    }
  }
  return `${s}</svg>`;
}

export interface Column {
  label: string;
  value: number;
  highlight?: boolean;
}

export interface ColumnPlot {
  id: string;
  title: string;
  desc: string;
  columns: Column[];
  xLabel: string;
  yLabel: string;
  /** A horizontal reference line (e.g. the count a uniform distribution expects). */
  expected?: { value: number; label: string };
  /** Also an interval around the expected line (e.g. a 99% band). */
  band?: { low: number; high: number };
}

/** Vertical columns with short labels (the ten digits), and an optional expected line. */
export function columnSvg(p: ColumnPlot): string {
  const f: Frame = { width: 480, height: 260, left: 64, right: 16, top: 20, bottom: 48 };
  const max = Math.max(
    1,
    ...p.columns.map((c) => c.value),
    p.expected?.value ?? 0,
    p.band?.high ?? 0,
  );
  const y = yAxis(f, max * 1.1, p.yLabel);
  const plotW = f.width - f.left - f.right;
  const slot = plotW / Math.max(1, p.columns.length);
  const base = f.height - f.bottom;
  let s = open(p.id, p.title, p.desc, f) + y.svg;
  if (p.band) {
    const top = y.scale(p.band.high);
    s += `<rect x="${f.left}" y="${r1(top)}" width="${plotW}" height="${r1(y.scale(p.band.low) - top)}" fill="#d9d9d9" opacity="0.6"/>`;
  }
  p.columns.forEach((c, i) => {
    const x = r1(f.left + i * slot + slot * 0.15);
    const w = r1(slot * 0.7);
    const top = y.scale(c.value);
    s += `<g><title>${escapeXml(`${c.label}: ${n0(c.value)}`)}</title><rect x="${x}" y="${r1(top)}" width="${w}" height="${r1(Math.max(c.value > 0 ? 1 : 0, base - top))}" fill="${c.highlight ? COLOURS.flagged : COLOURS.bar}"/></g>`;
    s += `<text x="${r1(x + w / 2)}" y="${base + 16}" text-anchor="middle">${escapeXml(c.label)}</text>`;
  });
  s += `<line x1="${f.left}" x2="${f.width - f.right}" y1="${base}" y2="${base}" stroke="${COLOURS.axis}"/>`;
  s += `<text x="${f.left + plotW / 2}" y="${f.height - 8}" text-anchor="middle">${escapeXml(p.xLabel)}</text>`;
  if (p.expected) {
    const ey = r1(y.scale(p.expected.value));
    s += `<line x1="${f.left}" x2="${f.width - f.right}" y1="${ey}" y2="${ey}" stroke="${COLOURS.expected}" stroke-width="1.5" stroke-dasharray="5 3"/>`;
    s += `<text x="${f.width - f.right - 2}" y="${ey - 5}" text-anchor="end" font-weight="600">${escapeXml(p.expected.label)}</text>`;
  }
  return `${s}</svg>`;
}

export interface BarPlot {
  id: string;
  title: string;
  desc: string;
  bars: Column[];
  xLabel: string;
}

/** Horizontal bars with long category labels, each bar's count written beside it. */
export function barsSvg(p: BarPlot): string {
  const rowH = 26;
  const f = rowsFrame(p.bars.length * rowH, { left: 230, right: 80, bottom: 40, below: 8 });
  const max = Math.max(1, ...p.bars.map((b) => b.value));
  const plotW = f.width - f.left - f.right;
  let s = open(p.id, p.title, p.desc, f);
  p.bars.forEach((b, i) => {
    const yTop = f.top + i * rowH;
    const w = b.value > 0 ? Math.max(2, (b.value / max) * plotW) : 0;
    s += `<text x="${f.left - 8}" y="${yTop + 17}" text-anchor="end">${escapeXml(b.label)}</text>`;
    s += `<g><title>${escapeXml(`${b.label}: ${n0(b.value)}`)}</title><rect x="${f.left}" y="${yTop + 4}" width="${r1(w)}" height="${rowH - 8}" fill="${b.highlight ? COLOURS.flagged : COLOURS.bar}"/></g>`;
    s += `<text x="${r1(f.left + w + 6)}" y="${yTop + 17}">${escapeXml(n0(b.value))}</text>`;
  });
  const base = f.top + p.bars.length * rowH + 4;
  s += `<line x1="${f.left}" x2="${f.left}" y1="${f.top}" y2="${base}" stroke="${COLOURS.axis}"/>`;
  s += `<text x="${f.left + plotW / 2}" y="${f.height - 12}" text-anchor="middle">${escapeXml(p.xLabel)}</text>`;
  return `${s}</svg>`;
}

const VIRIDIS = [
  [0x44, 0x01, 0x54],
  [0x47, 0x2d, 0x7b],
  [0x3b, 0x52, 0x8b],
  [0x2c, 0x72, 0x8e],
  [0x21, 0x91, 0x8c],
  [0x28, 0xae, 0x80],
  [0x5e, 0xc9, 0x62],
  [0xad, 0xdc, 0x30],
  [0xfd, 0xe7, 0x25],
];

/** The viridis colour at t in [0, 1] (dark purple to yellow; ordered for colour-blind readers too). */
export function viridis(t: number): string {
  const x = Math.max(0, Math.min(1, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const a = VIRIDIS[i] as number[];
  const b = VIRIDIS[i + 1] as number[];
  const k = x - i;
  const c = a.map((v, j) => Math.round(v + ((b[j] as number) - v) * k));
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

export interface HeatmapPlot {
  id: string;
  title: string;
  desc: string;
  /** cells[x][y]: counts, x bins left to right, y bins bottom to top, both over 0–100%. */
  cells: number[][];
  xLabel: string;
  yLabel: string;
  /** A dashed box from this fraction to 100% on both axes. */
  corner?: { from: number; label: string };
}

/** Counts on a grid, colour on a logarithmic scale (one station already shows). */
export function heatmapSvg(p: HeatmapPlot): string {
  const side = 420;
  const f: Frame = { width: 640, height: side + 76, left: 64, right: 156, top: 16, bottom: 60 };
  const nx = p.cells.length;
  const ny = p.cells[0]?.length ?? 0;
  const cw = side / Math.max(1, nx);
  const ch = side / Math.max(1, ny);
  let max = 0;
  for (const col of p.cells) for (const v of col) max = Math.max(max, v);
  const logMax = Math.log(max + 1);
  const colour = (v: number) => viridis(logMax > 0 ? Math.log(v + 1) / logMax : 0);
  const base = f.top + side;
  let s = open(p.id, p.title, p.desc, f);
  s += `<rect x="${f.left}" y="${f.top}" width="${side}" height="${side}" fill="${COLOURS.empty}" stroke="${COLOURS.axis}"/>`;
  p.cells.forEach((col, i) => {
    col.forEach((v, j) => {
      if (v === 0) return;
      s += `<rect x="${r1(f.left + i * cw)}" y="${r1(base - (j + 1) * ch)}" width="${r1(cw + 0.3)}" height="${r1(ch + 0.3)}" fill="${colour(v)}"><title>${escapeXml(`turnout ${r1((100 * i) / nx)}–${r1((100 * (i + 1)) / nx)}%, share ${r1((100 * j) / ny)}–${r1((100 * (j + 1)) / ny)}%: ${n0(v)}`)}</title></rect>`;
    });
  });
  for (let t = 0; t <= 100; t += 20) {
    const x = r1(f.left + (t / 100) * side);
    const yy = r1(base - (t / 100) * side);
    s += `<line x1="${x}" x2="${x}" y1="${base}" y2="${base + 4}" stroke="${COLOURS.axis}"/><text x="${x}" y="${base + 16}" text-anchor="middle">${t}%</text>`;
    s += `<line x1="${f.left - 4}" x2="${f.left}" y1="${yy}" y2="${yy}" stroke="${COLOURS.axis}"/><text x="${f.left - 6}" y="${yy + 4}" text-anchor="end">${t}%</text>`;
  }
  s += `<text x="${f.left + side / 2}" y="${base + 36}" text-anchor="middle">${escapeXml(p.xLabel)}</text>`;
  s += `<text transform="translate(16 ${f.top + side / 2}) rotate(-90)" text-anchor="middle">${escapeXml(p.yLabel)}</text>`;
  if (p.corner) {
    const c = p.corner.from;
    const x = r1(f.left + c * side);
    const w = r1((1 - c) * side);
    s += `<rect x="${x}" y="${f.top}" width="${w}" height="${w}" fill="none" stroke="${COLOURS.flagged}" stroke-width="2" stroke-dasharray="4 2"/>`;
    const ly = f.top + 300;
    s += `<rect x="${f.left + side + 28}" y="${ly}" width="16" height="16" fill="none" stroke="${COLOURS.flagged}" stroke-width="2" stroke-dasharray="4 2"/>`;
    s += `<text x="${f.left + side + 50}" y="${ly + 12}" fill="${COLOURS.flagged}" font-weight="600">corner</text>`;
    s += `<text x="${f.left + side + 28}" y="${ly + 32}">${escapeXml(p.corner.label)}</text>`;
  }
  // Legend: the colour scale, log-spaced ticks.
  const lx = f.left + side + 28;
  const lh = 200;
  s += `<defs><linearGradient id="${p.id}-scale" x1="0" y1="1" x2="0" y2="0">${VIRIDIS.map((_, k) => `<stop offset="${r1((100 * k) / (VIRIDIS.length - 1))}%" stop-color="${viridis(k / (VIRIDIS.length - 1))}"/>`).join('')}</linearGradient></defs>`;
  s += `<text x="${lx}" y="${f.top + 8}" font-weight="600">stations</text>`;
  s += `<rect x="${lx}" y="${f.top + 18}" width="16" height="${lh}" fill="url(#${p.id}-scale)" stroke="${COLOURS.axis}"/>`;
  const ticks = [1, 10, 100, 1000, 10000, 100000].filter((v) => v <= max);
  if (max > 0 && ticks[ticks.length - 1] !== max) ticks.push(max);
  for (const v of ticks) {
    const yy = r1(f.top + 18 + lh - (logMax > 0 ? Math.log(v + 1) / logMax : 0) * lh);
    s += `<line x1="${lx + 16}" x2="${lx + 20}" y1="${yy}" y2="${yy}" stroke="${COLOURS.axis}"/><text x="${lx + 24}" y="${yy + 4}">${escapeXml(n0(v))}</text>`;
  }
  s += `<text x="${lx}" y="${f.top + lh + 36}">log scale;</text><text x="${lx}" y="${f.top + lh + 52}">white: none</text>`;
  return `${s}</svg>`;
}

export interface StripRow {
  label: string;
  /** A reference mark (e.g. the median). */
  mark?: number;
  points: Array<{ value: number; highlight: boolean; tip: string }>;
}

export interface StripPlot {
  id: string;
  title: string;
  desc: string;
  rows: StripRow[];
  xLabel: string;
  /** Axis range (values beyond are drawn at its edge). */
  xMin: number;
  xMax: number;
  percent?: boolean;
}

/** One row of dots per group (deterministic vertical jitter), highlighted dots in red. */
export function stripSvg(p: StripPlot): string {
  const rowH = 28;
  const f = rowsFrame(p.rows.length * rowH, { left: 200, right: 24, bottom: 56, below: 4 });
  const plotW = f.width - f.left - f.right;
  const xOf = (v: number) =>
    r1(f.left + ((Math.max(p.xMin, Math.min(p.xMax, v)) - p.xMin) / (p.xMax - p.xMin)) * plotW);
  const base = f.top + p.rows.length * rowH;
  const unit = p.percent ? '%' : '';
  let s = open(p.id, p.title, p.desc, f);
  for (const t of niceTicks(p.xMax - p.xMin, 6)) {
    const v = p.xMin + t;
    if (v > p.xMax) break;
    const x = xOf(v);
    s += `<line x1="${x}" x2="${x}" y1="${f.top}" y2="${base}" stroke="${COLOURS.grid}"/><text x="${x}" y="${base + 16}" text-anchor="middle">${escapeXml(`${n0(v)}${unit}`)}</text>`;
  }
  p.rows.forEach((row, i) => {
    const yMid = f.top + i * rowH + rowH / 2;
    s += `<text x="${f.left - 8}" y="${yMid + 4}" text-anchor="end">${escapeXml(row.label)}</text>`;
    if (row.mark !== undefined) {
      const x = xOf(row.mark);
      s += `<line x1="${x}" x2="${x}" y1="${yMid - 11}" y2="${yMid + 11}" stroke="${COLOURS.expected}" stroke-width="2"/>`;
    }
    row.points.forEach((pt, k) => {
      const jitter = (((k * 7919) % 17) / 16 - 0.5) * (rowH - 12);
      const r = pt.highlight ? 4 : 2.5;
      s += `<circle cx="${xOf(pt.value)}" cy="${r1(yMid + jitter)}" r="${r}" fill="${pt.highlight ? COLOURS.flagged : COLOURS.bar}" fill-opacity="${pt.highlight ? 1 : 0.6}"><title>${escapeXml(pt.tip)}</title></circle>`;
    });
  });
  s += `<line x1="${f.left}" x2="${f.width - f.right}" y1="${base}" y2="${base}" stroke="${COLOURS.axis}"/>`;
  s += `<text x="${f.left + plotW / 2}" y="${f.height - 16}" text-anchor="middle">${escapeXml(p.xLabel)}</text>`;
  return `${s}</svg>`;
}
