/**
 * Controls for a trained family of denoisers (docs/generate.md): families written down rather than
 * trained, sampled on the same grid by the same sampler, which separate the grid's discretisation error
 * from what the network's shape and its training cost.
 *
 * - `wienerFamily`: the linear Bayes-optimal denoiser of the data's Gaussian clone (same mean 0 and
 *   covariance), D(x) = alpha C (alpha^2 C + sigma^2 I)^-1 x, as a family of K = 2 linear units along the
 *   eigenvectors of C's u-v block (identity off it). Along u it is the oracle for every correlation law in
 *   which x0.u is independent of x0.v (`independent`), and the best linear map otherwise.
 * - `unitAtSpikeFamily`: one unit of the configured activation with w = u exactly and the skip b and
 *   amplitude a that minimise the population loss: the best a tied unit can do once its overlap is 1, so
 *   its shortfall is the network's capacity, not the training's noise.
 * - `gaussianGain`: the exact DDIM or Heun map of a one-dimensional Gaussian with variance v under its
 *   exact posterior mean: x_end = gain x_start, so the generated variance is gain^2 (alpha0^2 + sigma0^2).
 */
import type { Config } from "../config/schema.js";
import { activationValue } from "../theory/loss.js";
import { gaussHermite, jointMoment, latentRule } from "../theory/quadrature.js";
import type { GridPoint } from "./law.js";
import type { TrainedFamily } from "./sampler.js";

/** The data covariance's u-v block [[varU, uv], [uv, varV]] (whitened: varV = 1). */
export function spanCovariance(config: Pick<Config, "betaU" | "betaV" | "latent" | "correlation">): number[] {
  const rule = latentRule(config.latent, config.correlation);
  const uv = (Math.sqrt(config.betaU * config.betaV) * jointMoment(rule, 1, 1)) / Math.sqrt(1 + config.betaV);
  return [1 + config.betaU, uv, uv, 1];
}

/** Eigenpairs of a symmetric 2 x 2 matrix [[p, q], [q, r]]: values (descending) and unit vectors. */
function eigen2(p: number, q: number, r: number): { values: [number, number]; vectors: [number, number][] } {
  const mean = 0.5 * (p + r);
  const rad = Math.hypot(0.5 * (p - r), q);
  const l1 = mean + rad;
  const l2 = mean - rad;
  let e1: [number, number];
  if (Math.abs(q) > 1e-15 * (Math.abs(p) + Math.abs(r))) {
    const n = Math.hypot(l1 - r, q);
    e1 = [(l1 - r) / n, q / n];
  } else e1 = p >= r ? [1, 0] : [0, 1];
  return { values: [l1, l2], vectors: [e1, [-e1[1], e1[0]]] };
}

function requireNoMean(config: Pick<Config, "betaM">): void {
  if (config.betaM !== 0) throw new RangeError("controls: the written-down families need betaM = 0 (no bias term)");
}

/**
 * The Wiener family on a grid (its levels, noisiest first; the clean end is not a level): K = 2 linear
 * units w_i = the eigenvectors e_i of the u-v covariance block, b = alpha / (alpha^2 + sigma^2) (the
 * bulk's), a_i = alpha l_i / (alpha^2 l_i + sigma^2) - b. Sample it with a generator whose config has
 * activation "linear", K = 2 and target "x0".
 */
export function wienerFamily(
  config: Pick<Config, "betaU" | "betaV" | "betaM" | "latent" | "correlation" | "d">,
  spikes: { u: Float64Array; v: Float64Array },
  grid: readonly GridPoint[],
): TrainedFamily {
  requireNoMean(config);
  const { d } = config;
  const [p, q, , r] = spanCovariance(config);
  const { values, vectors } = eigen2(p, q, r);
  const levels = grid.length - 1;
  const K = 2;
  const w = new Float64Array(levels * K * d);
  const a = new Float64Array(levels * K);
  const b = new Float64Array(levels);
  for (let l = 0; l < levels; l++) {
    const { alpha, sigma } = grid[l];
    b[l] = alpha / (alpha * alpha + sigma * sigma);
    for (let k = 0; k < K; k++) {
      const [cu, cv] = vectors[k];
      for (let i = 0; i < d; i++) w[(l * K + k) * d + i] = cu * spikes.u[i] + cv * spikes.v[i];
      a[l * K + k] = (alpha * values[k]) / (alpha * alpha * values[k] + sigma * sigma) - b[l];
    }
  }
  return { w, a, b };
}

/**
 * One unit of activation g at w = u with the loss-minimising (b, a) at each level: the normal equations
 *   b E|xt|^2 + a E[h g(h)] = E[x0 . xt],   b E[h g(h)] + a E[g(h)^2] = E[(x0 . u) g(h)],   h = u . xt,
 * with x0 . u ~ N(0, varU) (Gaussian for every correlation law), so everything is one-dimensional
 * Gauss-Hermite quadrature. Units k >= 1 (when K > 1) get a = 0. Sample it with a generator of the same
 * activation and K, target "x0".
 */
export function unitAtSpikeFamily(
  config: Pick<Config, "betaU" | "betaM" | "d" | "K" | "activation">,
  u: Float64Array,
  grid: readonly GridPoint[],
): TrainedFamily {
  requireNoMean(config);
  const { d, K } = config;
  const varU = 1 + config.betaU;
  const gh = gaussHermite(80);
  const levels = grid.length - 1;
  const w = new Float64Array(levels * K * d);
  const a = new Float64Array(levels * K);
  const b = new Float64Array(levels);
  for (let l = 0; l < levels; l++) {
    const { alpha, sigma } = grid[l];
    const sh = Math.sqrt(alpha * alpha * varU + sigma * sigma);
    let hg = 0;
    let gg = 0;
    for (let i = 0; i < gh.x.length; i++) {
      const h = sh * gh.x[i];
      const g = activationValue(config.activation, h);
      hg += gh.w[i] * h * g;
      gg += gh.w[i] * g * g;
    }
    // E[(x0.u) g(h)] = Cov(x0.u, h) / Var(h) E[h g(h)] (x0.u and h jointly Gaussian).
    const x0g = ((alpha * varU) / (sh * sh)) * hg;
    const xx = (d - 1) * (alpha * alpha + sigma * sigma) + sh * sh;
    const x0x = alpha * (d - 1 + varU);
    const det = xx * gg - hg * hg;
    b[l] = (x0x * gg - hg * x0g) / det;
    a[l * K] = (xx * x0g - hg * x0x) / det;
    for (let k = 0; k < K; k++) w.set(u, (l * K + k) * d);
  }
  return { w, a, b };
}

/** The exact gain of a deterministic sampler ("ddim" or "heun", assembly/sample.ts) for a 1-D Gaussian of
 * variance v under its posterior mean c x, c = alpha v / (alpha^2 v + sigma^2): the product over steps of
 * the step's linear map (DDIM: sigma'/sigma + phi c, phi = alpha' - sigma' alpha / sigma; Heun: that, g, plus
 * (alpha' - phi/h)(c' g - c) with h = log(alpha' sigma / (sigma' alpha)), DDIM's on the last step). */
export function gaussianGain(grid: readonly GridPoint[], v: number, sampler: "ddim" | "heun" = "ddim"): number {
  const post = (alpha: number, sigma: number) => (alpha * v) / (alpha * alpha * v + sigma * sigma);
  let gain = 1;
  for (let l = 0; l + 1 < grid.length; l++) {
    const { alpha, sigma } = grid[l];
    const { alpha: alpha1, sigma: sigma1 } = grid[l + 1];
    const phi = alpha1 - (sigma1 * alpha) / sigma;
    const c = post(alpha, sigma);
    let g = sigma1 / sigma + phi * c;
    if (sampler === "heun" && sigma1 > 0 && alpha > 0) {
      const h = Math.log((alpha1 * sigma) / (sigma1 * alpha));
      g += (alpha1 - phi / h) * (post(alpha1, sigma1) * g - c);
    }
    gain *= g;
  }
  return gain;
}

/** The variance a deterministic sampler generates along a direction of data variance v: the gain squared
 * times the starting variance alpha0^2 + sigma0^2. */
export function gaussianVariance(grid: readonly GridPoint[], v: number, sampler: "ddim" | "heun" = "ddim"): number {
  const { alpha, sigma } = grid[0];
  return gaussianGain(grid, v, sampler) ** 2 * (alpha * alpha + sigma * sigma);
}
