/**
 * The formula of each activation g, as the kernels (assembly/) and the exponent calculator (src/theory)
 * compute it: for help texts and docs.
 */
import { SHORTCUTS } from "./expr.js";
import type { Activation } from "./schema.js";

export const ACTIVATION_FORMULAS: Readonly<Record<Activation, string>> = {
  tanh: "tanh(h)",
  erf: "erf(h / sqrt 2) (the Gaussian CDF rescaled to (-1, 1), not erf(h))",
  relu: "max(h, 0) (not odd: gives the alphaU^2 alphaV term with uncorrelated latents)",
  sign: "sign(h) (0 at h = 0)",
  linear: "h (sees the data only through their covariance: the control)",
  he3: "He3(h) / 6 = (h^3 - 3 h) / 6",
};

/** Help lines: one per activation, "  name  formula", built-ins then the named formulas (shortcuts). */
export function activationHelp(indent = "  "): string[] {
  const rows: [string, string][] = [
    ...(Object.keys(ACTIVATION_FORMULAS) as Activation[]).map((n): [string, string] => [n, ACTIVATION_FORMULAS[n]]),
    ...Object.entries(SHORTCUTS).map(([n, f]): [string, string] => [n, `${f.replaceAll("x", "h")} (a formula)`]),
  ];
  const width = Math.max(...rows.map(([n]) => n.length));
  return rows.map(([n, f]) => `${indent}${n.padEnd(width)}  g(h) = ${f}`);
}
