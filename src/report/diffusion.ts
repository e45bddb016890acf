/**
 * Pictures of a diffusion result: the two distances of the generated samples over training (covariance
 * level: the Frechet distance of Gaussian fits; higher order: the pixel-marginal W1), each with the
 * Wiener samples' value and the data floor as reference lines; the per-t distance to the Wiener denoiser
 * with the test losses; the covariance spectra of the final samples, the Wiener samples and the data;
 * and grids of samples.
 */

import { type DiffusionImages, type DiffusionResult, tKey } from "../diffusion/run.js";
import { linePlotSpec, PALETTE } from "./lines.js";
import { renderSvg } from "./plots.js";
import { imageGrid } from "./svg.js";

export async function diffusionPlots(r: DiffusionResult): Promise<Record<string, string>> {
  const pts = r.snapshots.filter((s) => s.step > 0);
  const steps = pts.map((s) => s.step);
  const o = r.options;
  const title = `${r.dataset.name}, ${o.arch} width ${o.width}, batch ${o.batch}, lr ${o.lr}`;
  const ref = r.reference;
  const curves = linePlotSpec({
    title: `${title}: generated samples against the data`,
    xLabel: "training steps (minibatches)",
    yLabel: "distance / its Wiener-samples value",
    xLog: true,
    yLog: true,
    series: [
      {
        name: "Frechet distance of Gaussian fits (covariance level)",
        x: steps,
        y: pts.map((s) => s.gaussianFrechet / ref.wiener.gaussianFrechet),
        color: PALETTE[0],
        markers: true,
      },
      {
        name: "pixel-marginal W1 (higher order)",
        x: steps,
        y: pts.map((s) => s.higherOrder / ref.wiener.pixelW1),
        color: PALETTE[1],
        markers: true,
      },
    ],
    hlines: [
      { name: "Wiener diffusion samples (= 1)", y: 1, color: "#000" },
      {
        name: `data floor, Frechet (${(ref.data.gaussianFrechet / ref.wiener.gaussianFrechet).toFixed(2)})`,
        y: ref.data.gaussianFrechet / ref.wiener.gaussianFrechet,
        color: PALETTE[0],
      },
      {
        name: `data floor, W1 (${(ref.data.pixelW1 / ref.wiener.pixelW1).toFixed(2)})`,
        y: ref.data.pixelW1 / ref.wiener.pixelW1,
        color: PALETTE[1],
      },
    ],
  });
  const ts = o.evalT.map(tKey);
  const wiener = linePlotSpec({
    title: `${title}: the denoiser against Wiener, per noise level t`,
    xLabel: "training steps (minibatches)",
    yLabel: "per-pixel MSE",
    xLog: true,
    yLog: true,
    series: ts.flatMap((t, i) => [
      {
        name: `|x0 net - x0 Wiener|^2, t = ${t}`,
        x: steps,
        y: pts.map((s) => s.wienerDistance[t]),
        color: PALETTE[i % PALETTE.length],
        markers: true,
      },
      {
        name: `test loss - Wiener's, real, t = ${t}`,
        x: steps,
        y: pts.map((s) => Math.abs(s.lossReal[t] - ref.wienerLossReal[t])),
        color: PALETTE[i % PALETTE.length],
        dash: "5 3",
      },
    ]),
  });
  const last = r.snapshots[r.snapshots.length - 1];
  const k = Array.from({ length: Math.min(32, ref.dataSpectrum.length) }, (_, i) => i + 1);
  const spectrum = linePlotSpec({
    title: `${title}: covariance spectra`,
    xLabel: "eigenvalue index",
    yLabel: "eigenvalue",
    xLog: true,
    yLog: true,
    series: [
      { name: "test images", x: k, y: ref.dataSpectrum.slice(0, k.length), color: "#000" },
      {
        name: "Wiener diffusion samples",
        x: k,
        y: ref.wiener.spectrum.slice(0, k.length),
        color: PALETTE[2],
        dash: "5 3",
      },
      {
        name: `network samples, step ${last.step}`,
        x: k,
        y: last.spectrum.slice(0, k.length),
        color: PALETTE[0],
        markers: true,
      },
    ],
  });
  return { curves: await renderSvg(curves), wiener: await renderSvg(wiener), spectrum: await renderSvg(spectrum) };
}

/** One grid: a row per labelled set of images. */
export function samplesGrid(title: string, rows: { label: string; images: DiffusionImages }[]): string {
  const first = rows[0].images;
  return imageGrid({
    title,
    rowLabels: rows.map((r) => r.label),
    images: rows.map((r) => {
      const px = Array.from(r.images.pixels);
      const hw = first.H * first.W;
      return Array.from({ length: r.images.n }, (_, s) => px.slice(s * hw, (s + 1) * hw));
    }),
    w: first.W,
    h: first.H,
    cell: 42,
  });
}
