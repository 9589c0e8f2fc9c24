// The normal and binomial distributions the sample-size ESTIMATES need (Arlo
// takes them from scipy). Estimates are advice, not checked, so these may use
// Math.log/exp; they aim at scipy's accuracy (about 1e-15 relative) so that
// the integer sizes come out as Arlo's. Risks never use this file.

const SQRT2 = Math.SQRT2;
const SQRT_PI = Math.sqrt(Math.PI);
const SQRT_2PI = Math.sqrt(2 * Math.PI);
const LOG_2PI = Math.log(2 * Math.PI);

/** The complementary error function, erfc(x) = 1 − erf(x). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 0.5) {
    // Maclaurin series of erf, alternating, small x: no cancellation to speak of.
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / SQRT_PI) * sum;
  }
  if (x < 2.5) {
    // erf(x) = 2/√π · e^{−x²} · Σ (2x²)^n x / (1·3···(2n+1)): positive terms.
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    return 1 - (2 / SQRT_PI) * Math.exp(-x2) * sum;
  }
  if (x > 27) return 0;
  // Laplace's continued fraction, evaluated from the tail:
  // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))).
  let f = x;
  for (let k = 120; k >= 1; k--) f = x + k / 2 / f;
  return Math.exp(-x * x) / SQRT_PI / f;
}

/** The standard normal distribution function Φ(x). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / SQRT2);
}

/** Φ⁻¹(q) for 0 < q < 1 (scipy's norm.ppf): Acklam's approximation, then Halley steps. */
export function normalQuantile(q: number): number {
  if (!(q > 0 && q < 1)) {
    if (q === 0) return Number.NEGATIVE_INFINITY;
    if (q === 1) return Number.POSITIVE_INFINITY;
    return Number.NaN;
  }
  let x: number;
  const low = 0.02425;
  if (q < low) {
    const r = Math.sqrt(-2 * Math.log(q));
    x = tail(r);
  } else if (q > 1 - low) {
    const r = Math.sqrt(-2 * Math.log(1 - q));
    x = -tail(r);
  } else {
    const r = q - 0.5;
    const s = r * r;
    x =
      ((((((A[0] * s + A[1]) * s + A[2]) * s + A[3]) * s + A[4]) * s + A[5]) * r) /
      (((((B[0] * s + B[1]) * s + B[2]) * s + B[3]) * s + B[4]) * s + 1);
  }
  for (let i = 0; i < 3; i++) {
    // Halley's step on Φ(x) − q (for q ≥ ½ written as (1 − q) − Φ(−x), both small).
    const e = q < 0.5 ? normalCdf(x) - q : 1 - q - normalCdf(-x);
    const u = e * SQRT_2PI * Math.exp((x * x) / 2);
    x -= u / (1 + (x * u) / 2);
  }
  return x;
}

function tail(r: number): number {
  return (
    (((((C[0] * r + C[1]) * r + C[2]) * r + C[3]) * r + C[4]) * r + C[5]) /
    ((((D[0] * r + D[1]) * r + D[2]) * r + D[3]) * r + 1)
  );
}

// Acklam's coefficients (a first guess only; the Halley steps make it exact).
const A = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2,
  -3.066479806614716e1, 2.506628277459239,
] as const;
const B = [
  -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
  -1.328068155288572e1,
] as const;
const C = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734,
  4.374664141464968, 2.938163982698783,
] as const;
const D = [
  7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416,
] as const;

// ---- binomial ----

// stirlerr(n) = ln n! − ln(√(2πn) (n/e)^n) for n = 0..15 (computed to 40 digits).
const STIRLERR = [
  0.0, 0.08106146679532726, 0.0413406959554093, 0.02767792568499834, 0.020790672103765093,
  0.016644691189821193, 0.013876128823070748, 0.01189670994589177, 0.010411265261972096,
  0.009255462182712733, 0.00833056343336287, 0.007573675487951841, 0.00694284010720953,
  0.006408994188004207, 0.0059513701127588475, 0.005554733551962801,
] as const;

function stirlerr(n: number): number {
  if (n <= 15) return STIRLERR[n] as number;
  const nn = n * n;
  return (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / 1188 / nn) / nn) / nn) / nn) / n;
}

/** x ln(x/m) + m − x, without cancellation when x ≈ m (Loader's bd0). */
function bd0(x: number, m: number): number {
  if (Math.abs(x - m) < 0.1 * (x + m)) {
    const v = (x - m) / (x + m);
    let s = (x - m) * v;
    let ej = 2 * x * v;
    const v2 = v * v;
    for (let j = 1; j < 1000; j++) {
      ej *= v2;
      const s1 = s + ej / (2 * j + 1);
      if (s1 === s) return s1;
      s = s1;
    }
    return s;
  }
  return x * Math.log(x / m) + m - x;
}

/**
 * ln P(X = k) for X ~ Binomial(n, p), by Loader's saddle-point expansion
 * (C. Loader, "Fast and accurate computation of binomial probabilities", 2000).
 */
export function binomialLogPmf(k: number, n: number, p: number): number {
  if (k < 0 || k > n) return Number.NEGATIVE_INFINITY;
  const q = 1 - p;
  if (p === 0) return k === 0 ? 0 : Number.NEGATIVE_INFINITY;
  if (q === 0) return k === n ? 0 : Number.NEGATIVE_INFINITY;
  if (k === 0) return n === 0 ? 0 : n * Math.log1p(-p);
  if (k === n) return n * Math.log(p);
  const lc = stirlerr(n) - stirlerr(k) - stirlerr(n - k) - bd0(k, n * p) - bd0(n - k, n * q);
  const lf = LOG_2PI + Math.log(k) + Math.log1p(-k / n);
  return lc - 0.5 * lf;
}

/** P(X ≤ k) for X ~ Binomial(n, p): the shorter tail summed from its largest term. */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  const q = 1 - p;
  if (k < n * p) {
    // Lower tail, summed downward: P(j−1) = P(j) · j/(n−j+1) · q/p.
    let term = Math.exp(binomialLogPmf(k, n, p));
    let sum = term;
    for (let j = k; j > 0 && term > 1e-17 * sum; j--) {
      term *= (j / (n - j + 1)) * (q / p);
      sum += term;
    }
    return sum;
  }
  // Upper tail from k+1 upward: P(j+1) = P(j) · (n−j)/(j+1) · p/q.
  let term = Math.exp(binomialLogPmf(k + 1, n, p));
  let sum = term;
  for (let j = k + 1; j < n && term > 1e-17 * sum; j++) {
    term *= ((n - j) / (j + 1)) * (p / q);
    sum += term;
  }
  return 1 - sum;
}

/**
 * scipy's binom.ppf(q, n, p) for 0 < q < 1: the smallest k with P(X ≤ k) ≥ q.
 * NaN when n is not a non-negative integer (as scipy).
 */
export function binomialQuantile(q: number, n: number, p: number): number {
  if (!Number.isInteger(n) || n < 0) return Number.NaN;
  const z = normalQuantile(q);
  let k = Math.floor(n * p + z * Math.sqrt(n * p * (1 - p)));
  k = Math.min(Math.max(k, 0), n);
  if (binomialCdf(k, n, p) >= q) {
    while (k > 0 && binomialCdf(k - 1, n, p) >= q) k--;
  } else {
    while (k < n && binomialCdf(k, n, p) < q) k++;
  }
  return k;
}
