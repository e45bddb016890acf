/**
 * The sample-complexity exponent: the log-log slope of the median first-hitting time n*(d) in d
 * (docs/model.md section 5), with a bootstrap confidence interval over walkers that treats censored runs
 * honestly: a censored run counts as "n* > budget", medians are taken with censored values ranked last,
 * and when half or more of a point's walkers are censored the fit reports that instead of a number.
 */
import { censoredMedian, type Hit, resample, seededRandom } from "./stats.js";

export interface ScalingPoint {
  d: number;
  /** Hitting times per walker, null when censored. */
  hits: Hit[];
}

export interface ExponentFit {
  status: "ok" | "too-censored" | "too-few-points" | "hit-at-start";
  /** Fitted exponent of n* (divided by log d when logCorrected) in d. */
  exponent: number | null;
  /** 95% percentile-bootstrap interval of the exponent. */
  ci: [number, number] | null;
  /** Prefactor c in n* = c d^exponent (times log d when logCorrected). */
  prefactor: number | null;
  logCorrected: boolean;
  /** Per d: the median (null when too censored) and the censored count. */
  points: { d: number; median: number | null; censored: number; n: number }[];
  message: string;
}

/** Least-squares slope and intercept of y on x. */
export function lineFit(x: readonly number[], y: readonly number[]): { slope: number; intercept: number } {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

/**
 * Fits n*(d) ~ c d^gamma (or c d^gamma log d with logCorrected, the k = 2 law n ~ d log d, where gamma
 * should then be 1). Needs at least two values of d whose medians are observed.
 */
export function fitExponent(
  points: readonly ScalingPoint[],
  options: { logCorrected?: boolean; resamples?: number; seed?: number } = {},
): ExponentFit {
  const logCorrected = options.logCorrected ?? false;
  const B = options.resamples ?? 2000;
  const summary = points.map((p) => ({
    d: p.d,
    median: censoredMedian(p.hits),
    censored: p.hits.filter((h) => h === null).length,
    n: p.hits.length,
  }));
  const base = { logCorrected, points: summary };
  const tooCensored = summary.filter((p) => p.median === null);
  if (tooCensored.length > 0) {
    return {
      ...base,
      status: "too-censored",
      exponent: null,
      ci: null,
      prefactor: null,
      message: `no exponent: at ${tooCensored.map((p) => `d = ${p.d} (${p.censored} of ${p.n} censored)`).join(", ")} half or more walkers did not reach the threshold within the budget; raise the step budget`,
    };
  }
  const atStart = summary.filter((p) => p.median === 0);
  if (atStart.length > 0) {
    return {
      ...base,
      status: "hit-at-start",
      exponent: null,
      ci: null,
      prefactor: null,
      message: `no exponent: at ${atStart.map((p) => `d = ${p.d}`).join(", ")} the median walker is above the threshold at step 0 (n* = 0 has no logarithm); raise the threshold or the smallest d`,
    };
  }
  if (new Set(points.map((p) => p.d)).size < 2) {
    return {
      ...base,
      status: "too-few-points",
      exponent: null,
      ci: null,
      prefactor: null,
      message: "no exponent: need at least two values of d",
    };
  }
  const ys = (meds: number[]) => meds.map((m, i) => Math.log(m / (logCorrected ? Math.log(points[i].d) : 1)));
  const xs = points.map((p) => Math.log(p.d));
  const fit = lineFit(xs, ys(summary.map((p) => p.median as number)));
  const random = seededRandom(options.seed ?? 7);
  const meanX = xs.reduce((a, b) => a + b, 0) / xs.length;
  const slopes: number[] = [];
  // Resamples whose slope is unbounded both ways (see below): they widen both ends of the interval.
  let undetermined = 0;
  for (let b = 0; b < B; b++) {
    const meds = points.map((p) => censoredMedian(resample(p.hits, random)));
    if (meds.some((m) => m === null || m === 0)) {
      // A resample whose median at some d is censored (n* above the budget, log n* = +inf) or 0 (a hit at
      // step 0, log n* = -inf) has an unbounded slope: the least-squares slope is sum (x - mean x) y / Sxx,
      // so each such d pushes it to +-inf by the sign of its (x - mean x) times its y; a d at the mean log d
      // does not count. Pushes both ways leave it undetermined.
      let up = false;
      let down = false;
      meds.forEach((m, i) => {
        if ((m !== null && m !== 0) || Math.abs(xs[i] - meanX) < 1e-9) return;
        if (xs[i] - meanX > 0 === (m === null)) up = true;
        else down = true;
      });
      if (up && down) undetermined++;
      else if (up || down) slopes.push(up ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY);
      else slopes.push(lineFit(xs, ys(meds.map((m) => (m === null || m === 0 ? 1 : m)))).slope);
      continue;
    }
    slopes.push(lineFit(xs, ys(meds as number[])).slope);
  }
  slopes.sort((a, b) => a - b);
  // Nearest-rank percentiles (well defined with infinite entries); the undetermined resamples count as
  // -inf for the lower end and +inf for the upper one.
  const rank = (q: number, below: number) => {
    const r = Math.min(B - 1, Math.max(0, Math.ceil(q * B) - 1)) - below;
    return r < 0 ? Number.NEGATIVE_INFINITY : r >= slopes.length ? Number.POSITIVE_INFINITY : slopes[r];
  };
  const ci: [number, number] = [rank(0.025, undetermined), rank(0.975, 0)];
  const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : x > 0 ? "+inf" : "-inf");
  const message = `n* ~ d^${fit.slope.toFixed(2)}${logCorrected ? " log d" : ""} (95% CI ${fmt(ci[0])} to ${fmt(ci[1])})`;
  return { ...base, status: "ok", exponent: fit.slope, ci, prefactor: Math.exp(fit.intercept), message };
}
