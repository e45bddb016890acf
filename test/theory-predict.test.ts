/**
 * The limit's solvers (src/theory/limit-solvers.ts) and predictions (src/theory/limit-predict.ts): the path
 * solver against closed forms, the k = 2 closed form against simulated linear SDE paths, the regimes that
 * give no number, and predicted quartiles against the reduced backend.
 */
import { describe, expect, it } from "vitest";
import { createSimulation } from "../src/engine/simulation.js";
import { CUBIC_REGIME } from "../src/experiments/cubic.js";
import { NotCoveredError } from "../src/theory/limit.js";
import { predictLimit, type Quartiles } from "../src/theory/limit-predict.js";
import {
  absNormalQuantile,
  criticalPaths,
  integrate,
  linearSearchQuantile,
  pathQuantile,
  symmetricEigenSmall,
} from "../src/theory/limit-solvers.js";

/** Every number in a JSON-like value is finite (no NaN, no infinity). */
function allFinite(x: unknown): boolean {
  if (typeof x === "number") return Number.isFinite(x);
  if (Array.isArray(x)) return x.every(allFinite);
  if (x && typeof x === "object") return Object.values(x).every(allFinite);
  return true;
}

/** The sorted hitting times of one direction from a reduced-backend run (censored ones left out). */
async function measuredHits(
  cfg: Record<string, unknown> & { walkers: number },
  dir: "u" | "v",
  steps: number,
  seed: number,
): Promise<{ times: number[]; walkers: number }> {
  const sim = await createSimulation({ ...cfg, backend: "reduced" });
  sim.init(seed);
  await sim.run(steps, { stopWhenHit: [dir] });
  const hits = sim.hits();
  const col = dir === "v" ? 1 : 0;
  const times: number[] = [];
  for (let w = 0; w < cfg.walkers; w++) if (hits[3 * w + col] >= 0) times.push(hits[3 * w + col]);
  return { times: times.sort((a, b) => a - b), walkers: cfg.walkers };
}

/** The order-statistic interval of a sample's q-quantile with about z standard errors on each side. */
function quantileInterval(times: number[], n: number, q: number, z: number): [number, number] {
  const half = z * Math.sqrt(n * q * (1 - q));
  const lo = Math.max(0, Math.floor(n * q - half));
  const hi = Math.ceil(n * q + half);
  return [times[lo] ?? Number.POSITIVE_INFINITY, times[Math.min(hi, n - 1)] ?? Number.POSITIVE_INFINITY];
}

/** Each predicted quartile lies in the measured quartile's order-statistic interval (about 99 %). */
function expectQuartilesInside(ph: Quartiles | null | undefined, times: number[], walkers: number): void {
  for (const [q, key] of [
    [0.25, "q25"],
    [0.5, "median"],
    [0.75, "q75"],
  ] as const) {
    const [lo, hi] = quantileInterval(times, walkers, q, 2.6);
    expect(ph?.[key], key).toBeGreaterThanOrEqual(lo);
    expect(ph?.[key], key).toBeLessThanOrEqual(hi);
  }
}

describe("limit solvers against closed forms", () => {
  it("symmetricEigenSmall: eigenpairs of a 3 x 3 matrix satisfy A e = lambda e, descending", () => {
    const A = [
      [2, 1, 0.5],
      [1, -1, 0.2],
      [0.5, 0.2, 0.3],
    ];
    const { values, vectors } = symmetricEigenSmall(A);
    for (let k = 0; k < 3; k++) {
      for (let i = 0; i < 3; i++) {
        const ae = A[i].reduce((s, x, j) => s + x * vectors[k][j], 0);
        expect(Math.abs(ae - values[k] * vectors[k][i])).toBeLessThan(1e-12);
      }
    }
    expect(values[0]).toBeGreaterThan(values[1]);
    expect(values[1]).toBeGreaterThan(values[2]);
  });
  it("integrate (adaptive Dormand-Prince): dm/dt = m (1 - m^2) from 0.01 hits 0.5 at the exact logistic time to 1e-5", () => {
    const tr = integrate((y) => [y[0] * (1 - y[0] * y[0])], [0.01], 0, 0.01, 50, 0.5);
    // m^2 = 1 / (1 + c e^(-2t)): t(m) = 0.5 log(m^2 (1 - m0^2) / (m0^2 (1 - m^2))).
    const exact = 0.5 * Math.log((0.25 * (1 - 1e-4)) / (1e-4 * 0.75));
    expect(Math.abs((tr.hit[0] as number) - exact)).toBeLessThan(1e-5);
    expect(tr.converged).toBe(true);
    expect(Math.abs(tr.end[0] - 1)).toBeLessThan(1e-6);
  });
  it("criticalPaths without noise: the explosion time of dx = a x^3 from |Z| has the closed-form quartiles", () => {
    const a = 0.3;
    const L = 40;
    const law = criticalPaths(
      { drift: (x) => a * x ** 3, noise2: () => 0, rate: (x) => 3 * a * x * x, stop: L },
      // A step cap far above 0.02 / rate: each step then grows x by about 2 %.
      { paths: 4000, h: 1e9, tMax: 1e12, seed: 3 },
    );
    for (const q of [0.25, 0.5, 0.75]) {
      // T = (1 / (2a)) (1 / x0^2 - 1 / L^2), decreasing in |x0|.
      const z = absNormalQuantile(1 - q, 1);
      const exact = (1 / (2 * a)) * (1 / (z * z) - 1 / (L * L));
      // Sampling error of a quartile of 4000 paths is ~3 %; the Euler bias at this step is below 1 %.
      expect(Math.abs((pathQuantile(law, q) as number) / exact - 1)).toBeLessThan(0.08);
    }
  });
  it("the k = 2 closed form matches simulated linear SDE paths dx = lambda x dt + c dW to |x| = sqrt(d) theta", () => {
    const lambda = 0.8;
    const c2 = 1.3;
    const d = 4096;
    const theta = 0.5;
    const law = criticalPaths(
      { drift: (x) => lambda * x, noise2: () => c2, rate: () => lambda, stop: theta * Math.sqrt(d) },
      { paths: 4000, h: 0.005, tMax: 1e3, seed: 5 },
    );
    const zScale = Math.sqrt(1 + c2 / (2 * lambda));
    for (const q of [0.25, 0.5, 0.75]) {
      // Linear drift all the way: T_theta = log(theta) / lambda, and n*/d^p = (log sqrt d - log|Z|) / lambda + T.
      const closed = linearSearchQuantile(q, lambda, zScale, Math.log(theta) / lambda, d);
      expect(Math.abs((pathQuantile(law, q) as number) / closed - 1)).toBeLessThan(0.03);
    }
  });
});

describe("predictLimit: regimes and refusals", () => {
  it("defaults at d = 1024: u is a k = 2 search, v is repelled once u is learned; no NaN anywhere", () => {
    const r = predictLimit({ d: 1024 }, { bestDelta: false });
    expect(r.directions.u?.regime).toBe("search + ODE");
    expect(r.directions.u?.k).toBe(2);
    const u = r.directions.u?.predictedHit;
    expect(u && u.q25 < u.median && u.median < u.q75).toBe(true);
    expect(r.directions.v?.predictedHit).toBeNull();
    expect(r.directions.v?.reason).toMatch(/repels/);
    expect(allFinite(r)).toBe(true);
    expect(r.curves.u?.median.length).toBe(r.curves.u?.steps.length);
  });
  it("a delta above 2 F'(0) / V0 pins u (lambda <= 0): no number, the reason names the bound", () => {
    const r = predictLimit({ d: 1024, delta: 8 }, { curves: false });
    expect(r.directions.u?.regime).toBe("pinned");
    expect(r.directions.u?.predictedHit).toBeNull();
    expect(r.directions.u?.reason).toMatch(/lambda .* <= 0.*delta < 2 F'\(0\) \/ V0 = 6\.4/);
    expect(allFinite(r)).toBe(true);
  });
  it("the cubic regime below the critical exponent (p = 1.5 < k / 2 = 2) is pinned, at p = 2 it is the critical SDE", () => {
    const low = predictLimit({ d: 256, betaU: 0, lrExponent: 1.5 }, { curves: false });
    expect(low.directions.v?.regime).toBe("pinned");
    expect(low.directions.v?.reason).toMatch(/below the critical exponent k \/ 2 = 2/);
    const crit = predictLimit({ d: 256, betaU: 0, lrExponent: 2 }, { paths: 1000, curves: false, bestDelta: false });
    expect(crit.directions.v?.regime).toBe("critical SDE");
    expect(crit.directions.v?.k).toBe(4);
    expect(crit.criticalLrExponent).toBe(2);
    const s = crit.directions.v?.scaled;
    // docs/cubic.md measured medians n*/d^3 of 53 to 65 for this config (12 walkers per d).
    expect(s && s.median > 45 && s.median < 70).toBe(true);
  });
  it("the best delta's predicted median is below those at the config's delta and at 0.8 and 1.25 times it (k = 2)", () => {
    const r = predictLimit({ d: 1024 }, { curves: false });
    const best = r.bestDelta;
    if (best.direction === null) throw new Error(best.reason);
    expect(best.direction).toBe("u");
    const at = (delta: number) =>
      predictLimit({ d: 1024, delta }, { curves: false, bestDelta: false }).directions.u?.predictedHit?.median ?? 0;
    expect(best.median).toBeLessThan(at(0.5));
    expect(best.median).toBeLessThanOrEqual(at(best.delta * 0.8) * (1 + 1e-9));
    expect(best.median).toBeLessThanOrEqual(at(best.delta * 1.25) * (1 + 1e-9));
  });
  it("coupled overlaps (sign latents) get a best delta from a coarse grid that names its points; its median is at most the config's", () => {
    const r = predictLimit({ correlation: "sign", threshold: 0.25, d: 2048 }, { curves: false });
    const b = r.bestDelta;
    expect(b.direction).toBe("v");
    if (b.direction === null) return;
    expect(b.grid?.length).toBeGreaterThanOrEqual(5);
    expect(b.grid).toContain(0.5);
    expect(b.grid).toContain(b.delta);
    expect(b.median).toBeLessThanOrEqual(r.directions.v?.predictedHit?.median as number);
    // The grid's neighbours of the best are no better (it is a minimum of the grid, not an end it ran off).
    const at = (delta: number) =>
      predictLimit({ correlation: "sign", threshold: 0.25, d: 2048, delta }, { curves: false, bestDelta: false })
        .directions.v?.predictedHit?.median ?? Number.POSITIVE_INFINITY;
    const i = (b.grid as number[]).indexOf(b.delta);
    const above = (b.grid as number[])[i + 1];
    if (above !== undefined) expect(at(above)).toBeGreaterThanOrEqual(b.median);
  });
  it("the critical regime's overlap curve starts at the median of |N(0, 1)| / sqrt(d) and ends at the settled overlap above theta", () => {
    const r = predictLimit({ ...CUBIC_REGIME, d: 64 }, { paths: 600, bestDelta: false, errorEstimate: false });
    const c = r.curves.v;
    expect(c).toBeTruthy();
    // 600 paths: the sample median of |x0| has a standard error of about 4 %.
    expect(Math.abs((c?.median[0] ?? 0) / (0.6745 / 8) - 1)).toBeLessThan(0.15);
    const last = c?.median[c.median.length - 1] ?? 0;
    expect(last).toBeGreaterThan(0.5);
    expect(last).toBeLessThanOrEqual(1);
    expect(allFinite(r.curves)).toBe(true);
  });
  it("refuses what it does not cover, saying why: K > 1, a trained amplitude", () => {
    expect(() => predictLimit({ K: 2 })).toThrow(NotCoveredError);
    expect(() => predictLimit({ trainAmplitude: true })).toThrow(/not covered/);
  });
});

describe("predicted quartiles against the reduced backend", () => {
  it("defaults at d = 256, 400 walkers: u's predicted quartiles lie in the measured quartiles' 99 % intervals", async () => {
    const { times, walkers } = await measuredHits({ d: 256, walkers: 400 }, "u", 100_000, 11);
    expect(times.length).toBe(walkers);
    const r = predictLimit({ d: 256 }, { curves: false, bestDelta: false });
    const ph = r.directions.u?.predictedHit;
    expect(ph).toBeTruthy();
    expectQuartilesInside(ph, times, walkers);
  });
  it("near a marginal rate (erf, linear process t = 0.7, betaU = 10, delta = 0.25) the finite-d paths replace the closed form: at d = 128, 400 walkers, they lie in the measured quartiles' 99 % intervals", async () => {
    const cfg = { activation: "erf", process: "linear", t: 0.7, betaU: 10, delta: 0.25, d: 128 } as const;
    const r = predictLimit(cfg, { bestDelta: false, curves: false, paths: 2000 });
    const u = r.directions.u;
    expect(u?.regime).toBe("finite-d SDE");
    // The linearisation's error proxy zScale^2 / (d m_nl^2) is far above the 0.02 tolerance here.
    expect(u?.details.linearisationError as number).toBeGreaterThan(1);
    const { times, walkers } = await measuredHits({ ...cfg, walkers: 400 }, "u", 800 * 128, 5);
    expect(times.length).toBe(walkers);
    expectQuartilesInside(u?.predictedHit, times, walkers);
  });
  it("the same config at d = 1024: u's quartiles of n*/d within 7 % (median) and 10 % of the measured 124 / 173 / 255 (two independent simulations, issue 25)", () => {
    const r = predictLimit(
      { activation: "erf", process: "linear", t: 0.7, betaU: 10, delta: 0.25, d: 1024 },
      { bestDelta: false, curves: false },
    );
    const q = r.directions.u?.scaled;
    expect(Math.abs((q?.median as number) / 173 - 1)).toBeLessThan(0.07);
    expect(Math.abs((q?.q25 as number) / 124 - 1)).toBeLessThan(0.1);
    expect(Math.abs((q?.q75 as number) / 255 - 1)).toBeLessThan(0.1);
  });
  it("cubic regime (betaU = 0, p = 2) at d = 24, 32 walkers, budget 2 x the predicted q75: the predicted median n*_v lies in the measured median's 99 % interval", async () => {
    const cfg = { d: 24, walkers: 32, betaU: 0, lrExponent: 2 };
    const r = predictLimit({ d: 24, betaU: 0, lrExponent: 2 }, { paths: 2000, curves: false, bestDelta: false });
    const ph = r.directions.v?.predictedHit;
    expect(ph).toBeTruthy();
    // Censored walkers rank above every hit, so the median's interval stays valid.
    const { times, walkers } = await measuredHits(cfg, "v", Math.ceil(2 * (ph?.q75 ?? 0)), 13);
    const [lo, hi] = quantileInterval(times, walkers, 0.5, 2.6);
    expect(ph?.median).toBeGreaterThanOrEqual(lo);
    expect(ph?.median).toBeLessThanOrEqual(hi);
  });
  it("CUBIC_REGIME at d = 64, 1000 walkers, budget 6 d^3: the predicted quartiles of n*_v lie in the measured quartiles' 99 % intervals", async () => {
    const d = 64;
    const r = predictLimit(
      { ...CUBIC_REGIME, d },
      { paths: 8000, curves: false, bestDelta: false, errorEstimate: false },
    );
    const ph = r.directions.v?.predictedHit;
    expect(ph).toBeTruthy();
    // The interval of a measured quartile is about +-9 % of it here; the prediction's own sampling error
    // (8000 SDE paths) is about 2 %.
    const { times, walkers } = await measuredHits({ ...CUBIC_REGIME, d, walkers: 1000 }, "v", 6 * d ** 3, 17);
    expectQuartilesInside(ph, times, walkers);
  });
});
