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
const H = 260;
const M = { left: 50, right: 16, top: 12, bottom: 36 };

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
  density.forEach((p, i) => {
    const x0 = x(lo + i * width);
    parts.push(
      `<rect class="bar" x="${x0.toFixed(1)}" y="${y(p).toFixed(1)}" width="${(x(lo + (i + 1) * width) - x0).toFixed(1)}" height="${(y(0) - y(p)).toFixed(1)}" fill="#e0661b" opacity="0.55"/>`,
    );
  });
  const path = data.map((p, i) => `${i ? "L" : "M"}${x(p.x).toFixed(1)},${y(p.density).toFixed(1)}`).join("");
  parts.push(`<path d="${path}" fill="none" stroke="#1d2330" stroke-width="1.6"/>`);
  for (let t = Math.ceil(lo); t <= hi; t++) {
    parts.push(`<text x="${x(t).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle" font-size="12">${t}</text>`);
  }
  parts.push(`<text x="${M.left + pw / 2}" y="${H - 4}" text-anchor="middle" font-size="12">x·v</text>`);
  parts.push(`<text x="${M.left - 8}" y="${M.top + 10}" text-anchor="end" font-size="12">${top.toFixed(2)}</text>`);
  parts.push("</svg>");
  return parts.join("");
}
