// Small statistics helpers for latency samples (milliseconds).

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  const at = (q: number) =>
    n === 0 ? Number.NaN : (sorted[Math.min(n - 1, Math.ceil(q * n) - 1)] as number);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i] as number;
  const r = (x: number) => Math.round(x * 10) / 10;
  return {
    count: n,
    p50: r(at(0.5)),
    p90: r(at(0.9)),
    p99: r(at(0.99)),
    max: r(n ? (sorted[n - 1] as number) : Number.NaN),
    mean: r(n ? sum / n : Number.NaN),
  };
}

export const round = (x: number, digits = 0): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
