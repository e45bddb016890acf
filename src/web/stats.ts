/**
 * What the page plots: for each logged step and direction, the quartiles over walkers of the overlap of
 * the best unit, max_k |w_k . s| (docs/model.md section 5). Pure functions, tested in Node.
 */

import { quantileSorted as quantile } from "../experiments/stats.js";

export { quantileSorted as quantile } from "../experiments/stats.js";

export interface Quartiles {
  q1: number;
  median: number;
  q3: number;
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
