/**
 * What the page plots and reports: for each logged step and direction, the quartiles over walkers of the
 * overlap of the best unit, max_k |w_k . s|, and at the end the median first-hitting step per direction
 * (docs/model.md section 5), read exactly as `mcm run`'s summary reads them. Pure functions, tested in Node.
 */

import { DIRECTIONS, type Direction } from "../config/directions.js";
import { censoredMedian, quantileSorted } from "../experiments/stats.js";
import { bestOverlaps, earliestHits } from "../experiments/walkers.js";

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
  return DIRECTIONS.map((_, j) => {
    const best = bestOverlaps(overlaps, walkers, K, j).sort((a, b) => a - b);
    return { q1: quantileSorted(best, 0.25), median: quantileSorted(best, 0.5), q3: quantileSorted(best, 0.75) };
  });
}

/** hits: [walkers, K, 3] (-1: not reached). Per direction, the median over walkers of the earliest hitting
 * step over units, censored walkers ranked last; null when half or more are censored. */
export function hitMedians(hits: ArrayLike<number>, walkers: number, K: number): Record<Direction, number | null> {
  const [u, v, m] = DIRECTIONS.map((_, j) => censoredMedian(earliestHits(hits, walkers, K, j)));
  return { u, v, m };
}
