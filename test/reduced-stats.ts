/**
 * Statistics for the reduced-backend tests: a two-sample Kolmogorov-Smirnov test that takes censored
 * hitting times, and per-step comparisons of mean curves.
 */

/**
 * Two-sample Kolmogorov-Smirnov test. Censored values (not reached within the common step budget) are
 * passed as Infinity: both samples are censored at the same budget, so the empirical CDFs compare exactly
 * on [0, budget] and the censored mass sits at one common point. The p-value is the asymptotic Kolmogorov
 * law with Stephens' small-sample correction; ties (integer steps, the censored point) make it conservative.
 */
export function ksTwoSample(a: readonly number[], b: readonly number[]): { D: number; p: number } {
  const x = [...a].sort((s, t) => s - t);
  const y = [...b].sort((s, t) => s - t);
  const points = [...new Set([...x, ...y])].sort((s, t) => s - t);
  let i = 0;
  let j = 0;
  let D = 0;
  for (const v of points) {
    while (i < x.length && x[i] <= v) i++;
    while (j < y.length && y[j] <= v) j++;
    D = Math.max(D, Math.abs(i / x.length - j / y.length));
  }
  const ne = (x.length * y.length) / (x.length + y.length);
  const lambda = (Math.sqrt(ne) + 0.12 + 0.11 / Math.sqrt(ne)) * D;
  let p = 0;
  for (let k = 1; k <= 100; k++) p += 2 * (-1) ** (k - 1) * Math.exp(-2 * k * k * lambda * lambda);
  return { D, p: Math.min(1, Math.max(0, p)) };
}

/** Mean and standard error of the mean. */
export function meanSe(values: readonly number[]): { mean: number; se: number } {
  const n = values.length;
  let m = 0;
  for (const v of values) m += v / n;
  let s2 = 0;
  for (const v of values) s2 += (v - m) ** 2 / (n - 1);
  return { mean: m, se: Math.sqrt(s2 / n) };
}

/** z-score of the difference of two independent sample means (0 when both samples are constant and equal). */
export function meanDifferenceZ(a: readonly number[], b: readonly number[]): number {
  const x = meanSe(a);
  const y = meanSe(b);
  const se = Math.hypot(x.se, y.se);
  if (se === 0) return x.mean === y.mean ? 0 : Number.POSITIVE_INFINITY;
  return (x.mean - y.mean) / se;
}

/** First three sample cumulants (mean, variance, third central moment) and their asymptotic standard errors
 * from the sample's own central moments (delta method). */
export function sampleCumulants(values: ArrayLike<number>): {
  k: [number, number, number];
  se: [number, number, number];
} {
  const n = values.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += values[i] / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  let m6 = 0;
  for (let i = 0; i < n; i++) {
    const c = values[i] - m;
    const c2 = c * c;
    m2 += c2 / n;
    m3 += (c2 * c) / n;
    m4 += (c2 * c2) / n;
    m6 += (c2 * c2 * c2) / n;
  }
  return {
    k: [m, m2, m3],
    se: [
      Math.sqrt(m2 / n),
      Math.sqrt((m4 - m2 * m2) / n),
      Math.sqrt(Math.max(0, m6 - m3 * m3 - 6 * m4 * m2 + 9 * m2 * m2 * m2) / n),
    ],
  };
}

/**
 * First three cumulants of sum_i s2_i * chi'^2(k_i, lambda_i) (independent noncentral chi-squares with k_i
 * degrees of freedom and noncentrality lambda_i, scaled by s2_i): kappa_r = 2^(r-1) (r-1)! s2^r (k + r lambda).
 */
export function chiSquareSumCumulants(
  terms: readonly { s2: number; k: number; lambda: number }[],
): [number, number, number] {
  const out: [number, number, number] = [0, 0, 0];
  for (const { s2, k, lambda } of terms) {
    out[0] += s2 * (k + lambda);
    out[1] += 2 * s2 ** 2 * (k + 2 * lambda);
    out[2] += 8 * s2 ** 3 * (k + 3 * lambda);
  }
  return out;
}
