/**
 * What generated samples are measured by. Covariance level: the Frechet distance between Gaussian fits
 * of samples and data, |mu_s - mu_d|^2 + tr C_s + tr C_d - 2 tr (C_d^1/2 C_s C_d^1/2)^1/2 (per pixel), and
 * the sample covariance's spectrum. Higher order (what a Gaussian with the data's covariance gets wrong):
 * the Wasserstein-1 distance between the per-pixel marginals of samples and data, averaged over pixels
 * (MNIST and Fashion-MNIST pixels are bimodal, saturating at the background and the stroke; every linear
 * image of a Gaussian is Gaussian), and the excess kurtosis of a local filter, the difference of
 * horizontally adjacent pixels (edges are sparse in images: heavy tails, while a Gaussian has 0).
 */
import { type Dense, type GaussianReference, moments } from "../images/gaussian.js";
import { symmetricEigen } from "../images/linalg.js";

export interface SampleStats {
  /** Frechet distance of Gaussian fits to the data's, divided by d. */
  gaussianFrechet: number;
  /** Mean over pixels of the W1 distance between sample and data marginals. */
  pixelW1: number;
  /** Excess kurtosis of horizontal differences in the samples. */
  filterKurtosis: number;
  /** The sample covariance's largest eigenvalues, descending. */
  spectrum: number[];
}

/** Frechet distance between N(mean, cov) and the Gaussian of `ref`, per dimension. */
export function frechet(dense: Dense, ref: GaussianReference, mean: Float64Array, cov: Float64Array): number {
  const { d } = ref;
  let dm = 0;
  let trS = 0;
  let trD = 0;
  for (let j = 0; j < d; j++) {
    dm += (mean[j] - ref.mean[j]) ** 2;
    trS += cov[j * d + j];
    trD += ref.values[j];
  }
  // B = diag(sqrt l) U^T C U diag(sqrt l) has the eigenvalues of C_d^1/2 C C_d^1/2.
  const cu = dense.gemmNT(cov, d, ref.vectors, d, d); // [i, j] = (C u_j)_i
  const cut = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) cut[j * d + i] = cu[i * d + j];
  const B = dense.gemmNT(cut, d, ref.vectors, d, d); // [j, k] = u_k . C u_j
  for (let j = 0; j < d; j++) {
    const sj = Math.sqrt(ref.values[j]);
    for (let k = 0; k < d; k++) B[j * d + k] *= sj * Math.sqrt(ref.values[k]);
  }
  for (let j = 0; j < d; j++)
    for (let k = 0; k < j; k++) B[j * d + k] = B[k * d + j] = 0.5 * (B[j * d + k] + B[k * d + j]);
  let trSqrt = 0;
  for (const v of symmetricEigen(B, d).values) trSqrt += Math.sqrt(Math.max(v, 0));
  return Math.max(0, dm + trS + trD - 2 * trSqrt) / d;
}

/** Per-pixel sorted columns of x [n, d]. */
export function sortedColumns(x: Float64Array, n: number, d: number): Float64Array[] {
  const cols: Float64Array[] = [];
  for (let j = 0; j < d; j++) {
    const c = new Float64Array(n);
    for (let s = 0; s < n; s++) c[s] = x[s * d + j];
    cols.push(c.sort());
  }
  return cols;
}

/** W1 between the empirical marginal of a (sorted, na) and b (sorted, nb): integral of |Fa^-1 - Fb^-1|. */
export function wasserstein1(a: Float64Array, b: Float64Array): number {
  // Merge the two quantile functions' breakpoints.
  let i = 0;
  let j = 0;
  let u = 0;
  let s = 0;
  while (i < a.length && j < b.length) {
    const ua = (i + 1) / a.length;
    const ub = (j + 1) / b.length;
    const next = Math.min(ua, ub);
    s += (next - u) * Math.abs(a[i] - b[j]);
    u = next;
    if (ua <= next) i++;
    if (ub <= next) j++;
  }
  return s;
}

/** Excess kurtosis of x[s, c, y, x + 1] - x[s, c, y, x] over all samples, channels and positions. */
export function filterKurtosis(x: Float64Array, n: number, C: number, H: number, W: number): number {
  let m1 = 0;
  let count = 0;
  const v: number[] = [];
  for (let s = 0; s < n; s++) {
    for (let c = 0; c < C; c++) {
      for (let y = 0; y < H; y++) {
        const row = ((s * C + c) * H + y) * W;
        for (let q = 0; q + 1 < W; q++) {
          const r = x[row + q + 1] - x[row + q];
          v.push(r);
          m1 += r;
          count++;
        }
      }
    }
  }
  m1 /= count;
  let m2 = 0;
  let m4 = 0;
  for (const r of v) {
    const c2 = (r - m1) ** 2;
    m2 += c2;
    m4 += c2 * c2;
  }
  m2 /= count;
  m4 /= count;
  return m2 > 0 ? m4 / (m2 * m2) - 3 : 0;
}

/** All statistics of samples x [n, d] against the data (its Gaussian reference and sorted columns). */
export function sampleStats(
  dense: Dense,
  ref: GaussianReference,
  dataCols: Float64Array[],
  x: Float64Array,
  n: number,
  shape: { C: number; H: number; W: number },
  spectrumSize = 32,
): SampleStats {
  const d = ref.d;
  const { mean, cov } = moments(dense, x, n, d);
  const cols = sortedColumns(x, n, d);
  let w1 = 0;
  for (let j = 0; j < d; j++) w1 += wasserstein1(cols[j], dataCols[j]);
  const values = symmetricEigen(cov, d).values;
  const spectrum: number[] = [];
  for (let i = d - 1; i >= Math.max(0, d - spectrumSize); i--) spectrum.push(Math.max(values[i], 0));
  return {
    gaussianFrechet: frechet(dense, ref, mean, cov),
    pixelW1: w1 / d,
    filterKurtosis: filterKurtosis(x, n, shape.C, shape.H, shape.W),
    spectrum,
  };
}
