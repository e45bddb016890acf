/**
 * Special functions for the theory (host-side, f64): erf, erfc, the standard normal density, CDF and
 * quantile. erf is the series below |x| = 3 and the Laplace continued fraction (60 terms) from 3 to 6; the
 * kernels' (assembly/special.ts) use the same two expansions but switch at 1.5, with 120 terms of the
 * fraction below 2. Both are accurate to about 1e-15 and differ by at most 1.5e-15 (measured on a grid of
 * [-8, 8]; test/kernel-dispatch.test.ts holds them within 4e-15), and normQuantile bisects as the kernels
 * do, so thresholds such as Phi^-1(1 - p) agree with the engine's to about 1e-15 / phi(threshold).
 */

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const INV_SQRT_PI = 0.5641895835477563;
const INV_SQRT_2PI = 0.3989422804014327;

/** erf(x) for 0 <= x < 3 by e^{-x^2} sum 2^n x^{2n+1} / (2n+1)!! (all terms positive). */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/** erfc(x) for x >= 3 by the Laplace continued fraction, evaluated bottom-up with 60 terms. */
function erfcFraction(x: number): number {
  let f = x;
  for (let n = 60; n >= 1; n--) f = x + (n * 0.5) / f;
  return (INV_SQRT_PI * Math.exp(-x * x)) / f;
}

/** The error function, accurate to about 1e-15. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  let r: number;
  if (ax < 3) r = erfSeries(ax);
  else if (ax < 6) r = 1 - erfcFraction(ax);
  else r = 1;
  return x < 0 ? -r : r;
}

/** The complementary error function, accurate in the upper tail. */
export function erfc(x: number): number {
  if (x >= 3) return x > 27 ? 0 : erfcFraction(x);
  if (x <= -6) return 2;
  return 1 - erf(x);
}

/** Standard normal density phi(x). */
export function normPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/** Standard normal CDF Phi(x), accurate in both tails. */
export function normCdf(x: number): number {
  return 0.5 * erfc(-x * Math.SQRT1_2);
}

/** Phi^-1(p) for 0 < p < 1 by bisection on normCdf, as the engine computes its latent thresholds. */
export function normQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normQuantile: got ${p}, expected a number in (0, 1)`);
  let lo = -40;
  let hi = 40;
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (normCdf(mid) < p) lo = mid;
    else hi = mid;
    if (hi - lo < 1e-15) break;
  }
  return 0.5 * (lo + hi);
}
