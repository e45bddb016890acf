/**
 * SVG to PNG with resvg (Node only): a native rasteriser shipped as a prebuilt npm package. Text is set in the
 * bundled DejaVu Sans (fonts/, its licence beside it) and never in a system font, so that the same SVG gives
 * the same pixels on any machine with the same resvg build.
 */
import { fileURLToPath } from "node:url";
import { Resvg } from "@resvg/resvg-js";
import { FIGURE_FONT } from "./font.js";

/** The bundled font files: fonts/ at the package root, two levels above src/report and dist/report. */
export const FONT_FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map((f) =>
  fileURLToPath(new URL(`../../fonts/${f}`, import.meta.url)),
);

export function svgToPng(svg: string, options: { width?: number; background?: string } = {}): Uint8Array {
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
