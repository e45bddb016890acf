/**
 * The reduced chain on its own: its invariants, its sampler's exact moments, the K = 1 fast path against
 * the general path, checkpoints, and its refusals.
 */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/config/errors.js";
import { alphaSigma, optimalSkip } from "../src/config/process.js";
import type { ReducedLayout, ReducedState } from "../src/engine/reduced.js";
import { createSimulation, DivergenceError, type Simulation } from "../src/engine/simulation.js";
import { chiSquareSumCumulants, ksTwoSample, meanDifferenceZ, meanSe, sampleCumulants } from "./reduced-stats.js";

/** Smallest eigenvalue of a symmetric K x K matrix by Jacobi rotations (K is small here). */
function minEigenvalue(m: Float64Array, K: number): number {
  const a = Array.from(m);
  for (let sweep = 0; sweep < 50; sweep++) {
    for (let p = 0; p < K; p++) {
      for (let q = p + 1; q < K; q++) {
        const apq = a[p * K + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * K + q] - a[p * K + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < K; k++) {
          const akp = a[k * K + p];
          const akq = a[k * K + q];
          a[k * K + p] = c * akp - s * akq;
          a[k * K + q] = s * akp + c * akq;
        }
        for (let k = 0; k < K; k++) {
          const apk = a[p * K + k];
          const aqk = a[q * K + k];
          a[p * K + k] = c * apk - s * aqk;
          a[q * K + k] = s * apk + c * aqk;
        }
      }
    }
  }
  let min = Number.POSITIVE_INFINITY;
  for (let k = 0; k < K; k++) min = Math.min(min, a[k * K + k]);
  return min;
}

/** The two states' chains (M, G, a, b, hits and streams) are bit-identical. */
function expectSameChain(a: ReducedState, b: ReducedState): void {
  expect(a.M).toEqual(b.M);
  expect(a.G).toEqual(b.G);
  expect(a.a).toEqual(b.a);
  expect(a.b).toEqual(b.b);
  expect(a.hits).toEqual(b.hits);
  expect(a.rng).toEqual(b.rng);
}

function checkInvariants(sim: Simulation): void {
  const { walkers, K } = sim.config;
  const M = sim.overlaps();
  const G = sim.gram();
  for (let w = 0; w < walkers; w++) {
    const g = G.subarray(w * K * K, (w + 1) * K * K);
    for (let k = 0; k < K; k++) {
      for (let l = 0; l < K; l++) expect(g[k * K + l]).toBe(g[l * K + k]);
      let m2 = 0;
      for (let j = 0; j < 3; j++) m2 += M[(w * K + k) * 3 + j] ** 2;
      expect(Math.abs(g[k * K + k] - (1 - m2))).toBeLessThan(1e-13);
    }
    expect(minEigenvalue(g, K)).toBeGreaterThan(-1e-13);
  }
}

describe("reduced chain invariants", () => {
  it("G stays symmetric positive semi-definite with G_kk = 1 - |M_k|^2 (K = 3, mean spike, trained b and a_k)", async () => {
    const sim = await createSimulation({
      backend: "reduced",
      d: 10,
      K: 3,
      walkers: 6,
      betaM: 2,
      trainSkip: true,
      trainAmplitude: true,
      correlation: "sign",
      delta: 0.3,
    });
    sim.init(4);
    checkInvariants(sim);
    for (let i = 0; i < 10; i++) {
      sim.advance(3000);
      checkInvariants(sim);
    }
    // The units did move (the invariants were not checked on a frozen state).
    expect(Math.max(...Array.from(sim.overlaps(), Math.abs))).toBeGreaterThan(0.5);
  });

  it("G = 1 - |M|^2 holds for K = 1 (u, v, m)", async () => {
    const sim = await createSimulation({ backend: "reduced", d: 40, walkers: 8, betaM: 1 });
    sim.init(9);
    for (let i = 0; i < 5; i++) {
      sim.advance(2000);
      checkInvariants(sim);
    }
  });
});

describe("reduced chain sampler", () => {
  it("the initial M and G (Bartlett) have the law of the full backend's random initial weights (K = 3, d = 12)", async () => {
    const config = { d: 12, K: 3, walkers: 3000, betaM: 1 };
    const full = await createSimulation({ ...config, backend: "full" });
    const reduced = await createSimulation({ ...config, backend: "reduced" });
    full.init(12);
    reduced.init(34);
    const K = 3;
    const pick = (x: Float64Array, stride: number, offset: number) =>
      Array.from({ length: config.walkers }, (_, w) => x[w * stride + offset]);
    const [Mf, Mr, Gf, Gr] = [full.overlaps(), reduced.overlaps(), full.gram(), reduced.gram()];
    const pairs: [string, number[], number[]][] = [
      ["M_0u", pick(Mf, 3 * K, 0), pick(Mr, 3 * K, 0)],
      ["M_1m", pick(Mf, 3 * K, 5), pick(Mr, 3 * K, 5)],
      ["G_00", pick(Gf, K * K, 0), pick(Gr, K * K, 0)],
      ["G_01", pick(Gf, K * K, 1), pick(Gr, K * K, 1)],
      ["G_12", pick(Gf, K * K, 5), pick(Gr, K * K, 5)],
      ["G_22", pick(Gf, K * K, 8), pick(Gr, K * K, 8)],
      ["M_2v", pick(Mf, 3 * K, 7), pick(Mr, 3 * K, 7)],
    ];
    for (const [name, x, y] of pairs) expect(ksTwoSample(x, y).p, name).toBeGreaterThan(0.01);
  });

  it("chi-square draws have the mean, variance and third cumulant of chi2(n) for n = 1, 2.5, 7, 250", async () => {
    const sim = await createSimulation({ backend: "reduced", d: 8, walkers: 1 });
    const { exports, arena, layout } = sim;
    const n = 200_000;
    arena.ensure(layout.end + 8 * n);
    for (const dof of [1, 2.5, 7, 250]) {
      exports.seedStream(layout.rngInit, 0, 77, 99, Math.round(dof * 10));
      exports.fillChiSquare(layout.rngInit, layout.end, n, dof);
      const { k, se } = sampleCumulants(arena.readF64(layout.end, n));
      const exact = [dof, 2 * dof, 8 * dof];
      for (let r = 0; r < 3; r++)
        expect(Math.abs(k[r] - exact[r]) / se[r], `dof ${dof}, cumulant ${r + 1}`).toBeLessThan(5);
    }
  });

  // |x0|^2, |xi|^2 and |xt|^2 of the chain's sample: spike coordinates plus the Gram of P z, P xi (the e_l part
  // and the Wishart part). With independent Rademacher nu each is a sum of independent scaled noncentral
  // chi-squares (docs/model.md section 2), so their first three cumulants are known exactly. A wrong Wishart
  // (degrees of freedom, a swapped Bartlett factor, a normal approximation) shifts one of them by many SE.
  for (const betaM of [0, 1.5]) {
    it(`|x0|^2, |xi|^2, |xt|^2 of the chain have the exact first three cumulants (d = 32, betaM = ${betaM})`, async () => {
      const d = 32;
      const K = 2;
      const config = { backend: "reduced" as const, d, K, walkers: 1, betaM, betaU: 3, betaV: 4, t: 0.4 };
      const sim = await createSimulation(config);
      sim.init(1);
      const { exports, arena, layout } = sim;
      const n = 200_000;
      arena.ensure(layout.end + 24 * n);
      exports.seedStream(layout.rngInit, 0, 5, 99, 0);
      exports.reducedNorms(layout.rngInit, layout.end, n);
      const out = arena.readF64(layout.end, 3 * n);
      const { alpha, sigma } = alphaSigma("vp", config.t);
      const c = config.betaV / (1 + config.betaV + Math.sqrt(1 + config.betaV));
      const q = betaM > 0 ? 3 : 2;
      const one = (s2: number, lambda: number) => ({ s2, k: 1, lambda });
      const x0Terms = [one(1 + config.betaU, 0), one((1 - c) ** 2, config.betaV), { s2: 1, k: d - q, lambda: 0 }];
      if (q === 3) x0Terms.push(one(1, betaM ** 2));
      const sv2 = alpha ** 2 * (1 - c) ** 2 + sigma ** 2;
      const s2 = alpha ** 2 + sigma ** 2;
      const xtTerms = [
        one(alpha ** 2 * (1 + config.betaU) + sigma ** 2, 0),
        one(sv2, (alpha ** 2 * (1 - c) ** 2 * config.betaV) / sv2),
        { s2, k: d - q, lambda: 0 },
      ];
      if (q === 3) xtTerms.push(one(s2, (alpha * betaM) ** 2 / s2));
      const expected = [
        chiSquareSumCumulants(x0Terms),
        chiSquareSumCumulants([{ s2: 1, k: d, lambda: 0 }]),
        chiSquareSumCumulants(xtTerms),
      ];
      ["|x0|^2", "|xi|^2", "|xt|^2"].forEach((name, i) => {
        const column = Float64Array.from({ length: n }, (_, s) => out[3 * s + i]);
        const { k, se } = sampleCumulants(column);
        for (let r = 0; r < 3; r++) {
          expect(Math.abs(k[r] - expected[i][r]) / se[r], `${name}, cumulant ${r + 1}`).toBeLessThan(5);
        }
      });
    });
  }

  it("evalLoss with a_k = 0 is 0.5 E|b xt - x0|^2 = 0.5 (b^2 E|xt|^2 - 2 b alpha E|x0|^2 + E|x0|^2)", async () => {
    const d = 24;
    const sim = await createSimulation({ backend: "reduced", d, walkers: 64, amplitude: 0, betaM: 1 });
    sim.init(2);
    const losses = Array.from(sim.evalLoss(2000));
    const { alpha, sigma } = alphaSigma("vp", 0.5);
    const b = optimalSkip("vp", 0.5, "x0");
    const ex0 = d + 5 + 1;
    const exact = 0.5 * (b * b * (alpha * alpha * ex0 + sigma * sigma * d) - 2 * b * alpha * ex0 + ex0);
    const { mean, se } = meanSe(losses);
    expect(Math.abs(mean - exact) / se).toBeLessThan(5);
  });

  it("evalLoss at initialisation has the full backend's mean (K = 2, d = 24)", async () => {
    const config = { d: 24, K: 2, walkers: 100 };
    const full = await createSimulation({ ...config, backend: "full" });
    const reduced = await createSimulation({ ...config, backend: "reduced" });
    full.init(3);
    reduced.init(3);
    const z = meanDifferenceZ(Array.from(full.evalLoss(400)), Array.from(reduced.evalLoss(400)));
    expect(Math.abs(z)).toBeLessThan(5);
  });
});

describe("reduced chain paths and checkpoints", () => {
  // The K = 1 fast path draws the same normals and nu as the general path; with the skip trained it also
  // draws the same Wishart, so the two agree to rounding (G is computed by a different formula).
  const trainedSkip = [
    { d: 40, betaM: 1, trainSkip: true, trainAmplitude: true, target: "noise" as const, activation: "erf" as const },
    {
      d: 12,
      process: "ve" as const,
      t: 0.8,
      correlation: "sign",
      activation: "relu" as const,
      latent: "skewed:0.3",
      lrExponent: 2,
      delta: 2,
      trainSkip: true,
    },
    { d: 5, correlation: "uncorrelated", activation: "he3" as const, threshold: 0.3, trainSkip: true },
  ];
  for (const c of trainedSkip) {
    it(`with the skip trained, the K = 1 fast path equals the general path to rounding (${JSON.stringify(c)})`, async () => {
      const config = { ...c, backend: "reduced" as const, walkers: 3 };
      const fast = await createSimulation(config);
      const general = await createSimulation(config);
      fast.init(8);
      general.init(8);
      fast.advance(2000);
      for (let w = 0; w < 3; w++) expect(general.exports.runReducedGeneral(w, 2000)).toBe(2000);
      const close = (x: Float64Array, y: Float64Array) => {
        for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - y[i])).toBeLessThan(1e-9);
      };
      close(fast.overlaps(), general.overlaps());
      close(fast.gram(), general.gram());
      close(fast.amplitudes(), general.amplitudes());
      close(fast.skips(), general.skips());
      expect(fast.hits()).toEqual(general.hits());
      expect((fast.state() as ReducedState).rng).toEqual((general.state() as ReducedState).rng);
    });
  }

  // With the skip fixed, the fast path draws |y_perp|^2 as (p^2 + s^2) chi2(n) where the general path
  // draws the Wishart: a different draw with the same law. Put every walker in one state, take one step
  // with eta = 0.4 (so the part orthogonal to the spikes and to P w weighs in G), and compare the laws
  // of the new G and of the new overlaps: a KS test at the 1% level and a 5-SE test of the means.
  for (const c of [{}, { target: "noise" as const, betaM: 1 }]) {
    it(`with the skip fixed, one step of the fast path has the general path's law of G and M (${JSON.stringify(c)})`, async () => {
      const walkers = 4000;
      const config = { d: 40, lrExponent: 0, delta: 0.4, ...c, backend: "reduced" as const, walkers };
      const fast = await createSimulation(config);
      const general = await createSimulation(config);
      for (const [sim, seed] of [
        [fast, 11],
        [general, 12],
      ] as const) {
        sim.init(seed);
        const st = sim.state() as ReducedState;
        for (let w = 0; w < walkers; w++) {
          st.M.set([0.3, 0.2, c.betaM ? 0.1 : 0], 3 * w);
          st.G[w] = 1 - 0.09 - 0.04 - (c.betaM ? 0.01 : 0);
        }
        sim.restore(st);
      }
      fast.advance(1);
      for (let w = 0; w < walkers; w++) expect(general.exports.runReducedGeneral(w, 1)).toBe(1);
      const column = (x: Float64Array, j: number, stride: number) =>
        Array.from({ length: walkers }, (_, w) => x[w * stride + j]);
      const pairs: [string, number[], number[]][] = [
        ["G", column(fast.gram(), 0, 1), column(general.gram(), 0, 1)],
        ["M_u", column(fast.overlaps(), 0, 3), column(general.overlaps(), 0, 3)],
        ["M_v", column(fast.overlaps(), 1, 3), column(general.overlaps(), 1, 3)],
      ];
      for (const [name, x, y] of pairs) {
        expect(ksTwoSample(x, y).p, name).toBeGreaterThan(0.01);
        expect(Math.abs(meanDifferenceZ(x, y)), name).toBeLessThan(5);
      }
      // The step moved G by much more than rounding: the test has something to compare.
      const g = pairs[0][1];
      expect(Math.max(...g) - Math.min(...g)).toBeGreaterThan(0.01);
    });
  }

  // The SIMD build runs K = 1 walkers in groups of up to 8 with runReducedGroup (pairs in the lanes of
  // f64x2, their draws made a block of steps ahead), and can run a single pair with runReducedPair.
  const pairConfigs = [
    { d: 40 },
    { d: 256, betaU: 0, lrExponent: 2 },
    { d: 40, betaM: 1, trainSkip: true, trainAmplitude: true, target: "noise" as const, activation: "erf" as const },
    { d: 12, process: "ve" as const, t: 0.8, correlation: "sign", activation: "relu" as const, latent: "skewed:0.3" },
    { d: 9, correlation: "mixed:0.4", latent: "uniform", activation: "he3" as const, threshold: 0.3 },
  ];
  for (const c of pairConfigs) {
    it(`walkers in groups (lanes of f64x2, draws a block ahead) and in a pair are bit-identical to each walker alone (${JSON.stringify(c)})`, async () => {
      const config = { ...c, backend: "reduced" as const, walkers: 11 };
      const grouped = await createSimulation(config);
      const paired = await createSimulation(config);
      const alone = await createSimulation(config);
      grouped.init(21);
      paired.init(21);
      alone.init(21);
      const probe = await createSimulation(config);
      probe.init(21);
      expect(probe.exports.isSimd()).toBe(1);
      expect(probe.exports.groupPairs()).toBe(4);
      new Int32Array(probe.exports.memory.buffer, probe.exports.groupList(), 2).set([0, 1]);
      expect(probe.exports.runReducedGroup(1, 3)).toBe(3); // the SIMD build takes the group path
      // A group of 8 walkers and one of 2, with 10 alone, between log points; 3001 steps: not a
      // multiple of the draw block.
      await grouped.run(3001);
      for (let w = 0; w + 1 < 11; w += 2) expect(paired.exports.runReducedPair(w, w + 1, 3001)).toBe(3001);
      expect(paired.exports.runReduced(10, 3001)).toBe(3001);
      for (let w = 0; w < 11; w++) expect(alone.exports.runReduced(w, 3001)).toBe(3001);
      const b = alone.state() as ReducedState;
      for (const a of [grouped.state() as ReducedState, paired.state() as ReducedState]) expectSameChain(a, b);
    });
  }

  for (const walkers of [2, 7]) {
    it(`a group or pair with a diverging walker reports the step the walker alone reports (${walkers} walkers)`, async () => {
      const config = { d: 40, lrExponent: 0, delta: 1e6, trainAmplitude: true, backend: "reduced" as const, walkers };
      const alone = await createSimulation(config);
      alone.init(4);
      const r0 = alone.exports.runReduced(0, 1000);
      expect(r0).toBeLessThan(0);
      const grouped = await createSimulation(config);
      grouped.init(4);
      let error: unknown;
      try {
        grouped.advance(1000);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DivergenceError);
      expect((error as DivergenceError).step).toBe(-r0);
      expect((error as DivergenceError).walker).toBe(0);
      // The pair path stops before the same step, with both streams as they were before it.
      const paired = await createSimulation(config);
      paired.init(4);
      const done = paired.exports.runReducedPair(0, 1, 1000);
      expect(done).toBeLessThan(-r0);
      expect(paired.exports.runReduced(0, 1000 - done)).toBe(r0);
    });
  }

  for (const K of [1, 3]) {
    it(`a run resumed from state() is bit-identical to an uninterrupted one, and the checkpoint is tiny (K = ${K})`, async () => {
      const config = { backend: "reduced" as const, d: 100_000, K, walkers: 4, trainSkip: true, betaM: 0.5 };
      const straight = await createSimulation(config);
      straight.init("18446744073709551615");
      await straight.run(5000);
      const first = await createSimulation(config);
      first.init("18446744073709551615");
      await first.run(1234);
      const saved = first.state() as ReducedState;
      expect(saved.backend).toBe("reduced");
      expect(saved.M.length + saved.G.length + saved.a.length + saved.b.length).toBe(4 * (3 * K + K * K + K + 1));
      const resumed = await createSimulation(config);
      resumed.restore(structuredClone(saved));
      await resumed.run(5000);
      const a = straight.state() as ReducedState;
      const b = resumed.state() as ReducedState;
      expect(b.step).toBe(5000);
      expectSameChain(b, a);
      // The split run also logged its own final step, 1234 (not a grid step); otherwise the logs agree.
      const resumedLog = b.log.filter((e) => e.step !== 1234);
      expect(resumedLog.length).toBe(b.log.length - 1);
      expect(resumedLog).toEqual(a.log);
      // The layout has no vector of length d.
      expect((resumed.layout as ReducedLayout).end - resumed.layout.params).toBeLessThan(65536);
    });
  }
});

describe("reduced backend refusals", () => {
  it("refuses d - q - K < 2 naming d", async () => {
    await expect(createSimulation({ backend: "reduced", d: 5, K: 2 })).rejects.toThrow(ConfigError);
    await expect(createSimulation({ backend: "reduced", d: 6, K: 2, betaM: 1 })).rejects.toThrow(
      /d: got 6 with K = 2 and 3 spikes, the reduced backend needs d - 3 - K >= 2/,
    );
    await expect(createSimulation({ backend: "reduced", d: 6, K: 2 })).resolves.toBeDefined();
  });

  it("weights() and spikes() say they do not exist; restore() refuses the other backend's state", async () => {
    const reduced = await createSimulation({ backend: "reduced", d: 16 });
    const full = await createSimulation({ backend: "full", d: 16 });
    reduced.init(1);
    full.init(1);
    expect(() => reduced.weights()).toThrow(/weights\(\) is not available for the reduced backend/);
    expect(() => reduced.spikes()).toThrow(/spikes\(\) is not available for the reduced backend/);
    expect(() => reduced.restore(full.state())).toThrow(/full-backend checkpoint/);
    expect(() => full.restore(reduced.state())).toThrow(/reduced-backend checkpoint/);
  });

  for (const K of [1, 2]) {
    it(`a diverging chain throws DivergenceError like the full backend (K = ${K})`, async () => {
      const sim = await createSimulation({
        backend: "reduced",
        d: 20,
        K,
        walkers: 2,
        trainSkip: true,
        trainAmplitude: true,
        delta: 50,
        lrExponent: 0,
      });
      sim.init(1);
      await expect(sim.run(10_000)).rejects.toThrow(DivergenceError);
    });
  }

  it("the full backend's gram() is the reduced coordinates of its weights (G_kk = 1 - |M_k|^2)", async () => {
    const full = await createSimulation({ backend: "full", d: 20, K: 2, walkers: 3, betaM: 1 });
    full.init(5);
    full.advance(300);
    const G = full.gram();
    const M = full.overlaps();
    for (let u = 0; u < 6; u++) {
      const m2 = M[3 * u] ** 2 + M[3 * u + 1] ** 2 + M[3 * u + 2] ** 2;
      const w = Math.floor(u / 2);
      const k = u % 2;
      expect(G[w * 4 + k * 3]).toBeCloseTo(1 - m2, 12);
    }
  });
});
