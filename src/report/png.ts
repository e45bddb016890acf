/**
 * SVG to PNG with resvg (Node only): a native rasteriser shipped as a prebuilt npm package. Text is set in the
 * bundled DejaVu Sans (fonts/, its licence beside it) and never in a system font, so that the same SVG gives
 * the same pixels on any machine with the same resvg build.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { Resvg as ResvgClass } from "@resvg/resvg-js";
import { FIGURE_FONT } from "./font.js";

/** The bundled font files: fonts/ at the package root, two levels above src/report and dist/report. */
export const FONT_FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map((f) =>
  fileURLToPath(new URL(`../../fonts/${f}`, import.meta.url)),
);

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
    font: {
      loadSystemFonts: false,
      fontFiles: FONT_FILES,
      defaultFontFamily: FIGURE_FONT,
      sansSerifFamily: FIGURE_FONT,
      serifFamily: FIGURE_FONT,
      monospaceFamily: FIGURE_FONT,
    },
  });
  return resvg.render().asPng();
}
