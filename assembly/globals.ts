// Module globals read from the parameter block by configure(). The kernels below only read them.
import {
  P_A, P_ACT, P_ALPHA, P_B, P_BETA_M, P_BETA_U, P_BETA_V, P_CORR, P_D, P_ETA, P_HIT, P_K,
  P_LATENT, P_M, P_MIX_P, P_NU_P, P_OVL, P_R, P_RNG_EVAL, P_RNG_TRAIN, P_SIGMA, P_STEP, P_TARGET,
  P_TABLE, P_TABLE_INV_DX, P_TABLE_LO, P_TABLE_N, P_THRESHOLD, P_TRAIN_AMP, P_TRAIN_SKIP, P_U, P_UNIT, P_V,
  P_W, P_WALKERS, P_X0, P_XI, P_XT, TARGET_NOISE, TARGET_X0,
} from "./params";
import { tableUse } from "./table";
import { normQuantile } from "./special";

export let d: i32 = 0;
export let K: i32 = 0;
export let walkers: i32 = 0;
export let alpha: f64 = 0;
export let sigma: f64 = 0;
export let sqrtBetaU: f64 = 0;
export let sqrtBetaV: f64 = 0;
export let betaM: f64 = 0;
export let whitenC: f64 = 0; // c = betaV / (1 + betaV + sqrt(1 + betaV))
export let latent: i32 = 0;
export let nuP: f64 = 0.5;
export let nuHi: f64 = 1;
export let nuLo: f64 = -1;
export let lambdaSignThr: f64 = 0; // nu = nuHi iff lambda > Phi^-1(1 - nuP)      (comonotone coupling)
export let lambdaAbsThr: f64 = 0; // nu = nuHi iff |lambda| > Phi^-1(1 - nuP / 2) (uncorrelated coupling)
export let corr: i32 = 0;
export let mixP: f64 = 0;
export let act: i32 = 0;
export let eta: f64 = 0;
export let trainSkip: bool = false;
export let trainAmp: bool = false;
export let targetX0: bool = true; // TARGET_X0: the denoiser predicts x0; TARGET_NOISE: the noise xi
export let threshold: f64 = 0.5;

export let U: usize = 0;
export let V: usize = 0;
export let M: usize = 0;
export let X0: usize = 0;
export let XI: usize = 0;
export let XT: usize = 0;
export let R: usize = 0;
export let W: usize = 0;
export let A: usize = 0;
export let B: usize = 0;
export let STEP: usize = 0;
export let OVL: usize = 0;
export let HIT: usize = 0;
export let RNG_TRAIN: usize = 0;
export let RNG_EVAL: usize = 0;
export let UNIT: usize = 0;

// @ts-ignore: decorator
@inline
function p(ptr: usize, slot: i32): f64 {
  return load<f64>(ptr + (<usize>slot << 3));
}

/** Reads the parameter block at ptr (the P_ slots of ./params) into the module globals. */
export function configure(ptr: usize): void {
  d = <i32>p(ptr, P_D);
  K = <i32>p(ptr, P_K);
  walkers = <i32>p(ptr, P_WALKERS);
  alpha = p(ptr, P_ALPHA);
  sigma = p(ptr, P_SIGMA);
  sqrtBetaU = Math.sqrt(p(ptr, P_BETA_U));
  const betaV = p(ptr, P_BETA_V);
  sqrtBetaV = Math.sqrt(betaV);
  whitenC = betaV / (1.0 + betaV + Math.sqrt(1.0 + betaV));
  betaM = p(ptr, P_BETA_M);
  latent = <i32>p(ptr, P_LATENT);
  nuP = p(ptr, P_NU_P);
  nuHi = Math.sqrt((1.0 - nuP) / nuP);
  nuLo = -Math.sqrt(nuP / (1.0 - nuP));
  lambdaSignThr = normQuantile(1.0 - nuP);
  lambdaAbsThr = normQuantile(1.0 - 0.5 * nuP);
  corr = <i32>p(ptr, P_CORR);
  mixP = p(ptr, P_MIX_P);
  act = <i32>p(ptr, P_ACT);
  eta = p(ptr, P_ETA);
  trainSkip = p(ptr, P_TRAIN_SKIP) != 0;
  trainAmp = p(ptr, P_TRAIN_AMP) != 0;
  switch (<i32>p(ptr, P_TARGET)) {
    case TARGET_X0: targetX0 = true; break;
    case TARGET_NOISE: targetX0 = false; break;
    default: unreachable(); // a TARGET_ code without its case
  }
  threshold = p(ptr, P_THRESHOLD);
  U = <usize>p(ptr, P_U);
  V = <usize>p(ptr, P_V);
  M = <usize>p(ptr, P_M);
  X0 = <usize>p(ptr, P_X0);
  XI = <usize>p(ptr, P_XI);
  XT = <usize>p(ptr, P_XT);
  R = <usize>p(ptr, P_R);
  W = <usize>p(ptr, P_W);
  A = <usize>p(ptr, P_A);
  B = <usize>p(ptr, P_B);
  STEP = <usize>p(ptr, P_STEP);
  OVL = <usize>p(ptr, P_OVL);
  HIT = <usize>p(ptr, P_HIT);
  RNG_TRAIN = <usize>p(ptr, P_RNG_TRAIN);
  RNG_EVAL = <usize>p(ptr, P_RNG_EVAL);
  UNIT = <usize>p(ptr, P_UNIT);
  tableUse(<usize>p(ptr, P_TABLE), <i32>p(ptr, P_TABLE_N), p(ptr, P_TABLE_LO), p(ptr, P_TABLE_INV_DX));
}

/** Byte offset of unit k of walker w in W. */
// @ts-ignore: decorator
@inline
export function wPtr(w: i32, k: i32): usize {
  return W + ((<usize>(w * K + k) * <usize>d) << 3);
}
