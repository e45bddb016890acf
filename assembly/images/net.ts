// A one-hidden-layer denoiser on images, trained on minibatches:
//   D(xt) = b xt + e + sum_k v_k g(w_k . xt + c_k)      (untied: encoder W [K, d], decoder V [K, d])
//   D(xt) = b xt + e + sum_k a_k w_k g(w_k . xt + c_k)  (tied: the engine's family plus biases)
// with loss (1 / 2d) |D(xt) - x0|^2 averaged over the minibatch, xt = alpha x0 + sigma xi and fresh xi
// every step. Every pass loops over units outside and samples inside, so a weight row stays in cache
// while the minibatch streams past it: per sample the cost is O(K d).
import { gauss, nextU64, rngLoad, rngStore } from "../rng";
import { activationOf, lastDerivative } from "../activation";
import { axpy, dot, lincomb2, scale } from "../vec";
import {
  Q_ACT, Q_ALPHA, Q_BATCH, Q_BETA1, Q_BETA2, Q_D, Q_DATA, Q_EPS, Q_G, Q_GP, Q_GRAD, Q_H, Q_K, Q_LR, Q_M1,
  OPT_ADAM, OPT_SGD, Q_M2, Q_N, Q_OPT, Q_PARAMS, Q_R, Q_RNG, Q_SIGMA, Q_STEP, Q_TIED, Q_TRAIN_SKIP, Q_X0, Q_XT,
} from "./params";

let d: i32 = 0;
let K: i32 = 0;
let tied: bool = false;
let act: i32 = 0;
let alpha: f64 = 0;
let sigma: f64 = 0;
let batch: i32 = 1;
let nData: i32 = 0;
let opt: i32 = 0;
let lr: f64 = 0;
let beta1: f64 = 0.9;
let beta2: f64 = 0.999;
let eps: f64 = 1e-8;
let trainSkip: bool = true;
let DATA: usize = 0;
let PARAMS: usize = 0;
let GRAD: usize = 0;
let M1: usize = 0;
let M2: usize = 0;
let XT: usize = 0;
let X0: usize = 0;
let R: usize = 0;
let H: usize = 0;
let G: usize = 0;
let GP: usize = 0;
let RNG: usize = 0;
let STEP: usize = 0;


// @ts-ignore: decorator
@inline
function q(ptr: usize, slot: i32): f64 {
  return load<f64>(ptr + (<usize>slot << 3));
}

/** Reads the parameter block at ptr (slots of ./params.ts) into the module globals. */
export function configure(ptr: usize): void {
  d = <i32>q(ptr, Q_D);
  K = <i32>q(ptr, Q_K);
  tied = q(ptr, Q_TIED) != 0;
  act = <i32>q(ptr, Q_ACT);
  alpha = q(ptr, Q_ALPHA);
  sigma = q(ptr, Q_SIGMA);
  batch = <i32>q(ptr, Q_BATCH);
  nData = <i32>q(ptr, Q_N);
  opt = <i32>q(ptr, Q_OPT);
  lr = q(ptr, Q_LR);
  beta1 = q(ptr, Q_BETA1);
  beta2 = q(ptr, Q_BETA2);
  eps = q(ptr, Q_EPS);
  trainSkip = q(ptr, Q_TRAIN_SKIP) != 0;
  DATA = <usize>q(ptr, Q_DATA);
  PARAMS = <usize>q(ptr, Q_PARAMS);
  GRAD = <usize>q(ptr, Q_GRAD);
  M1 = <usize>q(ptr, Q_M1);
  M2 = <usize>q(ptr, Q_M2);
  XT = <usize>q(ptr, Q_XT);
  X0 = <usize>q(ptr, Q_X0);
  R = <usize>q(ptr, Q_R);
  H = <usize>q(ptr, Q_H);
  G = <usize>q(ptr, Q_G);
  GP = <usize>q(ptr, Q_GP);
  RNG = <usize>q(ptr, Q_RNG);
  STEP = <usize>q(ptr, Q_STEP);
}

/** Number of doubles in the flat parameter vector: W, V, c, a, e, b, padded to even. */
export function paramCount(dd: i32, kk: i32): i32 {
  const n = 2 * kk * dd + 2 * kk + dd + 1;
  return (n + 1) & ~1;
}

// Offsets (bytes) of the parameter blocks inside a flat vector at base.
// @ts-ignore: decorator
@inline
function offW(base: usize, k: i32): usize {
  return base + ((<usize>k * <usize>d) << 3);
}
// @ts-ignore: decorator
@inline
function offV(base: usize, k: i32): usize {
  return base + ((<usize>(K + k) * <usize>d) << 3);
}
// @ts-ignore: decorator
@inline
function offC(base: usize): usize {
  return base + ((<usize>(2 * K) * <usize>d) << 3);
}
// @ts-ignore: decorator
@inline
function offA(base: usize): usize {
  return offC(base) + (<usize>K << 3);
}
// @ts-ignore: decorator
@inline
function offE(base: usize): usize {
  return offA(base) + (<usize>K << 3);
}
// @ts-ignore: decorator
@inline
function offB(base: usize): usize {
  return offE(base) + (<usize>d << 3);
}
// @ts-ignore: decorator
@inline
function row(base: usize, s: i32): usize {
  return base + ((<usize>s * <usize>d) << 3);
}
// @ts-ignore: decorator
@inline
function cell(base: usize, s: i32, k: i32): usize {
  return base + (<usize>(s * K + k) << 3);
}


/** Draws the initial parameters from the stream at rngPtr: W rows N(0, wScale^2 / d), V rows
 * N(0, vScale^2 / K), a_k = vScale / sqrt(K), c = 0, e = 0, b = b0. Clears the optimiser state. */
export function initParams(rngPtr: usize, wScale: f64, vScale: f64, b0: f64): void {
  rngLoad(rngPtr);
  const sw = wScale / Math.sqrt(<f64>d);
  const sv = vScale / Math.sqrt(<f64>K);
  for (let i = 0; i < K * d; i++) store<f64>(PARAMS + (<usize>i << 3), sw * gauss());
  const v0 = PARAMS + ((<usize>K * <usize>d) << 3);
  for (let i = 0; i < K * d; i++) store<f64>(v0 + (<usize>i << 3), sv * gauss());
  rngStore(rngPtr);
  for (let k = 0; k < K; k++) {
    store<f64>(offC(PARAMS) + (<usize>k << 3), 0.0);
    store<f64>(offA(PARAMS) + (<usize>k << 3), sv);
  }
  for (let i = 0; i < d; i++) store<f64>(offE(PARAMS) + (<usize>i << 3), 0.0);
  store<f64>(offB(PARAMS), b0);
  const bytes = <usize>paramCount(d, K) << 3;
  memory.fill(M1, 0, bytes);
  memory.fill(M2, 0, bytes);
  store<f64>(STEP, 0.0);
  store<f64>(STEP, 0.0, 8);
}

/** Network outputs for nb (<= batch) inputs: rows of xtBase [nb, d] to outBase [nb, d]; leaves h, g(h),
 * g'(h) in H, G, GP. */
function forwardBatch(xtBase: usize, outBase: usize, nb: i32): void {
  const b = load<f64>(offB(PARAMS));
  const e = offE(PARAMS);
  for (let s = 0; s < nb; s++) lincomb2(row(outBase, s), b, row(xtBase, s), 1.0, e, d);
  for (let k = 0; k < K; k++) {
    const wk = offW(PARAMS, k);
    const ck = load<f64>(offC(PARAMS) + (<usize>k << 3));
    const vk = tied ? wk : offV(PARAMS, k);
    const ak = tied ? load<f64>(offA(PARAMS) + (<usize>k << 3)) : 1.0;
    for (let s = 0; s < nb; s++) {
      const h = dot(wk, row(xtBase, s), d) + ck;
      const g = activationOf(act, h);
      store<f64>(cell(H, s, k), h);
      store<f64>(cell(G, s, k), g);
      store<f64>(cell(GP, s, k), lastDerivative());
      if (g != 0.0) axpy(row(outBase, s), ak * g, vk, d);
    }
  }
}

/** Network outputs for n inputs xt [n, d] written to out [n, d], in chunks of the minibatch size. */
export function predict(xtPtr: usize, outPtr: usize, n: i32): void {
  for (let s0 = 0; s0 < n; s0 += batch) {
    const nb = min(batch, n - s0);
    forwardBatch(row(xtPtr, s0), row(outPtr, s0), nb);
  }
}

/** Loads a minibatch from the current stream: x0 rows drawn uniformly (with replacement) from DATA,
 * fresh noise, xt = alpha x0 + sigma xi. */
function drawBatch(): void {
  const bytes = <usize>d << 3;
  for (let s = 0; s < batch; s++) {
    const idx = <i32>((nextU64() >> 11) % <u64>nData);
    const x0 = row(X0, s);
    memory.copy(x0, row(DATA, idx), bytes);
    const xt = row(XT, s);
    for (let i = 0; i < d; i++) {
      const o = <usize>i << 3;
      store<f64>(xt + o, alpha * load<f64>(x0 + o) + sigma * gauss());
    }
  }
}

/** Gradient of the minibatch loss into GRAD, after forwardBatch(XT, R, batch); returns the minibatch
 * mean of |D(xt) - x0|^2 / d. */
function backward(): f64 {
  const nb = batch;
  const scaleR = 1.0 / (<f64>nb * <f64>d);
  let loss: f64 = 0;
  memory.fill(GRAD, 0, <usize>paramCount(d, K) << 3);
  const gE = offE(GRAD);
  let gB: f64 = 0;
  for (let s = 0; s < nb; s++) {
    const r = row(R, s);
    lincomb2(r, 1.0, r, -1.0, row(X0, s), d);
    loss += dot(r, r, d);
    scale(r, scaleR, d);
    axpy(gE, 1.0, r, d);
    gB += dot(r, row(XT, s), d);
  }
  if (trainSkip) store<f64>(offB(GRAD), gB);
  for (let k = 0; k < K; k++) {
    const wk = offW(PARAMS, k);
    const vk = tied ? wk : offV(PARAMS, k);
    const ak = tied ? load<f64>(offA(PARAMS) + (<usize>k << 3)) : 1.0;
    const gWk = offW(GRAD, k);
    const gVk = tied ? gWk : offV(GRAD, k);
    let gC: f64 = 0;
    let gA: f64 = 0;
    for (let s = 0; s < nb; s++) {
      const r = row(R, s);
      const g = load<f64>(cell(G, s, k));
      const sk = dot(vk, r, d); // v_k . r (tied: w_k . r)
      if (g != 0.0) axpy(gVk, ak * g, r, d);
      gA += g * sk;
      const delta = ak * load<f64>(cell(GP, s, k)) * sk;
      if (delta != 0.0) axpy(gWk, delta, row(XT, s), d);
      gC += delta;
    }
    store<f64>(offC(GRAD) + (<usize>k << 3), gC);
    if (tied) store<f64>(offA(GRAD) + (<usize>k << 3), gA);
  }
  return loss / (<f64>nb * <f64>d);
}

/** One optimiser step on PARAMS with GRAD, by the OPT_ code of the block (any other code traps). */
function update(): void {
  const n = paramCount(d, K);
  switch (opt) {
    case OPT_SGD: lincomb2(PARAMS, 1.0, PARAMS, -lr, GRAD, n); break;
    case OPT_ADAM: adamUpdate(n); break;
    default: unreachable();
  }
}

// Adam on the n parameters, its step count (bias correction) at STEP.
function adamUpdate(n: i32): void {
  const t = load<f64>(STEP) + 1.0;
  store<f64>(STEP, t);
  const c1 = 1.0 / (1.0 - Math.pow(beta1, t));
  const c2 = 1.0 / (1.0 - Math.pow(beta2, t));
  const b1c = 1.0 - beta1;
  const b2c = 1.0 - beta2;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    const g = load<f64>(GRAD + o);
    const m = beta1 * load<f64>(M1 + o) + b1c * g;
    const v = beta2 * load<f64>(M2 + o) + b2c * g * g;
    store<f64>(M1 + o, m);
    store<f64>(M2 + o, v);
    store<f64>(PARAMS + o, load<f64>(PARAMS + o) - (lr * m * c1) / (Math.sqrt(v * c2) + eps));
  }
}

/** Runs `steps` minibatch steps from the training stream, adding each step's minibatch loss
 * |D(xt) - x0|^2 / d to the running sum at STEP + 8 (state, so any chunking gives the same sum);
 * returns that sum. */
export function train(steps: i32): f64 {
  let total = load<f64>(STEP, 8);
  for (let it = 0; it < steps; it++) {
    rngLoad(RNG);
    drawBatch();
    rngStore(RNG);
    forwardBatch(XT, R, batch);
    total += backward();
    update();
  }
  store<f64>(STEP, total, 8);
  return total;
}

/** Network gradient for tests: loads xt and x0 rows ([batch, d] each) already in XT and X0, fills GRAD,
 * returns the mean loss. */
export function gradientAt(): f64 {
  forwardBatch(XT, R, batch);
  return backward();
}
