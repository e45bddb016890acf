// One spherical SGD step of a unit w (|w| = 1) of the tied denoiser (docs/model.md section 4), shared by
// every path of both backends. With the residual r = D(xt) - target, h = w . xt, g = g(h), g' = g'(h) and
// wr = w . r, the gradient of the loss in w is a (g r + g' wr xt); its radial part is a wr (g + g' h), so
// the step along the tangent space is
//   y = cw w + cr r + cx xt,  cw = 1 + eta a wr (g + g' h),  cr = -eta a g,  cx = -eta a g' wr,
// then w <- y / |y|; the amplitude's step is a <- a - eta g wr. tangentStep sets these coefficients
// (module globals: a function returns one value), tangentStepLanes the same in each lane of f64x2 with
// the same IEEE operations in the same order, so that every path gives the same bits.
import { unitSlot } from "./denoiser";
import { eta } from "./globals";
import { vadd, vmul, vsplat, vsub } from "./lanes";

export let stepW: f64 = 0; // cw
export let stepR: f64 = 0; // cr
export let stepX: f64 = 0; // cx
export let stepA: f64 = 0; // the amplitude after the step

// @ts-ignore: decorator
@inline
export function tangentStep(eta: f64, a: f64, g: f64, gp: f64, h: f64, wr: f64): void {
  stepW = 1.0 + eta * a * wr * (g + gp * h);
  stepR = -eta * a * g;
  stepX = -eta * a * gp * wr;
  stepA = a - eta * g * wr;
}

// tangentStepLanes's results, a v128 each: cw, cr, cx, the amplitude (memory, not globals: the scalar
// build has no v128 globals).
const LANE_STEP: usize = memory.data(64, 16);

/** tangentStep in each lane of f64x2 (SIMD build only); read the results with laneW() ... laneA(). */
// @ts-ignore: decorator
@inline
export function tangentStepLanes(eta: v128, a: v128, g: v128, gp: v128, h: v128, wr: v128): void {
  v128.store(LANE_STEP, vadd(vsplat(1.0), vmul(vmul(vmul(eta, a), wr), vadd(g, vmul(gp, h)))));
  v128.store(LANE_STEP, vmul(vmul(f64x2.neg(eta), a), g), 16);
  v128.store(LANE_STEP, vmul(vmul(vmul(f64x2.neg(eta), a), gp), wr), 32);
  v128.store(LANE_STEP, vsub(a, vmul(vmul(eta, g), wr)), 48);
}
// @ts-ignore: decorator
@inline
export function laneW(): v128 {
  return v128.load(LANE_STEP);
}
// @ts-ignore: decorator
@inline
export function laneR(): v128 {
  return v128.load(LANE_STEP, 16);
}
// @ts-ignore: decorator
@inline
export function laneX(): v128 {
  return v128.load(LANE_STEP, 32);
}
// @ts-ignore: decorator
@inline
export function laneA(): v128 {
  return v128.load(LANE_STEP, 48);
}

/** tangentStep of unit k from its forward pass in UNIT (h, g, g', w.r) with amplitude a. */
// @ts-ignore: decorator
@inline
export function unitTangentStep(k: i32, a: f64): void {
  const h = load<f64>(unitSlot(k, 0));
  const g = load<f64>(unitSlot(k, 1));
  const gp = load<f64>(unitSlot(k, 2));
  const wr = load<f64>(unitSlot(k, 3));
  tangentStep(eta, a, g, gp, h, wr);
}

/** Stores the step's amplitude at ptr; false when it is not finite. */
// @ts-ignore: decorator
@inline
export function storeAmplitude(ptr: usize): bool {
  store<f64>(ptr, stepA);
  return isFinite(stepA);
}

/** The skip's step b <- b - eta r.xt at ptr; false when the new b is not finite. */
// @ts-ignore: decorator
@inline
export function stepSkip(ptr: usize, rxt: f64): bool {
  const bn = load<f64>(ptr) - eta * rxt;
  store<f64>(ptr, bn);
  return isFinite(bn);
}
