/**
 * Samplers of the reverse process for the VP forward process xt = alpha x0 + sigma xi (alpha = e^-t):
 * DDIM (deterministic; Song, Meng & Ermon 2021) and ancestral sampling (the DDPM posterior step; Ho, Jain &
 * Abbeel 2020), on a time grid quadratic in the step index (denser near t = 0, DDIM's "quad" spacing),
 * ending with one denoising step at the smallest t. The noise predictor is either the network or the
 * Wiener denoiser of the data's Gaussian clone, so the Wiener diffusion (the clone's exact score, the same
 * discretisation and the same noise) is the reference for what a covariance-only model generates.
 */
import { alphaSigma } from "../config/process.js";
import type { Dense, GaussianReference } from "../images/gaussian.js";

export type SamplerName = "ddim" | "ancestral";

/** Predicts the noise of xt [n, d] at time t. */
export type EpsPredictor = (xt: Float64Array, n: number, t: number) => Float64Array;

/** The sampler's times, descending from tMax to tMin over `steps` points. */
export function timeGrid(tMin: number, tMax: number, steps: number): number[] {
  const ts: number[] = [];
  for (let i = steps - 1; i >= 0; i--) ts.push(tMin + (tMax - tMin) * (steps > 1 ? (i / (steps - 1)) ** 2 : 0));
  return ts;
}

/**
 * n samples from initial noise z0 [n, d] (x at tMax); `noise` supplies (steps - 1) * n * d standard
 * normals for the ancestral sampler (unused by DDIM). Returns x0 estimates [n, d].
 */
export function sample(
  predict: EpsPredictor,
  sampler: SamplerName,
  z0: Float64Array,
  noise: Float64Array | null,
  n: number,
  d: number,
  ts: number[],
): Float64Array {
  const x = Float64Array.from(z0.subarray(0, n * d));
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    const { alpha, sigma } = alphaSigma("vp", t);
    const eps = predict(x, n, t);
    if (i === ts.length - 1) {
      for (let j = 0; j < n * d; j++) x[j] = (x[j] - sigma * eps[j]) / alpha;
      break;
    }
    const { alpha: a2, sigma: s2 } = alphaSigma("vp", ts[i + 1]);
    if (sampler === "ddim") {
      // x' = alpha' x0hat + sigma' epshat with x0hat = (x - sigma eps) / alpha.
      const cx = a2 / alpha;
      const ce = s2 - (a2 * sigma) / alpha;
      for (let j = 0; j < n * d; j++) x[j] = cx * x[j] + ce * eps[j];
    } else {
      // q(x' | x, x0hat): x = a x' + s xi' with a = alpha / alpha', s^2 = sigma^2 - a^2 sigma'^2.
      const a = alpha / a2;
      const s2sq = sigma * sigma - a * a * s2 * s2;
      const cx = (a * s2 * s2) / (sigma * sigma);
      const c0 = (a2 * s2sq) / (sigma * sigma);
      const sd = Math.sqrt((s2sq * s2 * s2) / (sigma * sigma));
      if (!noise) throw new Error("sample: the ancestral sampler needs noise");
      const z = noise.subarray(i * n * d, (i + 1) * n * d);
      for (let j = 0; j < n * d; j++) {
        const x0 = (x[j] - sigma * eps[j]) / alpha;
        x[j] = cx * x[j] + c0 * x0 + sd * z[j];
      }
    }
  }
  return x;
}

/** The Wiener denoiser's x0 estimate mean + U diag(shrink) U^T (xt - alpha mean) for xt [n, d]. */
export function wienerX0(dense: Dense, ref: GaussianReference, xt: Float64Array, n: number, t: number): Float64Array {
  const { alpha, sigma } = alphaSigma("vp", t);
  const { d, mean } = ref;
  const y = new Float64Array(n * d);
  for (let s = 0; s < n; s++) for (let j = 0; j < d; j++) y[s * d + j] = xt[s * d + j] - alpha * mean[j];
  const c = dense.gemmNT(y, n, ref.vectors, d, d);
  const f = ref.values.map((l) => (alpha * l) / (alpha * alpha * l + sigma * sigma));
  for (let s = 0; s < n; s++) for (let j = 0; j < d; j++) c[s * d + j] *= f[j];
  const out = dense.gemmNT(c, n, ref.ut, d, d);
  for (let s = 0; s < n; s++) for (let j = 0; j < d; j++) out[s * d + j] += mean[j];
  return out;
}

/** The Wiener denoiser as a noise predictor: (xt - alpha x0hat) / sigma. */
export function wienerEps(dense: Dense, ref: GaussianReference): EpsPredictor {
  return (xt, n, t) => {
    const { alpha, sigma } = alphaSigma("vp", t);
    const x0 = wienerX0(dense, ref, xt, n, t);
    for (let j = 0; j < x0.length; j++) x0[j] = (xt[j] - alpha * x0[j]) / sigma;
    return x0;
  };
}
