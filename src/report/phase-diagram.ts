/**
 * The figures of `mcm phase-diagram` (docs/phase-diagram.md) as line plots (./lines.ts): the median first
 * hit of v over d per P, measured (dots) beside the prediction (dashed), with the cubic path alone; and the
 * crossover dimension over P.
 */
import type { TopLevelSpec } from "vega-lite";
import { linePlotSpec, PALETTE, type Series } from "./lines.js";

interface Cell {
  P: number;
  d: number;
  measuredMedian: number | null;
  predictedMedian: number | null;
  predictedCubic: number;
}

export function phaseDiagramSpecs(doc: {
  cells: readonly Cell[];
  crossover: readonly { P: number; d: number | null }[];
}): Record<string, TopLevelSpec> {
  const Ps = [...new Set(doc.cells.map((c) => c.P))].sort((a, b) => a - b);
  const series: Series[] = [];
  const scaled = (c: Cell, n: number | null) => (n === null ? Number.NaN : n / c.d ** 2);
  Ps.forEach((P, i) => {
    const cells = doc.cells.filter((c) => c.P === P).sort((a, b) => a.d - b.d);
    const color = PALETTE[i % PALETTE.length];
    const measured = cells.filter((c) => c.measuredMedian !== null);
    series.push({
      name: `P = ${P} measured`,
      x: measured.map((c) => c.d),
      y: measured.map((c) => scaled(c, c.measuredMedian)),
      color,
      markers: true,
      dash: "1 1000",
    });
    series.push({
      name: `P = ${P} predicted`,
      x: cells.map((c) => c.d),
      y: cells.map((c) => scaled(c, c.predictedMedian)),
      color,
      dash: "6 3",
    });
  });
  const byD = [...new Map(doc.cells.map((c) => [c.d, c])).values()].sort((a, b) => a.d - b.d);
  series.push({
    name: "cubic path alone (M3 d^3)",
    x: byD.map((c) => c.d),
    y: byD.map((c) => c.predictedCubic / c.d ** 2),
    color: "#000000",
    dash: "2 2",
  });
  const cross = doc.crossover.filter((c) => c.d !== null);
  return {
    "phase-diagram": linePlotSpec({
      title: "First hit of v under mixed:P latents: measured median (dots) and predicted (dashed)",
      xLabel: "d",
      yLabel: "median n* / d^2",
      xLog: true,
      yLog: true,
      series,
    }),
    crossover: linePlotSpec({
      title: "Crossover: above this d the correlated path beats the cubic one",
      xLabel: "P (mixed:P)",
      yLabel: "crossover d",
      xLog: true,
      yLog: true,
      series: [
        {
          name: "theory",
          x: cross.map((c) => c.P),
          y: cross.map((c) => c.d as number),
          markers: true,
          color: "#000000",
        },
      ],
    }),
  };
}
