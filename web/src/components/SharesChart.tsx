// A horizontal bar chart of candidate shares (Chart.js, tree-shaken to the
// bar chart parts). The table beside it carries the same figures for screen
// readers; the canvas gets a one-line summary as its label. Each name is
// written above its bar, from the left edge, and the share at the bar's end:
// an axis of names beside the bars left a phone too narrow a strip, and
// long names were cut at their start ("eorge Luchiri Wajackoyah").
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  LinearScale,
  type Plugin,
  Tooltip,
} from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import { formatPercent, useT } from '../i18n';
import type { Share } from '../tally';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

const NAME_FONT = 'bold 13px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const SHARE_FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
/** Height of one candidate's row: the name's line and the bar under it. */
const ROW = 50;

/** The longest start of `text` that fits `width` at the context's font, with an ellipsis if cut. */
function fitText(ctx: CanvasRenderingContext2D, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  let n = text.length;
  while (n > 1 && ctx.measureText(`${text.slice(0, n)}…`).width > width) n--;
  return `${text.slice(0, n)}…`;
}

const namesAboveBars: Plugin<'bar'> = {
  id: 'namesAboveBars',
  // afterDraw, not afterDatasetsDraw: the names lie above the chart area, outside its clip.
  afterDraw(chart) {
    const { ctx, chartArea } = chart;
    const bars = chart.getDatasetMeta(0).data;
    const values = chart.data.datasets[0]?.data ?? [];
    ctx.save();
    bars.forEach((bar, i) => {
      const { x, y, height } = bar.getProps(['x', 'y', 'height'], true) as {
        x: number;
        y: number;
        height: number;
      };
      ctx.fillStyle = '#1a1a1a';
      ctx.font = NAME_FONT;
      ctx.textAlign = 'left';
      ctx.textBaseline = 'bottom';
      const name = String(chart.data.labels?.[i] ?? '');
      const room = chart.width - chartArea.left - 4;
      ctx.fillText(fitText(ctx, name, room), chartArea.left, y - height / 2 - 2);
      ctx.font = SHARE_FONT;
      ctx.fillStyle = '#333';
      ctx.textBaseline = 'middle';
      ctx.fillText(`${values[i]}%`, x + 6, y);
    });
    ctx.restore();
  },
};

export function SharesChart(props: {
  shares: Share[];
  colour: (id: string) => string;
  max?: number;
}) {
  const { t, lang } = useT();
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<'bar'> | null>(null);
  const shown = props.shares.slice(0, props.max ?? 8);
  const labels = shown.map((s) => s.name);
  const data = shown.map((s) => Math.round(s.share * 1000) / 10);
  const colours = shown.map((s) => props.colour(s.id));
  // Room for the longest bar, and always the 50% mark (a majority).
  const axisMax = Math.min(100, Math.max(60, Math.ceil((Math.max(0, ...data) + 8) / 10) * 10));

  useEffect(() => {
    if (!canvas.current) return;
    chart.current = new Chart(canvas.current, {
      type: 'bar',
      data: {
        labels,
        datasets: [
          {
            data,
            backgroundColor: colours,
            borderRadius: 3,
            barPercentage: 0.45,
            categoryPercentage: 1,
          },
        ],
      },
      plugins: [namesAboveBars],
      options: {
        indexAxis: 'y',
        responsive: true,
        maintainAspectRatio: false,
        // No animation: figures change live, and phones have little CPU to spare.
        animation: false,
        // Room for the first name above its bar, and the share after the longest bar.
        layout: { padding: { top: 18, right: 44 } },
        scales: {
          x: {
            min: 0,
            max: axisMax,
            ticks: { callback: (v) => `${v}%`, color: '#333' },
            grid: { color: '#e6e6e6' },
          },
          y: {
            // The names are drawn above the bars (namesAboveBars).
            ticks: { display: false },
            grid: { display: false },
          },
        },
        plugins: {
          tooltip: { callbacks: { label: (c) => `${c.parsed.x}%` } },
        },
      },
    });
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
    // The chart is created once; updates below change its data in place.
  }, []);

  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    c.data.labels = labels;
    const x = c.options.scales?.x;
    if (x) x.max = axisMax;
    const ds = c.data.datasets[0];
    if (ds) {
      ds.data = data;
      ds.backgroundColor = colours;
    }
    c.update();
  });

  const summary = shown.map((s) => `${s.name} ${formatPercent(lang, s.share)}`).join(', ');
  return (
    <div class="chart" style={{ height: `${Math.max(2, shown.length) * ROW + 40}px` }}>
      <canvas ref={canvas} role="img" aria-label={`${t('sharesChart')}: ${summary}`} />
    </div>
  );
}
