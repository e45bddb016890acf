/**
 * What `mcm exponent` and `mcm predict` say about the activation itself: its formula and derivative when it
 * is one, and its first Hermite coefficients c_n = E[g(Z) He_n(Z)] (g = sum_n c_n He_n / n!), by quadrature of
 * the formula (not the kernels' table).
 */

import { printExpr } from "../config/expr.js";
import { derivative, simplify } from "../config/expr-calculus.js";
import { parseActivation } from "../config/model.js";
import { activationHermite } from "../theory/loss.js";

export interface ActivationReport {
  name: string;
  formula?: string;
  derivative?: string;
  /** c_n = E[g(Z) He_n(Z)], n = 0..5. */
  hermite: number[];
}

export function activationReport(name: string): ActivationReport {
  const parsed = parseActivation(name);
  const hermite = activationHermite(name, 5);
  if (parsed.kind === "builtin") return { name, hermite };
  return { name, formula: parsed.formula, derivative: printExpr(simplify(derivative(parsed.tree))), hermite };
}

const fmt = (x: number) => (x === 0 ? "0" : x.toPrecision(6));

/** One or two lines of text. */
export function formatActivationReport(r: ActivationReport): string {
  const head = r.formula ? `g(x) = ${r.formula}, g'(x) = ${r.derivative}\n` : "";
  return `${head}Hermite coefficients of g, E[g(Z) He_n(Z)] for n = 0..5: ${r.hermite.map(fmt).join(", ")}`;
}
