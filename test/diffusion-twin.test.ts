// The pieces of the Gaussian-twin measurement and its decision on inputs whose answers are known: the
// bootstrap standard error against sd / sqrt(n), the straight-path null against a dense search, threshold
// crossings and verdicts on synthetic curves, and the two higher-order sample statistics that any Gaussian
// gets right (standardised-marginal W1 and per-position filter kurtosis) against Gaussian and non-Gaussian sets.
import { describe, expect, it } from "vitest";
import { decideRun, decideSeeds, overallVerdict, straightPathMin, tInterval } from "../src/diffusion/decide.js";
import { filterKurtosis, shapeW1, standardisedColumns } from "../src/diffusion/metrics.js";
import { tKey } from "../src/diffusion/setup.js";
import { bootstrapMean, type TwinPoint, type TwinResult } from "../src/diffusion/twin.js";

/** Deterministic standard normals (Box-Muller over a fixed LCG). */
function normals(n: number, seed = 1): Float64Array {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(u()));
    const a = 2 * Math.PI * u();
    out[i] = r * Math.cos(a);
    if (i + 1 < n) out[i + 1] = r * Math.sin(a);
  }
  return out;
}

describe("twin statistics", () => {
  it("the bootstrap SE of a mean is sd / sqrt(n) within its own sampling error (400 resamples: ~3.5%, tolerance 5 of it)", () => {
    const v = normals(500, 7).map((x) => 2 + 3 * x);
    const { mean, se } = bootstrapMean(v);
    const m = v.reduce((a, x) => a + x, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, x) => a + (x - m) ** 2, 0) / (v.length - 1));
    expect(mean).toBeCloseTo(m, 12);
    const expected = sd / Math.sqrt(v.length);
    expect(Math.abs(se / expected - 1)).toBeLessThan(5 * Math.sqrt(1 / (2 * 399)));
  });
  it("the straight-path null equals the minimum of |a + l (b - a)|^2 over a dense grid of l in [0, 1]", () => {
    const a = normals(20, 3);
    const b = normals(20, 4).map((x, i) => 0.3 * x + 0.5 * a[i]);
    const dot = (x: Float64Array, y: Float64Array) => x.reduce((s, v, i) => s + v * y[i], 0);
    let best = Number.POSITIVE_INFINITY;
    for (let k = 0; k <= 100000; k++) {
      const l = k / 100000;
      let s = 0;
      for (let i = 0; i < 20; i++) s += (a[i] + l * (b[i] - a[i])) ** 2;
      best = Math.min(best, s);
    }
    expect(straightPathMin(dot(a, a), dot(b, b), dot(a, b))).toBeCloseTo(best, 6);
    // The end points when the line moves away: a = b gives |a|^2, b beyond a on the same ray gives |a|^2.
    expect(straightPathMin(4, 4, 4)).toBe(4);
    expect(straightPathMin(1, 4, 2)).toBe(1);
  });
  it("t-interval: 95% half-width t(0.975, n - 1) sd / sqrt(n)", () => {
    const r = tInterval([1, 2, 3]);
    expect(r?.mean).toBe(2);
    expect(r?.hi).toBeCloseTo(2 + 4.303 / Math.sqrt(3), 10);
  });
});

/** A synthetic twin run: eG falls as 1 / step, h rises as (step / s0)^2 capped; the loss split at `split`. */
function synthetic(s0: number, split: number): TwinResult {
  const steps = [0, 1, 2, 5, 10, 22, 47, 100, 215, 464, 1000];
  const k = tKey(0.1);
  const snapshots: TwinPoint[] = steps.map((step) => {
    const eG = step === 0 ? 10 : 1 / step;
    const h = step === 0 ? 0 : Math.min(5, (step / s0) ** 2);
    return {
      step,
      eG: { [k]: eG },
      h: { [k]: h },
      floor: { [k]: 0.001 },
      dR: { [k]: step === 0 ? 10 : 1 / step + h },
      cross: { [k]: step === 0 ? 10 : 0 },
      lossDiff: { [k]: { mean: step >= split ? 1 : 0.01, se: 0.1 } },
    };
  });
  return { t: [0.1], wienerMse: { [k]: 1 }, snapshots };
}

describe("the decision", () => {
  it("per run: tauG, tauH and the crossing interpolated in log step, the split at the first 3-SE snapshot", () => {
    const d = decideRun(synthetic(100, 47), tKey)["0.1"];
    // eG = 1 / step is 0.2 and 0.1 at the snapshot steps 5 and 10; 0.05 is passed between 10 and 22 (at 20.6
    // interpolated linearly in the value and in log step).
    expect(d.tauG["0.2"]).toBeCloseTo(5, 9);
    expect(d.tauG["0.1"]).toBeCloseTo(10, 9);
    expect(d.tauG["0.05"]).toBeGreaterThan(20);
    expect(d.tauG["0.05"]).toBeLessThan(21);
    // h = (step / 100)^2 reaches 0.05 at step 22.4: between 22 and 47.
    expect(d.tauH["0.05"]).toBeGreaterThan(22);
    expect(d.tauH["0.05"]).toBeLessThan(47);
    // h = eG at step^3 = 10^4, 21.5: between the snapshots 10 and 22.
    expect(d.crossing).toBeGreaterThan(10);
    expect(d.crossing).toBeLessThan(22);
    expect(d.split).toBe(47);
    expect(d.uMin.step).toBeGreaterThan(0);
  });
  it("over seeds: strict when h rises a decade after eG falls in every seed, refuted when h is never below 0.3 eG", () => {
    const runs = [300, 400, 500].map((s0, i) => {
      const twin = synthetic(s0, 47);
      return { seed: i + 1, twin, decision: decideRun(twin, tKey) };
    });
    const perT = decideSeeds(runs, tKey);
    expect(perT["0.1"].verdict).toBe("strict");
    expect(perT["0.1"].log10Ratio["0.1"]?.lo).toBeGreaterThan(0);
    expect(overallVerdict(perT)).toBe("strict");
    const early = [0.5, 0.6, 0.7].map((s0, i) => {
      const twin = synthetic(s0, 1);
      // h >= 0.3 eG from step 1 on: h = min(5, (step / s0)^2) >= 1 > 0.3 / step.
      return { seed: i + 1, twin, decision: decideRun(twin, tKey) };
    });
    const p2 = decideSeeds(early, tKey);
    expect(p2["0.1"].verdict).toBe("refuted");
    expect(overallVerdict(p2)).toBe("refuted");
  });
});

describe("higher-order sample statistics that every Gaussian gets right", () => {
  const shape = { C: 1, H: 4, W: 4 };
  const n = 2000;
  /** n images of 4 x 4 with per-pixel scales (unequal variances) from standard normals z. */
  const scaled = (z: Float64Array) => z.map((v, i) => v * (1 + (i % 16)) * 0.3);
  it("standardised W1: two Gaussian sets with different covariances are as close as sampling allows; a two-point set is far", () => {
    const a = scaled(normals(n * 16, 11));
    const b = normals(n * 16, 12).map((v) => 5 * v + 1);
    const two = normals(n * 16, 13).map((v) => (v > 0 ? 1 : -1));
    const dAB = shapeW1(standardisedColumns(a, n, shape), standardisedColumns(b, n, shape));
    const dTwo = shapeW1(standardisedColumns(two, n, shape), standardisedColumns(b, n, shape));
    // W1 between two empirical N(0, 1) samples of 2000 is ~ 0.03; a Rademacher variable is 0.40 from N(0, 1)
    // in W1 (E| |z| - 1 |), its neighbour differences further.
    expect(dAB).toBeLessThan(0.08);
    expect(dTwo).toBeGreaterThan(0.3);
  });
  it("filter kurtosis per position is ~0 for a Gaussian with unequal pixel variances (pooled it is not) and large for sparse images", () => {
    const a = scaled(normals(n * 16, 21));
    // Kurtosis of a sample of 2000 Gaussians: SE sqrt(24 / 2000) = 0.11; the median over 12 positions: < 5 SE.
    expect(Math.abs(filterKurtosis(a, n, 1, 4, 4))).toBeLessThan(0.55);
    const sparse = normals(n * 16, 22).map((v) => (Math.abs(v) > 2 ? v : 0));
    expect(filterKurtosis(sparse, n, 1, 4, 4)).toBeGreaterThan(3);
  });
});
