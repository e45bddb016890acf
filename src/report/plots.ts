/**
 * Plots of sweeps as vega-lite specs, rendered to SVG by vega (no browser needed):
 *  (a) overlap curves against n/d on a log axis, median and quartiles over walkers, a panel per
 *      direction and a row per regime, a colour per d;
 * *  (b) the scaling collapse n* / d^(k-1) against d, regimes side by side: flat lines mean the predicted law.
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { DIRECTIONS, type Direction } from "../engine/layout.js";
import { predictedExponent } from "../experiments/phase.js";
import { quantile } from "../experiments/stats.js";
import type { PointResult } from "../experiments/sweep.js";

export interface Regime {
  label: string;
  points: PointResult[];
  /** Theoretical k per direction, for the collapse. */
  k: Partial<Record<Direction, number | null>>;
}

interface CurveRow {
  regime: string;
  direction: string;
  d: number;
  nOverD: number;
  median: number;
  q25: number;
  q75: number;
}

/** Median and quartiles over walkers of max-over-units |overlap|, per log row (step 0 left out: log axis). */
export function curveRows(regimes: Regime[], minNOverD = 0.01): CurveRow[] {
  const rows: CurveRow[] = [];
  for (const regime of regimes) {
    for (const p of regime.points) {
      const { K, walkers } = p.config;
      for (const dir of Object.keys(p.directions) as Direction[]) {
        const j = DIRECTIONS.indexOf(dir);
        p.log.steps.forEach((step, row) => {
          if (step === 0 || step < minNOverD * p.config.d) return;
          const values: number[] = [];
          for (let w = 0; w < walkers; w++) {
            let best = 0;
            for (let k = 0; k < K; k++) best = Math.max(best, Math.abs(p.log.overlaps[row][(w * K + k) * 3 + j]));
            values.push(best);
          }
          rows.push({
            regime: `${regime.label}: |w·${dir}|`,
            direction: `w·${dir}`,
            d: p.config.d,
            nOverD: step / p.config.d,
            median: quantile(values, 0.5),
            q25: quantile(values, 0.25),
            q75: quantile(values, 0.75),
          });
        });
      }
    }
  }
  return rows;
}

/** The overlap plot: per regime and direction, a band (quartiles) and a line (median) per d. Where
 * `predicted` (report/bands.ts predictedCurves) holds the limit theory's curves of a facet, they are drawn
 * in the same colour per d: the predicted median dashed, the predicted quartiles dotted. */
export function overlapCurvesSpec(
  regimes: Regime[],
  title = "Overlaps during training",
  predicted: readonly { regime: string; d: number; nOverD: number; q25: number; median: number; q75: number }[] = [],
): TopLevelSpec {
  const measured = curveRows(regimes).map((r) => ({ ...r, kind: "measured" }));
  const theory = predicted.map((r) => ({ ...r, kind: "predicted" }));
  const x = { field: "nOverD", type: "quantitative", scale: { type: "log" } } as const;
  const color = { field: "d", type: "ordinal", scale: { scheme: "viridis" } } as const;
  const only = (kind: string) => [{ filter: `datum.kind === '${kind}'` }];
  const predictedLayers = theory.length
    ? [
        {
          transform: only("predicted"),
          mark: { type: "line", strokeWidth: 1.4, strokeDash: [6, 3] },
          encoding: { x, y: { field: "median", type: "quantitative" }, color },
        },
        ...(["q25", "q75"] as const).map((field) => ({
          transform: only("predicted"),
          mark: { type: "line", strokeWidth: 1, strokeDash: [1, 3], opacity: 0.9 },
          encoding: { x, y: { field, type: "quantitative" }, color },
        })),
      ]
    : [];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: theory.length
      ? { text: title, subtitle: "dashed: the limit theory's predicted median; dotted: its predicted quartiles" }
      : title,
    data: { values: [...measured, ...theory] as unknown as Record<string, unknown>[] },
    facet: {
      row: {
        field: "regime",
        title: null,
        header: { labelAngle: 0, labelAlign: "left", labelAnchor: "start", labelOrient: "top", labelFontSize: 12 },
      },
    },
    spec: {
      width: 520,
      height: 150,
      layer: [
        {
          transform: only("measured"),
          mark: { type: "area", opacity: 0.18 },
          encoding: {
            x: { ...x, title: "n / d" },
            y: {
              field: "q25",
              type: "quantitative",
              title: "|overlap| (median, quartiles)",
              scale: { domain: [0, 1] },
            },
            y2: { field: "q75" },
            color,
          },
        },
        {
          transform: only("measured"),
          mark: { type: "line", strokeWidth: 1.8 },
          encoding: { x, y: { field: "median", type: "quantitative" }, color: { ...color, title: "d" } },
        },
        ...predictedLayers,
      ],
    },
    resolve: { scale: { x: "independent" } },
  } as TopLevelSpec;
}

interface CollapseRow {
  regime: string;
  direction: string;
  d: number;
  scaled: number;
  lo: number | null;
  hi: number | null;
  law: string;
}

export function collapseRows(regimes: Regime[]): CollapseRow[] {
  const rows: CollapseRow[] = [];
  for (const regime of regimes) {
    for (const p of regime.points) {
      for (const [dir, r] of Object.entries(p.directions) as [Direction, PointResult["directions"][Direction]][]) {
        const k = regime.k[dir] ?? null;
        const e = predictedExponent(k);
        if (!r || r.median.median === null || e === null) continue;
        const scale = p.config.d ** e * (k === 2 ? Math.log(p.config.d) : 1);
        const law = k === 2 ? "n*/(d log d)" : `n*/d^${e}`;
        rows.push({
          regime: regime.label,
          direction: `w·${dir} (${law})`,
          d: p.config.d,
          scaled: r.median.median / scale,
          lo: r.median.lo === null ? null : r.median.lo / scale,
          hi: r.median.hi === null ? null : r.median.hi / scale,
          law,
        });
      }
    }
  }
  return rows;
}

export function collapseSpec(regimes: Regime[], title = "Scaling collapse of the median hitting time"): TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    data: { values: collapseRows(regimes) as unknown as Record<string, unknown>[] },
    facet: { column: { field: "regime", title: null } },
    spec: {
      width: 240,
      height: 200,
      layer: [
        {
          mark: { type: "rule" },
          encoding: {
            x: { field: "d", type: "quantitative", scale: { type: "log" } },
            y: { field: "lo", type: "quantitative" },
            y2: { field: "hi" },
            color: { field: "direction", type: "nominal" },
          },
        },
        {
          mark: { type: "line", point: true },
          encoding: {
            x: { field: "d", type: "quantitative", scale: { type: "log" }, title: "d" },
            y: { field: "scaled", type: "quantitative", scale: { type: "log" }, title: "median n* / predicted law" },
            color: { field: "direction", type: "nominal", title: "direction" },
          },
        },
      ],
    },
    resolve: { scale: { y: "independent" } },
  };
}

/** vega-lite's log, less the note that its dataflow optimiser stopped after its pass limit: the compiled
 * spec is valid either way, and the note reached users' terminals even under --quiet. */
function compileLogger() {
  const base = vega.logger(vega.Warn);
  const warn = base.warn.bind(base);
  base.warn = (...args: readonly unknown[]) => {
    if (typeof args[0] === "string" && args[0].startsWith("Maximum optimization runs")) return base;
    return warn(...args);
  };
  return base;
}

/** Renders a vega-lite spec to an SVG string (headless). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec, { logger: compileLogger() }).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** Median first-hitting time against d for every regime in one log-log panel. Where `bands` (report/
 * bands.ts) gives the limit theory's predicted quartiles of a series, they are drawn as a shaded band with a
 * dashed median; other series get a dashed guide of their predicted law through their smallest-d point,
 * drawn over the whole d range: the phase transition at a glance. */
export function hittingTimesSpec(
  regimes: Regime[],
  title = "Median first-hitting time n* against d",
  bands: readonly { series: string; d: number; q25: number; median: number; q75: number }[] = [],
): TopLevelSpec {
  const points: Record<string, unknown>[] = [];
  const guides: Record<string, unknown>[] = [];
  const allD = regimes.flatMap((r) => r.points.map((p) => p.config.d));
  const [dMin, dMax] = [Math.min(...allD), Math.max(...allD)];
  for (const regime of regimes) {
    for (const p of regime.points) {
      for (const [dir, r] of Object.entries(p.directions)) {
        if (!r || r.median.median === null) continue;
        points.push({
          regime: `${regime.label}: w·${dir}`,
          d: p.config.d,
          median: r.median.median,
          lo: r.median.lo,
          hi: r.median.hi,
        });
      }
    }
    for (const [dir, k] of Object.entries(regime.k)) {
      const e = predictedExponent(k ?? null);
      const first = points.find((x) => x.regime === `${regime.label}: w·${dir}`) as
        | { d: number; median: number }
        | undefined;
      if (e === null || !first || bands.some((b) => b.series === `${regime.label}: w·${dir}`)) continue;
      const law = (d: number) => d ** e * (k === 2 ? Math.log(d) : 1);
      const name = `${regime.label}: ${k === 2 ? "∝ d log d" : e === 1 ? "∝ d" : `∝ d^${e}`}`;
      for (const d of [dMin, dMax]) guides.push({ guide: name, d, n: (first.median * law(d)) / law(first.d) });
    }
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    width: 520,
    height: 320,
    layer: [
      {
        data: { values: bands.map((b) => ({ ...b, regime: b.series })) },
        mark: { type: "area", opacity: 0.18 },
        encoding: {
          x: { field: "d", type: "quantitative", scale: { type: "log" } },
          y: { field: "q25", type: "quantitative", scale: { type: "log" } },
          y2: { field: "q75" },
          color: { field: "regime", type: "nominal" },
        },
      },
      {
        data: { values: bands.map((b) => ({ ...b, regime: b.series })) },
        mark: { type: "line", strokeDash: [5, 3], opacity: 0.8 },
        encoding: {
          x: { field: "d", type: "quantitative", scale: { type: "log" } },
          y: { field: "median", type: "quantitative", scale: { type: "log" } },
          color: { field: "regime", type: "nominal" },
        },
      },
      {
        data: { values: guides },
        mark: { type: "line", strokeDash: [4, 4], color: "#999" },
        encoding: {
          x: { field: "d", type: "quantitative", scale: { type: "log" } },
          y: { field: "n", type: "quantitative", scale: { type: "log" } },
          detail: { field: "guide" },
        },
      },
      {
        data: { values: guides.filter((_, i) => i % 2 === 1) },
        mark: { type: "text", align: "right", dy: -6, color: "#666", fontSize: 10, font: "sans-serif" },
        encoding: {
          x: { field: "d", type: "quantitative", scale: { type: "log" } },
          y: { field: "n", type: "quantitative", scale: { type: "log" } },
          text: { field: "guide" },
        },
      },
      {
        data: { values: points },
        mark: { type: "rule" },
        encoding: {
          x: { field: "d", type: "quantitative", scale: { type: "log" } },
          y: { field: "lo", type: "quantitative" },
          y2: { field: "hi" },
          color: { field: "regime", type: "nominal" },
        },
      },
      {
        data: { values: points },
        mark: { type: "line", point: true },
        encoding: {
          x: { field: "d", type: "quantitative", scale: { type: "log" }, title: "d" },
          y: { field: "median", type: "quantitative", scale: { type: "log" }, title: "median n* (samples)" },
          color: {
            field: "regime",
            type: "nominal",
            title: null,
            legend: { orient: "bottom", columns: 1, labelLimit: 500 },
          },
        },
      },
    ],
  };
}
