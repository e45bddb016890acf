/**
 * Small, dependency-free SVG plots: a line plot with linear or log axes (series, error bands,
 * horizontal reference lines, a legend) and a grid of grayscale images embedded as PNG data. Output is
 * a self-contained SVG string, deterministic for the same input; works in Node and browsers.
 */

export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color?: string;
  /** SVG stroke-dasharray, e.g. "6 3". */
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
  /** Fixed axis ranges; by default the data's range (log axes drop non-positive values). */
  xRange?: [number, number];
  yRange?: [number, number];
}

export const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"];

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const fmt = (v: number) => (Math.abs(v) < 1e-12 ? "0" : Number(v.toPrecision(4)).toString());
const px = (v: number) => (Math.round(v * 100) / 100).toString();

/** Tick values for a linear axis: 1, 2 or 5 times a power of ten, about `count` of them. */
export function linearTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
    out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** Tick values for a log axis: the powers of ten in range, with 2 and 5 when there are few. */
export function logTicks(lo: number, hi: number): number[] {
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  const out: number[] = [];
  const mult = b - a <= 2 ? [1, 2, 5] : [1];
  for (let e = a; e <= b; e++)
    for (const m of mult) {
      const v = m * 10 ** e;
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
    }
  return out;
}

function range(values: number[], log: boolean): [number, number] {
  const ok = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  if (ok.length === 0) return log ? [1, 10] : [0, 1];
  let lo = Math.min(...ok);
  let hi = Math.max(...ok);
  if (lo === hi) {
    if (log) {
      lo /= 2;
      hi *= 2;
    } else {
      lo -= 0.5 * Math.abs(lo) || 0.5;
      hi += 0.5 * Math.abs(hi) || 0.5;
    }
  } else if (!log) {
    const pad = 0.04 * (hi - lo);
    lo -= pad;
    hi += pad;
  }
  return [lo, hi];
}

/** An SVG line plot. Points with non-finite coordinates (or non-positive on a log axis) are skipped. */
export function linePlot(spec: LinePlotSpec): string {
  const W = spec.width ?? 720;
  const H = spec.height ?? 440;
  const m = { left: 72, right: 16, top: spec.title ? 34 : 14, bottom: 50 };
  const legendRows = spec.series.length + (spec.hlines?.length ?? 0);
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of spec.series) {
    for (let i = 0; i < s.x.length; i++) {
      xs.push(s.x[i]);
      ys.push(s.y[i]);
      if (s.band) {
        ys.push(s.y[i] - s.band[i]);
        ys.push(s.y[i] + s.band[i]);
      }
    }
  }
  for (const h of spec.hlines ?? []) ys.push(h.y);
  const [x0, x1] = spec.xRange ?? range(xs, !!spec.xLog);
  const [y0, y1] = spec.yRange ?? range(ys, !!spec.yLog);
  const tx = (v: number) => (spec.xLog ? Math.log10(v / x0) / Math.log10(x1 / x0) : (v - x0) / (x1 - x0));
  const ty = (v: number) => (spec.yLog ? Math.log10(v / y0) / Math.log10(y1 / y0) : (v - y0) / (y1 - y0));
  const X = (v: number) => m.left + pw * tx(v);
  const Y = (v: number) => m.top + ph * (1 - ty(v));
  const okX = (v: number) => Number.isFinite(v) && (!spec.xLog || v > 0) && v >= x0 && v <= x1;
  const okY = (v: number) => Number.isFinite(v) && (!spec.yLog || v > 0);
  const clampY = (v: number) => Math.min(m.top + ph, Math.max(m.top, Y(v)));

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  if (spec.title) {
    out.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(spec.title)}</text>`);
  }
  // Grid and ticks.
  const xt = spec.xLog ? logTicks(x0, x1) : linearTicks(x0, x1);
  const yt = spec.yLog ? logTicks(y0, y1) : linearTicks(y0, y1);
  for (const v of xt) {
    const x = px(X(v));
    out.push(`<line x1="${x}" y1="${m.top}" x2="${x}" y2="${m.top + ph}" stroke="#e6e6e6"/>`);
    out.push(`<text x="${x}" y="${m.top + ph + 16}" text-anchor="middle">${fmt(v)}</text>`);
  }
  for (const v of yt) {
    const y = px(Y(v));
    out.push(`<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="#e6e6e6"/>`);
    out.push(`<text x="${m.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(v)}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  if (spec.xLabel) {
    out.push(`<text x="${m.left + pw / 2}" y="${H - 12}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);
  }
  if (spec.yLabel) {
    out.push(
      `<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`,
    );
  }
  out.push(`<clipPath id="plot-area"><rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}"/></clipPath>`);
  out.push(`<g clip-path="url(#plot-area)">`);
  for (const [i, h] of (spec.hlines ?? []).entries()) {
    if (!okY(h.y)) continue;
    const color = h.color ?? "#444";
    const y = px(Y(h.y));
    out.push(
      `<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="${color}" stroke-width="1.5" stroke-dasharray="${h.dash ?? "6 4"}" data-i="${i}"/>`,
    );
  }
  spec.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const idx = Array.from({ length: s.x.length }, (_, k) => k).filter((k) => okX(s.x[k]) && okY(s.y[k]));
    if (s.band && idx.length > 1) {
      const band = s.band;
      const upper = idx.map((k) => `${px(X(s.x[k]))},${px(clampY(s.y[k] + band[k]))}`);
      const lower = idx
        .slice()
        .reverse()
        .map((k) => {
          const lo = s.y[k] - band[k];
          return `${px(X(s.x[k]))},${px(okY(lo) ? clampY(lo) : m.top + ph)}`;
        });
      out.push(
        `<polygon points="${[...upper, ...lower].join(" ")}" fill="${color}" fill-opacity="0.15" stroke="none"/>`,
      );
    }
    const pts = idx.map((k) => `${px(X(s.x[k]))},${px(Y(s.y[k]))}`).join(" ");
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : "";
    out.push(`<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    if (s.markers)
      for (const k of idx) out.push(`<circle cx="${px(X(s.x[k]))}" cy="${px(Y(s.y[k]))}" r="2.5" fill="${color}"/>`);
  });
  out.push("</g>");
  // Legend, top right inside the plot.
  const lw = 12 + 7 * Math.max(...[...spec.series, ...(spec.hlines ?? [])].map((s) => s.name.length), 4) + 36;
  const lx = m.left + pw - lw - 8;
  const ly = m.top + 8;
  if (legendRows > 0) {
    out.push(
      `<rect x="${lx}" y="${ly}" width="${lw}" height="${legendRows * 18 + 8}" fill="white" fill-opacity="0.85" stroke="#ccc"/>`,
    );
    const rows = [
      ...spec.series.map((s, i) => ({ name: s.name, color: s.color ?? PALETTE[i % PALETTE.length], dash: s.dash })),
      ...(spec.hlines ?? []).map((h) => ({ name: h.name, color: h.color ?? "#444", dash: h.dash ?? "6 4" })),
    ];
    rows.forEach((r, i) => {
      const y = ly + 14 + 18 * i;
      const dash = r.dash ? ` stroke-dasharray="${r.dash}"` : "";
      out.push(
        `<line x1="${lx + 8}" y1="${y}" x2="${lx + 36}" y2="${y}" stroke="${r.color}" stroke-width="2"${dash}/>`,
      );
      out.push(`<text x="${lx + 42}" y="${y}" dominant-baseline="middle">${escapeXml(r.name)}</text>`);
    });
  }
  out.push("</svg>");
  return out.join("\n");
}

// ---- PNG (grayscale, 8 bit, stored deflate blocks: no compression library needed) ----

let crcTable: Uint32Array | null = null;
function crc32(bytes: Uint8Array, start: number, end: number): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A grayscale PNG of w x h pixels, values in [0, 1] (clamped), row-major. */
export function grayPng(values: ArrayLike<number>, w: number, h: number): Uint8Array {
  const raw = new Uint8Array(h * (w + 1));
  for (let y = 0; y < h; y++) {
    raw[y * (w + 1)] = 0; // filter: none
    for (let x = 0; x < w; x++) {
      const v = values[y * w + x];
      raw[y * (w + 1) + 1 + x] = Math.round(255 * Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)));
    }
  }
  // zlib stream of stored blocks (at most 65535 bytes each) and the Adler-32 checksum.
  const blocks = Math.max(1, Math.ceil(raw.length / 65535));
  const z = new Uint8Array(2 + raw.length + 5 * blocks + 4);
  z[0] = 0x78;
  z[1] = 0x01;
  let o = 2;
  for (let b = 0; b < blocks; b++) {
    const s = b * 65535;
    const len = Math.min(65535, raw.length - s);
    z[o++] = b === blocks - 1 ? 1 : 0;
    z[o++] = len & 0xff;
    z[o++] = len >>> 8;
    z[o++] = ~len & 0xff;
    z[o++] = (~len >>> 8) & 0xff;
    z.set(raw.subarray(s, s + len), o);
    o += len;
  }
  let a = 1;
  let bsum = 0;
  for (let i = 0; i < raw.length; i++) {
    a = (a + raw[i]) % 65521;
    bsum = (bsum + a) % 65521;
  }
  const adler = ((bsum << 16) | a) >>> 0;
  z[o++] = adler >>> 24;
  z[o++] = (adler >>> 16) & 0xff;
  z[o++] = (adler >>> 8) & 0xff;
  z[o++] = adler & 0xff;

  const chunks: [string, Uint8Array][] = [
    [
      "IHDR",
      new Uint8Array([
        w >>> 24,
        (w >>> 16) & 255,
        (w >>> 8) & 255,
        w & 255,
        h >>> 24,
        (h >>> 16) & 255,
        (h >>> 8) & 255,
        h & 255,
        8,
        0,
        0,
        0,
        0,
      ]),
    ],
    ["IDAT", z],
    ["IEND", new Uint8Array(0)],
  ];
  const total = 8 + chunks.reduce((s, [, d]) => s + 12 + d.length, 0);
  const png = new Uint8Array(total);
  png.set([137, 80, 78, 71, 13, 10, 26, 10], 0);
  let p = 8;
  for (const [type, data] of chunks) {
    const view = new DataView(png.buffer);
    view.setUint32(p, data.length);
    for (let i = 0; i < 4; i++) png[p + 4 + i] = type.charCodeAt(i);
    png.set(data, p + 8);
    view.setUint32(p + 8 + data.length, crc32(png, p + 4, p + 8 + data.length));
    p += 12 + data.length;
  }
  return png;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

export function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    s += B64[(n >>> 18) & 63] + B64[(n >>> 12) & 63];
    s += i + 1 < bytes.length ? B64[(n >>> 6) & 63] : "=";
    s += i + 2 < bytes.length ? B64[n & 63] : "=";
  }
  return s;
}

export interface ImageGridSpec {
  title?: string;
  /** Row labels (left). */
  rowLabels: string[];
  /** images[row][col]: w * h values in [0, 1]. */
  images: ArrayLike<number>[][];
  w: number;
  h: number;
  /** Displayed size of one image in SVG pixels. */
  cell?: number;
}

/** A grid of grayscale images (PNG data in <image> elements, drawn without smoothing). */
export function imageGrid(spec: ImageGridSpec): string {
  const cell = spec.cell ?? 84;
  const gap = 6;
  const labelW = 90;
  const top = spec.title ? 30 : 8;
  const cols = Math.max(0, ...spec.images.map((r) => r.length));
  const W = labelW + cols * (cell + gap) + gap;
  const H = top + spec.images.length * (cell + gap) + gap;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="13">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  if (spec.title)
    out.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(spec.title)}</text>`);
  spec.images.forEach((row, r) => {
    const y = top + r * (cell + gap);
    out.push(
      `<text x="${labelW - 8}" y="${y + cell / 2}" text-anchor="end" dominant-baseline="middle">${escapeXml(spec.rowLabels[r] ?? "")}</text>`,
    );
    row.forEach((img, c) => {
      const x = labelW + c * (cell + gap);
      const data = base64(grayPng(img, spec.w, spec.h));
      out.push(
        `<image x="${x}" y="${y}" width="${cell}" height="${cell}" image-rendering="pixelated" style="image-rendering:pixelated" preserveAspectRatio="none" href="data:image/png;base64,${data}"/>`,
      );
    });
  });
  out.push("</svg>");
  return out.join("\n");
}
