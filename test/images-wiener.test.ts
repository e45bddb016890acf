import { describe, expect, it } from "vitest";
import { arenaFor } from "../src/experiments/images/layout.js";
import {
  cloneSamples,
  createDense,
  referenceFromMoments,
  wienerApply,
  wienerMatrix,
  wienerMseTheory,
} from "../src/images/gaussian.js";
import { loadImagesKernels } from "../src/images/kernels.js";
import { symmetricEigen } from "../src/images/linalg.js";

async function dense() {
  const ex = await (await loadImagesKernels("scalar")).instantiate();
  return createDense(ex, arenaFor(ex), ex.heapBase());
}

/** A known covariance: Q diag(spectrum) Q^T with Q from Gram-Schmidt on fixed vectors; `zeros` zero eigenvalues. */
function knownGaussian(d: number, zeros = 1) {
  const q: number[][] = [];
  for (let i = 0; i < d; i++) {
    const v = Array.from({ length: d }, (_, j) => Math.sin(1.3 * (i + 1) * (j + 1)) + (i === j ? 1 : 0));
    for (const u of q) {
      const c = u.reduce((s, uj, j) => s + uj * v[j], 0);
      for (let j = 0; j < d; j++) v[j] -= c * u[j];
    }
    const n = Math.hypot(...v);
    q.push(v.map((x) => x / n));
  }
  const spectrum = Array.from({ length: d }, (_, i) => (i >= d - zeros ? 0 : 4 / (i + 1)));
  const cov = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) cov[i * d + j] += q[k][i] * spectrum[k] * q[k][j];
  const mean = Float64Array.from({ length: d }, (_, i) => 0.5 - 0.2 * i);
  // Samples through an independent factor: x = mean + sum_k sqrt(s_k) z_k q_k.
  const sample = (z: Float64Array, n: number) => {
    const x = new Float64Array(n * d);
    for (let s = 0; s < n; s++)
      for (let k = 0; k < d; k++) {
        const c = Math.sqrt(spectrum[k]) * z[s * d + k];
        for (let j = 0; j < d; j++) x[s * d + j] += c * q[k][j];
      }
    for (let s = 0; s < n; s++) for (let j = 0; j < d; j++) x[s * d + j] += mean[j];
    return x;
  };
  return { mean, cov, sample, spectrum };
}

describe("Gaussian references", () => {
  it("symmetricEigen recovers a known spectrum with 10 zero eigenvalues (d = 40) to 1e-12, orthonormal vectors", () => {
    const n = 40;
    const { cov: a, spectrum } = knownGaussian(n, 10);
    const { values, vectors } = symmetricEigen(a, n);
    const want = Float64Array.from(spectrum).sort();
    let resid = 0;
    let orth = 0;
    for (let k = 0; k < n; k++) {
      expect(Math.abs(values[k] - want[k])).toBeLessThan(1e-12 * want[n - 1]);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += a[i * n + j] * vectors[k * n + j];
        resid = Math.max(resid, Math.abs(s - values[k] * vectors[k * n + i]));
      }
      for (let l = 0; l < n; l++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += vectors[k * n + j] * vectors[l * n + j];
        orth = Math.max(orth, Math.abs(s - (k === l ? 1 : 0)));
      }
    }
    expect(resid).toBeLessThan(1e-12 * want[n - 1]);
    expect(orth).toBeLessThan(1e-12);
  });

  it("Wiener MSE on Monte Carlo samples of a known Gaussian equals (1/d) sum lambda sigma^2 / (alpha^2 lambda + sigma^2) within 5 SE", async () => {
    const D = await dense();
    const d = 6;
    const n = 40_000;
    const { mean, cov, sample } = knownGaussian(d);
    const ref = referenceFromMoments(mean, cov, d);
    const alpha = Math.exp(-0.7);
    const sigma = Math.sqrt(1 - alpha * alpha);
    const W = wienerMatrix(D, ref, alpha, sigma);
    const x0 = sample(D.normals(0, 11, 1, n * d), n);
    const xi = D.normals(0, 11, 2, n * d);
    const xt = x0.map((v, i) => alpha * v + sigma * xi[i]);
    const out = wienerApply(D, ref, W, alpha, xt, n);
    const losses = new Float64Array(n);
    for (let s = 0; s < n; s++) {
      let e = 0;
      for (let j = 0; j < d; j++) e += (out[s * d + j] - x0[s * d + j]) ** 2;
      losses[s] = e / d;
    }
    const m = losses.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(losses.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1));
    const theory = wienerMseTheory(ref, alpha, sigma);
    expect(Math.abs(m - theory)).toBeLessThan(5 * (sd / Math.sqrt(n)));
    // And it is a real reduction: well below the MSE of the mean, tr(C)/d.
    expect(theory).toBeLessThan(0.8 * ref.avgVariance);
  });

  it("Wiener residual x0 - W(xt) is uncorrelated with every coordinate of xt (all d^2 moments within 5 SE)", async () => {
    const D = await dense();
    const d = 6;
    const n = 40_000;
    const { mean, cov, sample } = knownGaussian(d);
    const ref = referenceFromMoments(mean, cov, d);
    const alpha = 0.5;
    const sigma = 0.9;
    const W = wienerMatrix(D, ref, alpha, sigma);
    const x0 = sample(D.normals(0, 12, 1, n * d), n);
    const xi = D.normals(0, 12, 2, n * d);
    const xt = x0.map((v, i) => alpha * v + sigma * xi[i]);
    const out = wienerApply(D, ref, W, alpha, xt, n);
    let worst = 0;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let s1 = 0;
        let s2 = 0;
        for (let s = 0; s < n; s++) {
          const p = (x0[s * d + i] - out[s * d + i]) * (xt[s * d + j] - alpha * mean[j]);
          s1 += p;
          s2 += p * p;
        }
        const m = s1 / n;
        const se = Math.sqrt((s2 / n - m * m) / n);
        worst = Math.max(worst, Math.abs(m) / se);
      }
    }
    expect(worst).toBeLessThan(5);
  });

  it("clone samples have the reference's mean and covariance (every entry within 5 SE)", async () => {
    const D = await dense();
    const d = 6;
    const n = 40_000;
    const { mean, cov } = knownGaussian(d);
    const ref = referenceFromMoments(mean, cov, d);
    const x = cloneSamples(D, ref, D.normals(0, 13, 1, n * d), n);
    let worst = 0;
    for (let i = 0; i < d; i++) {
      let m = 0;
      for (let s = 0; s < n; s++) m += x[s * d + i];
      m /= n;
      worst = Math.max(worst, Math.abs(m - mean[i]) / Math.sqrt(Math.max(cov[i * d + i], 1e-30) / n));
      for (let j = 0; j < d; j++) {
        let c = 0;
        for (let s = 0; s < n; s++) c += (x[s * d + i] - mean[i]) * (x[s * d + j] - mean[j]);
        c /= n;
        const se = Math.sqrt((cov[i * d + i] * cov[j * d + j] + cov[i * d + j] ** 2) / n);
        worst = Math.max(worst, Math.abs(c - cov[i * d + j]) / se);
      }
    }
    expect(worst).toBeLessThan(5);
  });
});
