// Online spherical SGD of the full backend (SCIENCE.md section 4): one fresh (x0, xi) per step,
// gradient projected on the tangent space of the unit sphere, step, renormalise.
import { rngLoad, rngStore, gauss } from "./rng";
import { sampleX0 } from "./mcm";
import { noise } from "./noise";
import { forward, unitSlot } from "./denoiser";
import { recordHits, scaleAndMeasure } from "./overlaps";
import { A, B, d, eta, HIT, K, R, RNG_EVAL, RNG_TRAIN, STEP, trainAmp, trainSkip, wPtr, X0, XI, XT } from "./globals";
import { dot, lincomb3Norm } from "./vec";

/** Draws walker w's initial weights (uniform on the sphere) from the stream at rngPtr; sets a_k = a0,
 * b = b0, step 0, no hits, and the initial overlaps. */
export function initWalker(w: i32, rngPtr: usize, a0: f64, b0: f64): void {
  rngLoad(rngPtr);
  for (let k = 0; k < K; k++) {
    const wk = wPtr(w, k);
    for (let i = 0; i < d; i++) store<f64>(wk + (<usize>i << 3), gauss());
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
    const ak = load<f64>(aBase + (<usize>k << 3));
    const h = load<f64>(unitSlot(k, 0));
    const g = load<f64>(unitSlot(k, 1));
    const gpk = load<f64>(unitSlot(k, 2));
    const wr = load<f64>(unitSlot(k, 3));
    // grad = ak (g r + g' wr xt); its radial part is grad.w = ak wr (g + g' h) since |w| = 1.
    const cw = 1.0 + eta * ak * wr * (g + gpk * h);
    const n2 = lincomb3Norm(wPtr(w, k), cw, R, -eta * ak * g, XT, -eta * ak * gpk * wr, d);
    if (!(n2 > 0 && n2 < Infinity)) ok = false;
    scaleAndMeasure(w, k, 1.0 / Math.sqrt(n2));
    if (trainAmp) {
      const an = ak - eta * g * wr;
      if (!isFinite(an)) ok = false;
      store<f64>(aBase + (<usize>k << 3), an);
    }
  }
  if (trainSkip) {
    const bn = load<f64>(bPtr) - eta * rxt;
    if (!isFinite(bn)) ok = false;
    store<f64>(bPtr, bn);
  }
  return ok;
}

/** Runs n online SGD steps of walker w on fresh samples from its training stream.
 * Returns n, or -s when a non-finite value appeared at step s (the walker then stops at step s). */
export function run(w: i32, n: f64): f64 {
  const rng = RNG_TRAIN + (<usize>w << 5);
  const stepPtr = STEP + (<usize>w << 3);
  let step = load<f64>(stepPtr);
  rngLoad(rng);
  let done: f64 = 0;
  let ok: bool = true;
  while (done < n) {
    sampleX0(X0);
    noise(X0, XI, XT);
    forward(w);
    ok = update(w);
    step += 1;
    done += 1;
    if (!ok) break;
    recordHits(w, step);
  }
  rngStore(rng);
  store<f64>(stepPtr, step);
  return ok ? done : -step;
}

/** Mean loss of walker w over n fresh samples from its evaluation stream (weights unchanged). */
export function evalLoss(w: i32, n: i32): f64 {
  const rng = RNG_EVAL + (<usize>w << 5);
  rngLoad(rng);
  let sum: f64 = 0;
  for (let s = 0; s < n; s++) {
    sampleX0(X0);
    noise(X0, XI, XT);
    sum += forward(w);
  }
  rngStore(rng);
  return sum / <f64>n;
}
