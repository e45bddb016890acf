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

  // Hitting times at step 0 (the walker starts above the threshold) have no logarithm: a median of 0 once
  // printed "-inf" with an inverted interval, and zero medians in resamples put NaN slopes into the sort.
  const spread = (d: number, zeros: number, n = 16) =>
    Array.from({ length: n }, (_, i) => (i < zeros ? 0 : Math.round(d * (1 + i / 4))));

  it("says no exponent when the median walker hits at step 0, naming the d", () => {
    const fit = fitExponent([
      { d: 8, hits: spread(8, 9) },
      { d: 16, hits: spread(16, 0) },
      { d: 32, hits: spread(32, 0) },
    ]);
    expect(fit.status).toBe("hit-at-start");
    expect(fit.exponent).toBeNull();
    expect(fit.message).toMatch(/at d = 8 the median walker is above the threshold at step 0/);
  });

  it("a resample median of 0 at the smallest d opens the interval upwards instead of corrupting it", () => {
    // 7 of 16 walkers at step 0 at d = 8: the resampled median is 0 when 9 or more of 16 draws are zeros,
    // P = P(Binomial(16, 7/16) >= 9) = 0.23 > 0.025, and log 0 = -inf at the smallest d sends the slope to
    // +inf: the upper end is +inf; the lower end is finite and below the fitted exponent.
    const fit = fitExponent([
      { d: 8, hits: spread(8, 7) },
      { d: 16, hits: spread(16, 0) },
      { d: 32, hits: spread(32, 0) },
    ]);
    expect(fit.status).toBe("ok");
    const [lo, hi] = fit.ci as [number, number];
    expect(Number.isFinite(fit.exponent)).toBe(true);
    expect(hi).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isFinite(lo)).toBe(true);
    expect(lo).toBeLessThanOrEqual(fit.exponent as number);
    expect(fit.message).not.toMatch(/NaN/);
  });

  it("a censored median at the mean log d leaves the slope finite (it does not enter the least-squares slope)", () => {
    // d = 16, 32, 64: log 32 is the mean log d. Censoring 7 of 16 at d = 32 makes 23% of resampled medians
    // there censored; the slope does not depend on that point, so both ends stay finite.
    const censoredMiddle = spread(32, 0).map((h, i) => (i >= 9 ? null : h));
    const fit = fitExponent([
      { d: 16, hits: spread(16, 0) },
      { d: 32, hits: censoredMiddle },
      { d: 64, hits: spread(64, 0) },
    ]);
    expect(fit.status).toBe("ok");
    const [lo, hi] = fit.ci as [number, number];
    expect(Number.isFinite(lo) && Number.isFinite(hi)).toBe(true);
    expect(lo).toBeLessThanOrEqual(hi);
  });
});
