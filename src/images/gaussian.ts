/**
 * The Gaussian references of a data set: its empirical mean and covariance C, the
 * Gaussian clone N(mean, C) sampled through the eigen factor U diag(sqrt lambda), and the Wiener
 * denoiser E[x0 | xt] = mean + alpha C (alpha^2 C + sigma^2 I)^-1 (xt - alpha mean), the best denoiser
 * that uses only first and second moments (and the exact posterior mean for the clone).
 */
import type { Arena } from "../engine/arena.js";
import type { ImagesExports } from "./kernels.js";
import { type SymmetricEigen, symmetricEigen } from "./linalg.js";

/** Dense products in the kernels' memory (SIMD), with copies in and out. */
export interface Dense {
  /** out [n, rows] with out[s, i] = m_i . x_s, for x [n, d], m [rows, d]. */
  gemmNT(x: Float64Array, n: number, m: Float64Array, rows: number, d: number): Float64Array;
  /** sum_s x_s x_s^T over rows of x [n, d], full symmetric [d, d]. */
  gram(x: Float64Array, n: number, d: number): Float64Array;
  /** n standard normals from stream `stream` of the master seed. */
  normals(seedHi: number, seedLo: number, stream: number, n: number): Float64Array;
  /** n uniforms in [0, 1) from stream `stream` of the master seed. */
  uniforms(seedHi: number, seedLo: number, stream: number, n: number): Float64Array;
}

/** Dense helpers that use memory of `exports` from byte `start` on (nothing else may live there). */
export function createDense(exports: ImagesExports, arena: Arena, start: number): Dense {
  const base = Math.ceil(start / 16) * 16;
  const place = (sizes: number[]) => {
    const ptrs: number[] = [];
    let p = base;
    for (const s of sizes) {
      ptrs.push(p);
      p = Math.ceil((p + 8 * s) / 16) * 16;
    }
    arena.ensure(p);
    return ptrs;
  };
  const stream = (seedHi: number, seedLo: number, id: number, n: number, gauss: boolean) => {
    const [rng, out] = place([4, n]);
    exports.seedStream(rng, seedHi, seedLo, id, 0);
    if (gauss) exports.fillGauss(rng, out, n);
    else exports.fillUniform(rng, out, n);
    return arena.readF64(out, n);
  };
  return {
    gemmNT(x, n, m, rows, d) {
      const [px, pm, po] = place([n * d, rows * d, n * rows]);
      arena.writeF64(px, x.subarray(0, n * d));
      arena.writeF64(pm, m.subarray(0, rows * d));
      exports.gemmNT(px, n, pm, rows, d, po);
      return arena.readF64(po, n * rows);
    },
    gram(x, n, d) {
      const [px, po] = place([n * d, d * d]);
      arena.writeF64(px, x.subarray(0, n * d));
      arena.f64(po, d * d).fill(0);
      exports.syrkUpper(px, n, d, po);
      const g = arena.readF64(po, d * d);
      for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) g[i * d + j] = g[j * d + i];
      return g;
    },
    normals: (hi, lo, id, n) => stream(hi, lo, id, n, true),
    uniforms: (hi, lo, id, n) => stream(hi, lo, id, n, false),
  };
}

export interface GaussianReference {
  d: number;
  /** Empirical mean [d]. */
  mean: Float64Array;
  /** Eigenvalues of the empirical covariance (unbiased, / (n - 1)), ascending, negatives from
   * round-off set to 0. */
  values: Float64Array;
  /** Eigenvectors as rows [d, d]. */
  vectors: Float64Array;
  /** U^T [d, d]: row i holds coordinate i of every eigenvector. */
  ut: Float64Array;
  /** tr(C) / d */
  avgVariance: number;
  /** Eigenvalues above 1e-10 times the largest. */
  rank: number;
}

/** The reference of a given mean and covariance (for tests with a known covariance). */
export function referenceFromMoments(mean: Float64Array, cov: Float64Array, d: number): GaussianReference {
  const eig: SymmetricEigen = symmetricEigen(cov, d);
  const values = eig.values.map((v) => Math.max(v, 0));
  const ut = new Float64Array(d * d);
  for (let j = 0; j < d; j++) for (let i = 0; i < d; i++) ut[i * d + j] = eig.vectors[j * d + i];
  let tr = 0;
  for (let i = 0; i < d; i++) tr += cov[i * d + i];
  const top = values[d - 1];
  const rank = values.filter((v) => v > 1e-10 * top).length;
  return { d, mean: Float64Array.from(mean), values, vectors: eig.vectors, ut, avgVariance: tr / d, rank };
}

/** Mean and unbiased covariance of x [n, d]. */
export function moments(
  dense: Dense,
  x: Float64Array,
  n: number,
  d: number,
): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(d);
  for (let s = 0; s < n; s++) for (let j = 0; j < d; j++) mean[j] += x[s * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const c = new Float64Array(n * d);
  for (let s = 0; s < n; s++) for (let j = 0; j < d; j++) c[s * d + j] = x[s * d + j] - mean[j];
  const cov = dense.gram(c, n, d);
  for (let i = 0; i < cov.length; i++) cov[i] /= n - 1;
  return { mean, cov };
}

/** Empirical mean and covariance of x [n, d] and their eigen-decomposition. */
export function buildReference(dense: Dense, x: Float64Array, n: number, d: number): GaussianReference {
  const { mean, cov } = moments(dense, x, n, d);
  return referenceFromMoments(mean, cov, d);
}

/** The Wiener shrinkage of eigen-direction j: alpha lambda_j / (alpha^2 lambda_j + sigma^2). */
function shrink(ref: GaussianReference, alpha: number, sigma: number): Float64Array {
  return ref.values.map((l) => (alpha * l) / (alpha * alpha * l + sigma * sigma));
}

/** The Wiener matrix alpha C (alpha^2 C + sigma^2 I)^-1 = U diag(shrink) U^T, [d, d] symmetric. */
export function wienerMatrix(dense: Dense, ref: GaussianReference, alpha: number, sigma: number): Float64Array {
  const { d, ut } = ref;
  const f = shrink(ref, alpha, sigma);
  const scaled = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) scaled[i * d + j] = ut[i * d + j] * f[j];
  return dense.gemmNT(scaled, d, ut, d, d);
}

/** Wiener outputs mean + W (xt - alpha mean) for xt [n, d]. */
export function wienerApply(
  dense: Dense,
  ref: GaussianReference,
  W: Float64Array,
  alpha: number,
  xt: Float64Array,
  n: number,
): Float64Array {
  const { d, mean } = ref;
  const y = new Float64Array(n * d);
  for (let s = 0; s < n; s++) for (let j = 0; j < d; j++) y[s * d + j] = xt[s * d + j] - alpha * mean[j];
  const out = dense.gemmNT(y, n, W, d, d);
  for (let s = 0; s < n; s++) for (let j = 0; j < d; j++) out[s * d + j] += mean[j];
  return out;
}

/** The Wiener denoiser's MSE per pixel on its own Gaussian: (1/d) sum_j lambda_j sigma^2 / (alpha^2 lambda_j + sigma^2). */
export function wienerMseTheory(ref: GaussianReference, alpha: number, sigma: number): number {
  let s = 0;
  for (const l of ref.values) s += (l * sigma * sigma) / (alpha * alpha * l + sigma * sigma);
  return s / ref.d;
}

/** n clone samples mean + U diag(sqrt lambda) z from standard normals z [n, d]. */
export function cloneSamples(dense: Dense, ref: GaussianReference, z: Float64Array, n: number): Float64Array {
  const { d, ut, values, mean } = ref;
  const L = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) L[i * d + j] = ut[i * d + j] * Math.sqrt(values[j]);
  const x = dense.gemmNT(z, n, L, d, d);
  for (let s = 0; s < n; s++) for (let j = 0; j < d; j++) x[s * d + j] += mean[j];
  return x;
}
