/**
 * Plots of sweeps as vega-lite specs, rendered to SVG by vega (no browser needed):
 *  (a) overlap curves against n/d on a log axis, median and quartiles over walkers, a panel per
 *      direction and a row per regime, a colour per d;
 * *  (b) the scaling collapse n* / d^(k-1) against d, regimes side by side: flat lines mean the predicted law.
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { DIRECTIONS, type Direction } from "../config/directions.js";
import { quantile } from "../experiments/stats.js";
import type { PointResult } from "../experiments/sweep.js";
import { scalingLaw } from "../theory/scaling.js";
import { FIGURE_FONT } from "./font.js";

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
  /** The median is only a lower bound from this row on: walkers stopped after their hit hold their last
   * overlap, and the median has reached the lowest of those held values. */
  stopped: boolean;
  /** The same for the upper quartile (the band is drawn where it is exact). */
  q75Stopped: boolean;
}

type Log = PointResult["log"];

/** Per walker, the last log row at which it still moved: a walker stopped after its hit (--stop-after-hit)
 * keeps its overlaps unchanged from there to the end of the log. Infinity for a walker that moved to the end. */
export function stopRows(log: Log, walkers: number, K: number): number[] {
  const last = log.overlaps.length - 1;
  const same = (a: number[], b: number[], w: number) => {
    for (let i = w * K * 3; i < (w + 1) * K * 3; i++) if (a[i] !== b[i]) return false;
    return true;
  };
  const out: number[] = [];
  for (let w = 0; w < walkers; w++) {
    let r = last;
    while (r > 0 && same(log.overlaps[r], log.overlaps[r - 1], w)) r--;
    out.push(r === last ? Number.POSITIVE_INFINITY : r);
  }
  return out;
}

/** Median and quartiles over walkers of max-over-units |overlap|, per log row (step 0 left out: log axis).
 * A walker that stopped after its hit holds its last overlap: a quantile is exact while it stays below every
 * held value (the stopped walkers would rank above it anyway), and only a lower bound once it reaches them;
 * `stopped` marks the rows from there on. */
export function curveRows(regimes: Regime[], minNOverD = 0.01): CurveRow[] {
  const rows: CurveRow[] = [];
  for (const regime of regimes) {
    for (const p of regime.points) {
      const { K, walkers } = p.config;
      // Only a walker that hit every measured direction can have been stopped after its hit.
      const hitAll = (w: number) => Object.values(p.directions).every((r) => typeof r?.hits[w] === "number");
      const stops = stopRows(p.log, walkers, K).map((r, w) => (hitAll(w) ? r : Number.POSITIVE_INFINITY));
      for (const dir of Object.keys(p.directions) as Direction[]) {
        const j = DIRECTIONS.indexOf(dir);
        let stopped = false;
        let q75Stopped = false;
        p.log.steps.forEach((step, row) => {
          const values: number[] = [];
          let held = Number.POSITIVE_INFINITY;
          for (let w = 0; w < walkers; w++) {
            let best = 0;
            for (let k = 0; k < K; k++) best = Math.max(best, Math.abs(p.log.overlaps[row][(w * K + k) * 3 + j]));
            values.push(best);
            if (stops[w] < row) held = Math.min(held, best);
          }
          const [median, q25, q75] = [quantile(values, 0.5), quantile(values, 0.25), quantile(values, 0.75)];
          stopped ||= median >= held;
          q75Stopped ||= q75 >= held;
          if (step === 0 || step < minNOverD * p.config.d) return;
          rows.push({
            regime: `${regime.label}: |w·${dir}|`,
            direction: `w·${dir}`,
            d: p.config.d,
            nOverD: step / p.config.d,
            median,
            q25,
            q75,
            stopped,
            q75Stopped,
          });
        });
      }
    }
  }
  return rows;
}

/** The stopped part of each median curve, beginning at its last exact row so that the two parts join. */
function stoppedTails(rows: readonly CurveRow[]): CurveRow[] {
  return rows.filter((r, i) => r.stopped || (rows[i + 1]?.stopped === true && rows[i + 1].d === r.d));
}

/** The overlap plot: per regime and direction a panel (two panels a row: a regime beside its control), a
 * band (quartiles) and a line (median) per d. Where walkers stopped after their hit (--stop-after-hit), the
 * median goes on dotted as a lower bound (curveRows). Where `predicted` (report/bands.ts predictedCurves)
 * holds the limit theory's curves of a facet, they are drawn in the same colour per d: the predicted median
 * dashed, the predicted quartiles dotted. */
export function overlapCurvesSpec(
  regimes: Regime[],
  title = "Overlaps during training",
  predicted: readonly { regime: string; d: number; nOverD: number; q25: number; median: number; q75: number }[] = [],
): TopLevelSpec {
  const rows = curveRows(regimes);
  const measured = rows.map((r) => ({ ...r, kind: "measured" }));
  const tails = stoppedTails(rows).map((r) => ({ ...r, kind: "tail" }));
  const theory = predicted.map((r) => ({ ...r, kind: "predicted" }));
  const x = { field: "nOverD", type: "quantitative", scale: { type: "log" } } as const;
  const color = { field: "d", type: "ordinal", scale: { scheme: "viridis" } } as const;
  const only = (kind: string, more = "") => [{ filter: `datum.kind === '${kind}'${more}` }];
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
  const subtitle = [
    theory.length ? "dashed: the limit theory's predicted median; dotted: its predicted quartiles" : "",
    tails.length
      ? "dots after a solid median: a lower bound (walkers stopped after their hit, --stop-after-hit, hold their overlap)"
      : "",
  ].filter(Boolean);
  const panels = [...new Set(rows.map((r) => r.regime))];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: subtitle.length ? { text: title, subtitle } : title,
    data: { values: [...measured, ...tails, ...theory] as unknown as Record<string, unknown>[] },
    columns: panels.length > 1 ? 2 : 1,
    facet: {
      field: "regime",
      type: "nominal",
      title: null,
      sort: panels,
      header: { labelAngle: 0, labelAlign: "left", labelAnchor: "start", labelOrient: "top", labelFontSize: 12 },
    },
    spec: {
      width: 420,
      height: 150,
      layer: [
        {
          transform: only("measured", " && !datum.q75Stopped"),
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
          transform: only("measured", " && !datum.stopped"),
          mark: { type: "line", strokeWidth: 1.8 },
          encoding: { x, y: { field: "median", type: "quantitative" }, color: { ...color, title: "d" } },
        },
        ...(tails.length
          ? [
              {
                transform: only("tail"),
                mark: { type: "line", strokeWidth: 1.2, strokeDash: [1, 2] },
                encoding: { x, y: { field: "median", type: "quantitative" }, color },
              },
            ]
          : []),
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
        const scaling = scalingLaw(k);
        if (!r || r.median.median === null || scaling === null) continue;
        const scale = scaling.at(p.config.d);
        const law = scaling.logCorrected ? `n*/(${scaling.label})` : `n*/d^${scaling.exponent}`;
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

/** What every figure shares: the bundled font, and legend swatches as strong as the marks they stand for. */
export const FIGURE_CONFIG = {
  font: FIGURE_FONT,
  legend: { symbolOpacity: 1, symbolStrokeWidth: 2.5, labelLimit: 0, labelFontSize: 11 },
} as const;

/** Renders a vega-lite spec to an SVG string (headless), with FIGURE_CONFIG below the spec's own config. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const config = { ...FIGURE_CONFIG, ...spec.config, legend: { ...FIGURE_CONFIG.legend, ...spec.config?.legend } };
  const view = new vega.View(
    vega.parse(compile({ ...spec, config } as TopLevelSpec, { logger: compileLogger() }).spec),
    { renderer: "none" },
  );
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** Median first-hitting time against d for every regime in one log-log panel. Where `bands` (report/
 * bands.ts) gives the limit theory's predicted quartiles of a series, they are drawn as a shaded band with a
 * dashed median; other series get a dashed guide of their predicted law through their smallest-d point,
 * drawn over the whole d range in the series' colour and named in its legend entry (no text on the plot,
 * so no label can overlap a line or another label): the phase transition at a glance. */
export function hittingTimesSpec(
  regimes: Regime[],
  title = "Median first-hitting time n* against d",
  bands: readonly { series: string; d: number; q25: number; median: number; q75: number }[] = [],
): TopLevelSpec {
  const points: { series: string; d: number; median: number; lo: number | null; hi: number | null }[] = [];
  const guides: Record<string, unknown>[] = [];
  const lawOf = new Map<string, string>();
  const allD = regimes.flatMap((r) => r.points.map((p) => p.config.d));
  const [dMin, dMax] = [Math.min(...allD), Math.max(...allD)];
  for (const regime of regimes) {
    for (const p of regime.points) {
      for (const [dir, r] of Object.entries(p.directions)) {
        if (!r || r.median.median === null) continue;
        const series = `${regime.label}: w·${dir}`;
        points.push({ series, d: p.config.d, median: r.median.median, lo: r.median.lo, hi: r.median.hi });
      }
    }
    for (const [dir, k] of Object.entries(regime.k)) {
      const scaling = scalingLaw(k ?? null);
      const series = `${regime.label}: w·${dir}`;
      const first = points.find((x) => x.series === series);
      if (scaling === null || !first || bands.some((b) => b.series === series)) continue;
      lawOf.set(series, scaling.label);
      for (const d of [dMin, dMax]) guides.push({ series, d, n: (first.median * scaling.at(d)) / scaling.at(first.d) });
    }
  }
  // The legend names each series and, where it has a guide, the law the guide draws.
  const shown = (series: string) => (lawOf.has(series) ? `${series} (dashed: ∝ ${lawOf.get(series)})` : series);
  const name = <T extends { series: string }>(rows: readonly T[]) =>
    rows.map((r) => ({ ...r, series: shown(r.series) }));
  const x = { field: "d", type: "quantitative", scale: { type: "log" } } as const;
  const color = { field: "series", type: "nominal" } as const;
  const subtitle = [
    bands.length
      ? "shaded: the limit theory's predicted quartiles of n* over walkers, dashed: its predicted median"
      : "",
    guides.length ? "dashed without shade: the predicted law through the series' smallest d" : "",
    "bars: 95% bootstrap intervals of the measured median",
  ].filter(Boolean);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: title, subtitle },
    width: 520,
    height: 320,
    layer: [
      {
        data: { values: name(bands) },
        mark: { type: "area", opacity: 0.18 },
        encoding: { x, y: { field: "q25", type: "quantitative", scale: { type: "log" } }, y2: { field: "q75" }, color },
      },
      {
        data: { values: name(bands) },
        mark: { type: "line", strokeDash: [5, 3], opacity: 0.8 },
        encoding: { x, y: { field: "median", type: "quantitative", scale: { type: "log" } }, color },
      },
      {
        data: { values: name(guides as { series: string }[]) },
        mark: { type: "line", strokeDash: [4, 4], strokeWidth: 1.2, opacity: 0.75 },
        encoding: { x, y: { field: "n", type: "quantitative", scale: { type: "log" } }, color },
      },
      {
        data: { values: name(points) },
        mark: { type: "rule" },
        encoding: { x, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" }, color },
      },
      {
        data: { values: name(points) },
        mark: { type: "line", point: true, strokeWidth: 2 },
        encoding: {
          x: { ...x, title: "d" },
          y: { field: "median", type: "quantitative", scale: { type: "log" }, title: "median n* (samples)" },
          color: {
            field: "series",
            type: "nominal",
            title: null,
            legend: { orient: "bottom", columns: 1, symbolType: "stroke" },
          },
        },
      },
    ],
  } as TopLevelSpec;
}
