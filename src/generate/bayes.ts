/**
 * The Bayes risk of the oracle denoiser by quadrature (no sampling): E|x0 - E[x0 | xt]|^2 at (alpha, sigma).
 * Off the u-v span every coordinate (the bulk and m) contributes sigma^2 / (alpha^2 + sigma^2). On the
 * span, with e_u = alpha z_u + sigma xi_u ~ N(0, tu^2) and e_v = alpha z_v / s + sigma xi_v ~ N(0, tv^2)
 * (notation of assembly/oracle.ts), x0.u = sqrt(betaU) lambda + alpha e_u / tu^2 + a residual of variance
 * sigma^2 / tu^2 independent of everything the oracle sees, and likewise along v, so
 *   risk = (d - 2) sigma^2/tu^2 + sigma^2/tu^2 + sigma^2/(s^2 tv^2)
 *        + E[(sqrt(betaU) lambda + alpha e_u/tu^2 - f_u(y))^2 + (sqrt(betaV) nu/s + alpha e_v/(s^2 tv^2) - f_v(y))^2],
 * y = (A lambda + e_u, B nu + e_v), the expectation over the latent law (src/theory/quadrature.ts
 * latentRule, Gauss-Hermite in lambda where it is Gaussian) and Gauss-Hermite in e_u and e_v; f is the
 * kernel's oracle. A Monte Carlo mean of the kernel's |x0 - E[x0 | xt]|^2 must match it.
 */
import type { Config } from "../config/schema.js";
import { gaussHermite, latentRule } from "../theory/quadrature.js";
import type { Generator } from "./sampler.js";

export function bayesRiskQuadrature(
  gen: Generator,
  config: Pick<Config, "d" | "betaU" | "betaV" | "latent" | "correlation">,
  alpha: number,
  sigma: number,
  nodes = 24,
): number {
  const s2 = 1 + config.betaV;
  const s = Math.sqrt(s2);
  const tu2 = alpha * alpha + sigma * sigma;
  const tv2 = (alpha * alpha) / s2 + sigma * sigma;
  const A = alpha * Math.sqrt(config.betaU);
  const B = (alpha * Math.sqrt(config.betaV)) / s;
  const gh = gaussHermite(nodes);
  const rule = latentRule(config.latent, config.correlation);
  let span = 0;
  for (let c = 0; c < rule.w.length; c++) {
    const nu = rule.nu[c];
    const lamNodes = rule.lamVar[c] > 0 ? gh.x.map((x) => rule.lam[c] + Math.sqrt(rule.lamVar[c]) * x) : [rule.lam[c]];
    const lamWeights = rule.lamVar[c] > 0 ? gh.w : [1];
    for (let i = 0; i < lamNodes.length; i++) {
      const lam = lamNodes[i];
      let inner = 0;
      for (let j = 0; j < nodes; j++) {
        const eu = Math.sqrt(tu2) * gh.x[j];
        const targetU = Math.sqrt(config.betaU) * lam + (alpha * eu) / tu2;
        for (let k = 0; k < nodes; k++) {
          const ev = Math.sqrt(tv2) * gh.x[k];
          const targetV = (Math.sqrt(config.betaV) * nu) / s + (alpha * ev) / (s2 * tv2);
          const f = gen.oracleSpan(alpha, sigma, A * lam + eu, B * nu + ev);
          inner += gh.w[j] * gh.w[k] * ((targetU - f.u) ** 2 + (targetV - f.v) ** 2);
        }
      }
      span += rule.w[c] * lamWeights[i] * inner;
    }
  }
  const sg2 = sigma * sigma;
  return ((config.d - 1) * sg2) / tu2 + sg2 / (s2 * tv2) + span;
}
