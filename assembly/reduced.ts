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
import { gauss, gaussFill, gaussFromBits, nextU64, rngLoad, rngStore, uniformPos } from "./rng";
import { drawNu } from "./mcm";
import { pick, tanhLanes } from "./special";
import { activation, lastDerivative, unitSlot } from "./denoiser";
import { ovlPtr, recordHits } from "./overlaps";
import {
  A, act, alpha, B, betaM, corr, d, eta, HIT, K, latent, nuHi, nuLo, nuP, RNG_EVAL, RNG_TRAIN, sigma, sqrtBetaU,
  sqrtBetaV, STEP, target, threshold, trainAmp, trainSkip, whitenC,
} from "./globals";

let q: i32 = 2;
let Dim: i32 = 0; // q + K + 2
let GR: usize = 0; // G [walkers, K, K]
let X0C: usize = 0; // scratch [Dim]: x0 in the step's coordinates
let XIC: usize = 0; // [Dim]: xi
let XTC: usize = 0; // [Dim]: xt
let RC: usize = 0; // [Dim]: the residual D(xt) - target
let WC: usize = 0; // [K, Dim]: the weights
let LC: usize = 0; // [K, K]: Cholesky factor of G
let PD: usize = 0; // [16]: runReduced1's draws (drawStep1)
let NB: usize = 0; // [2K + 8]: drawSample's normals
let oneMinusC: f64 = 1; // 1 - c: x0 . v = (1 - c)(z . v + sqrt(betaV) nu)
// Marsaglia-Tsang constants for the chi-square draws: c1^2 ~ chi2(n), c2^2 ~ chi2(n - 1), n = d - q - K.
let mt1d: f64 = 0;
let mt1c: f64 = 0;
let mt2d: f64 = 0;
let mt2c: f64 = 0;
let mt1q: f64 = 0; // 1 / (54 dd): gammaMT's squeeze
let mt2q: f64 = 0;
// Whether the chain draws lambda on its own: only when nu depends on it (a correlation other than
// independent). With independent latents lambda enters only through x0 . u = sqrt(betaU) lambda + z . u,
// a N(0, 1 + betaU) variable, drawn as one normal times x0uScale = sqrt(1 + betaU).
let lambdaUsed: bool = true;
let x0uScale: f64 = 1; // the factor of z . u in x0 . u: 1, or sqrt(1 + betaU) when lambda is not drawn
let lambdaScale: f64 = 0; // the factor of lambda: sqrt(betaU), or 0 when lambda is not drawn
// Whether nu is a fair sign (Rademacher) independent of lambda: it is then one random bit, taken from the
// spare bits of the chi-square's first normal draw (gammaMT), instead of a uniform of its own.
let nuFromBit: bool = false;
let boost2: f64 = 0; // 1 / shape of c2^2 / 2 when that shape is < 1 (boosted), else 0

// pairStep's constants as f64x2 in memory (V8 splats a module global with four instructions, and reads a
// v128 from memory with one): alpha, sigma, eta, lambdaScale, x0uScale, sqrt(betaV), 1 - c, betaM,
// threshold, 1, 0, set by configureReduced.
const PCT: usize = memory.data(16 * 11, 16);

function setPair(i: i32, x: f64): void {
  store<f64>(PCT + (<usize>i << 4), x);
  store<f64>(PCT + (<usize>i << 4), x, 8);
}

/** Doubles of scratch that configureReduced needs for K units and q spikes. */
export function reducedScratchDoubles(k: i32, nq: i32): i32 {
  const dim = nq + k + 2;
  return 4 * dim + k * dim + k * k + 16 + 2 * k + 8;
}

/** Sets up the reduced chain after configure(): q spikes (2, or 3 with the mean spike), G at gram
 * [walkers, K, K], scratch of reducedScratchDoubles(K, q) doubles. Requires d - q - K >= 2. */
export function configureReduced(nq: i32, gram: usize, scratch: usize): void {
  q = nq;
  Dim = q + K + 2;
  GR = gram;
  X0C = scratch;
  XIC = X0C + (<usize>Dim << 3);
  XTC = XIC + (<usize>Dim << 3);
  RC = XTC + (<usize>Dim << 3);
  WC = RC + (<usize>Dim << 3);
  LC = WC + (<usize>(K * Dim) << 3);
  PD = LC + (<usize>(K * K) << 3);
  NB = PD + (16 << 3);
  oneMinusC = 1.0 - whitenC;
  lambdaUsed = corr != 0;
  x0uScale = lambdaUsed ? 1.0 : Math.sqrt(1.0 + sqrtBetaU * sqrtBetaU);
  lambdaScale = lambdaUsed ? sqrtBetaU : 0.0;
  nuFromBit = corr == 0 && latent != 1 && nuP == 0.5;
  const n = <f64>(d - q - K);
  mt1d = 0.5 * n - 1.0 / 3.0;
  mt1c = 1.0 / Math.sqrt(9.0 * mt1d);
  mt1q = 1.0 / (54.0 * mt1d);
  const shape2 = 0.5 * (n - 1.0);
  const s2 = shape2 < 1.0 ? shape2 + 1.0 : shape2;
  boost2 = shape2 < 1.0 ? 1.0 / shape2 : 0.0;
  mt2d = s2 - 1.0 / 3.0;
  mt2c = 1.0 / Math.sqrt(9.0 * mt2d);
  mt2q = 1.0 / (54.0 * mt2d);
  setPair(0, alpha);
  setPair(1, sigma);
  setPair(2, eta);
  setPair(3, lambdaScale);
  setPair(4, x0uScale);
  setPair(5, sqrtBetaV);
  setPair(6, oneMinusC);
  setPair(7, betaM);
  setPair(8, threshold);
  setPair(9, 1.0);
  setPair(10, 0.0);
}

// The spare bit of gammaMT's first normal draw (0 or 1): fair and independent of the gamma's value.
let gammaBit: u32 = 0;

// Gamma(shape, 1) for shape >= 1 by Marsaglia & Tsang (2000), with dd = shape - 1/3, cc = 1 / sqrt(9 dd),
// qq = 1 / (54 dd): exact (rejection). With t = cc x, x ~ N(0, 1), and v = (1 + t)^3, the exact test is
// log u < 3 dd psi(t), psi(t) = log(1 + t) - t + t^2/2 - t^3/3 = -int_0^t s^3 / (1 + s) ds, so for |t| <= 1/2
// psi(t) >= -t^4 / (4 (1 - |t|)) >= -t^4 / 2 and the test passes whenever u < 1 - x^4 / (54 dd) (1 + y <=
// e^y; cc^4 = 1 / (81 dd^2)). That squeeze fails with probability E[x^4] / (54 dd) = 1 / (18 dd), 1e-4 for
// the chi-squares of a chain at d = 1000 (Marsaglia-Tsang's own squeeze, 1 - 0.0331 x^4, fails 10% of
// the time whatever the shape, and then costs two logs). The uniform is drawn coarse first: its top three
// bits are bits 9..11 of the normal's first 64-bit draw (gaussFromBits does not read them), and its
// other 50 bits are drawn only when the three cannot settle the squeeze (about 1 time in 8), so that
// u = (c + f) / 8 is uniform on the 2^-53 grid. Bit 8 goes to gammaBit. About 1.1 draws per call.
// @ts-ignore: decorator
@inline
function gammaMT(dd: f64, cc: f64, qq: f64): f64 {
  let bits = nextU64();
  gammaBit = <u32>(bits >> 8) & 1;
  while (true) {
    const x = gaussFromBits(bits);
    const t = cc * x;
    if (t > -1.0) {
      let v = 1.0 + t;
      v = v * v * v;
      const x2 = x * x;
      const inner = Math.abs(t) <= 0.5;
      const sq = 1.0 - x2 * x2 * qq;
      const c = (bits >> 9) & 7;
      if (inner && <f64>(c + 1) * 0.125 <= sq) return dd * v;
      const u = <f64>(<i64>((c << 50) | (nextU64() >> 14))) * 1.1102230246251565e-16;
      if (inner && u < sq) return dd * v;
      if (Math.log(u) < 0.5 * x2 + dd * (1.0 - v + Math.log(v))) return dd * v;
    }
    bits = nextU64();
  }
  return 0;
}

/** chi2(n) from the current stream: 2 Gamma(n / 2), boosted by U^(2/n) when n < 2 (exact for any n > 0). */
export function chiSquare(n: f64): f64 {
  const shape = 0.5 * n;
  const s = shape < 1.0 ? shape + 1.0 : shape;
  const dd = s - 1.0 / 3.0;
  const g = gammaMT(dd, 1.0 / Math.sqrt(9.0 * dd), 1.0 / (54.0 * dd));
  if (shape >= 1.0) return 2.0 * g;
  return 2.0 * g * Math.exp(Math.log(uniformPos()) / shape);
}

/** Fills n chi2(dof) draws from the stream at rngPtr into out (for tests of the sampler). */
export function fillChiSquare(rngPtr: usize, out: usize, n: i32, dof: f64): void {
  rngLoad(rngPtr);
  for (let i = 0; i < n; i++) store<f64>(out + (<usize>i << 3), chiSquare(dof));
  rngStore(rngPtr);
}

// c2^2 ~ chi2(d - q - K - 1) with the precomputed constants.
// @ts-ignore: decorator
@inline
function chi2Second(): f64 {
  const g = gammaMT(mt2d, mt2c, mt2q);
  if (boost2 == 0) return 2.0 * g;
  return 2.0 * g * Math.exp(Math.log(uniformPos()) * boost2);
}

// @ts-ignore: decorator
@inline
function gPtr(w: i32): usize {
  return GR + ((<usize>(w * K * K)) << 3);
}

// @ts-ignore: decorator
@inline
function at(base: usize, i: i32): f64 {
  return load<f64>(base + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline
function put(base: usize, i: i32, x: f64): void {
  store<f64>(base + (<usize>i << 3), x);
}

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
  const c1 = Math.sqrt(2.0 * drawNormalsChi(NB, lam + 2 * q + 2 * K));
  const lambda = lambdaUsed ? at(NB, 0) : 0.0;
  const z = NB + (<usize>lam << 3); // z_s (q), xi_s (q), n1 (K), n2 (K)
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

let drawnNu: f64 = 0; // nu of the last drawNormalsChi()

// A step's normals and its first chi-square from the current stream (rngLoad): the nNorm normals to out
// [nNorm] (gaussFill), nu given lambda = out[0] (when lambdaUsed; drawNu's draws, if any), then the
// chi-square. Sets drawnNu (from the chi-square's spare bit when nuFromBit) and returns chi2(n) / 2. Every
// path of the chain draws its sample through here, so that all of them read a stream alike.
// @ts-ignore: decorator
@inline
function drawNormalsChi(out: usize, nNorm: i32): f64 {
  gaussFill(out, nNorm);
  if (!nuFromBit) drawnNu = drawNu(lambdaUsed ? at(out, 0) : 0.0);
  const g = gammaMT(mt1d, mt1c, mt1q);
  if (nuFromBit) drawnNu = pick(gammaBit != 0, nuHi, nuLo);
  return g;
}

// Forward pass of walker w on the sample (after loadWalker and drawSample): fills UNIT (h, g, g', w.r)
// and RC. Returns 0.5 |r|^2.
function forwardReduced(w: i32): f64 {
  const a = A + (<usize>(w * K) << 3);
  const b = load<f64>(B + (<usize>w << 3));
  const tau = target == 0 ? X0C : XIC;
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

// The spherical SGD update of assembly/sgd.ts update() on the coordinates, then the new M and G.
// Returns false if a weight, a_k or b became non-finite.
function updateReduced(w: i32): bool {
  const aBase = A + (<usize>(w * K) << 3);
  const bPtr = B + (<usize>w << 3);
  let rxt: f64 = 0;
  if (trainSkip) for (let j = 0; j < Dim; j++) rxt += at(RC, j) * at(XTC, j);
  let ok = true;
  for (let k = 0; k < K; k++) {
    const ak = load<f64>(aBase + (<usize>k << 3));
    const h = load<f64>(unitSlot(k, 0));
    const g = load<f64>(unitSlot(k, 1));
    const gpk = load<f64>(unitSlot(k, 2));
    const wr = load<f64>(unitSlot(k, 3));
    const cw = 1.0 + eta * ak * wr * (g + gpk * h);
    const cr = -eta * ak * g;
    const cx = -eta * ak * gpk * wr;
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
  const rng = RNG_TRAIN + (<usize>w << 5);
  const stepPtr = STEP + (<usize>w << 3);
  let step = load<f64>(stepPtr);
  rngLoad(rng);
  let done: f64 = 0;
  let ok: bool = true;
  while (done < n) {
    loadWalker(w);
    drawSample();
    forwardReduced(w);
    ok = updateReduced(w);
    step += 1;
    done += 1;
    if (!ok) break;
    recordHits(w, step);
  }
  rngStore(rng);
  store<f64>(stepPtr, step);
  return ok ? done : -step;
}

// One step's draws of walker w for the K = 1 paths (runReduced1, runReducedGroup), from its stream, in
// drawSample's order: the normals to out[0 .. 2q+3) (out[0] = lambda is left as it is, 0, when lambda is
// not used), then nu to out[9], then chi2(n) to out[10], or c1, n21, c2 to out[10 .. 13) when the skip is
// trained (runReduced1 says why one chi-square suffices otherwise).
// @ts-ignore: decorator
@inline
function drawStep1(w: i32, out: usize): void {
  const rng = RNG_TRAIN + (<usize>w << 5);
  rngLoad(rng);
  const g = lambdaUsed ? drawNormalsChi(out, 2 * q + 3) : drawNormalsChi(out + 8, 2 * q + 2);
  put(out, 9, drawnNu);
  if (trainSkip) {
    put(out, 10, Math.sqrt(2.0 * g));
    put(out, 11, gauss());
    put(out, 12, Math.sqrt(chi2Second()));
  } else {
    put(out, 10, 2.0 * g);
  }
  rngStore(rng);
}

// K = 1 in scalars, with the state in locals (w = (mu, mv, mm, l, 0, 0), l = sqrt(G)) and hits checked
// inline. The same draws and update as the general path up to the part of the sample orthogonal to the
// spikes and to P w, of dimension n = d - q - 1. There the step only needs the new weight's component
// y_perp = cr r_perp + cx xt_perp = A xt_perp - cr tau_perp (A = cr b + cx), a combination
// p z_perp + s xi_perp of two independent N(0, I_n) vectors with coefficients that do not depend on them,
// so |y_perp|^2 ~ (p^2 + s^2) chi2(n) exactly: one chi-square draw instead of the Wishart's three. The
// trained skip needs r_perp . xt_perp as well, a second quadratic form, and then draws the Wishart as the
// general path does. The new G is the off-spike norm over the whole norm, computed beside 1 / |y| rather
// than after it: the step's chain of dependent operations, which bounds its speed, is shorter by a square
// and a sum. (The general path's G matches it to rounding; tests check the transition law.)
function runReduced1(w: i32, n: f64): f64 {
  const stepPtr = STEP + (<usize>w << 3);
  const o = ovlPtr(w, 0);
  const hit = HIT + (<usize>w * 24);
  const aPtr = A + (<usize>w << 3);
  const bPtr = B + (<usize>w << 3);
  const gp = gPtr(w);
  const q3 = q == 3;
  const thr = threshold;
  // Module globals in locals: the engine may then keep them in registers.
  const al = alpha;
  const si = sigma;
  const et = eta;
  const su = lambdaScale;
  const xs = x0uScale;
  const sv = sqrtBetaV;
  const omc = oneMinusC;
  const bm = betaM;
  const tx0 = target == 0;
  const tSkip = trainSkip;
  const tAmp = trainAmp;
  const buf = PD; // the step's draws (drawStep1)
  put(buf, 0, 0.0);
  let step = load<f64>(stepPtr);
  let mu = at(o, 0);
  let mv = at(o, 1);
  let mm = at(o, 2);
  let gg = load<f64>(gp);
  let a = load<f64>(aPtr);
  let b = load<f64>(bPtr);
  let hu = at(hit, 0);
  let hv = at(hit, 1);
  let hm = at(hit, 2);
  let done: f64 = 0;
  let ok: bool = true;
  while (done < n) {
    const l = gg > 0 ? Math.sqrt(gg) : 0.0;
    drawStep1(w, buf);
    const lambda = at(buf, 0);
    const zu = at(buf, 1);
    const zv = at(buf, 2);
    const zm = q3 ? at(buf, 3) : 0.0;
    const xiu = at(buf, q + 1);
    const xiv = at(buf, q + 2);
    const xim = q3 ? at(buf, 6) : 0.0;
    const x0e = at(buf, 2 * q + 1);
    const xie = at(buf, 2 * q + 2);
    const nu = at(buf, 9);
    const x0u = su * lambda + xs * zu;
    const x0v = omc * (zv + sv * nu);
    const x0m = q3 ? bm + zm : 0.0;
    const chi = at(buf, 10);
    const x0f = at(buf, 10);
    const xif = at(buf, 11);
    const xig = at(buf, 12);
    const xtu = al * x0u + si * xiu;
    const xtv = al * x0v + si * xiv;
    const xtm = al * x0m + si * xim;
    const xte = al * x0e + si * xie;
    // Forward.
    const tu = tx0 ? x0u : xiu;
    const tv = tx0 ? x0v : xiv;
    const tm = tx0 ? x0m : xim;
    const te = tx0 ? x0e : xie;
    const h = q3 ? mu * xtu + mv * xtv + mm * xtm + l * xte : mu * xtu + mv * xtv + l * xte;
    const g = activation(h);
    const gpk = lastDerivative();
    const c = a * g;
    const ru = b * xtu - tu + c * mu;
    const rv = b * xtv - tv + c * mv;
    const rm = q3 ? b * xtm - tm + c * mm : 0.0;
    const re = b * xte - te + c * l;
    const wr = q3 ? mu * ru + mv * rv + mm * rm + l * re : mu * ru + mv * rv + l * re;
    // Update.
    const cw = 1.0 + et * a * wr * (g + gpk * h);
    const cr = -et * a * g;
    const cx = -et * a * gpk * wr;
    const yu = cw * mu + cr * ru + cx * xtu;
    const yv = cw * mv + cr * rv + cx * xtv;
    const ym = q3 ? cw * mm + cr * rm + cx * xtm : 0.0;
    const ye = cw * l + cr * re + cx * xte;
    let perp: f64;
    let rxt: f64 = 0;
    if (tSkip) {
      const xtf = al * x0f + si * xif;
      const xtg = si * xig; // al * 0 + si * xig
      const rf = b * xtf - (tx0 ? x0f : xif);
      const rg = b * xtg - (tx0 ? 0.0 : xig);
      const yf = cr * rf + cx * xtf; // cw * 0 + ...
      const yg = cr * rg + cx * xtg;
      perp = yf * yf + yg * yg;
      rxt = ru * xtu + rv * xtv + rm * xtm + re * xte + rf * xtf + rg * xtg;
    } else {
      // y_perp = A (al z_perp + si xi_perp) - cr tau_perp.
      const aa = cr * b + cx;
      const pz = tx0 ? aa * al - cr : aa * al;
      const ps = tx0 ? aa * si : aa * si - cr;
      perp = (pz * pz + ps * ps) * chi;
    }
    const off2 = ye * ye + perp;
    const n2 = yu * yu + yv * yv + ym * ym + off2;
    if (!(n2 > 0 && n2 < Infinity)) ok = false;
    const inv = 1.0 / Math.sqrt(n2);
    mu = yu * inv;
    mv = yv * inv;
    mm = ym * inv;
    gg = off2 / n2;
    if (tSkip) {
      const bn = b - et * rxt;
      if (!isFinite(bn)) ok = false;
      b = bn;
    }
    if (tAmp) {
      const an = a - et * g * wr;
      if (!isFinite(an)) ok = false;
      a = an;
    }
    step += 1;
    done += 1;
    if (!ok) break;
    if (hu < 0 && Math.abs(mu) >= thr) hu = step;
    if (hv < 0 && Math.abs(mv) >= thr) hv = step;
    if (hm < 0 && Math.abs(mm) >= thr) hm = step;
  }
  put(o, 0, mu);
  put(o, 1, mv);
  put(o, 2, mm);
  store<f64>(gp, gg);
  store<f64>(aPtr, a);
  store<f64>(bPtr, b);
  put(hit, 0, hu);
  put(hit, 1, hv);
  put(hit, 2, hm);
  store<f64>(stepPtr, step);
  return ok ? done : -step;
}

// f64x2 helpers for the pair steps.
// @ts-ignore: decorator
@inline
function vs(x: f64): v128 {
  return f64x2.splat(x);
}
// @ts-ignore: decorator
@inline
function vp(x0: f64, x1: f64): v128 {
  return f64x2.replace_lane(f64x2.splat(x0), 1, x1);
}
// @ts-ignore: decorator
@inline
function vadd(a: v128, b: v128): v128 {
  return f64x2.add(a, b);
}
// @ts-ignore: decorator
@inline
function vsub(a: v128, b: v128): v128 {
  return f64x2.sub(a, b);
}
// @ts-ignore: decorator
@inline
function vmul(a: v128, b: v128): v128 {
  return f64x2.mul(a, b);
}
// @ts-ignore: decorator
@inline
function vsel(ifTrue: v128, ifFalse: v128, mask: v128): v128 {
  return v128.bitselect(ifTrue, ifFalse, mask);
}
// @ts-ignore: decorator
@inline
function vfinite(x: v128): v128 {
  return f64x2.eq(f64x2.sub(x, x), f64x2.splat(0)); // x - x is NaN for +-inf and NaN
}
// @ts-ignore: decorator
@inline
function vat(p0: usize, p1: usize, i: i32): v128 {
  return v128.load64_lane(p1 + (<usize>i << 3), v128.load64_zero(p0 + (<usize>i << 3)), 1);
}

/** Runs walkers w0 and w1 (K = 1) in lockstep for up to n steps, one in each lane of f64x2 (SIMD build):
 * runReducedGroup with one pair. Returns the steps done (0 in the scalar build, or when K > 1: the caller
 * then uses runReduced). */
export function runReducedPair(w0: i32, w1: i32, n: f64): f64 {
  store<i32>(GLIST, w0);
  store<i32>(GLIST, w1, 4);
  return runReducedGroup(1, n);
}

// ---- Groups: up to GROUP_PAIRS pairs of K = 1 walkers, their draws made a block of steps ahead ----
// A step's draws do not depend on the walker's state, so they can be made ahead of the arithmetic: the
// group draws a block of up to BLOCK steps for every walker (each walker's stream read in the same order as
// runReduced1 reads it), then runs the pairs' chains over the block in lockstep with no call in between,
// so that the out-of-order core overlaps the pairs' chains of dependent operations (a step is one long
// chain: sqrt, the activation's exp and division, the update, the norm's sqrt and division). The state of
// the pairs lives in GST, in two copies that swap at every step, so that a step that would give some
// walker a non-finite value is not committed: the group then stops before it, with every stream put back
// as it was before that step (GRNG holds each walker's stream before each step's draws), and the caller
// finishes the walkers one by one. Measured (bench/RESULTS.md): 44 ns a walker-step for four pairs, 49 for
// one, against 55 for session 2's pair path on the same machine.
const GROUP_PAIRS: i32 = 4;
const BLOCK: i32 = 32;
const PAIR_BYTES: i32 = 160; // 10 v128: the PAIR_FIELDS below
const ROW_BYTES: i32 = 128; // one walker's draws of one step (drawStep1): 16 doubles
const GLIST: usize = memory.data(4 * 2 * GROUP_PAIRS, 16); // the group's walkers (i32)
const GST: usize = memory.data(2 * GROUP_PAIRS * PAIR_BYTES, 16); // [2 copies, GROUP_PAIRS, 10 v128]
const GDRAW: usize = memory.data(BLOCK * 2 * GROUP_PAIRS * ROW_BYTES, 16); // [BLOCK, walkers, 16 doubles]
const GRNG: usize = memory.data(BLOCK * 2 * GROUP_PAIRS * 32, 16); // [BLOCK, walkers, 32 bytes]

/** Where the host writes the walkers of a runReducedGroup call (i32 each, up to 2 * groupPairs()). */
export function groupList(): usize {
  return GLIST;
}

/** The most pairs runReducedGroup takes. */
export function groupPairs(): i32 {
  return GROUP_PAIRS;
}

// @ts-ignore: decorator
@inline
function gsv(p: usize, i: i32): v128 {
  return v128.load(p + (<usize>i << 4));
}
// @ts-ignore: decorator
@inline
function gss(p: usize, i: i32, x: v128): void {
  v128.store(p + (<usize>i << 4), x);
}

// The pair state's fields, a v128 each: mu, mv, mm, G, a, b, step, hit u, hit v, hit m.
const PAIR_FIELDS: i32 = 10;

// Where field f of walker w lives in the engine's state (K = 1).
function walkerField(w: i32, f: i32): usize {
  if (f < 3) return ovlPtr(w, 0) + (<usize>f << 3);
  if (f == 3) return gPtr(w);
  if (f == 4) return A + (<usize>w << 3);
  if (f == 5) return B + (<usize>w << 3);
  if (f == 6) return STEP + (<usize>w << 3);
  return HIT + <usize>w * 24 + (<usize>(f - 7) << 3);
}

// Copies the group's walkers into the pair state at st (toPairs) or back.
function copyGroup(st: usize, nw: i32, toPairs: bool): void {
  for (let i = 0; i < nw; i++) {
    const w = load<i32>(GLIST + (<usize>i << 2));
    const lane = st + <usize>(i >> 1) * PAIR_BYTES + (<usize>(i & 1) << 3);
    for (let f = 0; f < PAIR_FIELDS; f++) {
      const addr = walkerField(w, f);
      const ln = lane + (<usize>f << 4);
      if (toPairs) store<f64>(ln, load<f64>(addr));
      else store<f64>(addr, load<f64>(ln));
    }
  }
}

// One step of a pair whose state is at src, on the draws at b0 and b1: runReduced1's step in each lane of
// f64x2 (every lane operation is the IEEE operation of the scalar code, in the same order; tanh through
// tanhLanes, other activations lane by lane), the new state written to dst. Returns whether both walkers
// stay finite.
// @ts-ignore: decorator
@inline
function pairStep(src: usize, dst: usize, b0: usize, b1: usize): bool {
  const q3 = q == 3;
  const tx0 = target == 0;
  const tSkip = trainSkip;
  const tAmp = trainAmp;
  const al = gsv(PCT, 0);
  const si = gsv(PCT, 1);
  const et = gsv(PCT, 2);
  const su = gsv(PCT, 3);
  const xs = gsv(PCT, 4);
  const sv = gsv(PCT, 5);
  const omc = gsv(PCT, 6);
  const bm = gsv(PCT, 7);
  const thr = gsv(PCT, 8);
  const one = gsv(PCT, 9);
  const zero = gsv(PCT, 10);
  const mu = gsv(src, 0);
  const mv = gsv(src, 1);
  const mm = gsv(src, 2);
  const gg = gsv(src, 3);
  const a = gsv(src, 4);
  const b = gsv(src, 5);
  const l = vsel(f64x2.sqrt(gg), zero, f64x2.gt(gg, zero));
  const lambda = vat(b0, b1, 0);
  const zu = vat(b0, b1, 1);
  const zv = vat(b0, b1, 2);
  const zm = q3 ? vat(b0, b1, 3) : zero;
  const xiu = vat(b0, b1, q + 1);
  const xiv = vat(b0, b1, q + 2);
  const xim = q3 ? vat(b0, b1, 6) : zero;
  const x0e = vat(b0, b1, 2 * q + 1);
  const xie = vat(b0, b1, 2 * q + 2);
  const nu = vat(b0, b1, 9);
  const x0u = vadd(vmul(su, lambda), vmul(xs, zu));
  const x0v = vmul(omc, vadd(zv, vmul(sv, nu)));
  const x0m = q3 ? vadd(bm, zm) : zero;
  const xtu = vadd(vmul(al, x0u), vmul(si, xiu));
  const xtv = vadd(vmul(al, x0v), vmul(si, xiv));
  const xtm = vadd(vmul(al, x0m), vmul(si, xim));
  const xte = vadd(vmul(al, x0e), vmul(si, xie));
  const tu = tx0 ? x0u : xiu;
  const tv = tx0 ? x0v : xiv;
  const tm = tx0 ? x0m : xim;
  const te = tx0 ? x0e : xie;
  const h = q3
    ? vadd(vadd(vadd(vmul(mu, xtu), vmul(mv, xtv)), vmul(mm, xtm)), vmul(l, xte))
    : vadd(vadd(vmul(mu, xtu), vmul(mv, xtv)), vmul(l, xte));
  let g: v128;
  let gpk: v128;
  if (act == 0) {
    g = tanhLanes(h); // the scalar tanh's operations in each lane
    gpk = vsub(one, vmul(g, g));
  } else {
    const ga = activation(f64x2.extract_lane(h, 0));
    const gpa = lastDerivative();
    const gb = activation(f64x2.extract_lane(h, 1));
    const gpb = lastDerivative();
    g = vp(ga, gb);
    gpk = vp(gpa, gpb);
  }
  const c = vmul(a, g);
  const ru = vadd(vsub(vmul(b, xtu), tu), vmul(c, mu));
  const rv = vadd(vsub(vmul(b, xtv), tv), vmul(c, mv));
  const rm = q3 ? vadd(vsub(vmul(b, xtm), tm), vmul(c, mm)) : zero;
  const re = vadd(vsub(vmul(b, xte), te), vmul(c, l));
  const wr = q3
    ? vadd(vadd(vadd(vmul(mu, ru), vmul(mv, rv)), vmul(mm, rm)), vmul(l, re))
    : vadd(vadd(vmul(mu, ru), vmul(mv, rv)), vmul(l, re));
  // Update (runReduced1's expressions, left to right).
  const eta_a = vmul(et, a);
  const cw = vadd(one, vmul(vmul(eta_a, wr), vadd(g, vmul(gpk, h))));
  const cr = vmul(vmul(f64x2.neg(et), a), g);
  const cx = vmul(vmul(vmul(f64x2.neg(et), a), gpk), wr);
  const yu = vadd(vadd(vmul(cw, mu), vmul(cr, ru)), vmul(cx, xtu));
  const yv = vadd(vadd(vmul(cw, mv), vmul(cr, rv)), vmul(cx, xtv));
  const ym = q3 ? vadd(vadd(vmul(cw, mm), vmul(cr, rm)), vmul(cx, xtm)) : zero;
  const ye = vadd(vadd(vmul(cw, l), vmul(cr, re)), vmul(cx, xte));
  let perp: v128;
  let rxt = zero;
  if (tSkip) {
    const x0f = vat(b0, b1, 10);
    const xif = vat(b0, b1, 11);
    const xig = vat(b0, b1, 12);
    const xtf = vadd(vmul(al, x0f), vmul(si, xif));
    const xtg = vmul(si, xig);
    const rf = vsub(vmul(b, xtf), tx0 ? x0f : xif);
    const rg = vsub(vmul(b, xtg), tx0 ? zero : xig);
    const yf = vadd(vmul(cr, rf), vmul(cx, xtf));
    const yg = vadd(vmul(cr, rg), vmul(cx, xtg));
    perp = vadd(vmul(yf, yf), vmul(yg, yg));
    rxt = vadd(
      vadd(vadd(vadd(vadd(vmul(ru, xtu), vmul(rv, xtv)), vmul(rm, xtm)), vmul(re, xte)), vmul(rf, xtf)),
      vmul(rg, xtg),
    );
  } else {
    const chi = vat(b0, b1, 10);
    const aa = vadd(vmul(cr, b), cx);
    const pz = tx0 ? vsub(vmul(aa, al), cr) : vmul(aa, al);
    const ps = tx0 ? vmul(aa, si) : vsub(vmul(aa, si), cr);
    perp = vmul(vadd(vmul(pz, pz), vmul(ps, ps)), chi);
  }
  const off2 = vadd(vmul(ye, ye), perp);
  const n2 = vadd(vadd(vadd(vmul(yu, yu), vmul(yv, yv)), vmul(ym, ym)), off2);
  let ok = v128.and(f64x2.gt(n2, zero), f64x2.lt(n2, vs(Infinity)));
  const inv = f64x2.div(one, f64x2.sqrt(n2));
  let bn = b;
  let an = a;
  if (tSkip) {
    bn = vsub(b, vmul(et, rxt));
    ok = v128.and(ok, vfinite(bn));
  }
  if (tAmp) {
    an = vsub(a, vmul(vmul(et, g), wr));
    ok = v128.and(ok, vfinite(an));
  }
  const nmu = vmul(yu, inv);
  const nmv = vmul(yv, inv);
  const nmm = vmul(ym, inv);
  gss(dst, 0, nmu);
  gss(dst, 1, nmv);
  gss(dst, 2, nmm);
  gss(dst, 3, f64x2.div(off2, n2));
  gss(dst, 4, an);
  gss(dst, 5, bn);
  const step = vadd(gsv(src, 6), one);
  gss(dst, 6, step);
  const hu = gsv(src, 7);
  const hv = gsv(src, 8);
  const hm = gsv(src, 9);
  gss(dst, 7, vsel(step, hu, v128.and(f64x2.lt(hu, zero), f64x2.ge(f64x2.abs(nmu), thr))));
  gss(dst, 8, vsel(step, hv, v128.and(f64x2.lt(hv, zero), f64x2.ge(f64x2.abs(nmv), thr))));
  gss(dst, 9, vsel(step, hm, v128.and(f64x2.lt(hm, zero), f64x2.ge(f64x2.abs(nmm), thr))));
  return i64x2.all_true(ok);
}

/** Runs the 2 P walkers listed at groupList() (K = 1, P <= groupPairs(), lanes of f64x2 pair by pair) in
 * lockstep for up to n steps, each bit-identical to runReduced1 on its own. Stops before a step that would
 * give some walker a non-finite value, with that step undone for all (streams included), so that
 * runReduced can redo it walker by walker. Returns the steps done (0 in the scalar build, or when K > 1). */
export function runReducedGroup(pairs: i32, n: f64): f64 {
  if (!ASC_FEATURE_SIMD || K != 1 || pairs < 1 || pairs > GROUP_PAIRS) return 0;
  const nw = 2 * pairs;
  copyGroup(GST, nw, true);
  const stride = <usize>(nw * ROW_BYTES); // bytes of one step's draws
  for (let s = 0; s < BLOCK; s++) {
    for (let i = 0; i < nw; i++) put(GDRAW + <usize>s * stride + <usize>(i * ROW_BYTES), 0, 0.0); // lambda = 0
  }
  let cur = GST;
  let nxt = GST + <usize>(GROUP_PAIRS * PAIR_BYTES);
  let done: f64 = 0;
  let failed = false;
  while (done < n && !failed) {
    const left = n - done;
    const blk: i32 = left < <f64>BLOCK ? <i32>left : BLOCK;
    // The block's draws, walker by walker.
    for (let i = 0; i < nw; i++) {
      const w = load<i32>(GLIST + (<usize>i << 2));
      const r = RNG_TRAIN + (<usize>w << 5);
      for (let s = 0; s < blk; s++) {
        const saved = GRNG + ((<usize>(s * nw + i)) << 5);
        v128.store(saved, v128.load(r));
        v128.store(saved, v128.load(r, 16), 16);
        drawStep1(w, GDRAW + <usize>s * stride + <usize>(i * ROW_BYTES));
      }
    }
    // The chains over the block.
    let s = 0;
    for (; s < blk; s++) {
      const row = GDRAW + <usize>s * stride;
      let ok = true;
      for (let p = 0; p < pairs; p++) {
        const o = <usize>(p * PAIR_BYTES);
        const b0 = row + <usize>(2 * p * ROW_BYTES);
        if (!pairStep(cur + o, nxt + o, b0, b0 + <usize>ROW_BYTES)) ok = false;
      }
      if (!ok) {
        failed = true;
        break;
      }
      const t = cur;
      cur = nxt;
      nxt = t;
    }
    done += <f64>s;
    if (failed) {
      // Every stream back to its state before step s of the block.
      for (let i = 0; i < nw; i++) {
        const w = load<i32>(GLIST + (<usize>i << 2));
        const r = RNG_TRAIN + (<usize>w << 5);
        const saved = GRNG + ((<usize>(s * nw + i)) << 5);
        v128.store(r, v128.load(saved));
        v128.store(r, v128.load(saved, 16), 16);
      }
    }
  }
  copyGroup(cur, nw, false);
  return done;
}

/** Mean loss 0.5 |D(xt) - target|^2 of walker w over n fresh samples of its evaluation stream. */
export function evalLossReduced(w: i32, n: i32): f64 {
  const rng = RNG_EVAL + (<usize>w << 5);
  loadWalker(w);
  rngLoad(rng);
  let sum: f64 = 0;
  for (let s = 0; s < n; s++) {
    drawSample();
    sum += forwardReduced(w);
  }
  rngStore(rng);
  return sum / <f64>n;
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
