// The Bayes-optimal denoiser E[x0 | xt] of the kernels (assembly/oracle.ts), against a brute-force
// posterior mean, its Bayes risk by quadrature, the orthogonality principle and a trained network.
import { describe, expect, it } from "vitest";
import { alphaSigma } from "../src/config/process.js";
import { resolveConfig } from "../src/config/schema.js";
import { loadKernels } from "../src/engine/kernels.js";
import { createSimulation } from "../src/engine/simulation.js";
import { bayesRiskQuadrature } from "../src/generate/bayes.js";
import { createGenerator } from "../src/generate/sampler.js";
import { couplingLaw, nuLaw, nuQuantile } from "../src/theory/quadrature.js";
import { normCdf } from "../src/theory/special.js";
import { meanWithSE, withinSE } from "./helpers/stats.js";

const scalar = await loadKernels(undefined, { flavour: "scalar" });

/** E[x0.u | y], E[x0.v | y] by brute force: a dense trapezoid over lambda (and over nu when it is
 * independent and uniform) of prior times likelihood, straight from the model's definition. */
function bruteForce(
  cfg: { betaU: number; betaV: number; latent: string; correlation: string },
  alpha: number,
  sigma: number,
  yu: number,
  yv: number,
) {
  const law = nuLaw(cfg.latent);
  const coupling = couplingLaw(cfg.correlation);
  const s = Math.sqrt(1 + cfg.betaV);
  const tu2 = alpha ** 2 + sigma ** 2;
  const tv2 = alpha ** 2 / s ** 2 + sigma ** 2;
  const A = alpha * Math.sqrt(cfg.betaU);
  const B = (alpha * Math.sqrt(cfg.betaV)) / s;
  const lik = (lam: number, nu: number) =>
    Math.exp(-((yu - A * lam) ** 2) / (2 * tu2) - (yv - B * nu) ** 2 / (2 * tv2) - (lam * lam) / 2);
  // nu's independent law as (value, probability) pairs.
  const indep: [number, number][] =
    law.kind === "two-point"
      ? [
          [law.hi, law.p],
          [law.lo, 1 - law.p],
        ]
      : Array.from({ length: 501 }, (_, i) => [nuQuantile(law, (i + 0.5) / 501), 1 / 501] as [number, number]);
  const pDep = coupling.kind === "independent" ? 0 : coupling.kind === "mixed" ? coupling.p : 1;
  const dep = (lam: number) =>
    coupling.kind === "uncorrelated" ? nuQuantile(law, 2 * normCdf(Math.abs(lam)) - 1) : nuQuantile(law, normCdf(lam));
  let z = 0;
  let el = 0;
  let en = 0;
  const h = law.kind === "two-point" ? 2.5e-4 : 4e-3;
  for (let i = 0; i < 18 / h; i++) {
    const lam = -9 + (i + 0.5) * h;
    if (pDep > 0) {
      const nu = dep(lam);
      const w = pDep * lik(lam, nu);
      z += w;
      el += w * lam;
      en += w * nu;
    }
    if (pDep < 1) {
      for (const [nu, p] of indep) {
        const w = (1 - pDep) * p * lik(lam, nu);
        z += w;
        el += w * lam;
        en += w * nu;
      }
    }
  }
  const eLam = el / z;
  const eNu = en / z;
  const sg2 = sigma ** 2;
  return {
    u: (alpha / tu2) * yu + Math.sqrt(cfg.betaU) * (sg2 / tu2) * eLam,
    v: (alpha / (s * s * tv2)) * yv + (Math.sqrt(cfg.betaV) / s) * (sg2 / tv2) * eNu,
  };
}

describe("oracle denoiser", () => {
  const cases = [
    { latent: "rademacher", correlation: "independent" },
    { latent: "rademacher", correlation: "sign" },
    { latent: "rademacher", correlation: "uncorrelated" },
    { latent: "skewed:0.3", correlation: "mixed:0.4" },
    { latent: "uniform", correlation: "independent" },
    { latent: "uniform", correlation: "sign" },
    { latent: "uniform", correlation: "uncorrelated" },
  ];
  it("E[x0.u | y] and E[x0.v | y] match a brute-force posterior mean for every latent and correlation law", async () => {
    for (const c of cases) {
      const config = resolveConfig({ d: 4, betaU: 3, betaV: 4, ...c });
      const gen = await createGenerator(config, 3, { kernels: scalar });
      for (const [process, t] of [
        ["vp", 0.3],
        ["ve", 1.5],
        ["linear", 0.6],
      ] as const) {
        const { alpha, sigma } = alphaSigma(process, t);
        for (const [yu, yv] of [
          [0.3, -0.8],
          [2.5, 1.7],
          [-1.2, 0.1],
          [4, -2.5],
        ]) {
          const got = gen.oracleSpan(alpha, sigma, yu, yv);
          const want = bruteForce(config, alpha, sigma, yu, yv);
          // The brute force's own error: the midpoint rule over a jump of nu (h = 2.5e-4; 4e-3 and 501
          // midpoints in nu for a uniform nu); the largest difference measured is 3.5e-5.
          const tol = 2e-4;
          expect(Math.abs(got.u - want.u), `${JSON.stringify(c)} ${process} t=${t} y=${yu},${yv} u`).toBeLessThan(tol);
          expect(Math.abs(got.v - want.v), `${JSON.stringify(c)} ${process} t=${t} y=${yu},${yv} v`).toBeLessThan(tol);
        }
      }
    }
  });

  it("stays finite where the latents contradict y (far tails of the truncated normals)", async () => {
    const config = resolveConfig({ d: 4, correlation: "sign" });
    const gen = await createGenerator(config, 3, { kernels: scalar });
    const { alpha, sigma } = alphaSigma("vp", 0.001);
    for (const [yu, yv] of [
      [40, -30],
      [-60, 45],
      [1e3, -1e3],
    ]) {
      const f = gen.oracleSpan(alpha, sigma, yu, yv);
      expect(Number.isFinite(f.u) && Number.isFinite(f.v), `y = ${yu}, ${yv}: ${f.u}, ${f.v}`).toBe(true);
    }
  });

  it("its Monte Carlo MSE equals the Bayes risk by quadrature (within 4 SE)", async () => {
    for (const c of [cases[0], cases[1], cases[2]]) {
      const config = resolveConfig({ d: 4, ...c });
      const gen = await createGenerator(config, 5, { kernels: scalar });
      const { alpha, sigma } = alphaSigma("vp", 0.4);
      const batches = Array.from({ length: 20 }, (_, b) => gen.oracleMse(alpha, sigma, 2000, b));
      const mc = meanWithSE(batches);
      const quad = bayesRiskQuadrature(gen, config, alpha, sigma);
      const r = withinSE(mc.mean, quad, mc.se, 4);
      expect(r.ok, `${c.correlation}: ${r.text}`).toBe(true);
    }
  });

  it("its residual along v is uncorrelated with functions of y (orthogonality principle, 5 SE)", async () => {
    const config = resolveConfig({ d: 4, correlation: "uncorrelated" });
    const gen = await createGenerator(config, 7, { kernels: scalar });
    const n = 40000;
    const data = gen.sim.sample(n, 1);
    const { u, v } = gen.sim.spikes();
    const dotRow = (x: Float64Array, i: number, dir: Float64Array) => {
      let a = 0;
      for (let j = 0; j < 4; j++) a += x[i * 4 + j] * dir[j];
      return a;
    };
    // sim.sample noises at the config's t (0.5 by default): use that level.
    const lvl = alphaSigma("vp", config.t);
    const tests: [string, (yu: number, yv: number) => number][] = [
      ["y_v", (_u, y) => y],
      ["y_v^3", (_u, y) => y ** 3],
      ["tanh(2 y_v)", (_u, y) => Math.tanh(2 * y)],
      ["y_u^2 y_v", (a, y) => a * a * y],
      ["|y_u|", (a) => Math.abs(a)],
    ];
    for (const [name, h] of tests) {
      const prod = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const yu = dotRow(data.xt, i, u);
        const yv = dotRow(data.xt, i, v);
        const f = gen.oracleSpan(lvl.alpha, lvl.sigma, yu, yv);
        prod[i] = (dotRow(data.x0, i, v) - f.v) * h(yu, yv);
      }
      const r = meanWithSE(prod);
      const w = withinSE(r.mean, 0, r.se, 5);
      expect(w.ok, `E[(x0.v - f_v) ${name}]: ${w.text}`).toBe(true);
    }
  });

  it("no trained network (K = 2, trained b and a) beats it: paired test-loss difference >= -3 SE", async () => {
    const config = resolveConfig({
      d: 16,
      K: 2,
      walkers: 4,
      trainSkip: true,
      trainAmplitude: true,
      correlation: "sign",
      t: 0.4,
    });
    const sim = await createSimulation(config, { kernels: scalar });
    sim.init(11);
    await sim.run(40_000);
    const gen = await createGenerator(config, 11, { kernels: scalar });
    const n = 20000;
    const data = gen.sim.sample(n, 2);
    const w = sim.weights();
    const a = sim.amplitudes();
    const b = sim.skips();
    const { d, K } = config;
    for (let walker = 0; walker < config.walkers; walker++) {
      const diff = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const xt = data.xt.subarray(i * d, (i + 1) * d);
        const x0 = data.x0.subarray(i * d, (i + 1) * d);
        const pred = Float64Array.from(xt, (x) => b[walker] * x);
        for (let k = 0; k < K; k++) {
          const wk = w.subarray((walker * K + k) * d, (walker * K + k + 1) * d);
          let h = 0;
          for (let j = 0; j < d; j++) h += wk[j] * xt[j];
          const g = a[walker * K + k] * Math.tanh(h);
          for (let j = 0; j < d; j++) pred[j] += g * wk[j];
        }
        const oracle = gen.oracleDenoise(sim.alpha, sim.sigma, xt);
        let lt = 0;
        let lo = 0;
        for (let j = 0; j < d; j++) {
          lt += (x0[j] - pred[j]) ** 2;
          lo += (x0[j] - oracle[j]) ** 2;
        }
        diff[i] = lt - lo;
      }
      const r = meanWithSE(diff);
      expect(r.mean, `walker ${walker}: trained - oracle = ${r.mean} (SE ${r.se})`).toBeGreaterThan(-3 * r.se);
    }
  });
});
