/**
 * A grid of grayscale images as SVG, each embedded as PNG data (fast-png): a self-contained SVG string,
 * deterministic for the same input; works in Node and browsers. Line plots are vega-lite (./lines.ts).
 */
import { encode as encodePng } from "fast-png";

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

// ---- PNG ----

/** A grayscale PNG of w x h pixels, values in [0, 1] (clamped; non-finite as 0), row-major. Encoded by
 * fast-png (pure JS, browser-safe, deflate through fflate): the chunks, CRCs and zlib stream are its
 * business, not ours. */
export function grayPng(values: ArrayLike<number>, w: number, h: number): Uint8Array {
  const data = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) {
    const v = values[i];
    data[i] = Math.round(255 * Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)));
  }
  return encodePng({ width: w, height: h, data, channels: 1, depth: 8 });
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
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, sans-serif" font-size="13">`,
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
