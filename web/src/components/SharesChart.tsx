// A horizontal bar chart of candidate shares (Chart.js, tree-shaken to the
// bar chart parts). The table beside it carries the same figures for screen
// readers; the canvas gets a one-line summary as its label.
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import { formatPercent, useT } from '../i18n';
import type { Share } from '../tally';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

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
        datasets: [{ data, backgroundColor: colours, borderRadius: 3, barPercentage: 0.8 }],
      },
      options: {
        indexAxis: 'y',
        responsive: true,
        maintainAspectRatio: false,
        // No animation: figures change live, and phones have little CPU to spare.
        animation: false,
        scales: {
          x: {
            min: 0,
            max: axisMax,
            ticks: { callback: (v) => `${v}%`, color: '#333' },
            grid: { color: '#e6e6e6' },
          },
          y: {
            ticks: { color: '#1a1a1a', font: { size: 13, weight: 'bold' } },
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
    <div class="chart" style={{ height: `${Math.max(2, shown.length) * 44 + 40}px` }}>
      <canvas ref={canvas} role="img" aria-label={`${t('sharesChart')}: ${summary}`} />
    </div>
  );
}
