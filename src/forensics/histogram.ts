// Equal-width histograms, with everything beyond the last bin counted in an
// overflow bin (so a few absurd values cannot squash the plot).

export interface HistogramBin {
  from: number;
  /** Exclusive; Infinity for the overflow bin. */
  to: number;
  count: number;
  /** How many of the bin's values a check flagged. */
  flagged: number;
}

export interface Histogram {
  bins: HistogramBin[];
  /** Values below the first bin (counted in it). */
  underflow: number;
  /** Values at or beyond `to` (counted in the overflow bin). */
  overflow: number;
}

/**
 * Bins [from, to) of `width`, plus an overflow bin [to, ∞). A value below
 * `from` is counted in the first bin. `isFlagged` marks values a check flagged.
 */
export function histogram(
  values: readonly number[],
  range: { from: number; to: number; width: number },
  isFlagged: (value: number, i: number) => boolean = () => false,
): Histogram {
  const n = Math.max(1, Math.round((range.to - range.from) / range.width));
  const bins: HistogramBin[] = [];
  for (let i = 0; i < n; i++)
    bins.push({
      from: range.from + i * range.width,
      to: range.from + (i + 1) * range.width,
      count: 0,
      flagged: 0,
    });
  bins.push({ from: range.to, to: Number.POSITIVE_INFINITY, count: 0, flagged: 0 });
  let underflow = 0;
  let overflow = 0;
  values.forEach((v, i) => {
    let k: number;
    if (v >= range.to) {
      k = n;
      overflow++;
    } else if (v < range.from) {
      k = 0;
      underflow++;
    } else k = Math.min(n - 1, Math.floor((v - range.from) / range.width));
    const bin = bins[k] as HistogramBin;
    bin.count++;
    if (isFlagged(v, i)) bin.flagged++;
  });
  return { bins, underflow, overflow };
}

/** The median of a list (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
