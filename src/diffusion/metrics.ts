/**
 * What generated samples are measured by. Covariance level: the Frechet distance between Gaussian fits
 * of samples and data, |mu_s - mu_d|^2 + tr C_s + tr C_d - 2 tr (C_d^1/2 C_s C_d^1/2)^1/2 (per pixel), and
 * the sample covariance's spectrum. Higher order, statistics that any Gaussian with the data's covariance
 * gets right by construction so that only shape is measured: the W1 distance between *standardised*
 * marginals (each pixel and each horizontal neighbour difference centred and divided by its own standard
 * deviation, in the samples and in the data separately), averaged over positions, and the excess kurtosis
 * of the neighbour difference per position, its median over positions (0 for every Gaussian, whatever its covariance; the
 * kurtosis pooled over positions is not, when the positions' variances differ).
 */
import { type Dense, type GaussianReference, moments } from "../images/gaussian.js";
import { symmetricEigen } from "../images/linalg.js";

export interface SampleStats {
  /** Frechet distance of Gaussian fits to the data's, divided by d. */
  gaussianFrechet: number;
  /** Mean over positions of the W1 distance between standardised marginals (pixels and horizontal
   * neighbour differences) of the samples and of the data. */
  shapeW1: number;
  /** Excess kurtosis of the horizontal neighbour difference per position, averaged over positions. */
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

/** The values of x [n, d] as features [n, d + C H (W - 1)]: every pixel, then every horizontal neighbour
 * difference x[c, y, q + 1] - x[c, y, q]. */
function withDifferences(x: Float64Array, n: number, C: number, H: number, W: number): { f: Float64Array; m: number } {
  const d = C * H * W;
  const m = d + C * H * (W - 1);
  const f = new Float64Array(n * m);
  for (let s = 0; s < n; s++) {
    f.set(x.subarray(s * d, (s + 1) * d), s * m);
    let at = s * m + d;
    for (let cy = 0; cy < C * H; cy++) {
      const row = s * d + cy * W;
      for (let q = 0; q + 1 < W; q++) f[at++] = x[row + q + 1] - x[row + q];
    }
  }
  return { f, m };
}

/** Below this standard deviation a position counts as constant (image corners that are always 0). */
const CONSTANT = 1e-6;

/** Per feature (pixels and neighbour differences): the sorted standardised column, or null when constant. */
export function standardisedColumns(
  x: Float64Array,
  n: number,
  shape: { C: number; H: number; W: number },
): (Float64Array | null)[] {
  const { f, m } = withDifferences(x, n, shape.C, shape.H, shape.W);
  const cols: (Float64Array | null)[] = [];
  for (let j = 0; j < m; j++) {
    let mu = 0;
    for (let s = 0; s < n; s++) mu += f[s * m + j];
    mu /= n;
    let v = 0;
    for (let s = 0; s < n; s++) v += (f[s * m + j] - mu) ** 2;
    const sd = Math.sqrt(v / (n - 1));
    if (!(sd > CONSTANT)) {
      cols.push(null);
      continue;
    }
    const c = new Float64Array(n);
    for (let s = 0; s < n; s++) c[s] = (f[s * m + j] - mu) / sd;
    cols.push(c.sort());
  }
  return cols;
}

/** Mean W1 between standardised columns over the features non-constant in `ref` (a constant sample column
 * against a varying data column scores the data column's mean |z|). */
export function shapeW1(cols: (Float64Array | null)[], ref: (Float64Array | null)[]): number {
  let s = 0;
  let k = 0;
  for (let j = 0; j < ref.length; j++) {
    const r = ref[j];
    if (!r) continue;
    s += wasserstein1(cols[j] ?? new Float64Array(1), r);
    k++;
  }
  return k > 0 ? s / k : 0;
}

/** Excess kurtosis of the horizontal difference x[s, c, y, q + 1] - x[s, c, y, q] at each position (over the
 * samples), the median over the non-constant positions: 0 for any Gaussian up to sampling (the median, since
 * a few border positions of digit images, almost always 0, reach kurtoses in the hundreds). */
export function filterKurtosis(x: Float64Array, n: number, C: number, H: number, W: number): number {
  const d = C * H * W;
  const { f, m } = withDifferences(x, n, C, H, W);
  const k: number[] = [];
  for (let j = d; j < m; j++) {
    let mu = 0;
    for (let s = 0; s < n; s++) mu += f[s * m + j];
    mu /= n;
    let m2 = 0;
    let m4 = 0;
    for (let s = 0; s < n; s++) {
      const c2 = (f[s * m + j] - mu) ** 2;
      m2 += c2;
      m4 += c2 * c2;
    }
    m2 /= n;
    m4 /= n;
    if (Math.sqrt(m2) > CONSTANT) k.push(m4 / (m2 * m2) - 3);
  }
  if (k.length === 0) return 0;
  k.sort((a, b) => a - b);
  const h = k.length >> 1;
  return k.length % 2 === 1 ? k[h] : 0.5 * (k[h - 1] + k[h]);
}

/** The data side of imageSampleStats: the test images' Gaussian reference and standardised columns. */
export interface DataSide {
  ref: GaussianReference;
  cols: (Float64Array | null)[];
  shape: { C: number; H: number; W: number };
}

/** All statistics of samples x [n, d] against the data. */
export function imageSampleStats(
  dense: Dense,
  data: DataSide,
  x: Float64Array,
  n: number,
  spectrumSize = 32,
): SampleStats {
  const d = data.ref.d;
  const { C, H, W } = data.shape;
  const { mean, cov } = moments(dense, x, n, d);
  const values = symmetricEigen(cov, d).values;
  const spectrum: number[] = [];
  for (let i = d - 1; i >= Math.max(0, d - spectrumSize); i--) spectrum.push(Math.max(values[i], 0));
  return {
    gaussianFrechet: frechet(dense, data.ref, mean, cov),
    shapeW1: shapeW1(standardisedColumns(x, n, data.shape), data.cols),
    filterKurtosis: filterKurtosis(x, n, C, H, W),
    spectrum,
  };
}
