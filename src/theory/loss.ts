/**
 * The population loss of ONE unit-norm unit of the tied denoiser as a function of its overlaps, by
 * quadrature (no sampling). docs/model.md sections 2 to 4 and 6.
 *
 * Derivation. With D(xt) = b xt + a w g(w.xt), |w| = 1 and target T (x0, or the noise xi),
 *   0.5 |D(xt) - T|^2 = 0.5 |b xt - T|^2 + a g(h) (b h - w.T) + 0.5 a^2 g(h)^2,   h = w.xt,
 * so the loss depends on w only through the joint law of (h, w.T): the first term is a constant
 * (C below). Write h0 = w.x0 and hxi = w.xi, so h = alpha h0 + sigma hxi. For overlaps
 * (alphaU, alphaV, alphaM) = (w.u, w.v, w.m), since S is symmetric with S v = (1 - c) v and
 * |S w|^2 = 1 - s^2 alphaV^2, where s^2 = betaV / (1 + betaV) = c (2 - c):
 *   h0 = betaM alphaM + sqrt(betaU) alphaU lambda + s alphaV nu + sqrt(1 - s^2 alphaV^2) z',   z' ~ N(0, 1),
 * with z' and hxi standard normals independent of each other and of the latents. Given the latents,
 * (h0, h) are jointly Gaussian, so E[h0 | h] and E[hxi | h] are linear in h and each latent value needs
 * only three one-dimensional Gaussian moments of the activation at h ~ N(mh, vh):
 *   I0 = E g(h),  I1 = E[g(h) x],  I2 = E g(h)^2,   h = mh + sqrt(vh) x.
 * The latents are integrated by the rules of quadrature.ts; where lambda and nu are independent, lambda
 * is folded into the Gaussian part exactly.
 *
 * Hermite structure (docs/model.md section 6; Bardone & Goldt 2024, Bardone, Merger & Goldt 2026): the unit
 * part of the loss is E F(h0) with the fixed function F(y) = E[a g(h)(b h - E[T | h, h0 = y]) + 0.5 a^2
 * g(h)^2] (h = alpha y + sigma hxi). Expanding F = sum_n f_n He_n / n!, f_n = E[F(Z) He_n(Z)], gives
 * L = sum_n f_n E[He_n(h0)] / n!, and E[He_n(h0)] is the s^n coefficient (times n!) of
 *   exp(s mu - s^2 aV^2 / 2) E exp(s (aU lambda + aV nu)),  mu = betaM alphaM, aU = sqrt(betaU) alphaU,
 *   aV = s alphaV,
 * a homogeneous polynomial of degree n in the overlaps whose coefficients are joint moments of the latents
 * (exponent.ts uses this for exact Taylor coefficients).
 */
import { deriveModel } from "../config/model.js";
import type { ProcessName } from "../config/process.js";
import { type Config, type ConfigInput, resolveConfig } from "../config/schema.js";
import { checkFormula, formulaFunctions } from "./expr-eval.js";
import {
  gaussHermite,
  gaussianMoments,
  type LatentRule,
  latentRule,
  normalSplitRule,
  type Rule,
} from "./quadrature.js";
import { erf, normCdf, normPdf } from "./special.js";

/** The model values the theory uses (all recorded in results). */
export interface TheoryModel {
  /** A built-in activation's name, a named expression or "expr:FORMULA" (the formula itself is integrated). */
  activation: string;
  process: ProcessName;
  t: number;
  alpha: number;
  sigma: number;
  /** The skip b (the optimal isotropic skip unless the config fixes a number). */
  b: number;
  /** The amplitude a. */
  a: number;
  betaU: number;
  betaV: number;
  betaM: number;
  latent: string;
  correlation: string;
  target: "x0" | "noise";
  d: number;
  /** s = sqrt(betaV / (1 + betaV)): the loading of nu on h0 per unit alphaV after whitening. */
  s: number;
}

/** The theory model of a config (defaults of docs/model.md section 9 filled in by resolveConfig). */
export function theoryModel(input: ConfigInput | Config = {}): TheoryModel {
  const config = resolveConfig(input);
  const { alpha, sigma, skip0: b, tableRange } = deriveModel(config);
  checkFormula(config.activation, tableRange);
  return {
    activation: config.activation,
    process: config.process,
    t: config.t,
    alpha,
    sigma,
    b,
    a: config.amplitude,
    betaU: config.betaU,
    betaV: config.betaV,
    betaM: config.betaM,
    latent: config.latent,
    correlation: config.correlation,
    target: config.target,
    d: config.d,
    s: Math.sqrt(config.betaV / (1 + config.betaV)),
  };
}

/** Overlaps of the unit with u, v, m. */
export interface Overlaps {
  u: number;
  v: number;
  m?: number;
}

/** Quadrature resolution. Defaults reach about 1e-13 on the loss (test/theory-quadrature.test.ts). */
export interface Resolution {
  /** Gauss-Hermite nodes for the smooth activations (tanh, erf). */
  hermiteNodes: number;
  /** Nodes per piece of the composite rules in lambda and in h0. */
  perPiece: number;
  /** Largest piece of the composite rules. */
  maxPiece: number;
}

export const DEFAULT_RESOLUTION: Resolution = { hermiteNodes: 160, perPiece: 20, maxPiece: 1.5 };

const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** The functions of a formula activation; throws for a name that is neither built in nor a formula. */
function formula(act: string) {
  const f = formulaFunctions(act);
  if (!f) throw new RangeError(`activation: got ${JSON.stringify(act)}, expected a built-in name or a formula`);
  return f;
}

/** g(h) for an activation, as assembly/denoiser.ts computes it (erf means erf(h / sqrt 2); he3 is He3 / 6);
 * a formula is evaluated itself (not the kernels' table of it). */
export function activationValue(act: string, h: number): number {
  switch (act) {
    case "tanh":
      return Math.tanh(h);
    case "erf":
      return erf(h * SQRT1_2);
    case "relu":
      return Math.max(h, 0);
    case "sign":
      return h > 0 ? 1 : h < 0 ? -1 : 0;
    case "linear":
      return h;
    case "he3":
      return (h * h * h - 3 * h) / 6;
    default:
      return formula(act).g(h);
  }
}

/** g'(h) as the kernels compute it (assembly/activation.ts: sign has g' = 0, its derivative almost
 * everywhere; tanh's is 1 - g^2), from g = g(h); a formula's symbolic derivative. */
export function activationDerivative(act: string, h: number, g = activationValue(act, h)): number {
  switch (act) {
    case "tanh":
      return 1 - g * g;
    case "erf":
      return SQRT_2_OVER_PI * Math.exp(-0.5 * h * h);
    case "relu":
      return h > 0 ? 1 : 0;
    case "sign":
      return 0;
    case "linear":
      return 1;
    case "he3":
      return 0.5 * (h * h - 1);
    default:
      return formula(act).gp(h);
  }
}

/**
 * Where a rule for E f(g(h)), h = mh + sh x, must split in x: null for a smooth activation (Gauss-Hermite
 * suits it), else the kinks mapped to x (relu and sign at h = 0, a formula at its kinks).
 */
export function activationSplits(act: string, mh: number, sh: number): number[] | null {
  if (act === "relu" || act === "sign") return [-mh / sh];
  const f = formulaFunctions(act);
  if (!f || f.kinks.length === 0) return null;
  return f.kinks.map((k) => (k - mh) / sh);
}

/** Hermite coefficients E[g(Z) He_n(Z)], n = 0..nMax, of the activation itself (g = sum_n c_n He_n / n!). */
export function activationHermite(act: string, nMax = 5, resolution: Partial<Resolution> = {}): number[] {
  const res = { ...DEFAULT_RESOLUTION, ...resolution };
  const splits = activationSplits(act, 0, 1);
  const r = splits ? normalSplitRule(splits, res.perPiece, res.maxPiece) : gaussHermite(res.hermiteNodes);
  const c = hermiteProjections(r, (y) => activationValue(act, y), nMax);
  return Array.from(c, (x) => (Math.abs(x) < 1e-13 ? 0 : x));
}

/**
 * [I0, I1, I2] = [E g(h), E g(h) x, E g(h)^2] for h = mh + sh x, x ~ N(0, 1): closed forms for the
 * piecewise-polynomial activations (Stein: E g(h) x = sh E g'(h)), Gauss-Hermite for tanh and erf.
 */
export function activationMoments(act: string, mh: number, sh: number, gh: Rule): [number, number, number] {
  if (sh === 0) {
    const g = activationValue(act, mh);
    return [g, 0, g * g];
  }
  switch (act) {
    case "linear":
      return [mh, sh, mh * mh + sh * sh];
    case "relu": {
      const r = mh / sh;
      const P = normCdf(r);
      const p = normPdf(r);
      const i0 = mh * P + sh * p;
      return [i0, sh * P, (mh * mh + sh * sh) * P + mh * sh * p];
    }
    case "sign": {
      const r = mh / sh;
      return [2 * normCdf(r) - 1, 2 * normPdf(r), 1];
    }
    case "he3": {
      const m = gaussianMoments(mh, sh * sh, 6);
      return [(m[3] - 3 * m[1]) / 6, (sh * (m[2] - 1)) / 2, (m[6] - 6 * m[4] + 9 * m[2]) / 36];
    }
    case "erf": {
      // E erf(h / sqrt 2) and E g' in closed form; E g^2 by quadrature.
      const q = 1 + sh * sh;
      const i0 = erf(mh / Math.sqrt(2 * q));
      const i1 = (sh * SQRT_2_OVER_PI * Math.exp((-0.5 * mh * mh) / q)) / Math.sqrt(q);
      let i2 = 0;
      for (let k = 0; k < gh.x.length; k++) {
        const g = erf((mh + sh * gh.x[k]) * SQRT1_2);
        i2 += gh.w[k] * g * g;
      }
      return [i0, i1, i2];
    }
    case "tanh":
      return ruleMoments(Math.tanh, mh, sh, gh);
    default: {
      // A formula: Gauss-Hermite when smooth, else a composite rule split at its kinks.
      const splits = activationSplits(act, mh, sh);
      const rule = splits ? normalSplitRule(splits) : gh;
      return ruleMoments(formula(act).g, mh, sh, rule);
    }
  }
}

/** [E g(h), E g(h) x, E g(h)^2], h = mh + sh x, by the rule r for x ~ N(0, 1). */
function ruleMoments(g: (h: number) => number, mh: number, sh: number, r: Rule): [number, number, number] {
  let i0 = 0;
  let i1 = 0;
  let i2 = 0;
  for (let k = 0; k < r.x.length; k++) {
    const v = g(mh + sh * r.x[k]);
    const wg = r.w[k] * v;
    i0 += wg;
    i1 += wg * r.x[k];
    i2 += wg * v;
  }
  return [i0, i1, i2];
}

/**
 * The unit part of the loss given that h0 ~ N(m0, v0) (latents fixed): E[a g(h)(b h - E[T | h]) +
 * 0.5 a^2 g(h)^2], h = alpha h0 + sigma hxi.
 */
export function conditionalUnitLoss(model: TheoryModel, m0: number, v0: number, gh: Rule): number {
  const { alpha, sigma, a, b } = model;
  const mh = alpha * m0;
  const vh = alpha * alpha * v0 + sigma * sigma;
  const sh = Math.sqrt(Math.max(vh, 0));
  const [i0, i1, i2] = activationMoments(model.activation, mh, sh, gh);
  const ehg = mh * i0 + sh * i1; // E[h g(h)]
  // E[g(h) E[T | h]]: T = h0 gives m0 I0 + (alpha v0 / sh) I1; T = hxi gives (sigma / sh) I1.
  const slope = sh === 0 ? 0 : model.target === "x0" ? (alpha * v0) / sh : sigma / sh;
  const egt = (model.target === "x0" ? m0 * i0 : 0) + slope * i1;
  return a * (b * ehg - egt) + 0.5 * a * a * i2;
}

/** A prepared evaluator of the unit loss for one model (the latent rule and Hermite rule built once). */
export interface LossEvaluator {
  readonly model: TheoryModel;
  readonly rule: LatentRule;
  /** The unit part of the population loss at the given overlaps (unchecked: outside the unit ball this is
   * the analytic continuation, used by the polynomial fits). */
  unit(o: Overlaps): number;
  /** F(y) of the Hermite expansion: the unit loss given h0 = y. */
  F(y: number): number;
}

export function lossEvaluator(model: TheoryModel, resolution: Partial<Resolution> = {}): LossEvaluator {
  const res = { ...DEFAULT_RESOLUTION, ...resolution };
  const gh = gaussHermite(res.hermiteNodes);
  const rule = latentRule(model.latent, model.correlation, { perPiece: res.perPiece, maxPiece: res.maxPiece });
  const sqrtBetaU = Math.sqrt(model.betaU);
  return {
    model,
    rule,
    unit(o) {
      const aU = sqrtBetaU * o.u;
      const aV = model.s * o.v;
      const mu = model.betaM * (o.m ?? 0);
      const tau2 = 1 - aV * aV;
      let sum = 0;
      for (let c = 0; c < rule.w.length; c++) {
        const m0 = mu + aU * rule.lam[c] + aV * rule.nu[c];
        const v0 = aU * aU * rule.lamVar[c] + tau2;
        sum += rule.w[c] * conditionalUnitLoss(model, m0, v0, gh);
      }
      return sum;
    },
    F(y) {
      return conditionalUnitLoss(model, y, 0, gh);
    },
  };
}

/**
 * The w-independent part of the population loss, 0.5 E|b xt - T|^2 at dimension d (E|x0|^2 = betaM^2 +
 * betaU + d, since S whitens v): x0 target 0.5 ((b alpha - 1)^2 E|x0|^2 + b^2 sigma^2 d), noise target
 * 0.5 (b^2 alpha^2 E|x0|^2 + (b sigma - 1)^2 d).
 */
export function lossConstant(model: TheoryModel): number {
  const { alpha, sigma, b, d } = model;
  const ex0 = model.betaM * model.betaM + model.betaU + d;
  if (model.target === "x0") return 0.5 * ((b * alpha - 1) ** 2 * ex0 + b * b * sigma * sigma * d);
  return 0.5 * (b * b * alpha * alpha * ex0 + (b * sigma - 1) ** 2 * d);
}

/** The full population loss of a single-unit denoiser (K = 1) with the given overlaps. */
export function populationLoss(input: ConfigInput | Config, o: Overlaps, resolution: Partial<Resolution> = {}): number {
  const n2 = o.u * o.u + o.v * o.v + (o.m ?? 0) ** 2;
  if (!(n2 <= 1 + 1e-12)) {
    throw new RangeError(
      `overlaps: got u = ${o.u}, v = ${o.v}, m = ${o.m ?? 0}, expected finite numbers with u^2 + v^2 + m^2 <= 1 (w is a unit vector)`,
    );
  }
  const model = theoryModel(input);
  return lossConstant(model) + lossEvaluator(model, resolution).unit(o);
}

/**
 * Hermite coefficients f_n = E[F(Z) He_n(Z)], n = 0..nMax, of the unit loss as a function of h0
 * (composite Gauss-Legendre in y split at 0, where F has its kinks for relu and sign at t = 0).
 */
export function hermiteCoefficients(
  ev: LossEvaluator,
  nMax: number,
  resolution: Partial<Resolution> = {},
): Float64Array {
  const res = { ...DEFAULT_RESOLUTION, ...resolution };
  const r = normalSplitRule([0], res.perPiece, Math.min(res.maxPiece, 0.75));
  return hermiteProjections(r, ev.F, nMax);
}

/** E[f(Z) He_n(Z)], n = 0..nMax, by the rule r for Z ~ N(0, 1) (He_(n+1) = y He_n - n He_(n-1)). */
function hermiteProjections(r: Rule, f: (y: number) => number, nMax: number): Float64Array {
  const out = new Float64Array(nMax + 1);
  for (let i = 0; i < r.x.length; i++) {
    const y = r.x[i];
    const wf = r.w[i] * f(y);
    let hPrev = 0;
    let h = 1;
    for (let n = 0; n <= nMax; n++) {
      out[n] += wf * h;
      const next = y * h - n * hPrev;
      hPrev = h;
      h = next;
    }
  }
  return out;
}
