/**
 * The live chart as SVG markup: overlaps against n/d on a log axis, the median over walkers as a line and
 * the interquartile range as a band, per direction. Pure (returns a string of numbers and fixed labels),
 * so Node tests can check it and the page can set it with innerHTML without any user text in it.
 */

import { DIRECTIONS, type Direction } from "../config/directions.js";
import type { LimitBand, PredictionMarker } from "./prediction.js";
import type { Quartiles } from "./stats.js";

export interface SeriesPoint extends Quartiles {
  nOverD: number;
}

export interface ChartInput {
  d: number;
  /** Total steps of the run: fixes the right end of the axis so curves grow left to right. */
  steps: number;
  /** Steps done so far (a cursor), or null. */
  current: number | null;
  threshold: number;
  series: Partial<Record<Direction, SeriesPoint[]>>;
  markers?: readonly PredictionMarker[];
  /** The limit theory's bands per direction (prediction.ts limitOverlay): the predicted quartiles of n* / d as
   * a shaded column with a dashed median line, the predicted overlap curve as a dashed median and a
   * dotted quartile outline. A direction with a predicted hit gets no flow-estimate marker. */
  limit?: Partial<Record<Direction, LimitBand>>;
}

export const COLORS: Record<Direction, string> = { u: "#1f6fd1", v: "#e0661b", m: "#2a9d4b" };

const W = 760;
const H = 430;
const M = { left: 62, right: 22, top: 18, bottom: 52 };

const fmt = (x: number) => (Math.round(x * 100) / 100).toString();

function superscript(k: number): string {
  if (k === 0) return "1";
  if (k === 1) return "10";
  return `10<tspan dy="-7" font-size="10">${k}</tspan>`;
}

/** The x range in log10(n/d): from one sample to the last step, at least one decade wide. */
export function xDomain(d: number, steps: number): [number, number] {
  let lo = Math.log10(1 / d);
  let hi = Math.log10(Math.max(steps, 1) / d);
  if (hi - lo < 1) {
    const mid = (hi + lo) / 2;
    lo = mid - 0.5;
    hi = mid + 0.5;
  }
  return [lo, hi];
}

export function renderChart(input: ChartInput): string {
  const [lo, hi] = xDomain(input.d, input.steps);
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (nOverD: number) => M.left + ((Math.log10(nOverD) - lo) / (hi - lo)) * pw;
  const y = (v: number) => M.top + (1 - Math.min(1, Math.max(0, v))) * ph;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="overlaps against n/d">`,
  );
  parts.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" class="plot-bg"/>`);
  // Grid and ticks.
  for (let k = Math.ceil(lo); k <= Math.floor(hi); k++) {
    const xv = fmt(x(10 ** k));
    parts.push(`<line x1="${xv}" x2="${xv}" y1="${M.top}" y2="${M.top + ph}" class="grid"/>`);
    parts.push(`<text x="${xv}" y="${M.top + ph + 18}" text-anchor="middle" class="tick">${superscript(k)}</text>`);
    for (let j = 2; j < 10; j++) {
      const minor = k + Math.log10(j);
      if (minor > hi) break;
      const xm = fmt(x(10 ** minor));
      parts.push(`<line x1="${xm}" x2="${xm}" y1="${M.top + ph}" y2="${M.top + ph - 4}" class="axis"/>`);
    }
  }
  for (let i = 0; i <= 4; i++) {
    const v = i / 4;
    const yv = fmt(y(v));
    parts.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${yv}" y2="${yv}" class="grid"/>`);
    parts.push(`<text x="${M.left - 8}" y="${fmt(y(v) + 4)}" text-anchor="end" class="tick">${v}</text>`);
  }
  const ty = fmt(y(input.threshold));
  parts.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${ty}" y2="${ty}" class="threshold"/>`);
  parts.push(
    `<text x="${M.left + pw - 4}" y="${fmt(y(input.threshold) - 5)}" text-anchor="end" class="note">threshold</text>`,
  );
  parts.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" class="frame"/>`);
  parts.push(
    `<text x="${M.left + pw / 2}" y="${H - 10}" text-anchor="middle" class="label">n / d  (samples per dimension)</text>`,
  );
  parts.push(
    `<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle" class="label">overlap  max<tspan dy="4" font-size="10">k</tspan><tspan dy="-4"> |w</tspan><tspan dy="4" font-size="10">k</tspan><tspan dy="-4">·s|</tspan></text>`,
  );
  // Progress cursor.
  if (input.current !== null && input.current > 0) {
    const cx = fmt(x(input.current / input.d));
    parts.push(`<line x1="${cx}" x2="${cx}" y1="${M.top}" y2="${M.top + ph}" class="cursor"/>`);
  }
  // Prediction markers (where the limit gives no predicted hit).
  for (const m of input.markers ?? []) {
    if (!(m.nOverD > 0) || input.limit?.[m.direction]?.hit) continue;
    const l = Math.log10(m.nOverD);
    if (l < lo || l > hi) continue;
    const mx = fmt(x(m.nOverD));
    parts.push(
      `<line x1="${mx}" x2="${mx}" y1="${M.top}" y2="${M.top + ph}" stroke="${COLORS[m.direction]}" class="marker" data-direction="${m.direction}"/>`,
    );
  }
  // Bands, then median lines, per direction.
  const clip = `<clipPath id="plot-clip"><rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}"/></clipPath>`;
  parts.push(clip);
  // A q1..q3 band (a polygon styled by bandStyle) and the median's polyline (stroked in the direction's colour).
  const quartileShapes = (
    pts: readonly { nOverD: number; q1: number; median: number; q3: number }[],
    dir: Direction,
    bandStyle: string,
    bandClass: string,
    medianClass: string,
  ): [string, string] => {
    const upper = pts.map((p) => `${fmt(x(p.nOverD))},${fmt(y(p.q3))}`);
    const lower = pts.map((p) => `${fmt(x(p.nOverD))},${fmt(y(p.q1))}`).reverse();
    const line = pts.map((p) => `${fmt(x(p.nOverD))},${fmt(y(p.median))}`).join(" ");
    const tail = `data-direction="${dir}" clip-path="url(#plot-clip)"`;
    return [
      `<polygon points="${upper.concat(lower).join(" ")}" ${bandStyle} class="${bandClass}" ${tail}/>`,
      `<polyline points="${line}" stroke="${COLORS[dir]}" class="${medianClass}" data-direction="${dir}" data-points="${pts.length}" clip-path="url(#plot-clip)"/>`,
    ];
  };
  // The limit theory's predictions under the measured curves.
  const inAxis = (nOverD: number) => nOverD > 0 && Number.isFinite(nOverD);
  for (const dir of DIRECTIONS) {
    const band = input.limit?.[dir];
    if (!band) continue;
    const color = COLORS[dir];
    const h = band.hit;
    if (h && inAxis(h.q1) && inAxis(h.q3)) {
      const [x1, x2] = [x(h.q1), x(h.q3)];
      parts.push(
        `<rect x="${fmt(x1)}" y="${M.top}" width="${fmt(Math.max(x2 - x1, 1))}" height="${ph}" fill="${color}" class="hit-band" data-direction="${dir}" clip-path="url(#plot-clip)"/>`,
      );
      const xm = fmt(x(h.median));
      parts.push(
        `<line x1="${xm}" x2="${xm}" y1="${M.top}" y2="${M.top + ph}" stroke="${color}" class="hit-median" data-direction="${dir}" clip-path="url(#plot-clip)"/>`,
      );
    }
    const pts = band.curve.filter((p) => inAxis(p.nOverD));
    if (pts.length > 1)
      parts.push(...quartileShapes(pts, dir, `stroke="${color}"`, "predicted-band", "predicted-median"));
  }
  for (const dir of DIRECTIONS) {
    const pts = (input.series[dir] ?? []).filter((p) => p.nOverD > 0);
    if (pts.length === 0) continue;
    const shapes = quartileShapes(pts, dir, `fill="${COLORS[dir]}"`, "band", "median");
    parts.push(...(pts.length > 1 ? shapes : shapes.slice(1)));
  }
  // Legend.
  const dirs = DIRECTIONS.filter((dir) => (input.series[dir] ?? []).length > 0);
  dirs.forEach((dir, i) => {
    const lx = M.left + 12;
    const ly = M.top + 16 + i * 20;
    parts.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${COLORS[dir]}" class="legend-line"/>`);
    parts.push(`<text x="${lx + 28}" y="${ly + 4}" class="legend">${dir}  (median, quartiles)</text>`);
  });
  if (Object.values(input.limit ?? {}).some((b) => b && (b.hit || b.curve.length > 1))) {
    const lx = M.left + 12;
    const ly = M.top + 16 + dirs.length * 20;
    parts.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="#666" class="predicted-median"/>`);
    parts.push(
      `<text x="${lx + 28}" y="${ly + 4}" class="legend">limit theory: median, quartiles (dotted); shaded: predicted n*/d quartiles</text>`,
    );
  }
  parts.push("</svg>");
  return parts.join("");
}
