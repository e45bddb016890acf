/**
 * The page's histogram of x . v of generated samples as SVG markup: bars of the generated density and the
 * data law's density as a line. Pure (numbers and fixed labels only), like plot.ts.
 */

export interface HistogramInput {
  lo: number;
  hi: number;
  /** Generated densities over equal bins of [lo, hi]. */
  density: readonly number[];
  /** The data law's density at the given points. */
  data: readonly { x: number; density: number }[];
}

const W = 760;
const H = 280;
const M = { left: 58, right: 16, top: 14, bottom: 44 };

/** Round tick steps (1, 2 or 5 times a power of ten) giving about `count` ticks over [0, top]. */
function ticks(top: number, count = 5): number[] {
  const raw = top / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = 0; t <= top + 1e-12; t += step) out.push(Math.round(t / step) * step);
  return out;
}

const fmt = (x: number) => String(Math.round(x * 1000) / 1000);

export function renderHistogram(input: HistogramInput): string {
  const { lo, hi, density, data } = input;
  const top = Math.max(0.6, ...density, ...data.map((p) => p.density)) * 1.05;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (v: number) => M.left + ((v - lo) / (hi - lo)) * pw;
  const y = (p: number) => M.top + (1 - p / top) * ph;
  const width = (hi - lo) / Math.max(1, density.length);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="histogram of x·v">`,
    `<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" class="plot-bg"/>`,
  ];
  // Grid and y axis: density ticks.
  for (const t of ticks(top)) {
    const yt = y(t).toFixed(1);
    parts.push(`<line class="grid" x1="${M.left}" x2="${M.left + pw}" y1="${yt}" y2="${yt}"/>`);
    parts.push(`<text class="tick" x="${M.left - 6}" y="${yt}" dy="4" text-anchor="end">${fmt(t)}</text>`);
  }
  density.forEach((p, i) => {
    const x0 = x(lo + i * width);
    parts.push(
      `<rect class="bar" x="${x0.toFixed(1)}" y="${y(p).toFixed(1)}" width="${(x(lo + (i + 1) * width) - x0).toFixed(1)}" height="${(y(0) - y(p)).toFixed(1)}" fill="#e0661b" opacity="0.55"/>`,
    );
  });
  const path = data.map((p, i) => `${i ? "L" : "M"}${x(p.x).toFixed(1)},${y(p.density).toFixed(1)}`).join("");
  parts.push(`<path d="${path}" fill="none" stroke="#1d2330" stroke-width="1.6"/>`);
  // Frame and x axis: integer ticks of x·v.
  parts.push(
    `<rect class="frame" x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#9aa3b2"/>`,
  );
  for (let t = Math.ceil(lo); t <= hi; t++) {
    const xt = x(t).toFixed(1);
    parts.push(`<line class="axis" x1="${xt}" x2="${xt}" y1="${M.top + ph}" y2="${M.top + ph + 5}" stroke="#9aa3b2"/>`);
    parts.push(`<text class="tick" x="${xt}" y="${M.top + ph + 18}" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<text class="label" x="${M.left + pw / 2}" y="${H - 6}" text-anchor="middle">x·v</text>`);
  parts.push(
    `<text class="label" transform="translate(14 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">density</text>`,
  );
  // Legend, top right: the bars and the line.
  const lx = M.left + pw - 230;
  const ly = M.top + 10;
  parts.push(
    `<rect x="${lx - 8}" y="${ly - 6}" width="236" height="44" fill="#fff" opacity="0.85" stroke="#d9dee7"/>`,
    `<rect x="${lx}" y="${ly}" width="18" height="10" fill="#e0661b" opacity="0.55"/>`,
    `<text class="legend" x="${lx + 26}" y="${ly + 9}">generated samples (histogram)</text>`,
    `<line x1="${lx}" x2="${lx + 18}" y1="${ly + 25}" y2="${ly + 25}" stroke="#1d2330" stroke-width="1.6"/>`,
    `<text class="legend" x="${lx + 26}" y="${ly + 29}">the data law's density</text>`,
  );
  parts.push("</svg>");
  return parts.join("");
}
