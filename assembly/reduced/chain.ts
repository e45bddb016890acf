// The exact reduced backend (docs/model.md section 8): online spherical SGD of the tied denoiser tracked
// through the overlaps M = W S^T [K, q] with the spikes s_1..s_q (u, v, and m when betaM > 0) and the Gram
// matrix G = (P W)(P W)^T [K, K] of the weights' parts off the spikes. Off the spikes z and xi are isotropic,
// so given (M, G) one step only needs the sample inside span(s_j, P w_k, P z, P xi), of dimension
// D = q + K + 2 at most. Each step works in orthonormal coordinates of that span:
//   0 .. q-1        the spikes;
//   q .. q+K-1      e_1..e_K with P w_k = sum_l L_kl e_l, G = L L^T (Cholesky);
//   q+K, q+K+1      f_1, f_2: the parts of P z and P xi orthogonal to the e_l, whose 2 x 2 Gram matrix is
//                   Wishart(d - q - K, I_2) (Bartlett: P z = c1 f_1, P xi = n21 f_1 + c2 f_2 there).
// In these coordinates w_k = (M_k, L_k, 0, 0), z = (z_s, n1, c1, 0), xi = (xi_s, n2, n21, c2) with n1, n2 ~
// N(0, I_K), and the step below is assembly/sgd.ts update() verbatim: same residual, same tangent step, same
// renormalisation. The new M is the spike coordinates of the new w, the new G the Gram of the others.
// Cost per step: O(K D) for the step, O(K^2 D) for the Gram, O(K^3 / 6) for the Cholesky; no dependence on d.
//
// K = 1 has fast paths: runReduced1 (one walker in scalars), runReducedPair (two in the lanes of f64x2) and
// runReducedGroup (up to four pairs, their draws made a block of steps ahead), all bit-identical to one
// another; the general path serves K > 1 and is the reference the fast paths are tested against in law.
// Draws: with independent latents lambda is not drawn on its own (x0 . u is one N(0, 1 + betaU) normal);
// a Rademacher nu independent of lambda is a spare bit of the chi-square's first draw; the chi-square's
// Marsaglia-Tsang squeeze is tightened for large shapes and its uniform drawn coarse first (gammaMT).
//
// State per walker: M in OVL [walkers, K, 3] (column m is 0 when q = 2), G in GR [walkers, K, K] (full,
// symmetric), a, b, step, hits and the training stream, all at the pointers of the parameter block.
//
// This module holds the general path (any K) and the chain's entry points; ./state.ts the configuration,
// ./samplers.ts the draws, ./single.ts the K = 1 path in scalars, ./group.ts the K = 1 pairs and groups.
import { gauss, rngLoad, rngStore } from "../rng";
import { activation, lastDerivative, unitSlot } from "../denoiser";
import { ovlPtr, recordHits } from "../overlaps";
import { A, alpha, B, betaM, d, eta, HIT, K, RNG_EVAL, RNG_TRAIN, sigma, sqrtBetaV, STEP, targetX0, trainAmp, trainSkip } from "../globals";
import { stepR, stepSkip, stepW, stepX, storeAmplitude, unitTangentStep } from "../tangent";
import { chi2Second, chiSquare, drawNormalsChi, drawnNu } from "./samplers";
import { runReduced1 } from "./single";
import { meanLoss, runSteps } from "../walk";
import {
  at, Dim, gPtr, lambdaScale, lambdaUsed, LC, NORMALS, oneMinusC, put, q, RC, WC, X0C, x0uScale, XIC, XTC,
} from "./state";

/** Draws walker w's initial state from the stream at rngPtr: w_k uniform on the sphere, as (M, G) by
 * Bartlett's decomposition of the off-spike Gram Wishart(d - q, I_K); sets a_k = a0, b = b0, step 0, no hits. */
export function initReducedWalker(w: i32, rngPtr: usize, a0: f64, b0: f64): void {
  rngLoad(rngPtr);
  // Unit k, unnormalised: spike coordinates ~ N(0, 1) (q draws), then row k of the Bartlett factor T:
  // T_kl ~ N(0, 1) for l < k, T_kk^2 ~ chi2(d - q - k).
  for (let k = 0; k < K; k++) {
    const row = WC + (<usize>(k * Dim) << 3);
    for (let j = 0; j < Dim; j++) put(row, j, 0.0);
    for (let j = 0; j < q; j++) put(row, j, gauss());
    for (let l = 0; l < k; l++) put(row, q + l, gauss());
    put(row, q + k, Math.sqrt(chiSquare(<f64>(d - q - k))));
    let n2: f64 = 0;
    for (let j = 0; j < Dim; j++) n2 += at(row, j) * at(row, j);
    const inv = 1.0 / Math.sqrt(n2);
    for (let j = 0; j < Dim; j++) put(row, j, inv * at(row, j));
    store<f64>(A + (<usize>(w * K + k) << 3), a0);
  }
  rngStore(rngPtr);
  store<f64>(B + (<usize>w << 3), b0);
  store<f64>(STEP + (<usize>w << 3), 0);
  storeState(w);
  for (let k = 0; k < K; k++) {
    for (let j = 0; j < 3; j++) store<f64>(HIT + (<usize>((w * K + k) * 3 + j) << 3), -1.0);
  }
  recordHits(w, 0);
}

// Writes M (spike coordinates of WC) to OVL and G (Gram of the other coordinates) to GR.
function storeState(w: i32): void {
  const g = gPtr(w);
  for (let k = 0; k < K; k++) {
    const row = WC + (<usize>(k * Dim) << 3);
    const o = ovlPtr(w, k);
    put(o, 0, at(row, 0));
    put(o, 1, at(row, 1));
    put(o, 2, q == 3 ? at(row, 2) : 0.0);
    for (let l = 0; l <= k; l++) {
      const other = WC + (<usize>(l * Dim) << 3);
      let s: f64 = 0;
      for (let j = q; j < Dim; j++) s += at(row, j) * at(other, j);
      put(g, k * K + l, s);
      put(g, l * K + k, s);
    }
  }
}

// Loads walker w's weights into WC: w_k = (M_k, L_k, 0, 0) with G = L L^T. A pivot that is not positive
// (P w_k in the span of the previous ones, or rounding) gives a zero column: the basis vector it would
// define is then any unit vector of the complement, which leaves every inner product exact.
function loadWalker(w: i32): void {
  const g = gPtr(w);
  for (let j = 0; j < K; j++) {
    let s = at(g, j * K + j);
    for (let l = 0; l < j; l++) s -= at(LC, j * K + l) * at(LC, j * K + l);
    const ljj = s > 0 ? Math.sqrt(s) : 0.0;
    put(LC, j * K + j, ljj);
    for (let i = j + 1; i < K; i++) {
      let t = at(g, i * K + j);
      for (let l = 0; l < j; l++) t -= at(LC, i * K + l) * at(LC, j * K + l);
      put(LC, i * K + j, ljj > 0 ? t / ljj : 0.0);
    }
  }
  for (let k = 0; k < K; k++) {
    const row = WC + (<usize>(k * Dim) << 3);
    const o = ovlPtr(w, k);
    for (let j = 0; j < q; j++) put(row, j, at(o, j));
    for (let l = 0; l < K; l++) put(row, q + l, l <= k ? at(LC, k * K + l) : 0.0);
    put(row, q + K, 0.0);
    put(row, q + K + 1, 0.0);
  }
}

// Draws one sample into X0C, XIC, XTC from the current stream, in the order: the normals lambda (only
// when lambdaUsed), the spike coordinates of z (q) and of xi (q), n1 (K), n2 (K); nu given lambda (drawNu;
// not when nuFromBit); c1^2 (its spare bit is nu when nuFromBit), n21, c2^2. (The K = 1 paths draw the same
// normals through the same drawNormalsChi, in drawStep1.)
function drawSample(): void {
  const lam: i32 = lambdaUsed ? 1 : 0;
  const c1 = Math.sqrt(2.0 * drawNormalsChi(NORMALS, lam + 2 * q + 2 * K));
  const lambda = lambdaUsed ? at(NORMALS, 0) : 0.0;
  const z = NORMALS + (<usize>lam << 3); // z_s (q), xi_s (q), n1 (K), n2 (K)
  for (let j = 0; j < q; j++) put(XIC, j, at(z, q + j));
  for (let l = 0; l < K; l++) put(X0C, q + l, at(z, 2 * q + l));
  for (let l = 0; l < K; l++) put(XIC, q + l, at(z, 2 * q + K + l));
  put(X0C, 0, lambdaScale * lambda + x0uScale * at(z, 0));
  put(X0C, 1, oneMinusC * (at(z, 1) + sqrtBetaV * drawnNu));
  if (q == 3) put(X0C, 2, betaM + at(z, 2));
  const n21 = gauss();
  const c2 = Math.sqrt(chi2Second());
  put(X0C, q + K, c1);
  put(X0C, q + K + 1, 0.0);
  put(XIC, q + K, n21);
  put(XIC, q + K + 1, c2);
  for (let j = 0; j < Dim; j++) put(XTC, j, alpha * at(X0C, j) + sigma * at(XIC, j));
}

// Forward pass of walker w on the sample (after loadWalker and drawSample): fills UNIT (h, g, g', w.r)
// and RC. Returns 0.5 |r|^2.
function forwardReduced(w: i32): f64 {
  const a = A + (<usize>(w * K) << 3);
  const b = load<f64>(B + (<usize>w << 3));
  const tau = targetX0 ? X0C : XIC;
  for (let j = 0; j < Dim; j++) put(RC, j, b * at(XTC, j) - at(tau, j));
  for (let k = 0; k < K; k++) {
    const row = WC + (<usize>(k * Dim) << 3);
    let h: f64 = 0;
    for (let j = 0; j < q + K; j++) h += at(row, j) * at(XTC, j);
    const g = activation(h);
    store<f64>(unitSlot(k, 0), h);
    store<f64>(unitSlot(k, 1), g);
    store<f64>(unitSlot(k, 2), lastDerivative());
    const c = load<f64>(a + (<usize>k << 3)) * g;
    for (let j = 0; j < q + K; j++) put(RC, j, at(RC, j) + c * at(row, j));
  }
  for (let k = 0; k < K; k++) {
    const row = WC + (<usize>(k * Dim) << 3);
    let s: f64 = 0;
    for (let j = 0; j < q + K; j++) s += at(row, j) * at(RC, j);
    store<f64>(unitSlot(k, 3), s);
  }
  let r2: f64 = 0;
  for (let j = 0; j < Dim; j++) r2 += at(RC, j) * at(RC, j);
  return 0.5 * r2;
}

// The spherical SGD update of ../sgd.ts update() (../tangent.ts) on the coordinates, then the new M and G.
// Returns false if a weight, a_k or b became non-finite.
function updateReduced(w: i32): bool {
  const aBase = A + (<usize>(w * K) << 3);
  const bPtr = B + (<usize>w << 3);
  let rxt: f64 = 0;
  if (trainSkip) for (let j = 0; j < Dim; j++) rxt += at(RC, j) * at(XTC, j);
  let ok = true;
  for (let k = 0; k < K; k++) {
    unitTangentStep(k, load<f64>(aBase + (<usize>k << 3)));
    const cw = stepW;
    const cr = stepR;
    const cx = stepX;
    const row = WC + (<usize>(k * Dim) << 3);
    let n2: f64 = 0;
    for (let j = 0; j < Dim; j++) {
      const y = cw * at(row, j) + cr * at(RC, j) + cx * at(XTC, j);
      put(row, j, y);
      n2 += y * y;
    }
    if (!(n2 > 0 && n2 < Infinity)) ok = false;
    const inv = 1.0 / Math.sqrt(n2);
    for (let j = 0; j < Dim; j++) put(row, j, inv * at(row, j));
    if (trainAmp && !storeAmplitude(aBase + (<usize>k << 3))) ok = false;
  }
  if (trainSkip && !stepSkip(bPtr, rxt)) ok = false;
  storeState(w);
  return ok;
}

/** Runs n steps of walker w's reduced chain on its training stream, recording hits after each step.
 * Returns n, or -s when a non-finite value appeared at step s (the walker then stops at step s). */
export function runReduced(w: i32, n: f64): f64 {
  return K == 1 ? runReduced1(w, n) : runReducedGeneral(w, n);
}

/** The same chain through the general path for any K (tests compare it with the K = 1 fast path). */
export function runReducedGeneral(w: i32, n: f64): f64 {
  return runSteps(w, n, generalStep);
}

function generalStep(w: i32): bool {
  loadWalker(w);
  drawSample();
  forwardReduced(w);
  return updateReduced(w);
}


/** Mean loss 0.5 |D(xt) - target|^2 of walker w over n fresh samples of its evaluation stream. */
export function evalLossReduced(w: i32, n: i32): f64 {
  loadWalker(w);
  return meanLoss(w, n, sampleLossReduced);
}

function sampleLossReduced(w: i32): f64 {
  drawSample();
  return forwardReduced(w);
}

/** Draws n samples of the chain's law from the stream at rngPtr and writes |x0|^2, |xi|^2, |xt|^2 for
 * each to out [n, 3] (for tests of the Wishart and chi-square parts). */
export function reducedNorms(rngPtr: usize, out: usize, n: i32): void {
  rngLoad(rngPtr);
  for (let s = 0; s < n; s++) {
    drawSample();
    let x0: f64 = 0;
    let xi: f64 = 0;
    let xt: f64 = 0;
    for (let j = 0; j < Dim; j++) {
      x0 += at(X0C, j) * at(X0C, j);
      xi += at(XIC, j) * at(XIC, j);
      xt += at(XTC, j) * at(XTC, j);
    }
    const o = out + (<usize>(s * 3) << 3);
    put(o, 0, x0);
    put(o, 1, xi);
    put(o, 2, xt);
  }
  rngStore(rngPtr);
}
