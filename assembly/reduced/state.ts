// The reduced chain's configuration and scratch (docs/model.md section 8; the chain is described in
// ./chain.ts): the number of spikes q, the step's coordinates of dimension Dim = q + K + 2, the pointers of
// G and of the scratch, the constants of the chi-square draws and of the latents' draws, and the pair
// paths' constants as f64x2 (./group.ts). configureReduced() sets them all; the other modules only read.
import { alpha, betaM, corr, d, eta, K, latent, nuP, sigma, sqrtBetaU, sqrtBetaV, threshold, whitenC } from "../globals";
import { CORR_INDEPENDENT, LATENT_TWO_POINT } from "../params";

export let q: i32 = 2;
export let Dim: i32 = 0; // q + K + 2
export let GRAM: usize = 0; // G [walkers, K, K]
export let X0C: usize = 0; // scratch [Dim]: x0 in the step's coordinates
export let XIC: usize = 0; // [Dim]: xi
export let XTC: usize = 0; // [Dim]: xt
export let RC: usize = 0; // [Dim]: the residual D(xt) - target
export let WC: usize = 0; // [K, Dim]: the weights
export let LC: usize = 0; // [K, K]: Cholesky factor of G
export let STEP_DRAWS: usize = 0; // [DRAW_ROW]: runReduced1's draws of one step (../reduced/single.ts)
export let NORMALS: usize = 0; // [2K + 8]: drawSample's normals
export let oneMinusC: f64 = 1; // 1 - c: x0 . v = (1 - c)(z . v + sqrt(betaV) nu)
// Marsaglia-Tsang constants (./samplers.ts) for the chi-square draws: c1^2 ~ chi2(n), c2^2 ~ chi2(n - 1),
// n = d - q - K; dd = shape - 1/3, cc = 1 / sqrt(9 dd), qq = 1 / (54 dd).
export let mt1d: f64 = 0;
export let mt1c: f64 = 0;
export let mt1q: f64 = 0;
export let mt2d: f64 = 0;
export let mt2c: f64 = 0;
export let mt2q: f64 = 0;
export let boost2: f64 = 0; // 1 / shape of c2^2 / 2 when that shape is < 1 (boosted), else 0
// Whether the chain draws lambda on its own: only when nu depends on it (a correlation other than
// independent). With independent latents lambda enters only through x0 . u = sqrt(betaU) lambda + z . u,
// a N(0, 1 + betaU) variable, drawn as one normal times x0uScale = sqrt(1 + betaU).
export let lambdaUsed: bool = true;
export let x0uScale: f64 = 1; // the factor of z . u in x0 . u: 1, or sqrt(1 + betaU) when lambda is not drawn
export let lambdaScale: f64 = 0; // the factor of lambda: sqrt(betaU), or 0 when lambda is not drawn
// Whether nu is a fair sign (Rademacher) independent of lambda: it is then one random bit, taken from the
// spare bits of the chi-square's first normal draw (gammaMT), instead of a uniform of its own.
export let nuFromBit: bool = false;

/** Doubles of one step's draws for the K = 1 paths (DRAW_ROW of ./single.ts). */
export const DRAW_ROW: i32 = 16;

// The pair paths' constants as f64x2 in memory (V8 splats a module global with four instructions, and
// reads a v128 from memory with one), at PAIR_CONST + 16 PC_*.
export const PC_ALPHA: i32 = 0;
export const PC_SIGMA: i32 = 1;
export const PC_ETA: i32 = 2;
export const PC_LAMBDA_SCALE: i32 = 3;
export const PC_X0U_SCALE: i32 = 4;
export const PC_SQRT_BETA_V: i32 = 5;
export const PC_ONE_MINUS_C: i32 = 6;
export const PC_BETA_M: i32 = 7;
export const PC_THRESHOLD: i32 = 8;
export const PC_ONE: i32 = 9;
export const PC_ZERO: i32 = 10;
const PAIR_CONSTS: i32 = 11;
export const PAIR_CONST: usize = memory.data(16 * PAIR_CONSTS, 16);

function setPairConst(i: i32, x: f64): void {
  store<f64>(PAIR_CONST + (<usize>i << 4), x);
  store<f64>(PAIR_CONST + (<usize>i << 4), x, 8);
}

/** Doubles of scratch that configureReduced needs for K units and q spikes. */
export function reducedScratchDoubles(k: i32, nq: i32): i32 {
  const dim = nq + k + 2;
  return 4 * dim + k * dim + k * k + DRAW_ROW + 2 * k + 8;
}

/** Sets up the reduced chain after configure(): q spikes (2, or 3 with the mean spike), G at gram
 * [walkers, K, K], scratch of reducedScratchDoubles(K, q) doubles. Requires d - q - K >= 2. */
export function configureReduced(nq: i32, gram: usize, scratch: usize): void {
  q = nq;
  Dim = q + K + 2;
  GRAM = gram;
  X0C = scratch;
  XIC = X0C + (<usize>Dim << 3);
  XTC = XIC + (<usize>Dim << 3);
  RC = XTC + (<usize>Dim << 3);
  WC = RC + (<usize>Dim << 3);
  LC = WC + (<usize>(K * Dim) << 3);
  STEP_DRAWS = LC + (<usize>(K * K) << 3);
  NORMALS = STEP_DRAWS + (<usize>DRAW_ROW << 3);
  oneMinusC = 1.0 - whitenC;
  lambdaUsed = corr != CORR_INDEPENDENT;
  x0uScale = lambdaUsed ? 1.0 : Math.sqrt(1.0 + sqrtBetaU * sqrtBetaU);
  lambdaScale = lambdaUsed ? sqrtBetaU : 0.0;
  nuFromBit = corr == CORR_INDEPENDENT && latent == LATENT_TWO_POINT && nuP == 0.5;
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
  setPairConst(PC_ALPHA, alpha);
  setPairConst(PC_SIGMA, sigma);
  setPairConst(PC_ETA, eta);
  setPairConst(PC_LAMBDA_SCALE, lambdaScale);
  setPairConst(PC_X0U_SCALE, x0uScale);
  setPairConst(PC_SQRT_BETA_V, sqrtBetaV);
  setPairConst(PC_ONE_MINUS_C, oneMinusC);
  setPairConst(PC_BETA_M, betaM);
  setPairConst(PC_THRESHOLD, threshold);
  setPairConst(PC_ONE, 1.0);
  setPairConst(PC_ZERO, 0.0);
}

/** Walker w's G [K, K]. */
// @ts-ignore: decorator
@inline
export function gPtr(w: i32): usize {
  return GRAM + ((<usize>(w * K * K)) << 3);
}

// @ts-ignore: decorator
@inline
export function at(base: usize, i: i32): f64 {
  return load<f64>(base + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline
export function put(base: usize, i: i32, x: f64): void {
  store<f64>(base + (<usize>i << 3), x);
}
