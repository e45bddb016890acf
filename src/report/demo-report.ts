/** The demo's plot regimes and its terminal preview (asciichart). */
import asciichart from "asciichart";
import { DIRECTIONS } from "../config/directions.js";
import type { DemoResult } from "../experiments/demo.js";
import { quantile } from "../experiments/stats.js";
import type { Regime } from "./plots.js";

/** One plot regime per demo regime, and one per control (no predicted law: left out of the collapse). */
export function demoPlotRegimes(result: DemoResult): Regime[] {
  return result.regimes.flatMap((r) => {
    const row = result.rows.find((x) => x.label === r.label && x.direction === r.direction);
    return [
      { label: r.label, points: r.result.points, k: { [r.direction]: row?.lawK ?? null } },
      { label: `${r.label}, linear control`, points: r.control.points, k: {} },
    ];
  });
}

/** A small terminal chart per regime: median |overlap| of the largest d against log10(n / d). */
export function demoPreview(result: DemoResult, width = 60): string {
  const parts: string[] = [];
  for (const r of result.regimes) {
    const p = r.result.points[r.result.points.length - 1];
    const j = DIRECTIONS.indexOf(r.direction);
    const { K, walkers, d } = p.config;
    const xs: number[] = [];
    const ys: number[] = [];
    p.log.steps.forEach((step, row) => {
      if (step === 0) return;
      const values: number[] = [];
      for (let w = 0; w < walkers; w++) {
        let best = 0;
        for (let k = 0; k < K; k++) best = Math.max(best, Math.abs(p.log.overlaps[row][(w * K + k) * 3 + j]));
        values.push(best);
      }
      xs.push(Math.log10(step / d));
      ys.push(quantile(values, 0.5));
    });
    if (xs.length < 2) continue;
    // Resample onto an even grid in log10(n/d) so the chart's x axis is logarithmic.
    const lo = xs[0];
    const hi = xs[xs.length - 1];
    const series: number[] = [];
    for (let i = 0; i < width; i++) {
      const x = lo + ((hi - lo) * i) / (width - 1);
      let k = 0;
      while (k < xs.length - 1 && xs[k + 1] < x) k++;
      series.push(ys[k]);
    }
    parts.push(
      `${r.label}, d = ${d}: median |w.${r.direction}| against n/d from 10^${lo.toFixed(1)} to 10^${hi.toFixed(1)} (log axis)`,
      asciichart.plot(series, { height: 6, min: 0, max: 1, format: (x: number) => x.toFixed(2).padStart(5) }),
    );
  }
  return parts.join("\n");
}
