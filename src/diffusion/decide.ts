/**
 * The decision of the twin measurement (./twin.ts; docs/diffusion.md), per run and over seeds.
 *
 * Per run and t: tauG(q), the step at which eG first falls to q; tauH(q), the step at which h first rises to
 * q (q in QUANTILES; between two snapshots the crossing is interpolated linearly in the value and in log
 * step); the crossing step where h first reaches eG; the split step, the first snapshot at which the paired
 * loss difference (G's minus R's on real test images) exceeds SPLIT_SE standard errors; the minimum of R's
 * distance to the Wiener denoiser (a U over training) beside the straight-path null, the smallest distance
 * to W on the straight line from the initial to the final denoiser.
 *
 * Over seeds, per t and q: log10(tauH / tauG), its mean and 95% t-interval; the verdict per t:
 * `strict` when the interval lies above 0 at every q; else `weak` when the seeds' mean h / eG stays below
 * WEAK_EARLY over the first decade of steps (1 to 10) and later rises above REFUTED; `refuted` when the mean
 * h / eG is at least REFUTED at every snapshot after step 0; otherwise `undecided`. Overall: `strict` when
 * every t is strict, `weak` when every t is strict or weak, `refuted` when every t is refuted, else `mixed`.
 */
import type { TwinPoint, TwinResult } from "./twin.js";

export const QUANTILES = [0.05, 0.1, 0.2] as const;
export const SPLIT_SE = 3;
export const WEAK_EARLY = 0.1;
export const REFUTED = 0.3;

export type Verdict = "strict" | "weak" | "refuted" | "undecided";

export interface RunDecisionT {
  tauG: Record<string, number | null>;
  tauH: Record<string, number | null>;
  /** First step at which h reaches eG (interpolated), or null. */
  crossing: number | null;
  /** First snapshot at which the paired loss difference exceeds SPLIT_SE standard errors, or null. */
  split: number | null;
  /** The minimum of dR = |R - W|^2 (in Wiener MSE units) over the snapshots. */
  uMin: { step: number; value: number };
  /** dR at the last snapshot. */
  uEnd: number;
  /** The smallest dR on the straight line from the initial to the final denoiser. */
  straightNull: number;
}

/** Step at which series v (over steps) first satisfies `reached`, interpolated from the snapshot before. */
function firstCrossing(steps: number[], v: number[], level: number, rising: boolean): number | null {
  const reached = (x: number) => (rising ? x >= level : x <= level);
  const i = v.findIndex(reached);
  if (i < 0) return null;
  if (i === 0 || steps[i - 1] <= 0) return steps[i];
  const f = (level - v[i - 1]) / (v[i] - v[i - 1]);
  const ls = Math.log(steps[i - 1]) + f * (Math.log(steps[i]) - Math.log(steps[i - 1]));
  return Math.exp(ls);
}

/** min over lambda in [0, 1] of |a + lambda (b - a)|^2 from |a|^2, |b|^2 and <a, b>. */
export function straightPathMin(aa: number, bb: number, ab: number): number {
  const dd = aa + bb - 2 * ab;
  if (!(dd > 0)) return Math.min(aa, bb);
  const lambda = Math.min(1, Math.max(0, (aa - ab) / dd));
  return aa - 2 * lambda * (aa - ab) + lambda * lambda * dd;
}

export function decideRun(twin: TwinResult, key: (t: number) => string): Record<string, RunDecisionT> {
  const pts = twin.snapshots;
  const steps = pts.map((p) => p.step);
  const out: Record<string, RunDecisionT> = {};
  for (const t of twin.t) {
    const k = key(t);
    const eG = pts.map((p) => p.eG[k]);
    const h = pts.map((p) => p.h[k]);
    const dR = pts.map((p) => p.dR[k]);
    const tauG: Record<string, number | null> = {};
    const tauH: Record<string, number | null> = {};
    for (const q of QUANTILES) {
      tauG[String(q)] = firstCrossing(steps, eG, q, false);
      tauH[String(q)] = firstCrossing(steps, h, q, true);
    }
    const gap = pts.map((_, i) => h[i] - eG[i]);
    const split = pts.find((p) => p.lossDiff[k].mean > SPLIT_SE * p.lossDiff[k].se && p.lossDiff[k].se > 0);
    let iMin = 0;
    dR.forEach((v, i) => {
      if (v < dR[iMin]) iMin = i;
    });
    const last = pts.length - 1;
    out[k] = {
      tauG,
      tauH,
      crossing: firstCrossing(steps, gap, 0, true),
      split: split?.step ?? null,
      uMin: { step: steps[iMin], value: dR[iMin] },
      uEnd: dR[last],
      straightNull: straightPathMin(dR[0], dR[last], pts[last].cross[k]),
    };
  }
  return out;
}

/** Two-sided 95% quantiles of Student's t for 1 to 30 degrees of freedom (then the normal's). */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export interface Interval {
  mean: number;
  lo: number;
  hi: number;
  /** Seeds that contributed (the others never reached the level). */
  n: number;
}

/** Student's t quantile at 0.975 for df degrees of freedom (df >= 1; the normal 1.96 beyond the table). */
export function t975(df: number): number {
  return T975[df - 1] ?? 1.96;
}

/** Mean and 95% t-interval; null with fewer than 2 values. */
export function tInterval(v: number[]): Interval | null {
  const n = v.length;
  if (n < 2) return n === 1 ? { mean: v[0], lo: Number.NaN, hi: Number.NaN, n } : null;
  const mean = v.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const half = t975(n - 1) * (sd / Math.sqrt(n));
  return { mean, lo: mean - half, hi: mean + half, n };
}

export interface DsbPerT {
  verdict: Verdict;
  /** Over seeds, of log10 of the step, shown as steps (10^mean, 10^lo, 10^hi). */
  tauG: Record<string, Interval | null>;
  tauH: Record<string, Interval | null>;
  log10Ratio: Record<string, Interval | null>;
  crossing: Interval | null;
  split: Interval | null;
  /** The seeds' mean h / eG per snapshot step, with its interval. */
  hOverEG: { step: number; mean: number; lo: number; hi: number }[];
  uMin: Interval | null;
  uMinStep: Interval | null;
  straightNull: Interval | null;
}

export interface DsbRun {
  seed: number | string;
  twin: TwinResult;
  decision: Record<string, RunDecisionT>;
}

function stepsInterval(v: (number | null)[]): Interval | null {
  const logs = v.filter((x): x is number => x !== null && x > 0).map(Math.log10);
  const r = tInterval(logs);
  return r && { mean: 10 ** r.mean, lo: 10 ** r.lo, hi: 10 ** r.hi, n: r.n };
}

/** The per-t verdicts and intervals over the runs of several seeds (the same options otherwise). */
export function decideSeeds(runs: DsbRun[], key: (t: number) => string): Record<string, DsbPerT> {
  const ts = runs[0].twin.t;
  const out: Record<string, DsbPerT> = {};
  for (const t of ts) {
    const k = key(t);
    const ds = runs.map((r) => r.decision[k]);
    const tauG: Record<string, Interval | null> = {};
    const tauH: Record<string, Interval | null> = {};
    const log10Ratio: Record<string, Interval | null> = {};
    let strict = true;
    for (const q of QUANTILES.map(String)) {
      tauG[q] = stepsInterval(ds.map((d) => d.tauG[q]));
      tauH[q] = stepsInterval(ds.map((d) => d.tauH[q]));
      const ratios = ds
        .filter((d) => d.tauG[q] !== null && d.tauH[q] !== null)
        .map((d) => Math.log10((d.tauH[q] as number) / (d.tauG[q] as number)));
      const r = tInterval(ratios);
      log10Ratio[q] = r;
      if (!(r && ratios.length === runs.length && r.lo > 0)) strict = false;
    }
    const steps = runs[0].twin.snapshots.map((p) => p.step);
    const hOverEG = steps.map((step, i) => {
      const v = runs.map((r) => ratioAt(r.twin.snapshots[i], k));
      const iv = tInterval(v) ?? { mean: v[0], lo: Number.NaN, hi: Number.NaN, n: v.length };
      return { step, mean: iv.mean, lo: iv.lo, hi: iv.hi };
    });
    const later = hOverEG.filter((p) => p.step > 0);
    const early = later.filter((p) => p.step <= 10);
    const weak =
      early.length > 0 &&
      early.every((p) => p.mean < WEAK_EARLY) &&
      later.some((p) => p.step > 10 && p.mean >= REFUTED);
    const refuted = later.length > 0 && later.every((p) => p.mean >= REFUTED);
    out[k] = {
      verdict: strict ? "strict" : weak ? "weak" : refuted ? "refuted" : "undecided",
      tauG,
      tauH,
      log10Ratio,
      crossing: stepsInterval(ds.map((d) => d.crossing)),
      split: stepsInterval(ds.map((d) => d.split)),
      hOverEG,
      uMin: tInterval(ds.map((d) => d.uMin.value)),
      uMinStep: stepsInterval(ds.map((d) => d.uMin.step)),
      straightNull: tInterval(ds.map((d) => d.straightNull)),
    };
  }
  return out;
}

/** h / eG at one snapshot (0 where eG is 0). */
export function ratioAt(p: TwinPoint, k: string): number {
  return p.eG[k] > 0 ? p.h[k] / p.eG[k] : 0;
}

/** The overall verdict from the per-t ones. */
export function overallVerdict(perT: Record<string, { verdict: Verdict }>): "strict" | "weak" | "refuted" | "mixed" {
  const v = Object.values(perT).map((p) => p.verdict);
  if (v.every((x) => x === "strict")) return "strict";
  if (v.every((x) => x === "strict" || x === "weak")) return "weak";
  if (v.every((x) => x === "refuted")) return "refuted";
  return "mixed";
}
