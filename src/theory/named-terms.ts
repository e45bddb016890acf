/**
 * The two mixed terms of the loss that let v follow u once u is learned (docs/model.md section 6), by
 * name, with the latent moment each one needs:
 *  - alphaU alphaV: proportional to E[lambda nu] (the covariance's u-v cross term: `sign`, `mixed:P`).
 *    A linear denoiser has it too, so v reached through it is covariance-mediated.
 *  - alphaU^2 alphaV: proportional to E[lambda^2 nu] and to the third Hermite coefficient f_3 of the loss,
 *    which vanishes for an odd g (tanh, erf, sign, linear): `uncorrelated` latents with relu.
 */
import type { ExponentResult } from "./exponent.js";
import { DEFAULT_RESOLUTION } from "./loss.js";
import { jointMoment, latentRule } from "./quadrature.js";

export interface NamedTerm {
  name: "alphaU alphaV" | "alphaU^2 alphaV";
  u: number;
  v: number;
  /** The coefficient (0 when below the calculator's tolerance). */
  value: number;
  /** The latent moment it is proportional to. */
  moment: { name: string; value: number };
}

export function namedMixedTerms(r: ExponentResult): NamedTerm[] {
  const rule = latentRule(r.model.latent, r.model.correlation, {
    perPiece: DEFAULT_RESOLUTION.perPiece,
    maxPiece: DEFAULT_RESOLUTION.maxPiece,
  });
  const clean = (x: number) => (Math.abs(x) < 1e-12 ? 0 : x);
  const term = (name: NamedTerm["name"], u: number, v: number, moment: string): NamedTerm => ({
    name,
    u,
    v,
    value: r.mixed.find((t) => t.u === u && t.v === v && t.m === 0)?.value ?? 0,
    moment: { name: moment, value: clean(jointMoment(rule, u, v)) },
  });
  return [term("alphaU alphaV", 1, 1, "E[lambda nu]"), term("alphaU^2 alphaV", 2, 1, "E[lambda^2 nu]")];
}
