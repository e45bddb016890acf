/**
 * A walker's reading of the engine's per-unit arrays (docs/model.md section 5): overlaps and hitting steps
 * come as [walkers, K, 3] (the last axis u, v, m); a walker's overlap with a direction is the max over its
 * units of |overlap|, and its hitting step the earliest over its units (null when no unit reached the
 * threshold: censored). The run summary, the sweep and the page all read walkers through this.
 */

import type { Hit } from "./stats.js";

/** Per walker, max over units of |overlaps[w, k, j]|. */
export function bestOverlaps(overlaps: ArrayLike<number>, walkers: number, K: number, j: number): number[] {
  const out: number[] = [];
  for (let w = 0; w < walkers; w++) {
    let best = 0;
    for (let k = 0; k < K; k++) best = Math.max(best, Math.abs(overlaps[(w * K + k) * 3 + j]));
    out.push(best);
  }
  return out;
}

/** Per walker, the earliest over units of hits[w, k, j] (-1 in the array: not reached), null when censored. */
export function earliestHits(hits: ArrayLike<number>, walkers: number, K: number, j: number): Hit[] {
  const out: Hit[] = [];
  for (let w = 0; w < walkers; w++) {
    let first: Hit = null;
    for (let k = 0; k < K; k++) {
      const h = hits[(w * K + k) * 3 + j];
      if (h >= 0 && (first === null || h < first)) first = h;
    }
    out.push(first);
  }
  return out;
}
