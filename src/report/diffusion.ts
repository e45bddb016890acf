/**
 * Pictures of a diffusion result: the twin measurement (h / eG per noise level on a linear axis, since h
 * is a signed difference; eG, the floor and R's distance to the Wiener denoiser on log axes, all positive),
 * the generated samples' scores over training (R and its Gaussian twin G, with the Wiener samples', the
 * clone's and the data floor as reference lines), the covariance spectra, and grids of samples.
 */

import { type DiffusionImages, type DiffusionResult, tKey } from "../diffusion/run.js";
import { linePlotSpec, PALETTE, type Series } from "./lines.js";
import { renderSvg } from "./plots.js";
import { imageGrid } from "./svg.js";

export async function diffusionPlots(r: DiffusionResult): Promise<Record<string, string>> {
  const pts = r.snapshots.filter((s) => s.step > 0);
  const steps = pts.map((s) => s.step);
  const o = r.options;
  const title = `${r.dataset.name} ${r.dataset.H}x${r.dataset.W}, ${o.arch} width ${o.width}, seed ${o.seed}`;
  const ref = r.reference;
  const ts = o.evalT.map(tKey);
  const color = (i: number) => PALETTE[i % PALETTE.length];
  const out: Record<string, string> = {};
  const sampleSeries = (pick: (s: DiffusionResult["snapshots"][number]["samples"]) => number): Series[] => [
    { name: "R (data)", x: steps, y: pts.map((s) => pick(s.samples)), color: PALETTE[0], markers: true },
    ...(r.twin
      ? [
          {
            name: "G (Gaussian twin)",
            x: steps,
            y: pts.map((s) => (s.twinSamples ? pick(s.twinSamples.G) : Number.NaN)),
            color: PALETTE[1],
            markers: true,
          },
        ]
      : []),
  ];
  out.frechet = await renderSvg(
    linePlotSpec({
      title: `${title}: Frechet distance of the samples (covariance level)`,
      xLabel: "training steps (minibatches)",
      yLabel: "Frechet distance per pixel",
      xLog: true,
      yLog: true,
      series: sampleSeries((s) => s.gaussianFrechet),
      hlines: [
        { name: "Wiener diffusion samples", y: ref.wiener.gaussianFrechet, color: "#000" },
        { name: "clone samples", y: ref.clone.gaussianFrechet, color: PALETTE[2], dash: "5 3" },
        { name: "data floor (same count)", y: ref.data.gaussianFrechet, color: PALETTE[3], dash: "2 2" },
      ],
    }),
  );
  out.shape = await renderSvg(
    linePlotSpec({
      title: `${title}: shape of the samples' marginals (higher order)`,
      xLabel: "training steps (minibatches)",
      yLabel: "W1 of standardised pixel and difference marginals",
      xLog: true,
      yLog: true,
      series: sampleSeries((s) => s.shapeW1),
      hlines: [
        { name: "Wiener diffusion samples", y: ref.wiener.shapeW1, color: "#000" },
        { name: "clone samples", y: ref.clone.shapeW1, color: PALETTE[2], dash: "5 3" },
        { name: "data floor (same count)", y: ref.data.shapeW1, color: PALETTE[3], dash: "2 2" },
      ],
    }),
  );
  if (r.twin) {
    const tw = r.twin.snapshots.filter((p) => p.step > 0);
    const x = tw.map((p) => p.step);
    out.twin = await renderSvg(
      linePlotSpec({
        title: `${title}: higher-order deviation over the Gaussian twin's distance to Wiener`,
        xLabel: "training steps (minibatches)",
        yLabel: "h / eG = (|R - G|^2 - |G - G'|^2) / |G - W|^2",
        xLog: true,
        series: ts.map((t, i) => ({
          name: `t = ${t}`,
          x,
          y: tw.map((p) => (p.eG[t] > 0 ? p.h[t] / p.eG[t] : Number.NaN)),
          color: color(i),
          markers: true,
        })),
        hlines: [
          { name: "0.1", y: 0.1, color: "#888", dash: "2 2" },
          { name: "0.3", y: 0.3, color: "#888", dash: "5 3" },
        ],
      }),
    );
    out.distances = await renderSvg(
      linePlotSpec({
        title: `${title}: distances to the Wiener denoiser, in units of its MSE`,
        xLabel: "training steps (minibatches)",
        yLabel: "squared distance / Wiener MSE",
        xLog: true,
        yLog: true,
        series: ts.flatMap((t, i) => [
          { name: `eG = |G - W|^2, t = ${t}`, x, y: tw.map((p) => p.eG[t]), color: color(i), markers: true },
          { name: `|R - W|^2, t = ${t}`, x, y: tw.map((p) => p.dR[t]), color: color(i), dash: "5 3" },
          { name: `floor |G - G'|^2, t = ${t}`, x, y: tw.map((p) => p.floor[t]), color: color(i), dash: "1 3" },
        ]),
      }),
    );
  }
  const last = r.snapshots[r.snapshots.length - 1];
  const k = Array.from({ length: Math.min(32, ref.dataSpectrum.length) }, (_, i) => i + 1);
  out.spectrum = await renderSvg(
    linePlotSpec({
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
          name: `R's samples, step ${last.step}`,
          x: k,
          y: last.samples.spectrum.slice(0, k.length),
          color: PALETTE[0],
          markers: true,
        },
      ],
    }),
  );
  return out;
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
