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
  status: "ok" | "too-censored" | "too-few-points";
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
  for (let b = 0; b < B; b++) {
    const meds = points.map((p) => censoredMedian(resample(p.hits, random)));
    if (meds.some((m) => m === null)) {
      // A resample whose median at some d is censored: n*(d) there exceeds the budget, which pushes the
      // slope up when that d is above the mean log d and down when below. Its slope is unbounded that way.
      const pull = meds.reduce((acc: number, m, i) => acc + (m === null ? xs[i] - meanX : 0), 0);
      slopes.push(pull >= 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY);
      continue;
    }
    slopes.push(lineFit(xs, ys(meds as number[])).slope);
  }
  slopes.sort((a, b) => a - b);
  // Nearest-rank percentiles (well defined with infinite entries).
  const rank = (q: number) => slopes[Math.min(B - 1, Math.max(0, Math.ceil(q * B) - 1))];
  const ci: [number, number] = [rank(0.025), rank(0.975)];
  const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : x > 0 ? "+inf" : "-inf");
  const message = `n* ~ d^${fit.slope.toFixed(2)}${logCorrected ? " log d" : ""} (95% CI ${fmt(ci[0])} to ${fmt(ci[1])})`;
  return { ...base, status: "ok", exponent: fit.slope, ci, prefactor: Math.exp(fit.intercept), message };
}
