/**
 * The high-dimensional limit's predictions (src/theory/limit-predict.ts) for the points of plotted sweeps:
 * the first-hitting quartiles, i.e. the band q25..q75 and the median of n*(d) that the hitting-time plot
 * draws beside the measured medians, and the predicted overlap curves (median and quartiles of |w·s| on
 * the log grid) that the overlap plot draws beside the measured ones. A point the theory does not cover
 * (K > 1, a trained amplitude) gets neither (dependent latents get theirs from the coupled ODE); a direction whose overlap does not escape
 * gets no hitting band, and its curve is the predicted background (overlaps of order d^-1/2).
 */
import type { Direction } from "../config/directions.js";
import { cachedPrediction } from "../experiments/predict.js";
import type { Regime } from "./plots.js";

export interface BandRow {
  /** The series label of the measured medians ("<regime>: w·<dir>"). */
  series: string;
  d: number;
  q25: number;
  median: number;
  q75: number;
}

export function predictedBands(regimes: Regime[]): BandRow[] {
  const rows: BandRow[] = [];
  for (const regime of regimes) {
    for (const p of regime.points) {
      const pred = cachedPrediction(p.config);
      if (!pred) continue;
      for (const dir of Object.keys(p.directions) as Direction[]) {
        const hit = pred.directions[dir]?.predictedHit;
        if (hit) rows.push({ series: `${regime.label}: w·${dir}`, d: p.config.d, ...hit });
      }
    }
  }
  return rows;
}

export interface PredictedCurveRow {
  /** The facet of the overlap plot ("<regime>: |w·<dir>|"), as in plots.ts curveRows. */
  regime: string;
  d: number;
  nOverD: number;
  q25: number;
  median: number;
  q75: number;
}

/** The predicted overlap curves of every plotted point and measured direction, over the measured range of
 * n/d (from minNOverD, as the measured curves, to the point's last logged step). */
export function predictedCurves(regimes: Regime[], minNOverD = 0.01): PredictedCurveRow[] {
  const rows: PredictedCurveRow[] = [];
  for (const regime of regimes) {
    for (const p of regime.points) {
      const { d } = p.config;
      const last = p.log.steps.length ? p.log.steps[p.log.steps.length - 1] : 0;
      if (!(last > 0)) continue;
      const curves = cachedPrediction(p.config)?.curves;
      if (!curves) continue;
      for (const dir of Object.keys(p.directions) as Direction[]) {
        const c = curves[dir];
        if (!c) continue;
        c.steps.forEach((step, i) => {
          if (step === 0 || step < minNOverD * d || step > last) return;
          rows.push({
            regime: `${regime.label}: |w·${dir}|`,
            d,
            nOverD: step / d,
            q25: c.q25[i],
            median: c.median[i],
            q75: c.q75[i],
          });
        });
      }
    }
  }
  return rows;
}
