/** SVG to PNG with resvg (Node only): a native rasteriser shipped as a prebuilt npm package. */
import { Resvg } from "@resvg/resvg-js";

export function svgToPng(svg: string, options: { width?: number; background?: string } = {}): Uint8Array {
  const resvg = new Resvg(svg, {
    background: options.background ?? "white",
    fitTo: options.width ? { mode: "width", value: options.width } : { mode: "zoom", value: 2 },
    font: { loadSystemFonts: true },
  });
  return resvg.render().asPng();
}
