/**
 * What `mcm generate` compares against: the data law's statistics along u and v (exact, from the latent
 * law's moments), the grid of noise levels a family of denoisers is trained and sampled on, and the
 * density of x . v (docs/model.md sections 2, 3 and 11).
 *
 * Along u and v the data are x.u = sqrt(betaU) lambda + z_u and x.v = (sqrt(betaV) nu + z_v) / s with
 * s = sqrt(1 + betaV) (the whitening), z Gaussian, so:
 *   varU = 1 + betaU, varV = 1, skewV = betaV^1.5 E[nu^3] / s^3, exKurtV = betaV^2 (E[nu^4] - 3) / s^4,
 *   uv = E[(x.u)(x.v)] = sqrt(betaU betaV) E[lambda nu] / s, u2v = E[(x.u)^2 (x.v)] = betaU sqrt(betaV) E[lambda^2 nu] / s.
 */

import { ConfigError } from "../config/errors.js";
import { alphaSigma, type ProcessName, T_RANGE } from "../config/process.js";
import { type Config, decimalNumber } from "../config/schema.js";
import { jointMoment, latentRule, nuLaw } from "../theory/quadrature.js";
import { normCdf, normPdf } from "../theory/special.js";

/** The statistics of a law along u and v that `mcm generate` reports. */
export interface LawStats {
  /** Var(x.u) */
  varU: number;
  /** Var(x.v) */
  varV: number;
  /** Skewness of x.v */
  skewV: number;
  /** Excess kurtosis of x.v */
  exKurtV: number;
  /** E[(x.u)(x.v)] */
  uv: number;
  /** E[(x.u)^2 (x.v)] */
  u2v: number;
}

export const STAT_NAMES = ["varU", "varV", "skewV", "exKurtV", "uv", "u2v"] as const;
export type StatName = (typeof STAT_NAMES)[number];

/** The data law's statistics (exact up to the quadrature of the latent law, ~1e-12). */
export function dataStats(config: Pick<Config, "betaU" | "betaV" | "latent" | "correlation">): LawStats {
  const rule = latentRule(config.latent, config.correlation);
  const s = Math.sqrt(1 + config.betaV);
  const law = nuLaw(config.latent);
  const nu3 = law.kind === "uniform" ? 0 : law.p * law.hi ** 3 + (1 - law.p) * law.lo ** 3;
  const nu4 = law.kind === "uniform" ? 9 / 5 : law.p * law.hi ** 4 + (1 - law.p) * law.lo ** 4;
  return {
    varU: 1 + config.betaU,
    varV: 1,
    skewV: (config.betaV ** 1.5 * nu3) / s ** 3,
    exKurtV: (config.betaV ** 2 * (nu4 - 3)) / s ** 4,
    uv: (Math.sqrt(config.betaU * config.betaV) * jointMoment(rule, 1, 1)) / s,
    u2v: (config.betaU * Math.sqrt(config.betaV) * jointMoment(rule, 2, 1)) / s,
  };
}

/** The density of x . v under the data law (the same for every correlation law). */
export function dataDensityV(config: Pick<Config, "betaV" | "latent">, x: number): number {
  const s = Math.sqrt(1 + config.betaV);
  const sd = 1 / s;
  const law = nuLaw(config.latent);
  const c = Math.sqrt(config.betaV) / s;
  if (law.kind === "uniform") {
    // x = c nu + z/s with nu uniform on [-sqrt 3, sqrt 3].
    const h = Math.sqrt(3) * c;
    if (h === 0) return normPdf(x / sd) / sd;
    return (normCdf((x + h) / sd) - normCdf((x - h) / sd)) / (2 * h);
  }
  return (law.p * normPdf((x - c * law.hi) / sd) + (1 - law.p) * normPdf((x - c * law.lo) / sd)) / sd;
}

/** A point of the sampler's grid. */
export interface GridPoint {
  t: number;
  alpha: number;
  sigma: number;
}

/** Signal-to-noise ratio alpha / sigma at t. */
function snr(process: ProcessName, t: number): number {
  const { alpha, sigma } = alphaSigma(process, t);
  return alpha / sigma;
}

/** t at which alpha / sigma = r (the inverse of snr for each process). */
export function tAtSnr(process: ProcessName, r: number): number {
  switch (process) {
    case "vp":
      return 0.5 * Math.log1p(1 / (r * r));
    case "ve":
      return 1 / r;
    case "linear":
      return r / (1 + r);
  }
}

/** The default levels: `count` values of t evenly spaced in the angle theta = atan(sigma / alpha) from
 * sigma / alpha = e^4 (noisy) to sigma / alpha = 0.01 (clean), noisiest first. DDIM's first-order error
 * shrinks the variance of unit-variance data by about the sum of the squared steps in theta, which for
 * a fixed count is smallest with even steps (about 2.4 / count). */
export function defaultLevels(process: ProcessName, count: number): number[] {
  const hi = Math.atan(Math.exp(4));
  const lo = Math.atan(0.01);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const theta = hi - ((hi - lo) * i) / Math.max(1, count - 1);
    out.push(tAtSnr(process, 1 / Math.tan(theta)));
  }
  return out;
}

export const LEVELS_TEXT =
  "a count of levels (an integer in [2, 1000], spaced evenly in atan(sigma/alpha)) or a comma-separated list of t values";

/**
 * Parses --levels: a count, or a list of t values that must lie in the process's range with sigma > 0
 * and alpha > 0 except at the noisiest, and be strictly monotone. Returns t in noise order (noisiest
 * first). Errors name `field`.
 */
export function parseLevels(text: string, process: ProcessName, field = "levels"): number[] {
  const trimmed = text.trim();
  if (/^[0-9]+$/.test(trimmed)) {
    const count = Number(trimmed);
    if (count < 2 || count > 1000) throw new ConfigError(field, `got ${text}, expected ${LEVELS_TEXT}`);
    return defaultLevels(process, count);
  }
  const parts = trimmed.split(",").map((p) => p.trim());
  const ts = parts.map(decimalNumber);
  const bad = parts.findIndex((p, i) => p === "" || !Number.isFinite(ts[i]));
  if (bad >= 0 || ts.length < 2) {
    throw new ConfigError(field, `got ${JSON.stringify(text)}, expected ${LEVELS_TEXT}, at least two`);
  }
  const range = T_RANGE[process];
  for (const t of ts) {
    const { alpha, sigma } = alphaSigma(process, t);
    if (!(t >= range.min && t <= range.max) || !(sigma > 0)) {
      const why = process === "linear" ? "t in [0, 1)" : "t > 0";
      throw new ConfigError(
        field,
        `got t = ${t}, expected ${why} for process "${process}" (a level needs sigma(t) > 0)`,
      );
    }
    if (!(alpha >= 0)) throw new ConfigError(field, `got t = ${t}, alpha(t) must be >= 0`);
  }
  const up = ts.every((t, i) => i === 0 || t > ts[i - 1]);
  const down = ts.every((t, i) => i === 0 || t < ts[i - 1]);
  if (!up && !down) {
    throw new ConfigError(field, `got ${ts.join(",")}, expected a strictly monotone list of t values`);
  }
  // Noisiest first: increasing t is noisier for vp and ve, cleaner for linear.
  const sorted = [...ts].sort((a, b) => snr(process, a) - snr(process, b));
  for (let i = 1; i < sorted.length; i++) {
    if (!(snr(process, sorted[i]) > snr(process, sorted[i - 1]))) {
      throw new ConfigError(field, `t = ${sorted[i]} repeats a noise level`);
    }
  }
  if (sorted.slice(1).some((t) => alphaSigma(process, t).alpha <= 0)) {
    throw new ConfigError(field, `only the noisiest level may have alpha(t) = 0`);
  }
  return sorted;
}

/** The sampler's grid: the levels (noisiest first) and the clean end (alpha = 1, sigma = 0). */
export function samplerGrid(process: ProcessName, levels: readonly number[]): GridPoint[] {
  const grid = levels.map((t) => ({ t, ...alphaSigma(process, t) }));
  grid.push({ t: process === "linear" ? 1 : 0, alpha: 1, sigma: 0 });
  return grid;
}
