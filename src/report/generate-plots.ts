/**
 * Plots of `mcm generate` as vega-lite specs (rendered by renderSvg in plots.ts): the generated samples'
 * statistics against n/d with the data's values as lines (and the oracle's, on the same grid, dashed),
 * and histograms of x . v at several n beside the data's density.
 */
import type { TopLevelSpec } from "vega-lite";
import type { GenerateResult } from "../generate/experiment.js";
import { dataDensityV, type StatName } from "../generate/law.js";

const SHOWN: [StatName, string][] = [
  ["varU", "Var(x·u)"],
  ["exKurtV", "excess kurtosis of x·v"],
  ["skewV", "skewness of x·v"],
  ["uv", "E[(x·u)(x·v)]"],
  ["u2v", "E[(x·u)² (x·v)]"],
];

export function generateStatsSpec(result: GenerateResult, title = "Statistics of generated samples"): TopLevelSpec {
  const points: Record<string, unknown>[] = [];
  const lines: Record<string, unknown>[] = [];
  for (const [key, label] of SHOWN) {
    for (const s of result.snapshots) {
      const se = s.se[key] ?? 0;
      points.push({ stat: label, nOverD: s.nOverD, value: s[key], lo: s[key] - 2 * se, hi: s[key] + 2 * se });
    }
    lines.push({ stat: label, value: result.data[key], source: "data law (exact)" });
    lines.push({ stat: label, value: result.oracle[key], source: "oracle denoiser, same grid" });
    if (result.controls) {
      lines.push({ stat: label, value: result.controls.wiener[key], source: "Wiener (linear) family, same grid" });
    }
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    data: {
      values: [...points.map((p) => ({ ...p, kind: "generated" })), ...lines.map((l) => ({ ...l, kind: "line" }))],
    },
    facet: { row: { field: "stat", title: null, sort: SHOWN.map((s) => s[1]) } },
    spec: {
      width: 480,
      height: 120,
      layer: [
        {
          transform: [{ filter: { field: "kind", equal: "line" } }],
          mark: { type: "rule", color: "#444" },
          encoding: {
            y: { field: "value", type: "quantitative" },
            strokeDash: {
              field: "source",
              type: "nominal",
              title: null,
              legend: { orient: "bottom", labelLimit: 400 },
            },
          },
        },
        {
          transform: [{ filter: { field: "kind", equal: "generated" } }],
          mark: { type: "rule", color: "#1f77b4" },
          encoding: {
            x: { field: "nOverD", type: "quantitative", scale: { type: "log" } },
            y: { field: "lo", type: "quantitative" },
            y2: { field: "hi" },
          },
        },
        {
          transform: [{ filter: { field: "kind", equal: "generated" } }],
          mark: { type: "line", point: true, color: "#1f77b4" },
          encoding: {
            x: {
              field: "nOverD",
              type: "quantitative",
              scale: { type: "log" },
              title: "training samples per level n / d",
            },
            y: { field: "value", type: "quantitative", title: "generated (±2 SE)" },
          },
        },
      ],
    },
    resolve: { scale: { y: "independent" } },
  };
}

/** The snapshots shown in the histogram plot: up to `count`, spread evenly over the list. */
export function histogramSnapshots(result: GenerateResult, count = 4): number[] {
  const n = result.snapshots.length;
  if (n <= count) return result.snapshots.map((_, i) => i);
  return Array.from({ length: count }, (_, i) => Math.round((i * (n - 1)) / (count - 1)));
}

export function generateHistogramSpec(
  result: GenerateResult,
  title = "Histogram of x·v of generated samples",
): TopLevelSpec {
  const rows: Record<string, unknown>[] = [];
  const add = (label: string, h: { lo: number; hi: number; density: number[] }) => {
    const width = (h.hi - h.lo) / h.density.length;
    h.density.forEach((p, i) => {
      rows.push({ panel: label, x: h.lo + (i + 0.5) * width, density: p });
    });
  };
  for (const i of histogramSnapshots(result)) {
    const s = result.snapshots[i];
    add(`n/d = ${s.nOverD.toPrecision(3)}`, s.histogram);
  }
  add("oracle", result.oracle.histogram);
  const order = [...new Set(rows.map((r) => r.panel as string))];
  const density: Record<string, unknown>[] = [];
  for (const panel of order) {
    for (let x = -4; x <= 4; x += 0.05) density.push({ panel, x, density: dataDensityV(result.config, x) });
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    facet: { column: { field: "panel", title: null, sort: order } },
    data: {
      values: [...rows.map((r) => ({ ...r, kind: "generated" })), ...density.map((r) => ({ ...r, kind: "data" }))],
    },
    spec: {
      width: 160,
      height: 140,
      layer: [
        {
          transform: [{ filter: { field: "kind", equal: "generated" } }],
          mark: { type: "bar", opacity: 0.6, color: "#1f77b4" },
          encoding: {
            x: {
              field: "x",
              type: "quantitative",
              bin: { binned: true, step: 0.125 },
              title: "x·v",
              axis: { tickCount: 5 },
            },
            y: { field: "density", type: "quantitative", title: "density" },
          },
        },
        {
          transform: [{ filter: { field: "kind", equal: "data" } }],
          mark: { type: "line", color: "#d62728" },
          encoding: {
            x: { field: "x", type: "quantitative" },
            y: { field: "density", type: "quantitative" },
          },
        },
      ],
    },
  };
}
