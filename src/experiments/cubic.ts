/**
 * The cubic regime (k = 4 at the critical learning-rate exponent p = 2), chosen with the high-dimensional
 * limit (src/theory/limit-predict.ts; docs/theory.md, docs/cubic.md): the fourth-cumulant direction v
 * alone (betaU = 0), with the config that makes the predicted median n* / d^3 small while its finite-d
 * corrections stay small over d = 32 to 1024. The limit SDE's median n* / d^3 at the best delta is
 * governed by S0 / A^2 (A the cubic coefficient of v's drift, S0 its noise). A quadrature scan of
 * activation, process, t, betaV, target, skip and amplitude puts He3 / 6 predicting the noise at VP
 * t = 0.02 with betaV = 100, a fixed skip b = 1 and amplitude 0.5 first: A^2 / S0 = 0.49, against 0.40
 * with the noise-optimal skip, 0.16 for the x0 target at t = 0.05, betaV = 20, and 0.002 for tanh at the
 * defaults. delta = 2 keeps the predicted fit of n*(d) over d = 32..1024 at 2.98 (delta = 3 lowers the
 * median by a third but bends the small-d end: 2.95). Predicted median n* / d^3: 0.55 to 0.59 at every d
 * from 32 to 1024 (tanh at the defaults: about 57).
 */
import type { ConfigInput } from "../config/schema.js";

export const CUBIC_REGIME = {
  betaU: 0,
  betaV: 100,
  activation: "he3",
  process: "vp",
  t: 0.02,
  target: "noise",
  skip: 1,
  amplitude: 0.5,
  delta: 2,
  lrExponent: 2,
  threshold: 0.5,
} as const satisfies ConfigInput;
