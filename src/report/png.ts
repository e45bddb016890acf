/** SVG to PNG with resvg (Node only): a native rasteriser shipped as a prebuilt npm package. */
import { createRequire } from "node:module";
import type { Resvg as ResvgClass } from "@resvg/resvg-js";

let Resvg: typeof ResvgClass | null | undefined;

/** Why PNGs cannot be drawn on this install, or null when they can: resvg's native binding is an optional
 * dependency of @resvg/resvg-js, absent from an install with --omit=optional. */
export function pngUnavailable(): string | null {
  if (Resvg === undefined) {
    try {
      Resvg = (createRequire(import.meta.url)("@resvg/resvg-js") as typeof import("@resvg/resvg-js")).Resvg;
    } catch {
      Resvg = null;
    }
  }
  return Resvg
    ? null
    : "PNG figures need the native binding of @resvg/resvg-js, an optional dependency this install omits: npm install @resvg/resvg-js@2.6.2";
}

export function svgToPng(svg: string, options: { width?: number; background?: string } = {}): Uint8Array {
  const why = pngUnavailable();
  if (why !== null || !Resvg) throw new Error(why ?? "resvg not loaded");
  const resvg = new Resvg(svg, {
    background: options.background ?? "white",
    fitTo: options.width ? { mode: "width", value: options.width } : { mode: "zoom", value: 2 },
    font: { loadSystemFonts: true },
  });
  return resvg.render().asPng();
}
