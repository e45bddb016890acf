// Overlaps of each unit with the spikes, and first-hitting times of |overlap| >= threshold.
import { d, HIT, K, M, OVL, threshold, U, V, wPtr } from "./globals";
import { scaleDots3 } from "./vec";

// @ts-ignore: decorator
@inline
export function ovlPtr(w: i32, k: i32): usize {
  return OVL + (<usize>(w * K + k) * 24);
}

/** Scales unit k of walker w by c and records its overlaps with u, v, m in OVL. */
// @ts-ignore: decorator
@inline
export function scaleAndMeasure(w: i32, k: i32, c: f64): void {
  scaleDots3(wPtr(w, k), c, U, V, M, ovlPtr(w, k), d);
}

/** Records `step` as the hitting time of every (unit, direction) of walker w that first reaches the threshold. */
export function recordHits(w: i32, step: f64): void {
  for (let k = 0; k < K; k++) {
    const o = ovlPtr(w, k);
    const h = HIT + (<usize>(w * K + k) * 24);
    for (let j = 0; j < 3; j++) {
      const off = <usize>j << 3;
      if (load<f64>(h + off) < 0 && Math.abs(load<f64>(o + off)) >= threshold) store<f64>(h + off, step);
    }
  }
}
