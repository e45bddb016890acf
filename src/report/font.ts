/** The family of every figure's text: DejaVu Sans, bundled in fonts/ (src/report/png.ts renders with it). */
export const FIGURE_FONT = "DejaVu Sans";
