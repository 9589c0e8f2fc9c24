// The Chart.js part of the shares chart (tree-shaken to the bar chart parts),
// in a chunk of its own: SharesChart loads it after the figures are on screen,
// so the first paint does not wait for the largest library of the portal.
// Each name is written above its bar, from the left edge, and the share at
// the bar's end: an axis of names beside the bars left a phone too narrow a
// strip, and long names were cut at their start ("eorge Luchiri Wajackoyah").
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  LinearScale,
  type Plugin,
  Tooltip,
} from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

export interface Bars {
  labels: string[];
  /** Shares in percent, one decimal. */
  data: number[];
  colours: string[];
  axisMax: number;
}

export type BarChart = Chart<'bar'>;

const NAME_FONT = 'bold 13px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const SHARE_FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
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

export function drawBars(canvas: HTMLCanvasElement, bars: Bars): BarChart {
  return new Chart(canvas, {
    type: 'bar',
    data: {
      labels: bars.labels,
      datasets: [
        {
          data: bars.data,
          backgroundColor: bars.colours,
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
          max: bars.axisMax,
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
}

/** Changes a drawn chart's bars in place. */
export function updateBars(c: BarChart, bars: Bars): void {
  c.data.labels = bars.labels;
  const x = c.options.scales?.x;
  if (x) x.max = bars.axisMax;
  const ds = c.data.datasets[0];
  if (ds) {
    ds.data = bars.data;
    ds.backgroundColor = bars.colours;
  }
  c.update();
}
