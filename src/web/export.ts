/**
 * What the page exports besides the figure: the data of the current chart as JSON (the run's config, seed,
 * steps and per logged step the quartiles over walkers of each direction's overlap) and as CSV (one row per
 * logged step and direction). Pure, tested in Node; main.ts turns them into downloads.
 */

import { DIRECTIONS } from "../config/directions.js";
import type { Config } from "../config/schema.js";
import type { Quartiles } from "./stats.js";

export interface ChartData {
  config: Config;
  seed: string;
  steps: number;
  /** Per logged step: the quartiles of (u, v, m). */
  points: readonly { step: number; q: readonly Quartiles[] }[];
}

/** The directions the chart shows (m only with a mean spike). */
const shown = (config: Config) => DIRECTIONS.filter((d) => d !== "m" || config.betaM > 0);

export function chartJson(data: ChartData, meta: { tool: string; version: string; build?: string }): string {
  const dirs = shown(data.config);
  return `${JSON.stringify(
    {
      ...meta,
      schema: "mcm-page-overlaps/1",
      config: data.config,
      seed: data.seed,
      steps: data.steps,
      quantity: "quartiles over walkers of max over units |w_k . s|, s = u, v, m",
      points: data.points.map((p) => ({
        step: p.step,
        nOverD: p.step / data.config.d,
        ...Object.fromEntries(dirs.map((dir) => [dir, p.q[DIRECTIONS.indexOf(dir)]])),
      })),
    },
    null,
    1,
  )}\n`;
}

export function chartCsv(data: ChartData): string {
  const lines = ["step,n_over_d,direction,q1,median,q3"];
  for (const p of data.points) {
    for (const dir of shown(data.config)) {
      const q = p.q[DIRECTIONS.indexOf(dir)];
      lines.push([p.step, p.step / data.config.d, dir, q.q1, q.median, q.q3].join(","));
    }
  }
  return `${lines.join("\n")}\n`;
}
