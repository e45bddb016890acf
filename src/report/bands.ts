/**
 * The high-dimensional limit's predicted first-hitting quartiles (src/theory/limit-predict.ts) for the
 * points of plotted sweeps: the band q25..q75 and the median of n*(d) that the hitting-time plot draws
 * beside the measured medians. A point the theory does not cover (K > 1, a trained amplitude) or whose
 * overlap does not escape gets no band.
 */
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
      for (const dir of Object.keys(p.directions) as ("u" | "v" | "m")[]) {
        const hit = pred.directions[dir]?.predictedHit;
        if (hit) rows.push({ series: `${regime.label}: w·${dir}`, d: p.config.d, ...hit });
      }
    }
  }
  return rows;
}
