/**
 * Line plots as vega-lite specs, rendered to SVG by the same renderer as the sweep plots (./plots.ts):
 * series with optional error bands, dashes and point markers, horizontal reference lines, linear or log
 * axes, one legend. Used by the images report.
 */
import type { TopLevelSpec } from "vega-lite";
import { renderSvg } from "./plots.js";

export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color?: string;
  /** Dash pattern as an SVG stroke-dasharray, e.g. "6 3". */
  dash?: string;
  /** A shaded band y - band .. y + band (e.g. a standard error). */
  band?: ArrayLike<number>;
  /** Draw a dot at each point. */
  markers?: boolean;
}

export interface HLine {
  name: string;
  y: number;
  color?: string;
  dash?: string;
}

export interface LinePlotSpec {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  xLog?: boolean;
  yLog?: boolean;
  width?: number;
  height?: number;
  series: Series[];
  hlines?: HLine[];
}

export const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"];

const dashArray = (dash?: string): number[] => (dash ? dash.split(/[\s,]+/).map(Number) : [1, 0]);

/** The vega-lite spec of a line plot (log axes drop non-positive values). */
export function linePlotSpec(spec: LinePlotSpec): TopLevelSpec {
  const hlines = spec.hlines ?? [];
  const names = [...spec.series.map((s) => s.name), ...hlines.map((h) => h.name)];
  const colors = [...spec.series, ...hlines].map((s, i) => s.color ?? PALETTE[i % PALETTE.length]);
  const dashes = [...spec.series, ...hlines].map((s) => dashArray(s.dash));
  const keep = (x: number, y: number) =>
    Number.isFinite(x) && Number.isFinite(y) && (!spec.xLog || x > 0) && (!spec.yLog || y > 0);
  const rows: { name: string; x: number; y: number; lo?: number; hi?: number; marker: boolean }[] = [];
  for (const s of spec.series) {
    for (let i = 0; i < s.x.length; i++) {
      if (!keep(s.x[i], s.y[i])) continue;
      const band = s.band?.[i];
      const lo = band === undefined ? undefined : s.y[i] - band;
      const hi = band === undefined ? undefined : s.y[i] + band;
      rows.push({ name: s.name, x: s.x[i], y: s.y[i], lo, hi, marker: s.markers ?? false });
    }
  }
  const x = {
    field: "x",
    type: "quantitative" as const,
    title: spec.xLabel ?? "",
    scale: spec.xLog ? { type: "log" as const } : { zero: false },
  };
  const yScale = spec.yLog ? { type: "log" as const } : { zero: false };
  const color = {
    field: "name",
    type: "nominal" as const,
    title: null,
    sort: names,
    scale: { domain: names, range: colors },
    legend: {
      orient: "bottom" as const,
      columns: 2,
      labelLimit: 400,
      symbolType: "stroke",
      symbolStrokeWidth: 2,
      symbolOpacity: 1,
    },
  };
  const strokeDash = { field: "name", type: "nominal" as const, scale: { domain: names, range: dashes } };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: spec.title ?? "",
    width: spec.width ?? 560,
    height: spec.height ?? 320,
    background: "white",
    layer: [
      {
        data: { values: rows.filter((r) => r.lo !== undefined) },
        mark: { type: "area", opacity: 0.18 },
        encoding: { x, y: { field: "lo", type: "quantitative", scale: yScale }, y2: { field: "hi" }, color },
      },
      {
        data: { values: rows },
        mark: { type: "line", strokeWidth: 1.8 },
        encoding: {
          x,
          y: { field: "y", type: "quantitative", title: spec.yLabel ?? "", scale: yScale },
          color,
          strokeDash,
        },
      },
      {
        data: { values: rows.filter((r) => r.marker) },
        mark: { type: "point", filled: true, size: 25 },
        encoding: { x, y: { field: "y", type: "quantitative", scale: yScale }, color },
      },
      {
        data: { values: hlines.map((h) => ({ name: h.name, y: h.y })) },
        mark: { type: "rule", strokeWidth: 1.2 },
        encoding: { y: { field: "y", type: "quantitative", scale: yScale }, color, strokeDash },
      },
    ],
  } as TopLevelSpec;
}

/** A line plot as an SVG string. */
export function linePlot(spec: LinePlotSpec): Promise<string> {
  return renderSvg(linePlotSpec(spec));
}
