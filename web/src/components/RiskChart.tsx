// The risk of an audit after each round against its limit, on a log scale
// (the risk falls by factors, round after round): a small SVG, drawn from the
// risks the log holds. The picture is one image to a screen reader, named with
// every point; the rounds table beside it has the same figures.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { type AuditTranslate, useAuditT } from '../audit-text';
import { formatRisk } from '../audits';
import { type Lang, useT } from '../i18n';

/** The drawing's width follows its frame's (within these), so its words stay legible on a phone. */
const MIN_W = 260;
const MAX_W = 640;
const H = 220;
const LEFT = 58;
const RIGHT = 28;
const TOP = 14;
const BOTTOM = 34;
/** Below this, a risk is drawn on the bottom line (a risk of 0 has no place on a log scale). */
const FLOOR = 1e-9;

export interface RiskChartProps {
  /** The risk after each closed round, in round order. */
  points: Array<{ round: number; risk: number }>;
  /** The limit, as a fraction (0.05 for 5%). */
  limit: number;
}

/** Decades from 10^0 down to the one below the smallest value shown (a limit of 1% is not drawn on the bottom line). */
export function decades(values: number[]): number[] {
  const smallest = Math.max(FLOOR, Math.min(1, ...values.filter((v) => v > 0)));
  const lowest = Math.min(-1, Math.ceil(Math.log10(smallest)) - 1);
  const out: number[] = [];
  for (let k = 0; k >= lowest; k--) out.push(k);
  return out;
}

/** The width of an element's box, followed as it changes. */
function useWidth(fallback: number) {
  const ref = useRef<HTMLElement>(null);
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setWidth(el.clientWidth || fallback);
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const watch = new ResizeObserver(measure);
    watch.observe(el);
    return () => watch.disconnect();
  }, [fallback]);
  return { ref, width };
}

export function RiskChart(props: RiskChartProps) {
  const { lang } = useT();
  const ta = useAuditT();
  const frame = useWidth(MAX_W);
  const W = Math.max(MIN_W, Math.min(MAX_W, frame.width));
  const all = [{ round: 0, risk: 1 }, ...props.points];
  const ticks = decades([props.limit, ...props.points.map((p) => p.risk)]);
  const lowest = ticks.at(-1) as number;
  const rounds = Math.max(1, all.length - 1);
  const x = (round: number) => LEFT + ((W - LEFT - RIGHT) * round) / rounds;
  const y = (risk: number) =>
    TOP + ((H - TOP - BOTTOM) * -Math.log10(Math.max(risk, 10 ** lowest))) / -lowest;
  const path = all.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.round)},${y(p.risk)}`).join(' ');
  const limitY = y(props.limit);
  const limit = formatRisk(lang, props.limit);
  return (
    <figure class="risk-chart" data-testid="risk-chart" ref={frame.ref}>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={ta('chartLabel', { limit, points: describe(all, lang, ta) })}
      >
        {ticks.map((k) => (
          <g>
            <line class="risk-grid" x1={LEFT} x2={W - RIGHT} y1={y(10 ** k)} y2={y(10 ** k)} />
            <text class="risk-tick" x={LEFT - 6} y={y(10 ** k) + 4} text-anchor="end">
              {formatRisk(lang, 10 ** k)}
            </text>
          </g>
        ))}
        <line class="risk-limit" x1={LEFT} x2={W - RIGHT} y1={limitY} y2={limitY} />
        <text class="risk-limit-text" x={LEFT + 4} y={limitY + 15} text-anchor="start">
          {ta('chartLimit', { limit })}
        </text>
        {all.map((p) => (
          <text class="risk-tick" x={x(p.round)} y={H - 12} text-anchor="middle">
            {p.round === 0 ? ta('chartStart') : ta('chartRound', { n: p.round })}
          </text>
        ))}
        <path class="risk-line" d={path} />
        {all.map((p) => (
          <circle
            class={p.risk <= props.limit ? 'risk-point risk-met' : 'risk-point'}
            cx={x(p.round)}
            cy={y(p.risk)}
            r="4.5"
            data-risk={p.risk}
          />
        ))}
      </svg>
    </figure>
  );
}

function describe(
  all: Array<{ round: number; risk: number }>,
  lang: Lang,
  ta: AuditTranslate,
): string {
  return all
    .map(
      (p) =>
        `${p.round === 0 ? ta('chartStart') : ta('chartRound', { n: p.round })} ${formatRisk(lang, p.risk)}`,
    )
    .join(', ');
}
