/**
 * The quadrature loss of src/theory agrees with Monte Carlo estimates from the WASM sampler (the engine's
 * own x0 and xt), for several activations, latent laws, couplings, processes and targets. Tolerance: 5
 * standard errors of the Monte Carlo mean (the quadrature error, about 1e-13, is negligible).
 */
import { describe, expect, it } from "vitest";
import type { ConfigInput } from "../src/config/schema.js";
import { createSimulation } from "../src/engine/simulation.js";
import { activationValue, lossConstant, lossEvaluator, theoryModel } from "../src/theory/loss.js";

/** Unit-norm weights with the given overlaps on the basis spikes u = e0, v = e1, m = e2 (rest on e3). */
function weightsFor(d: number, u: number, v: number, m: number): Float64Array {
  const w = new Float64Array(d);
  w[0] = u;
  w[1] = v;
  w[2] = m;
  w[3] = Math.sqrt(1 - u * u - v * v - m * m);
  return w;
}

interface Case {
  name: string;
  config: ConfigInput;
  overlaps: { u: number; v: number; m: number };
}

const CASES: Case[] = [
  { name: "tanh, rademacher, independent (defaults)", config: {}, overlaps: { u: 0.6, v: 0.5, m: 0 } },
  { name: "tanh, rademacher, sign", config: { correlation: "sign" }, overlaps: { u: 0.5, v: -0.6, m: 0 } },
  {
    name: "relu, skewed:0.2, mixed:0.4, t = 0.1",
    config: { activation: "relu", latent: "skewed:0.2", correlation: "mixed:0.4", t: 0.1 },
    overlaps: { u: 0.3, v: 0.7, m: 0 },
  },
  {
    name: "sign, uniform, uncorrelated, ve t = 0.7",
    config: { activation: "sign", latent: "uniform", correlation: "uncorrelated", process: "ve", t: 0.7 },
    overlaps: { u: 0.4, v: 0.6, m: 0 },
  },
  {
    name: "erf, uniform, sign, noise target, linear t = 0.6, fixed skip 0.3, a = 0.7",
    config: {
      activation: "erf",
      latent: "uniform",
      correlation: "sign",
      target: "noise",
      process: "linear",
      t: 0.6,
      skip: 0.3,
      amplitude: 0.7,
    },
    overlaps: { u: 0.5, v: 0.5, m: 0 },
  },
  {
    name: "he3, mean spike betaM = 1, skewed:0.3, independent",
    config: { activation: "he3", latent: "skewed:0.3", betaM: 1, betaU: 2, betaV: 3 },
    overlaps: { u: 0.3, v: 0.4, m: 0.5 },
  },
];

describe("quadrature loss against the WASM sampler", () => {
  for (const c of CASES) {
    it(`unit part of the loss within 5 standard errors: ${c.name}`, async () => {
      const d = 8;
      const sim = await createSimulation({ ...c.config, d, walkers: 1, spikes: "basis" });
      sim.init(20261129);
      const model = theoryModel({ ...c.config, d });
      const { u, v, m } = c.overlaps;
      const w = weightsFor(d, u, v, m);
      const batch = 20_000;
      const batches = 10;
      let sum = 0;
      let sum2 = 0;
      const { a, b, alpha, sigma } = model;
      for (let k = 0; k < batches; k++) {
        const { x0, xt } = sim.sample(batch, k);
        for (let s = 0; s < batch; s++) {
          let h = 0;
          let h0 = 0;
          for (let i = 0; i < d; i++) {
            h += w[i] * xt[s * d + i];
            h0 += w[i] * x0[s * d + i];
          }
          const g = activationValue(model.activation, h);
          const target = model.target === "x0" ? h0 : (h - alpha * h0) / sigma;
          const l = a * g * (b * h - target) + 0.5 * a * a * g * g;
          sum += l;
          sum2 += l * l;
        }
      }
      const n = batch * batches;
      const mean = sum / n;
      const se = Math.sqrt((sum2 / n - mean * mean) / n);
      const theory = lossEvaluator(model).unit({ u, v, m });
      expect(Math.abs(mean - theory)).toBeLessThan(5 * se);
    });
  }

  it("full population loss (constant + unit part) matches evalLoss over 8 walkers within 5 standard errors", async () => {
    const d = 8;
    const walkers = 8;
    const config = { correlation: "sign", d, walkers, spikes: "basis" as const };
    const sim = await createSimulation(config);
    sim.init(7);
    const w = weightsFor(d, 0.7, 0.4, 0);
    const all = new Float64Array(walkers * d);
    for (let k = 0; k < walkers; k++) all.set(w, k * d);
    sim.arena.writeF64(sim.layout.w, all);
    const losses = sim.evalLoss(20_000);
    const mean = losses.reduce((p, q) => p + q, 0) / walkers;
    const sd = Math.sqrt(losses.reduce((p, q) => p + (q - mean) ** 2, 0) / (walkers - 1));
    const se = sd / Math.sqrt(walkers);
    const model = theoryModel(config);
    const theory = lossConstant(model) + lossEvaluator(model).unit({ u: 0.7, v: 0.4 });
    expect(Math.abs(mean - theory)).toBeLessThan(5 * se);
    // The check has teeth: the unit part is many standard errors away from zero.
    expect(Math.abs(theory - lossConstant(model))).toBeGreaterThan(10 * se);
  });
});
