// Online spherical SGD of the full backend (docs/model.md section 4): one fresh (x0, xi) per step,
// gradient projected on the tangent space of the unit sphere, step, renormalise.
import { rngLoad, rngStore, gauss, gaussFill } from "./rng";
import { drawLatents, lastLambda, lastNu, sampleX0 } from "./mcm";
import { noise } from "./noise";
import { activation, forward, lastDerivative, unitSlot } from "./denoiser";
import { ovlPtr, recordHits, scaleAndMeasure } from "./overlaps";
import {
  A, alpha, B, betaM, d, eta, HIT, K, M, R, RNG_EVAL, RNG_TRAIN, sigma, sqrtBetaU, sqrtBetaV, STEP, targetX0,
  trainAmp, trainSkip, U, V, whitenC, wPtr, X0, XI, XT,
} from "./globals";
import { axpy, axpy2, dot, dot2, dotA, dotB, lincomb3Norm, lincomb3NormDots3, scale } from "./vec";
import { accumulator, add, lanesOf, mul, splat, sub, total } from "./lanes";
import { meanLoss, runSteps } from "./walk";
import { stepR, stepSkip, stepW, stepX, storeAmplitude, unitTangentStep } from "./tangent";

/** Draws walker w's initial weights (uniform on the sphere) from the stream at rngPtr; sets a_k = a0,
 * b = b0, step 0, no hits, and the initial overlaps. */
export function initWalker(w: i32, rngPtr: usize, a0: f64, b0: f64): void {
  rngLoad(rngPtr);
  for (let k = 0; k < K; k++) {
    const wk = wPtr(w, k);
    gaussFill(wk, d);
    store<f64>(A + (<usize>(w * K + k) << 3), a0);
  }
  rngStore(rngPtr);
  store<f64>(B + (<usize>w << 3), b0);
  store<f64>(STEP + (<usize>w << 3), 0);
  for (let k = 0; k < K; k++) {
    const wk = wPtr(w, k);
    scaleAndMeasure(w, k, 1.0 / Math.sqrt(dot(wk, wk, d)));
    for (let j = 0; j < 3; j++) store<f64>(HIT + (<usize>((w * K + k) * 3 + j) << 3), -1.0);
  }
  recordHits(w, 0);
}

/** One spherical SGD update of walker w from the sample in X0, XI, XT, after forward(w).
 * Returns false if a weight, a_k or b became non-finite. */
export function update(w: i32): bool {
  const aBase = A + (<usize>(w * K) << 3);
  const bPtr = B + (<usize>w << 3);
  const rxt = trainSkip ? dot(R, XT, d) : 0.0;
  let ok = true;
  for (let k = 0; k < K; k++) {
    unitTangentStep(k, load<f64>(aBase + (<usize>k << 3)));
    const n2 = lincomb3Norm(wPtr(w, k), stepW, R, stepR, XT, stepX, d);
    if (!(n2 > 0 && n2 < Infinity)) ok = false;
    scaleAndMeasure(w, k, 1.0 / Math.sqrt(n2));
    if (trainAmp && !storeAmplitude(aBase + (<usize>k << 3))) ok = false;
  }
  if (trainSkip && !stepSkip(bPtr, rxt)) ok = false;
  return ok;
}

/** Runs n online SGD steps of walker w on fresh samples from its training stream, unfused (sampleX0,
 * noise, forward, update): the readable reference that run() must match to rounding. Returns as run(). */
export function runUnfused(w: i32, n: f64): f64 {
  return runSteps(w, n, unfusedStep);
}

function unfusedStep(w: i32): bool {
  sampleX0(X0);
  noise(X0, XI, XT);
  forward(w);
  return update(w);
}

// The fused step of run(). It computes what sampleX0, noise, forward and update compute, with the same
// random draws in the same order, in 4 passes over d for K = 1 (instead of about 15):
//   1. z and xi: gaussFill into X0 and XI;   2. v.z;
//   3. samplePass: xt and r0 = b xt - target, and for unit 0 the dots w.xt and w.r0 (and r0.xt);
//   4. updatePass per unit: w <- cw w + cr r + cx xt with |w|^2 and the overlaps in the same pass.
//   5. the unit is rescaled to norm 1 (its overlaps come from pass 4 times the same factor).
// Each step starts from unit vectors, so a run split into several calls gives the same bits as one
// call (chunks, checkpoints and resumes must not change results). With K = 1 the residual
// r = r0 + a g w is never stored: w.r = w.r0 + a g (|w| = 1) and the update folds a g w into the
// coefficient of w. With K > 1, r is built in R, two units per pass (dot2, axpy2).
// Only rounding differs from runUnfused (summation order, and these algebraic regroupings).

/** Larger K (beyond the schema's limit) runs unfused. */
const MAX_FUSED_K = 1024;

// Results of samplePass (module globals: AssemblyScript returns one value).
let sumA: f64 = 0;
let sumB: f64 = 0;
let sumC: f64 = 0;

// Pass 3: x0 = z + cu u + cv v (z in X0), xt = alpha x0 + sigma xi, R = r0 = b xt - target. Sets
// sumA = y.xt, sumB = y.r0 for unit 0 (y at wk, read only) and, if withRx, sumC = r0.xt. x0 itself is
// not stored (the step does not need it). noiseTarget and withRx are constants at every call, so each
// call inlines to a loop without those branches or unused accumulators. The loop is written once over
// T (../lanes.ts): f64x2 lanes for the bulk in the SIMD build, f64 for the tail and the scalar build.
// @ts-ignore: decorator
@inline
function samplePass(wk: usize, cu: f64, cv: f64, b: f64, noiseTarget: bool, withRx: bool): void {
  let i = 0;
  sumA = 0;
  sumB = 0;
  sumC = 0;
  if (ASC_FEATURE_SIMD) i = samplePassFrom<v128>(0, wk, cu, cv, b, noiseTarget, withRx);
  if (i < d) samplePassFrom<f64>(i, wk, cu, cv, b, noiseTarget, withRx); // the tail, if any
}

// @ts-ignore: decorator
@inline
function samplePassFrom<T>(i: i32, wk: usize, cu: f64, cv: f64, b: f64, noiseTarget: bool, withRx: bool): i32 {
  // Module globals copied to locals: V8 reloads a global from memory on every use.
  const n = d;
  const pz = X0;
  const pu = U;
  const pv = V;
  const pxi = XI;
  const pxt = XT;
  const pr = R;
  const vcu = splat<T>(cu);
  const vcv = splat<T>(cv);
  const va = splat<T>(alpha);
  const vsg = splat<T>(sigma);
  const vb = splat<T>(b);
  let h = accumulator<T>(sumA);
  let wr = accumulator<T>(sumB);
  let rx = accumulator<T>(sumC);
  for (; i + lanesOf<T>() <= n; i += lanesOf<T>()) {
    const o = <usize>i << 3;
    const x = add<T>(add<T>(load<T>(pz + o), mul<T>(vcu, load<T>(pu + o))), mul<T>(vcv, load<T>(pv + o)));
    const xi = load<T>(pxi + o);
    const y = add<T>(mul<T>(va, x), mul<T>(vsg, xi));
    const r = sub<T>(mul<T>(vb, y), noiseTarget ? xi : x);
    const wi = load<T>(wk + o);
    store<T>(pxt + o, y);
    store<T>(pr + o, r);
    h = add<T>(h, mul<T>(wi, y));
    wr = add<T>(wr, mul<T>(wi, r));
    if (withRx) rx = add<T>(rx, mul<T>(r, y));
  }
  sumA = total<T>(h);
  sumB = total<T>(wr);
  if (withRx) sumC = total<T>(rx);
  return i;
}

// Slot `slot` of unit k <- w_k . x for the units k >= k0 of walker w, two units per pass over x.
// @ts-ignore: decorator
@inline
function unitDots(w: i32, k0: i32, x: usize, slot: i32): void {
  for (let k = k0; k < K; k += 2) {
    if (k + 1 < K) {
      dot2(wPtr(w, k), wPtr(w, k + 1), x, d);
      store<f64>(unitSlot(k, slot), dotA);
      store<f64>(unitSlot(k + 1, slot), dotB);
    } else store<f64>(unitSlot(k, slot), dot(wPtr(w, k), x, d));
  }
}

// One fused SGD step of walker w (see above). Returns false if a weight, a_k or b became non-finite.
function fusedStep(w: i32): bool {
  const aBase = A + (<usize>(w * K) << 3);
  const bPtr = B + (<usize>w << 3);
  const b = load<f64>(bPtr);
  drawLatents();
  gaussFill(X0, d);
  gaussFill(XI, d);
  // x0 = S(sqrt(betaV) nu v + z) + sqrt(betaU) lambda u + betaM m, as sampleX0.
  const cu = sqrtBetaU * lastLambda;
  const cv = sqrtBetaV * lastNu * (1.0 - whitenC) - whitenC * dot(V, X0, d);
  if (betaM != 0) axpy(X0, betaM, M, d);
  if (targetX0) {
    if (trainSkip) samplePass(wPtr(w, 0), cu, cv, b, false, true);
    else samplePass(wPtr(w, 0), cu, cv, b, false, false);
  } else {
    if (trainSkip) samplePass(wPtr(w, 0), cu, cv, b, true, true);
    else samplePass(wPtr(w, 0), cu, cv, b, true, false);
  }
  const wr0 = sumB;
  const r0xt = sumC;
  store<f64>(unitSlot(0, 0), sumA);
  // h_k = s_k y_k.xt for the other units, two per pass.
  unitDots(w, 1, XT, 0);
  for (let k = 0; k < K; k++) {
    const g = activation(load<f64>(unitSlot(k, 0)));
    store<f64>(unitSlot(k, 1), g);
    store<f64>(unitSlot(k, 2), lastDerivative());
  }
  // w_k . r with r = r0 + sum_j a_j g_j w_j.
  let rxt: f64;
  if (K == 1) {
    const c = load<f64>(aBase) * load<f64>(unitSlot(0, 1));
    store<f64>(unitSlot(0, 3), wr0 + c); // w.w = 1: w is unit by construction
    rxt = r0xt + c * load<f64>(unitSlot(0, 0));
  } else {
    // R += (a_k g_k) w_k, then w_k.r, two units per pass.
    for (let k = 0; k < K; k += 2) {
      const ck = load<f64>(aBase + (<usize>k << 3)) * load<f64>(unitSlot(k, 1));
      if (k + 1 < K) {
        const k1 = <usize>(k + 1) << 3;
        const c1 = load<f64>(aBase + k1) * load<f64>(unitSlot(k + 1, 1));
        axpy2(R, ck, wPtr(w, k), c1, wPtr(w, k + 1), d);
      } else axpy(R, ck, wPtr(w, k), d);
    }
    unitDots(w, 0, R, 3);
    rxt = trainSkip ? dot(R, XT, d) : 0.0;
  }
  let ok = true;
  for (let k = 0; k < K; k++) {
    const ak = load<f64>(aBase + (<usize>k << 3));
    unitTangentStep(k, ak);
    const cr = stepR;
    let cw = stepW;
    if (K == 1) cw += cr * ak * load<f64>(unitSlot(k, 1)); // R holds r0; r = r0 + ak g w
    // Pass 4: w = cw w + cr R + cx xt with |w|^2 and the unscaled overlaps w.u, w.v, w.m in one pass.
    const o = ovlPtr(w, k);
    const n2 = lincomb3NormDots3(wPtr(w, k), cw, R, cr, XT, stepX, U, V, M, o, d);
    if (!(n2 > 0 && n2 < Infinity)) ok = false;
    const s = 1.0 / Math.sqrt(n2);
    store<f64>(o, s * load<f64>(o));
    store<f64>(o, s * load<f64>(o, 8), 8);
    store<f64>(o, s * load<f64>(o, 16), 16);
    // Normalise now rather than carrying the scale into the next step: every step then starts from the
    // stored unit vectors, so a run split into several calls (chunks, checkpoints, resumes) gives the same
    // bits as one call. This costs one pass over d per unit.
    scale(wPtr(w, k), s, d);
    if (trainAmp && !storeAmplitude(aBase + (<usize>k << 3))) ok = false;
  }
  if (trainSkip && !stepSkip(bPtr, rxt)) ok = false;
  return ok;
}

/** Runs n online SGD steps of walker w on fresh samples from its training stream (fused; matches
 * runUnfused to rounding). Returns n, or -s when a non-finite value appeared at step s (the walker
 * then stops at step s). Afterwards the scratch buffers hold intermediate values (X0 holds z, not x0),
 * not those of forward(). */
export function run(w: i32, n: f64): f64 {
  if (K > MAX_FUSED_K) return runUnfused(w, n);
  return runSteps(w, n, fusedStep);
}

/** Mean loss of walker w over n fresh samples from its evaluation stream (weights unchanged). */
export function evalLoss(w: i32, n: i32): f64 {
  return meanLoss(w, n, sampleLoss);
}

function sampleLoss(w: i32): f64 {
  sampleX0(X0);
  noise(X0, XI, XT);
  return forward(w);
}

