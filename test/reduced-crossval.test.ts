/**
 * Cross-validation of the reduced backend against the full one (docs/model.md section 8): the same configs,
 * independent seeds and streams, so the two must agree in law. Per case: the first-hitting times of the
 * watched direction (censored at the common budget) pass a two-sample Kolmogorov-Smirnov test at the 1%
 * level, and at every logged step the mean |overlap| with u, v (and m), the mean a_k and the mean b agree
 * within 5 standard errors of their difference.
 */
import { describe, expect, it } from "vitest";
import type { ConfigInput } from "../src/config/schema.js";
import { createSimulation, type Simulation } from "../src/engine/simulation.js";
import { ksTwoSample, meanDifferenceZ } from "./reduced-stats.js";

interface Case {
  name: string;
  config: ConfigInput;
  /** Watched direction: 0 u, 1 v, 2 m; -1 for none (curves only). */
  dir: number;
  total: number;
}

// Budgets are a few times the 90% quantile of the hitting time where that is cheap; for the independent
// cumulant direction (n ~ d^3) they censor about half of the walkers, with eta = 3 / d^2, betaV = 20 and
// t = 0.3 to bring the escape within reach of the full backend at d = 32.
const cubic = { betaU: 0, betaV: 20, t: 0.3, lrExponent: 2, delta: 3 } as const;
const CASES: Case[] = [
  { name: "covariance spike, d = 32", config: { d: 32, walkers: 300 }, dir: 0, total: 1000 },
  { name: "covariance spike, d = 64", config: { d: 64, walkers: 300 }, dir: 0, total: 2000 },
  {
    name: "cumulant spike with sign-correlated latents (threshold 0.3), d = 32",
    config: { d: 32, walkers: 300, correlation: "sign", threshold: 0.3 },
    dir: 1,
    total: 1000,
  },
  {
    name: "cumulant spike with sign-correlated latents (threshold 0.3), d = 64",
    config: { d: 64, walkers: 300, correlation: "sign", threshold: 0.3 },
    dir: 1,
    total: 2000,
  },
  {
    name: "cumulant spike with independent latents (betaU = 0, eta = 3/d^2), d = 16",
    config: { d: 16, walkers: 200, ...cubic },
    dir: 1,
    total: 30_000,
  },
  {
    name: "cumulant spike with independent latents (betaU = 0, eta = 3/d^2), d = 32",
    config: { d: 32, walkers: 100, ...cubic },
    dir: 1,
    total: 150_000,
  },
  {
    name: "K = 2 with the mean spike, trained b and a_k, erf, mixed latents, d = 32",
    config: {
      d: 32,
      K: 2,
      walkers: 200,
      betaM: 1,
      trainSkip: true,
      trainAmplitude: true,
      activation: "erf",
      correlation: "mixed:0.5",
      delta: 0.3,
    },
    dir: 0,
    total: 1000,
  },
  {
    // Predicting the noise, the amplitudes collapse and no direction is reached: curves only.
    name: "K = 2 with the mean spike, noise target, trained b and a_k, relu, uniform nu, linear process, d = 32",
    config: {
      d: 32,
      process: "linear",
      t: 0.7,
      K: 2,
      walkers: 200,
      betaM: 1,
      trainSkip: true,
      trainAmplitude: true,
      target: "noise",
      activation: "relu",
      latent: "uniform",
      delta: 0.3,
    },
    dir: -1,
    total: 3000,
  },
];

async function runBackend(c: Case, backend: "full" | "reduced", seed: number): Promise<Simulation> {
  const sim = await createSimulation({ ...c.config, backend });
  sim.init(seed);
  await sim.run(c.total);
  return sim;
}

/** First hit of direction dir over the units of each walker; Infinity when censored. */
function hittingTimes(sim: Simulation, dir: number): number[] {
  const { walkers, K } = sim.config;
  const hits = sim.hits();
  const out: number[] = [];
  for (let w = 0; w < walkers; w++) {
    let t = Number.POSITIVE_INFINITY;
    for (let k = 0; k < K; k++) {
      const h = hits[(w * K + k) * 3 + dir];
      if (h >= 0) t = Math.min(t, h);
    }
    out.push(t);
  }
  return out;
}

describe("reduced backend agrees in law with the full backend", () => {
  for (const c of CASES) {
    it(`${c.name}: hitting-time distributions (KS at 1%) and mean |overlap|, a_k, b curves (5 SE)`, async () => {
      const full = await runBackend(c, "full", 101);
      const reduced = await runBackend(c, "reduced", 202);
      if (c.dir >= 0) {
        const tf = hittingTimes(full, c.dir);
        const tr = hittingTimes(reduced, c.dir);
        // The test has power only if hits happen.
        expect(tf.filter(Number.isFinite).length).toBeGreaterThan(0.3 * tf.length);
        const ks = ksTwoSample(tf, tr);
        expect(ks.p, `KS D = ${ks.D}`).toBeGreaterThan(0.01);
      }

      const { walkers, K } = full.config;
      // Per walker, the mean over its units (units of one walker are not independent).
      const unitMean = (x: Float64Array, stride: number, j: number, abs: boolean) =>
        Array.from({ length: walkers }, (_, w) => {
          let s = 0;
          for (let k = 0; k < K; k++) {
            const v = x[(w * K + k) * stride + j];
            s += (abs ? Math.abs(v) : v) / K;
          }
          return s;
        });
      const dirs = c.config.betaM ? [0, 1, 2] : [0, 1];
      expect(full.log.map((e) => e.step)).toEqual(reduced.log.map((e) => e.step));
      for (let i = 0; i < full.log.length; i++) {
        const ef = full.log[i];
        const er = reduced.log[i];
        const series: [number[], number[]][] = [];
        for (const j of dirs) {
          series.push([unitMean(ef.overlaps, 3, j, true), unitMean(er.overlaps, 3, j, true)]);
        }
        if (c.config.trainAmplitude) series.push([unitMean(ef.a, 1, 0, false), unitMean(er.a, 1, 0, false)]);
        if (c.config.trainSkip) series.push([Array.from(ef.b), Array.from(er.b)]);
        for (const [x, y] of series) {
          expect(Math.abs(meanDifferenceZ(x, y)), `step ${ef.step}`).toBeLessThan(5);
        }
      }
    });
  }
});
