/**
 * The Gaussian-twin measurement (docs/diffusion.md; Refinetti, Ingrosso & Goldt 2023 train networks on a
 * Gaussian clone beside the data; Kadkhodaie et al. 2024 compare two networks on the same noise). Per noise
 * level t, on fixed noisy test images, the x0 estimates of R (trained on the data), G and G' (trained on two
 * independent streams of the data's Gaussian clone) and the Wiener denoiser W, every squared distance per
 * pixel divided by the Wiener denoiser's own MSE on these inputs:
 *   eG = |G - W|^2, floor = |G - G'|^2, h = |R - G|^2 - floor, dR = |R - W|^2, cross = <R0 - W, R - W>
 * (R0: the initial network, for the straight-path null of ./decide.ts), and the paired loss difference
 * (G's x0 error minus R's on the same real test images) with a bootstrap standard error over the images.
 */

/** One noise level's fixed evaluation inputs. */
export interface EvalSet {
  t: number;
  alpha: number;
  sigma: number;
  /** Noisy real test images [n, d]. */
  real: Float64Array;
  /** The Wiener denoiser's x0 estimates on `real`. */
  wienerX0: Float64Array;
  /** The Wiener denoiser's x0 MSE per pixel on `real`: the unit of every twin quantity. */
  wienerMse: number;
  /** The initial network's x0 estimates on `real`. */
  initX0: Float64Array;
}

export interface MeanSe {
  mean: number;
  se: number;
}

/** One snapshot of the twin measurement; each record is keyed by t (tKey). */
export interface TwinPoint {
  step: number;
  eG: Record<string, number>;
  h: Record<string, number>;
  floor: Record<string, number>;
  dR: Record<string, number>;
  cross: Record<string, number>;
  /** G's x0 MSE minus R's on the real test images (positive: R better), with its bootstrap SE. */
  lossDiff: Record<string, MeanSe>;
}

/** The twin block of result.json. */
export interface TwinResult {
  t: number[];
  /** The Wiener denoiser's x0 MSE per pixel on the evaluation inputs, per t: the unit. */
  wienerMse: Record<string, number>;
  snapshots: TwinPoint[];
}

/** x0 estimates (xt - sigma eps) / alpha of noise predictions eps on inputs xt. */
export function x0Of(eps: Float64Array, xt: Float64Array, alpha: number, sigma: number): Float64Array {
  const out = new Float64Array(eps.length);
  for (let i = 0; i < eps.length; i++) out[i] = (xt[i] - sigma * eps[i]) / alpha;
  return out;
}

/** Mean squared difference per entry. */
export function meanSquared(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s / a.length;
}

/** Mean of the products (a - c)(b - c) per entry. */
function meanCross(a: Float64Array, b: Float64Array, c: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - c[i]) * (b[i] - c[i]);
  return s / a.length;
}

/** Resamples of the bootstrap standard error. */
export const BOOTSTRAP = 400;

/** The mean of v and its bootstrap standard error (BOOTSTRAP resamples from a fixed generator: reproducible). */
export function bootstrapMean(v: Float64Array): MeanSe {
  const n = v.length;
  let mean = 0;
  for (const x of v) mean += x;
  mean /= n;
  let state = 0x9e3779b9;
  const next = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) | 0;
    let z = Math.imul(state ^ (state >>> 15), 1 | state);
    z = (z + Math.imul(z ^ (z >>> 7), 61 | z)) ^ z;
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
  let s1 = 0;
  let s2 = 0;
  for (let b = 0; b < BOOTSTRAP; b++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += v[Math.floor(next() * n)];
    m /= n;
    s1 += m;
    s2 += m * m;
  }
  const mb = s1 / BOOTSTRAP;
  return { mean, se: Math.sqrt(Math.max(0, s2 / BOOTSTRAP - mb * mb) * (BOOTSTRAP / (BOOTSTRAP - 1))) };
}

/** Per-image x0 MSE of estimates against the clean images, [n]. */
function perImage(x0: Float64Array, clean: Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    let e = 0;
    for (let j = 0; j < d; j++) e += (x0[s * d + j] - clean[s * d + j]) ** 2;
    out[s] = e / d;
  }
  return out;
}

/**
 * The twin quantities at one snapshot from the three networks' x0 estimates per evaluation set (R, G, G'
 * in that order, each [n, d]) and the clean test images.
 */
export function twinPoint(
  step: number,
  sets: EvalSet[],
  x0: [Float64Array, Float64Array, Float64Array][],
  clean: Float64Array,
  n: number,
  d: number,
  key: (t: number) => string,
): TwinPoint {
  const p: TwinPoint = { step, eG: {}, h: {}, floor: {}, dR: {}, cross: {}, lossDiff: {} };
  sets.forEach((e, i) => {
    const [r, g, g2] = x0[i];
    const u = e.wienerMse;
    const k = key(e.t);
    const floor = meanSquared(g, g2) / u;
    p.eG[k] = meanSquared(g, e.wienerX0) / u;
    p.floor[k] = floor;
    p.h[k] = meanSquared(r, g) / u - floor;
    p.dR[k] = meanSquared(r, e.wienerX0) / u;
    p.cross[k] = meanCross(e.initX0, r, e.wienerX0) / u;
    const lr = perImage(r, clean, n, d);
    const lg = perImage(g, clean, n, d);
    const diff = lg.map((v, s) => (v - lr[s]) / u);
    p.lossDiff[k] = bootstrapMean(diff);
  });
  return p;
}

/** Per-sample squared distances per pixel between sample sets drawn from the same noise: R - G, G - G'
 * (the floor), G - Wiener and R - Wiener (means over the samples). */
export interface SampleGaps {
  RG: number;
  GG: number;
  GW: number;
  RW: number;
}

export function sampleGaps(r: Float64Array, g: Float64Array, g2: Float64Array, w: Float64Array): SampleGaps {
  return { RG: meanSquared(r, g), GG: meanSquared(g, g2), GW: meanSquared(g, w), RW: meanSquared(r, w) };
}
