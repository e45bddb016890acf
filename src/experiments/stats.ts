/**
 * The one home of order statistics: quantiles and medians of plain values, their censored variants for
 * hitting times, and a seeded bootstrap. Every median and quantile in the project comes from here.
 *
 * Convention: a quantile is type 7 of Hyndman and Fan (linear interpolation between order statistics at
 * rank q (n - 1)), numpy's and R's default, so a median of an even count is the mean of the two middle
 * values (hits 100, 200, ..., 800 have median 450). Type 7 was chosen because it is what a reader of the
 * output files computes with numpy, because the sweeps' and fits' published medians and bootstrap
 * intervals use it, and because it is continuous in the data (a bootstrap of it has no rank artefacts).
 *
 * Censoring: a censored hitting time (the walker did not reach the threshold within its budget) is a value
 * known only to exceed the budget. It ranks above every observed time; a quantile whose interpolation
 * touches a censored rank is undefined (null, "not reached"). So a median is defined exactly when fewer
 * than half of the walkers are censored: for four hits and four censored it is null, not the fourth hit.
 */

/** A hitting time, or null when censored (not reached within the budget). */
export type Hit = number | null;

/** The q-quantile (type 7) of values sorted ascending; NaN when there are none. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/** The q-quantile (type 7) of values in any order (sorts a copy); NaN when there are none. */
export function quantile(xs: ArrayLike<number>, q: number): number {
  return quantileSorted(
    Array.from(xs).sort((a, b) => a - b),
    q,
  );
}

/** The median (type 7: the mean of the two middle values for an even count) of values in any order. */
export function median(xs: ArrayLike<number>): number {
  return quantile(xs, 0.5);
}

/** The q-quantile (type 7) of hitting times with censored values ranked last; null if it touches them. */
export function censoredQuantile(hits: readonly Hit[], q: number): number | null {
  const n = hits.length;
  if (n === 0) return null;
  const observed = hits.filter((h): h is number => h !== null).sort((a, b) => a - b);
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  if (hi >= observed.length) return null;
  return observed[lo] + (pos - lo) * (observed[hi] - observed[lo]);
}

/** The median (type 7) of hitting times with censored values ranked last; null when half or more are censored. */
export function censoredMedian(hits: readonly Hit[]): number | null {
  return censoredQuantile(hits, 0.5);
}

/** A small seeded PRNG (SplitMix32-style) for resampling: deterministic across hosts. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 4294967296;
  };
}

/** One bootstrap resample (with replacement) of xs. */
export function resample<T>(xs: readonly T[], random: () => number): T[] {
  const out = new Array<T>(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = xs[Math.floor(random() * xs.length)];
  return out;
}

export interface MedianCI {
  median: number | null;
  /** Percentile bootstrap interval; an end is null where resampled medians fall on censored values. */
  lo: number | null;
  hi: number | null;
  censored: number;
  n: number;
}

/** Median with a percentile-bootstrap confidence interval (level 0.95 by default). */
export function medianCI(
  hits: readonly Hit[],
  options: { level?: number; resamples?: number; seed?: number } = {},
): MedianCI {
  const level = options.level ?? 0.95;
  const B = options.resamples ?? 2000;
  const random = seededRandom(options.seed ?? 1);
  const meds: (number | null)[] = [];
  for (let b = 0; b < B; b++) meds.push(censoredMedian(resample(hits, random)));
  // Censored medians (null) rank above every number.
  const lo = censoredQuantile(meds, (1 - level) / 2);
  const hi = censoredQuantile(meds, 1 - (1 - level) / 2);
  return { median: censoredMedian(hits), lo, hi, censored: hits.filter((h) => h === null).length, n: hits.length };
}
