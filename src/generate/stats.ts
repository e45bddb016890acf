/**
 * Statistics of generated samples along u and v, with standard errors by batch means: the statistic of
 * each of B equal batches (B = 32, fewer for small samples), SE = sd over batches / sqrt(B). This works
 * for the ratios (skewness, kurtosis) as for the means, with no delta-method algebra per statistic.
 */
import { type LawStats, STAT_NAMES, type StatName } from "./law.js";

/** Statistics of a set of samples, each with its standard error (null when there are too few samples). */
export interface SampleStats extends LawStats {
  samples: number;
  se: Record<StatName, number | null>;
}

/** The statistics of the projections pu = x.u and pv = x.v over [from, to). */
function statsOf(pu: ArrayLike<number>, pv: ArrayLike<number>, from: number, to: number): LawStats {
  const n = to - from;
  let mu = 0;
  let mv = 0;
  for (let i = from; i < to; i++) {
    mu += pu[i];
    mv += pv[i];
  }
  mu /= n;
  mv /= n;
  let u2 = 0;
  let v2 = 0;
  let v3 = 0;
  let v4 = 0;
  let uv = 0;
  let u2v = 0;
  for (let i = from; i < to; i++) {
    const du = pu[i] - mu;
    const dv = pv[i] - mv;
    u2 += du * du;
    v2 += dv * dv;
    v3 += dv * dv * dv;
    v4 += dv * dv * dv * dv;
    uv += pu[i] * pv[i];
    u2v += pu[i] * pu[i] * pv[i];
  }
  u2 /= n;
  v2 /= n;
  v3 /= n;
  v4 /= n;
  return { varU: u2, varV: v2, skewV: v3 / v2 ** 1.5, exKurtV: v4 / (v2 * v2) - 3, uv: uv / n, u2v: u2v / n };
}

/** Statistics with batch-means standard errors of samples given as rows [n, stride] with x.u at column
 * 0 and x.v at column 1 (the sampler's output). */
export function sampleStats(rows: ArrayLike<number>, stride = 4): SampleStats {
  const n = Math.floor(rows.length / stride);
  const pu = new Float64Array(n);
  const pv = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    pu[i] = rows[i * stride];
    pv[i] = rows[i * stride + 1];
  }
  const all = statsOf(pu, pv, 0, n);
  const batches = Math.min(32, Math.floor(n / 2));
  const se = {} as Record<StatName, number | null>;
  for (const k of STAT_NAMES) se[k] = null;
  if (batches >= 2) {
    const per = STAT_NAMES.map(() => [] as number[]);
    for (let b = 0; b < batches; b++) {
      const s = statsOf(pu, pv, Math.floor((b * n) / batches), Math.floor(((b + 1) * n) / batches));
      STAT_NAMES.forEach((k, j) => {
        per[j].push(s[k]);
      });
    }
    STAT_NAMES.forEach((k, j) => {
      const xs = per[j];
      const m = xs.reduce((a, x) => a + x, 0) / batches;
      const v = xs.reduce((a, x) => a + (x - m) ** 2, 0) / (batches - 1);
      se[k] = Math.sqrt(v / batches);
    });
  }
  return { samples: n, ...all, se };
}

/** Counts of x.v (column 1 of rows [n, stride]) in `bins` equal bins over [lo, hi], as densities. */
export function histogramV(rows: ArrayLike<number>, stride = 4, lo = -4, hi = 4, bins = 64): number[] {
  const n = Math.floor(rows.length / stride);
  const counts = new Array<number>(bins).fill(0);
  const width = (hi - lo) / bins;
  for (let i = 0; i < n; i++) {
    const j = Math.floor((rows[i * stride + 1] - lo) / width);
    if (j >= 0 && j < bins) counts[j]++;
  }
  return counts.map((c) => c / (n * width));
}
