/**
 * The page's live view of the activation: g and g' on [-4, 4] as SVG markup and its first Hermite
 * coefficients, redrawn as a formula is typed (docs/activations.md). Pure: returns strings of numbers and
 * fixed labels (the formula itself goes into the page as text, never as markup), so Node tests check it.
 */

import { EXPR_PREFIX } from "../config/expr.js";
import { isBuiltinActivation } from "../config/schema.js";
import { formulaFunctions } from "../theory/expr-eval.js";
import { activationHermite } from "../theory/loss.js";

/** The built-ins as formulas of the expression language (as the kernels compute them; sign' = 0). */
const BUILTIN_FORMULAS: Record<string, string> = {
  tanh: "tanh(x)",
  erf: "erf(x/sqrt(2))",
  relu: "max(x, 0)",
  sign: "sign(x)",
  linear: "x",
  he3: "x^3/6 - x/2",
};

export interface ActivationView {
  /** SVG markup of g (solid) and g' (dashed). */
  svg: string;
  /** "c_n = E[g(Z) He_n(Z)], n = 0..5: ..." */
  hermite: string;
  /** The coefficients themselves. */
  coefficients: number[];
}

const W = 360;
const H = 200;
const M = 28;
const X_MAX = 4;

/** The view of an activation accepted by the config (a built-in, a named formula or "expr:..."). */
export function activationView(activation: string): ActivationView {
  const name = isBuiltinActivation(activation) ? `${EXPR_PREFIX}${BUILTIN_FORMULAS[activation]}` : activation;
  const f = formulaFunctions(name);
  if (!f) throw new RangeError(`activationView: ${JSON.stringify(activation)} is not an activation`);
  const n = 161;
  const xs = Array.from({ length: n }, (_, i) => -X_MAX + (2 * X_MAX * i) / (n - 1));
  const g = xs.map(f.g);
  const gp = xs.map(f.gp);
  const finite = [...g, ...gp].filter(Number.isFinite);
  let lo = Math.min(-1, ...finite);
  let hi = Math.max(1, ...finite);
  const pad = 0.05 * (hi - lo);
  lo -= pad;
  hi += pad;
  const px = (x: number) => M + ((x + X_MAX) / (2 * X_MAX)) * (W - 2 * M);
  const py = (y: number) => H - M - ((y - lo) / (hi - lo)) * (H - 2 * M);
  const path = (ys: number[]) =>
    ys
      .map((y, i) =>
        Number.isFinite(y)
          ? `${i === 0 || !Number.isFinite(ys[i - 1]) ? "M" : "L"}${px(xs[i]).toFixed(1)},${py(y).toFixed(1)}`
          : "",
      )
      .join("");
  const coefficients = activationHermite(name, 5);
  const fmt = (c: number) => (c === 0 ? "0" : c.toPrecision(4));
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="g and its derivative">`,
    `<line x1="${M}" x2="${W - M}" y1="${py(0).toFixed(1)}" y2="${py(0).toFixed(1)}" stroke="#999" stroke-width="0.5"/>`,
    `<line x1="${px(0).toFixed(1)}" x2="${px(0).toFixed(1)}" y1="${M}" y2="${H - M}" stroke="#999" stroke-width="0.5"/>`,
    `<path class="g" d="${path(g)}" fill="none" stroke="#1f6fd1" stroke-width="1.6"/>`,
    `<path class="gp" d="${path(gp)}" fill="none" stroke="#e0661b" stroke-width="1.4" stroke-dasharray="5 3"/>`,
    `<text x="${M}" y="${H - 8}" font-size="11">-${X_MAX}</text><text x="${W - M - 8}" y="${H - 8}" font-size="11">${X_MAX}</text>`,
    `<text x="${W - M - 70}" y="${M - 10}" font-size="11" fill="#1f6fd1">g</text><text x="${W - M - 40}" y="${M - 10}" font-size="11" fill="#e0661b">g'</text>`,
    `<text x="${M + 4}" y="${M - 10}" font-size="11">${fmt(hi)}</text><text x="${M + 4}" y="${H - M + 14}" font-size="11">${fmt(lo)}</text>`,
    "</svg>",
  ].join("");
  return {
    svg,
    coefficients,
    hermite: `Hermite coefficients E[g(Z) He_n(Z)], n = 0..5: ${coefficients.map(fmt).join(", ")}`,
  };
}
