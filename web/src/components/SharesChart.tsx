// A horizontal bar chart of candidate shares. The table beside it carries the
// same figures for screen readers; the canvas gets a one-line summary as its
// label. Chart.js (bar-chart.ts) loads once the page is on screen: the
// figures never wait for it.
import { useEffect, useRef } from 'preact/hooks';
import { formatPercent, useT } from '../i18n';
import type { Share } from '../tally';
import type { BarChart, Bars } from './bar-chart';

let chartCode: Promise<typeof import('./bar-chart')> | null = null;

/** Height of one candidate's row: the name's line and the bar under it (bar-chart.ts draws both). */
const ROW = 50;

export function SharesChart(props: {
  shares: Share[];
  colour: (id: string) => string;
  max?: number;
}) {
  const { t, lang } = useT();
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<BarChart | null>(null);
  const shown = props.shares.slice(0, props.max ?? 8);
  const data = shown.map((s) => Math.round(s.share * 1000) / 10);
  const bars: Bars = {
    labels: shown.map((s) => s.name),
    data,
    colours: shown.map((s) => props.colour(s.id)),
    // Room for the longest bar, and always the 50% mark (a majority).
    axisMax: Math.min(100, Math.max(60, Math.ceil((Math.max(0, ...data) + 8) / 10) * 10)),
  };
  // What the chart draws when its code arrives: the figures of the latest render.
  const latest = useRef(bars);
  latest.current = bars;

  useEffect(() => {
    let live = true;
    chartCode ??= import('./bar-chart');
    chartCode.then(
      (code) => {
        if (live && canvas.current) chart.current = code.drawBars(canvas.current, latest.current);
      },
      () => {
        // Without the chart the table still shows every figure; try again on the next page.
        chartCode = null;
      },
    );
    return () => {
      live = false;
      chart.current?.destroy();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    const c = chart.current;
    if (c) void chartCode?.then((code) => code.updateBars(c, latest.current));
  });

  const summary = shown.map((s) => `${s.name} ${formatPercent(lang, s.share)}`).join(', ');
  return (
    <div class="chart" style={{ height: `${Math.max(2, shown.length) * ROW + 40}px` }}>
      <canvas ref={canvas} role="img" aria-label={`${t('sharesChart')}: ${summary}`} />
    </div>
  );
}
