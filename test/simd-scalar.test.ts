/**
 * The SIMD and scalar builds run the same algorithm on the same random draws; only the summation order
 * of the dot products differs. So after a few hundred SGD steps their weights and overlaps agree to
 * rounding, far below the O(eta) change one step makes. Also: the fused run() agrees with its unfused
 * reference runUnfused() (sampleX0, noise, forward, update) in either build.
 */
import { describe, expect, it } from "vitest";
import type { ConfigInput } from "../src/config/schema.js";
import { loadKernels, simdSupported } from "../src/engine/kernels.js";
import { createSimulation } from "../src/engine/simulation.js";

const CASES: [string, ConfigInput][] = [
  ["K = 1, defaults", { d: 101, K: 1 }],
  ["K = 4", { d: 64, K: 4 }],
  [
    "K = 1, noise target, trained skip and amplitude, mean spike, erf",
    { d: 33, K: 1, target: "noise", trainSkip: true, trainAmplitude: true, betaM: 1, activation: "erf" },
  ],
  [
    "K = 3, uniform latent, sign coupling, relu",
    { d: 40, K: 3, latent: "uniform", correlation: "sign", activation: "relu", trainSkip: true },
  ],
];
const STEPS = 400;

// Largest absolute difference between two arrays of the same length.
function maxDiff(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function trained(config: ConfigInput, flavour: "simd" | "scalar", unfused = false) {
  const sim = await createSimulation({ ...config, walkers: 2 }, { kernels: await loadKernels(undefined, { flavour }) });
  sim.init(11);
  for (let w = 0; w < 2; w++) {
    // Two calls, so that state carried between run() calls is exercised too.
    const r1 = unfused ? sim.exports.runUnfused(w, STEPS / 2) : sim.exports.run(w, STEPS / 2);
    const r2 = unfused ? sim.exports.runUnfused(w, STEPS / 2) : sim.exports.run(w, STEPS / 2);
    expect([r1, r2]).toEqual([STEPS / 2, STEPS / 2]);
  }
  return { w: sim.weights(), ovl: sim.overlaps(), a: sim.amplitudes(), b: sim.skips(), eta: sim.eta };
}

describe.runIf(simdSupported())("SIMD and scalar builds", () => {
  for (const [name, config] of CASES) {
    it(`weights, overlaps, a and b agree to 1e-12 after ${STEPS} steps (${name})`, async () => {
      const simd = await trained(config, "simd");
      const scalar = await trained(config, "scalar");
      // Rounding differences of 1e-16 per operation, amplified at most mildly over 400 small steps;
      // a different draw or a wrong update would move weights by about eta / sqrt(d) ~ 1e-3 per step.
      expect(maxDiff(simd.w, scalar.w)).toBeLessThan(1e-12);
      expect(maxDiff(simd.ovl, scalar.ovl)).toBeLessThan(1e-12);
      expect(maxDiff(simd.a, scalar.a)).toBeLessThan(1e-12);
      expect(maxDiff(simd.b, scalar.b)).toBeLessThan(1e-12);
      // The run moved the weights: the agreement is not the trivial one of two idle walkers.
      const idle = await createSimulation({ ...config, walkers: 2 });
      idle.init(11);
      expect(maxDiff(simd.w, idle.weights())).toBeGreaterThan(1e-3);
    });
  }
});

describe("fused run() and its unfused reference", () => {
  for (const flavour of ["scalar", "simd"] as const) {
    for (const [name, config] of CASES) {
      it.runIf(flavour === "scalar" || simdSupported())(
        `agree to 1e-12 in weights, overlaps, a, b after ${STEPS} steps (${flavour}, ${name})`,
        async () => {
          const fused = await trained(config, flavour);
          const ref = await trained(config, flavour, true);
          expect(maxDiff(fused.w, ref.w)).toBeLessThan(1e-12);
          expect(maxDiff(fused.ovl, ref.ovl)).toBeLessThan(1e-12);
          expect(maxDiff(fused.a, ref.a)).toBeLessThan(1e-12);
          expect(maxDiff(fused.b, ref.b)).toBeLessThan(1e-12);
        },
      );
    }
  }
  it("run() leaves every unit at unit norm (the deferred renormalisation is applied on return)", async () => {
    const sim = await createSimulation({ d: 50, K: 3, walkers: 1 });
    sim.init(2);
    sim.advance(77);
    const w = sim.weights();
    for (let k = 0; k < 3; k++) {
      let n2 = 0;
      for (let i = 0; i < 50; i++) n2 += w[k * 50 + i] ** 2;
      expect(Math.abs(n2 - 1)).toBeLessThan(1e-14);
    }
  });
});

// The reduced backend's K = 1 paths do the same IEEE operations in every build (no dot products to
// reorder; tanh through one table-free exp, in the lanes of f64x2 or on a scalar), so the SIMD build's
// groups and the scalar build's walkers one at a time agree bit for bit.
describe.runIf(simdSupported())("SIMD and scalar builds, reduced backend", () => {
  const reducedCases: ConfigInput[] = [
    { d: 200 },
    { d: 64, betaU: 0, lrExponent: 2, activation: "erf" },
    { d: 30, betaM: 1, trainSkip: true, target: "noise", correlation: "sign" },
  ];
  for (const c of reducedCases) {
    it(`overlaps, G, hits and streams are bit-identical after 5000 steps of 6 walkers (${JSON.stringify(c)})`, async () => {
      const run = async (flavour: "simd" | "scalar", steps: number) => {
        const config = { ...c, backend: "reduced" as const, walkers: 6 };
        const sim = await createSimulation(config, { kernels: await loadKernels(undefined, { flavour }) });
        sim.init(5);
        await sim.run(steps);
        return sim;
      };
      const simd = await run("simd", 5000);
      const scalar = await run("scalar", 5000);
      expect(simd.exports.isSimd()).toBe(1);
      expect(scalar.exports.isSimd()).toBe(0);
      expect(simd.overlaps()).toEqual(scalar.overlaps());
      expect(simd.gram()).toEqual(scalar.gram());
      expect(simd.hits()).toEqual(scalar.hits());
      expect(simd.state()).toEqual(scalar.state());
      // The walkers moved: the comparison is not of initial states.
      const start = (await run("scalar", 0)).overlaps();
      expect(maxDiff(simd.overlaps(), start)).toBeGreaterThan(0.01);
    });
  }
});
