/**
 * The limit coefficients F, V, S of src/theory/limit.ts, checked two independent ways: against the
 * Riemannian gradient of the population loss (src/theory/loss.ts, finite differences), and against the
 * exact reduced chain's one-step increment averaged at a fixed state (Monte Carlo through the kernel).
 */
import { describe, expect, it } from "vitest";
import type { ConfigInput } from "../src/config/schema.js";
import { createSimulation } from "../src/engine/simulation.js";
import {
  type LimitState,
  limitEvaluator,
  limitModel,
  NotCoveredError,
  predictedIncrement,
} from "../src/theory/limit.js";
import { lossEvaluator } from "../src/theory/loss.js";

describe("limit drift F against the population loss's Riemannian gradient", () => {
  const cases: [string, ConfigInput, LimitState][] = [
    ["defaults", {}, { u: 0.3, v: 0.2 }],
    ["betaU = 0, near the v axis", { betaU: 0 }, { u: 0.05, v: 0.6 }],
    ["sign latents", { correlation: "sign" }, { u: 0.5, v: -0.3 }],
    ["relu, uncorrelated latents", { activation: "relu", correlation: "uncorrelated" }, { u: 0.4, v: 0.25 }],
    ["erf, noise target, VE t = 1", { activation: "erf", target: "noise", process: "ve", t: 1 }, { u: -0.2, v: 0.7 }],
    ["he3, skewed nu, a = 0.7", { activation: "he3", latent: "skewed:0.2", amplitude: 0.7 }, { u: 0.1, v: 0.3 }],
    ["mean spike", { betaM: 1.5 }, { u: 0.2, v: 0.1, m: 0.4 }],
  ];
  for (const [name, cfg, st] of cases) {
    it(`${name}: F_s = -(dL/dm_s - m_s sum_j m_j dL/dm_j) to 1e-7`, () => {
      const model = limitModel(cfg);
      const coef = limitEvaluator(model).at(st);
      const loss = lossEvaluator(model);
      const ms = [st.u, st.v, st.m ?? 0].slice(0, model.q);
      const at = (j: number, h: number) => {
        const x = ms.slice();
        x[j] += h;
        return loss.unit({ u: x[0], v: x[1], m: x[2] });
      };
      const h = 1e-5;
      const grad = ms.map((_, j) => (at(j, h) - at(j, -h)) / (2 * h));
      const radial = ms.reduce((s, m, j) => s + m * grad[j], 0);
      for (let s = 0; s < model.q; s++) {
        expect(Math.abs(coef.F[s] - -(grad[s] - ms[s] * radial))).toBeLessThan(1e-7);
      }
      expect(coef.V).toBeGreaterThan(0);
      expect(Number.isFinite(coef.Fa)).toBe(true);
    });
  }
  it("the drift vanishes on the v axis' orthogonal overlap by symmetry (F_v = 0 at v = 0, odd g, independent latents)", () => {
    const coef = limitEvaluator(limitModel({})).at({ u: 0.4, v: 0 });
    expect(Math.abs(coef.F[1])).toBeLessThan(1e-14);
    expect(coef.F[0]).toBeGreaterThan(0.1);
  });
  it("K > 1 is not covered, with a reason", () => {
    expect(() => limitModel({ K: 2 })).toThrow(NotCoveredError);
    expect(() => limitModel({ K: 2 })).toThrow(/not covered: .*one unit/);
  });
});

/**
 * Monte Carlo through the reduced kernel at d = 1e6: every walker is put at the same state, takes one step,
 * and is put back; the increments are averaged. With eta d = 10 (eta = 1e-5) the shrinkage eta^2 d V / 2
 * per unit overlap is ~3e-5, hundreds of standard errors (~2e-8), and the neglected terms are below 1e-9.
 * The normalisation's fluctuation, eta^2 (|g_perp|^2 - d V) m / 2, is of order eta^2 d (the per-sample
 * factor of d V depends on h): at eta d = 10 it adds to the increment's variance as much as S does, so S is
 * checked at eta d = 0.01, where it is 1e-6 of the variance (irrelevant in the limit: in the search phase
 * the overlap is O(d^-1/2) and there the term is O(d^-1/2) of the noise).
 */
async function oneStepMoments(cfg: ConfigInput, st: LimitState, rounds: number, walkers: number, delta: number) {
  const config = { ...cfg, backend: "reduced" as const, walkers, d: 1_000_000, delta, lrExponent: 1 };
  const model = limitModel(config);
  const sim = await createSimulation(config);
  sim.init(20261202);
  const { layout, arena } = sim;
  const q = model.q;
  const M = new Float64Array(walkers * 3);
  const ms = [st.u, st.v, st.m ?? 0];
  for (let w = 0; w < walkers; w++) M.set(ms, 3 * w);
  const G = new Float64Array(walkers).fill(1 - ms.reduce((s, x) => s + x * x, 0));
  const A = new Float64Array(walkers).fill(st.a ?? model.a);
  const B = new Float64Array(walkers).fill(model.b);
  const sum = new Float64Array(q + 1);
  const sum2 = new Float64Array(q + 1);
  const sum4 = new Float64Array(q + 1);
  for (let r = 0; r < rounds; r++) {
    arena.writeF64(layout.ovl, M);
    arena.writeF64((layout as unknown as { gram: number }).gram, G);
    arena.writeF64(layout.a, A);
    arena.writeF64(layout.b, B);
    sim.advance(1);
    const o = sim.overlaps();
    const a = sim.amplitudes();
    for (let w = 0; w < walkers; w++) {
      for (let s = 0; s <= q; s++) {
        const x = s < q ? o[3 * w + s] - ms[s] : a[w] - A[w];
        sum[s] += x;
        sum2[s] += x * x;
        sum4[s] += x ** 4;
      }
    }
  }
  const n = rounds * walkers;
  const mean = Array.from(sum, (x) => x / n);
  const variance = Array.from(sum2, (x, s) => x / n - mean[s] ** 2);
  const seMean = variance.map((v) => Math.sqrt(v / n));
  // SE of the variance from the fourth moment (the mean is negligible against the spread here).
  const seVar = Array.from(sum4, (x, s) => Math.sqrt(Math.max(x / n - (sum2[s] / n) ** 2, 0) / n));
  return { model, mean, variance, seMean, seVar, eta: sim.eta, d: config.d };
}

describe("limit coefficients against the reduced chain's one-step increment (Monte Carlo, 5 SE)", () => {
  const cases: [string, ConfigInput, LimitState][] = [
    ["defaults", {}, { u: 0.3, v: 0.2 }],
    ["betaU = 0 (the cubic regime's model)", { betaU: 0 }, { u: 0.02, v: 0.5 }],
    ["sign latents", { correlation: "sign" }, { u: 0.45, v: 0.3 }],
    [
      "relu, uncorrelated latents, trained amplitude",
      { activation: "relu", correlation: "uncorrelated", trainAmplitude: true },
      { u: 0.4, v: -0.25, a: 0.8 },
    ],
    ["erf, noise target, VP t = 1", { activation: "erf", target: "noise", t: 1 }, { u: -0.2, v: 0.6 }],
  ];
  for (const [name, cfg, st] of cases) {
    it(`${name}: the mean and variance of each overlap's increment (and a's drift when trained)`, async () => {
      const r = await oneStepMoments(cfg, st, 50, 4096, 10);
      const coef = limitEvaluator(r.model).at(st);
      const ms = [st.u, st.v, st.m ?? 0].slice(0, r.model.q);
      const pred = predictedIncrement(coef, ms, r.eta, r.d);
      const small = await oneStepMoments(cfg, st, 25, 4096, 0.01);
      const predSmall = predictedIncrement(coef, ms, small.eta, small.d);
      for (let s = 0; s < r.model.q; s++) {
        expect(Math.abs(r.mean[s] - pred.mean[s])).toBeLessThan(5 * r.seMean[s]);
        expect(Math.abs(small.mean[s] - predSmall.mean[s])).toBeLessThan(5 * small.seMean[s]);
        expect(Math.abs(small.variance[s] - predSmall.variance[s])).toBeLessThan(5 * small.seVar[s]);
      }
      // The shrinkage term is large against the standard error: a 5 % error in V would fail the test.
      const big = ms.reduce((j, m, i) => (Math.abs(m) > Math.abs(ms[j]) ? i : j), 0);
      const shrink = Math.abs(ms[big]) * 0.5 * r.eta * r.eta * r.d * coef.V;
      expect(0.05 * shrink).toBeGreaterThan(5 * r.seMean[big]);
      if (cfg.trainAmplitude) {
        expect(Math.abs(r.mean[r.model.q] - r.eta * coef.Fa)).toBeLessThan(5 * r.seMean[r.model.q]);
      }
    });
  }
});
