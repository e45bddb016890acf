/**
 * What the page plots: for each logged step and direction, the quartiles over walkers of the overlap of
 * the best unit, max_k |w_k . s| (docs/model.md section 5). Pure functions, tested in Node.
 */

export const DIRECTION_NAMES = ["u", "v", "m"] as const;
export type DirectionName = (typeof DIRECTION_NAMES)[number];

export interface Quartiles {
  q1: number;
  median: number;
  q3: number;
}

/** Quantile with linear interpolation between order statistics (type 7, as numpy's default). */
export function quantile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * overlaps: [walkers, K, 3]. Returns, per direction (u, v, m), the quartiles over walkers of
 * max_k |overlap|.
 */
export function overlapQuartiles(overlaps: ArrayLike<number>, walkers: number, K: number): Quartiles[] {
  if (overlaps.length !== walkers * K * 3) {
    throw new RangeError(
      `overlapQuartiles: got ${overlaps.length} values, expected walkers * K * 3 = ${walkers * K * 3}`,
    );
  }
  const out: Quartiles[] = [];
  const best = new Float64Array(walkers);
  for (let dir = 0; dir < 3; dir++) {
    for (let w = 0; w < walkers; w++) {
      let m = 0;
      for (let k = 0; k < K; k++) m = Math.max(m, Math.abs(overlaps[(w * K + k) * 3 + dir]));
      best[w] = m;
    }
    best.sort();
    out.push({ q1: quantile(best, 0.25), median: quantile(best, 0.5), q3: quantile(best, 0.75) });
  }
  return out;
}
