// The exponent fit of n*(d) recovers a known exponent from synthetic hitting times, with and without
// censoring, and refuses to return a number when too many runs are censored.
import { describe, expect, it } from "vitest";
import { fitExponent } from "../src/experiments/fit.js";
import { medianCI, seededRandom } from "../src/experiments/stats.js";

/** Synthetic hitting times n* = c d^gamma * LogNormal(0, s), censored above budget(d). */
function synthetic(gamma: number, ds: number[], walkers: number, budget: (d: number) => number, seed = 3, s = 0.8) {
  const random = seededRandom(seed);
  const normal = () => {
    const u = 1 - random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  return ds.map((d) => ({
    d,
    hits: Array.from({ length: walkers }, () => {
      const n = 3 * d ** gamma * Math.exp(s * normal());
      return n <= budget(d) ? n : null;
    }),
  }));
}

describe("censored order statistics", () => {
  it("the bootstrap interval of the median covers the true median in about 95% of samples (100 replications)", () => {
    let covered = 0;
    const reps = 100;
    for (let r = 0; r < reps; r++) {
      const hits = synthetic(1, [100], 101, () => Number.POSITIVE_INFINITY, 1000 + r)[0].hits;
      const ci = medianCI(hits, { seed: r, resamples: 400 });
      if ((ci.lo as number) <= 300 && (ci.hi as number) >= 300) covered++;
    }
    // Nominal 0.95; the percentile bootstrap of a median runs a little low at n = 101. Five binomial
    // standard errors at p = 0.93 over 100 replications is 0.13.
    expect(covered / reps).toBeGreaterThan(0.8);
  });
});

describe("exponent fit", () => {
  for (const gamma of [1, 3]) {
    it(`recovers gamma = ${gamma} without censoring: the 95% interval contains it and is narrower than 0.5`, () => {
      const fit = fitExponent(synthetic(gamma, [16, 32, 64, 128], 64, () => Number.POSITIVE_INFINITY));
      expect(fit.status).toBe("ok");
      const [lo, hi] = fit.ci as [number, number];
      expect(lo).toBeLessThan(gamma);
      expect(hi).toBeGreaterThan(gamma);
      expect(hi - lo).toBeLessThan(0.5);
    });
  }

  it("recovers gamma = 3 when 30% of runs are censored at every d (censoring above the median is harmless)", () => {
    // Budget at the 70% quantile of the lognormal: exp(0.8 * 0.524) = 1.52 times the median.
    const pts = synthetic(3, [16, 32, 64, 128], 64, (d) => 3 * d ** 3 * 1.52);
    const censored = pts.reduce((s, p) => s + p.hits.filter((h) => h === null).length, 0);
    expect(censored).toBeGreaterThan(0.15 * 4 * 64);
    const fit = fitExponent(pts);
    expect(fit.status).toBe("ok");
    const [lo, hi] = fit.ci as [number, number];
    expect(lo).toBeLessThan(3);
    expect(hi).toBeGreaterThan(3);
  });

  it("dropping censored runs instead would bias the fit: the honest fit differs from the naive one", () => {
    const pts = synthetic(3, [16, 32, 64, 128], 64, (d) => 3 * d ** 3 * 1.52);
    const naive = fitExponent(pts.map((p) => ({ d: p.d, hits: p.hits.filter((h) => h !== null) })));
    const honest = fitExponent(pts);
    // Dropping censored runs pulls every median down (not a test of the slope, of the prefactor).
    expect(naive.prefactor as number).toBeLessThan(honest.prefactor as number);
  });

  it("reports too-censored instead of a number when half the walkers at some d are censored", () => {
    const pts = synthetic(3, [16, 32, 64], 32, (d) => (d === 64 ? 3 * d ** 3 * 0.5 : Number.POSITIVE_INFINITY));
    const fit = fitExponent(pts);
    expect(fit.status).toBe("too-censored");
    expect(fit.exponent).toBeNull();
    expect(fit.message).toMatch(/d = 64 \(\d+ of 32 censored\)/);
  });

  it("the log-corrected fit recovers gamma = 1 for n* = c d log d", () => {
    const random = seededRandom(9);
    const pts = [64, 128, 256, 512, 1024].map((d) => ({
      d,
      hits: Array.from({ length: 64 }, () => 2 * d * Math.log(d) * Math.exp(0.3 * (random() - 0.5))),
    }));
    const corrected = fitExponent(pts, { logCorrected: true });
    const [lo, hi] = corrected.ci as [number, number];
    expect(lo).toBeLessThan(1);
    expect(hi).toBeGreaterThan(1);
    // The raw slope of d log d is 1 + 1/ln d on average: above 1.1 over this range.
    expect(fitExponent(pts).exponent as number).toBeGreaterThan(1.1);
  });
});
