/**
 * The cubic regime (k = 4 at the critical learning-rate exponent p = 2), chosen with the high-dimensional
 * limit (src/theory/limit-predict.ts; docs/theory.md, docs/cubic.md): the fourth-cumulant direction v
 * alone (betaU = 0), with the activation, t, betaV and delta that make the predicted median n* / d^3 small
 * while its finite-d corrections stay small over d = 32 to 1024. The limit SDE's median n* / d^3 is
 * governed by A^2 / S0 (A the cubic coefficient of v's drift, S0 its noise): He3 / 6 at t = 0.05 with
 * betaV = 20 has about 70 times tanh's at the defaults (t = 0.5, betaV = 5), and delta = 1 keeps the
 * predicted fit of n*(d) over d = 32..1024 at 2.93 (a larger delta lowers the median further but bends
 * the small-d end: 2.87 at delta = 1.5). Predicted median n* / d^3: 1.83 at d = 32, 1.46 at d = 1024
 * (tanh at the defaults: about 57).
 */
import type { ConfigInput } from "../config/schema.js";

export const CUBIC_REGIME = {
  betaU: 0,
  betaV: 20,
  activation: "he3",
  process: "vp",
  t: 0.05,
  delta: 1,
  lrExponent: 2,
  threshold: 0.5,
} as const satisfies ConfigInput;
