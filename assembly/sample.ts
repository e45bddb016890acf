// The reverse-time sampler (docs/model.md section 11): from x ~ N(0, (alpha0^2 + sigma0^2) I) at the
// noisiest level of a grid down to its clean end (alpha = 1, sigma = 0), with the x0-prediction
// x0^ = D(x) of a denoiser family at each level and eps^ = (x - alpha x0^) / sigma:
//   DDIM (deterministic): x' = alpha' x0^ + sigma' eps^ = (sigma'/sigma) x + (alpha' - sigma' alpha/sigma) x0^;
//   DDPM (ancestral): x' ~ q(x' | x, x0 = x0^), the forward process's posterior: with a = alpha/alpha' and
//     w2 = sigma^2 - a^2 sigma'^2 (the variance the step from level ' to this level adds),
//     x' = (w2 alpha'/sigma^2) x0^ + (a sigma'^2/sigma^2) x + sqrt(sigma'^2 w2 / sigma^2) zeta.
//   Heun (deterministic, second order): with lambda = log(alpha/sigma) the flow is exactly
//     x' = (sigma'/sigma) x + sigma' int_lambda^lambda' e^l x0^(l) dl; DDIM holds x0^ constant over the step,
//     Heun takes the DDIM step as a predictor, evaluates the next level's denoiser there, and integrates
//     x0^ linear in lambda between the two (trapezoidal, second order; DPM-Solver-2's form with the
//     step's end as its intermediate point): x' = x_ddim + (alpha' - phi/h)(x0^' - x0^),
//     phi = alpha' - sigma' alpha/sigma, h = lambda' - lambda.
// The last step lands on sigma' = 0, where all return x0^ of the cleanest level.
// The family is the oracle (E[x0 | x], assembly/oracle.ts) or one trained tied denoiser per level,
// D(x) = b x + sum_k a_k w_k g(w_k . x), predicting x0 or the noise (then x0^ = (x - sigma D(x)) / alpha).
import { activationOf } from "./activation";
import { oracleDenoise, oracleLevel } from "./oracle";
import { sampleX0 } from "./mcm";
import { gaussFill, rngLoad, rngStore } from "./rng";
import { axpy, dot, lincomb2, scale } from "./vec";
import { act, d, K, M, U, V, X0, XI, XT } from "./globals";
import { FAMILY_NOISE, FAMILY_ORACLE, FAMILY_X0, SAMPLER_DDIM, SAMPLER_DDPM, SAMPLER_HEUN } from "./params";

// x0^ of the trained denoiser of level l into X0, from x in XT (noise: the denoiser predicts the noise).
function trainedPredict(l: i32, noise: bool, sigma: f64, alpha: f64, wf: usize, af: usize, bf: usize): void {
  const b = load<f64>(bf + (<usize>l << 3));
  lincomb2(X0, b, XT, 0.0, XT, d);
  for (let k = 0; k < K; k++) {
    const wk = wf + ((<usize>(l * K + k) * <usize>d) << 3);
    const g = activationOf(act, dot(wk, XT, d));
    axpy(X0, load<f64>(af + (<usize>(l * K + k) << 3)) * g, wk, d);
  }
  if (noise) lincomb2(X0, -sigma / alpha, X0, 1.0 / alpha, XT, d);
}

/**
 * Draws n samples from the stream at rngPtr by the reverse process over `levels` denoiser levels.
 * grid [levels + 1, 2]: (alpha, sigma) from the noisiest level to the clean end (1, 0). family: a
 * FAMILY_ code (the oracle, trained predicting x0, trained predicting the noise); for a trained family
 * wf [levels, K, d], af [levels, K], bf [levels] hold the denoisers. sampler: a SAMPLER_ code, DDIM, DDPM
 * (ancestral) or Heun (deterministic, second order: two denoiser calls per step, DDIM's on the last step
 * to sigma = 0 and from a level with alpha = 0). Any other code of either traps (unreachable). Writes x.u,
 * x.v, x.m and |x|^2 of each sample to out [n, 4]. Uses the X0, XI and XT scratch.
 */
export function generate(
  rngPtr: usize, n: i32, grid: usize, levels: i32, sampler: i32, family: i32, wf: usize, af: usize, bf: usize,
  out: usize,
): void {
  let oracle = false;
  let noise = false;
  switch (family) {
    case FAMILY_ORACLE: oracle = true; break;
    case FAMILY_X0: break;
    case FAMILY_NOISE: noise = true; break;
    default: unreachable();
  }
  let heun = false;
  let ddpm = false;
  switch (sampler) {
    case SAMPLER_DDIM: break;
    case SAMPLER_DDPM: ddpm = true; break;
    case SAMPLER_HEUN: heun = true; break;
    default: unreachable();
  }
  rngLoad(rngPtr);
  for (let s = 0; s < n; s++) {
    const a0 = load<f64>(grid);
    const s0 = load<f64>(grid, 8);
    gaussFill(XT, d);
    scale(XT, Math.sqrt(a0 * a0 + s0 * s0), d);
    for (let l = 0; l < levels; l++) {
      const g = grid + (<usize>l << 4);
      const alpha = load<f64>(g);
      const sigma = load<f64>(g, 8);
      const alpha1 = load<f64>(g, 16);
      const sigma1 = load<f64>(g, 24);
      if (oracle) {
        oracleLevel(alpha, sigma);
        oracleDenoise(XT, X0);
      } else trainedPredict(l, noise, sigma, alpha, wf, af, bf);
      if (heun && sigma1 > 0 && alpha > 0) {
        // The exact flow is x' = (sigma'/sigma) x + sigma' int e^lambda x0^(lambda) dlambda over the step,
        // lambda = log(alpha/sigma); DDIM holds x0^ at its start, Heun takes it linear in lambda between
        // the start and the DDIM prediction's x0^ at the next level (the trapezoidal predictor-corrector).
        const phi = alpha1 - (sigma1 * alpha) / sigma;
        const h = Math.log((alpha1 * sigma) / (sigma1 * alpha));
        lincomb2(XI, 1.0, X0, 0.0, X0, d);
        lincomb2(XT, sigma1 / sigma, XT, phi, X0, d);
        if (oracle) {
          oracleLevel(alpha1, sigma1);
          oracleDenoise(XT, X0);
        } else trainedPredict(l + 1, noise, sigma1, alpha1, wf, af, bf);
        const c = alpha1 - phi / h;
        axpy(XT, c, X0, d);
        axpy(XT, -c, XI, d);
      } else if (!ddpm) {
        lincomb2(XT, sigma1 / sigma, XT, alpha1 - (sigma1 * alpha) / sigma, X0, d);
      } else {
        const a = alpha / alpha1;
        const s2 = sigma * sigma;
        const w2 = Math.max(s2 - a * a * sigma1 * sigma1, 0.0);
        lincomb2(XT, (a * sigma1 * sigma1) / s2, XT, (w2 * alpha1) / s2, X0, d);
        const sd = Math.sqrt((sigma1 * sigma1 * w2) / s2);
        if (sd > 0) {
          gaussFill(XI, d);
          axpy(XT, sd, XI, d);
        }
      }
    }
    const o = out + (<usize>s << 5);
    store<f64>(o, dot(U, XT, d));
    store<f64>(o, dot(V, XT, d), 8);
    store<f64>(o, dot(M, XT, d), 16);
    store<f64>(o, dot(XT, XT, d), 24);
  }
  rngStore(rngPtr);
}

/** Mean of |x0 - E[x0 | xt]|^2 over n samples (x0, xt = alpha x0 + sigma xi) drawn from the stream at
 * rngPtr, with the oracle at level (alpha, sigma): a Monte Carlo estimate of the Bayes risk. Uses the
 * X0, XI, XT and R scratch (R at rPtr). */
export function oracleMse(rngPtr: usize, alpha: f64, sigma: f64, n: i32, rPtr: usize): f64 {
  rngLoad(rngPtr);
  oracleLevel(alpha, sigma);
  let sum: f64 = 0;
  for (let s = 0; s < n; s++) {
    sampleX0(X0);
    gaussFill(XI, d);
    lincomb2(XT, alpha, X0, sigma, XI, d);
    oracleDenoise(XT, rPtr);
    lincomb2(rPtr, 1.0, rPtr, -1.0, X0, d);
    sum += dot(rPtr, rPtr, d);
  }
  rngStore(rngPtr);
  return sum / <f64>n;
}
