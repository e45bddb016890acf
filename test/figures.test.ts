// The figures (src/report/): rendered in the bundled font so that the same input gives the same pixels on
// any machine; legends as strong as their marks; no text labels on the hitting-time plot; the overlap panels
// in a grid; medians of walkers stopped after their hit drawn as a lower bound, not as a stall. And the
// page's histogram axes and legend, and its data export.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Config } from "../src/config/schema.js";
import { resolveConfig } from "../src/config/schema.js";
import type { PointResult } from "../src/experiments/sweep.js";
import { FIGURE_FONT } from "../src/report/font.js";
import {
  curveRows,
  hittingTimesSpec,
  overlapCurvesSpec,
  type Regime,
  renderSvg,
  stopRows,
} from "../src/report/plots.js";
import { FONT_FILES, svgToPng } from "../src/report/png.js";
import { chartCsv, chartJson } from "../src/web/export.js";
import { renderHistogram } from "../src/web/histogram.js";

/** A point of 4 walkers (K = 1) whose |w·u| follows the given rows (one value per walker per row). */
function point(d: number, rows: number[][], hits: (number | null)[]): PointResult {
  const config = resolveConfig({ d, walkers: rows[0].length }) as Config;
  const median = { median: 100, lo: 80, hi: 120, censored: 0, n: rows[0].length };
  return {
    index: 0,
    at: { d },
    config,
    seed: "1",
    steps: 1000,
    log: { steps: rows.map((_, i) => (i + 1) * 10 * d), overlaps: rows.map((r) => r.flatMap((x) => [x, 0, 0])) },
    directions: { u: { hits: hits as never, finalOverlap: rows[rows.length - 1], median: median as never } },
  };
}

describe("the bundled font", () => {
  it("exists with its licence, and text in any family renders in it: the same pixels whatever the system has", () => {
    for (const f of FONT_FILES) expect(existsSync(f), f).toBe(true);
    expect(existsSync(FONT_FILES[0].replace(/DejaVuSans\.ttf$/, "LICENSE"))).toBe(true);
    const text = (family: string) =>
      `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30"><text x="4" y="20" font-family="${family}" font-size="14">n* ~ d^3</text></svg>`;
    const ours = svgToPng(text(FIGURE_FONT));
    expect(Buffer.from(svgToPng(text("sans-serif"))).equals(Buffer.from(ours))).toBe(true);
    expect(Buffer.from(svgToPng(text("Helvetica"))).equals(Buffer.from(ours))).toBe(true);
    // ... and the text is drawn (a blank image would also be "the same").
    const blank = svgToPng(text(FIGURE_FONT).replace("n* ~ d^3", ""));
    expect(Buffer.from(blank).equals(Buffer.from(ours))).toBe(false);
  });

  it("a figure rendered twice gives the same SVG and the same PNG bytes, and names the bundled font", async () => {
    const regimes: Regime[] = [
      {
        label: "A",
        points: [
          point(
            64,
            [
              [0.1, 0.1, 0.1, 0.1],
              [0.9, 0.8, 0.7, 0.6],
            ],
            [300, 400, null, null],
          ),
        ],
        k: { u: 2 },
      },
    ];
    const spec = hittingTimesSpec(regimes);
    const [a, b] = [await renderSvg(spec), await renderSvg(spec)];
    expect(a).toBe(b);
    expect(a).toContain(`font-family="${FIGURE_FONT}"`);
    expect(Buffer.from(svgToPng(a)).equals(Buffer.from(svgToPng(b)))).toBe(true);
  });
});

describe("sweep figures", () => {
  const regime = (label: string, d: number): Regime => ({
    label,
    points: [
      point(
        d,
        [
          [0.1, 0.1, 0.1, 0.1],
          [0.2, 0.3, 0.6, 0.6],
          [0.3, 0.5, 0.6, 0.6],
        ],
        [30, 30, 20, 20],
      ),
    ],
    k: { u: 2 },
  });

  it("the hitting-time plot has no text marks on the plot and names each guide's law in its legend", async () => {
    const spec = hittingTimesSpec([regime("A", 64), regime("C", 128)]) as { layer: { mark: { type: string } }[] };
    expect(spec.layer.map((l) => l.mark.type)).not.toContain("text");
    const svg = await renderSvg(spec as never);
    expect(svg).toContain("A: w·u (dashed: ∝ d log d)");
    // Legend swatches are drawn at full opacity (not the band's 0.18).
    const swatches = svg.match(/role-legend-symbol[^>]*><path[^>]*>/g) ?? [];
    expect(swatches.length).toBe(2);
    for (const s of swatches) expect(s).toMatch(/opacity="1"/);
  });

  it("the overlap panels are a grid of two columns", () => {
    const spec = overlapCurvesSpec([regime("A", 64), regime("B", 64), regime("C", 64)]) as { columns?: number };
    expect(spec.columns).toBe(2);
    expect((overlapCurvesSpec([regime("A", 64)]) as { columns?: number }).columns).toBe(1);
  });

  it("a median that reaches the overlaps held by walkers stopped after their hit is marked as a lower bound", () => {
    // Walkers 2 and 3 stop after row 1 at 0.6; walkers 0 and 1 go on. The median (the mean of the two middle
    // values) is exact while below 0.6: rows 0 to 2. At row 3 it reaches 0.6: from there it is a lower bound.
    const rows = [
      [0.1, 0.1, 0.2, 0.2],
      [0.2, 0.3, 0.6, 0.6],
      [0.3, 0.5, 0.6, 0.6],
      [0.4, 0.7, 0.6, 0.6],
      [0.5, 0.9, 0.6, 0.6],
    ];
    const p = point(64, rows, [40, 30, 20, 20]);
    expect(stopRows(p.log, 4, 1)).toEqual([Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, 1, 1]);
    const r = curveRows([{ label: "A", points: [p], k: { u: 2 } }]);
    expect(r.map((x) => Math.round(x.median * 100) / 100)).toEqual([0.15, 0.45, 0.55, 0.6, 0.6]);
    expect(r.map((x) => x.stopped)).toEqual([false, false, false, true, true]);
    // Without stopped walkers nothing is marked.
    const free = point(
      64,
      rows.map((row, i) => row.map((x) => x + i / 100)),
      [40, 30, 20, 20],
    );
    expect(curveRows([{ label: "A", points: [free], k: {} }]).some((x) => x.stopped)).toBe(false);
    // The plot says so in its subtitle.
    const spec = overlapCurvesSpec([{ label: "A", points: [p], k: { u: 2 } }]) as { title: { subtitle: string[] } };
    expect(spec.title.subtitle.join(" ")).toMatch(/lower bound.*--stop-after-hit/);
  });
});

describe("the page's histogram and exports", () => {
  it("the histogram has axis titles, density ticks and a legend for the bars and the line", () => {
    const svg = renderHistogram({ lo: -3, hi: 3, density: [0.1, 0.3, 0.3, 0.1], data: [{ x: 0, density: 0.4 }] });
    expect(svg).toContain(">x·v</text>");
    expect(svg).toContain(">density</text>");
    expect(svg).toContain("generated samples (histogram)");
    expect(svg).toContain("the data law's density");
    expect(svg.match(/class="tick"[^>]*text-anchor="end">0\.[0-9]+</g)?.length ?? 0).toBeGreaterThanOrEqual(2);
  });

  it("the chart's data export: CSV one row per step and shown direction, JSON with version and schema", () => {
    const config = resolveConfig({ d: 64 }) as Config;
    const q = (m: number) => ({ q1: m - 0.1, median: m, q3: m + 0.1 });
    const data = {
      config,
      seed: "3",
      steps: 640,
      points: [1, 2, 3].map((i) => ({ step: i * 64, q: [q(i / 10), q(0.05), q(0)] })),
    };
    const csv = chartCsv(data).trim().split("\n");
    expect(csv[0]).toBe("step,n_over_d,direction,q1,median,q3");
    expect(csv).toHaveLength(1 + 3 * 2); // betaM = 0: no m rows
    expect(csv[1]).toBe("64,1,u,0,0.1,0.2");
    const doc = JSON.parse(chartJson(data, { tool: "t", version: "9.9.9", build: "abc" }));
    expect(doc).toMatchObject({ tool: "t", version: "9.9.9", build: "abc", schema: "mcm-page-overlaps/1", seed: "3" });
    expect(doc.points[2]).toMatchObject({ step: 192, nOverD: 3, u: { median: 0.3 } });
  });
});
