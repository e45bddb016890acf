/**
 * Pictures of an images-experiment result: the four curves against steps on a log axis (test MSE on
 * real images, test MSE on Gaussian-clone samples, distance to the Wiener outputs, the Wiener MSE as a
 * reference line), the paired gaps to Wiener with their standard errors, and a panel of test digits
 * (clean, noisy, Wiener, network).
 */
import type { TopLevelSpec } from "vega-lite";
import type { ImagesResult } from "../experiments/images/run.js";
import { linePlotSpec } from "./lines.js";
import { renderSvg } from "./plots.js";
import { imageGrid } from "./svg.js";

export interface ImagesPlots {
  /** The four curves. */
  curves: string;
  /** Network MSE minus Wiener MSE, real and clone, with standard-error bands and the zero line. */
  gaps: string;
  /** Test digits; null when the data are not square images. */
  digits: string | null;
}

/** The plots of a result as SVG strings. */
export async function imagesPlots(r: ImagesResult): Promise<ImagesPlots> {
  const specs = imagesPlotSpecs(r);
  return { curves: await renderSvg(specs.curves), gaps: await renderSvg(specs.gaps), digits: specs.digits };
}

/** The line plots as vega-lite specs, the digit panel as SVG. */
export function imagesPlotSpecs(r: ImagesResult): { curves: TopLevelSpec; gaps: TopLevelSpec; digits: string | null } {
  const pts = r.curve.filter((p) => p.step > 0);
  const steps = pts.map((p) => p.step);
  const o = r.options;
  const model = `${o.tied ? "tied" : "untied"} ${o.activation}, K = ${o.K}, ${o.optimizer} lr ${o.lr}, batch ${o.batch}`;
  const title = `${r.dataset.name}, ${r.process.name} t = ${r.process.t}: ${model}`;
  const curves = linePlotSpec({
    title,
    xLabel: "training steps (minibatches)",
    yLabel: "MSE per pixel / relative distance",
    xLog: true,
    series: [
      {
        name: "test MSE, real images",
        x: steps,
        y: pts.map((p) => p.mseReal),
        band: pts.map((p) => p.mseRealSe),
        color: "#1f77b4",
      },
      {
        name: "test MSE, Gaussian clone",
        x: steps,
        y: pts.map((p) => p.mseClone),
        band: pts.map((p) => p.mseCloneSe),
        color: "#d62728",
      },
      {
        name: "|network - Wiener| / |Wiener|",
        x: steps,
        y: pts.map((p) => p.wienerDistance),
        color: "#2ca02c",
        dash: "5 3",
      },
    ],
    hlines: [
      {
        name: `Wiener MSE, real images (${r.reference.wienerMseReal.toFixed(4)})`,
        y: r.reference.wienerMseReal,
        color: "#000",
      },
    ],
  });
  const gaps = linePlotSpec({
    title: `${title}: MSE minus Wiener MSE (paired, +- 1 SE)`,
    xLabel: "training steps (minibatches)",
    yLabel: "network MSE - Wiener MSE",
    xLog: true,
    series: [
      {
        name: "real images",
        x: steps,
        y: pts.map((p) => p.gapReal),
        band: pts.map((p) => p.gapRealSe),
        color: "#1f77b4",
        markers: true,
      },
      {
        name: "Gaussian clone",
        x: steps,
        y: pts.map((p) => p.gapClone),
        band: pts.map((p) => p.gapCloneSe),
        color: "#d62728",
        markers: true,
      },
    ],
    hlines: [{ name: "Wiener", y: 0, color: "#000" }],
  });
  let digits: string | null = null;
  const g = r.digits;
  if (g) {
    const last = r.curve[r.curve.length - 1];
    digits = imageGrid({
      title: `test digits at t = ${r.process.t} (network after ${last.step} steps)`,
      rowLabels: ["clean", "noisy", "Wiener", "network"],
      images: [g.clean, g.noisy, g.wiener, g.network],
      w: g.side,
      h: g.side,
      cell: 84,
    });
  }
  return { curves, gaps, digits };
}
