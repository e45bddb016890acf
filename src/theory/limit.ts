/**
 * The coefficients of the high-dimensional limit of online spherical SGD for one unit (K = 1), by
 * quadrature (no sampling). docs/model.md section 10 (Ben Arous, Gheissari & Jagannath 2022; Saad & Solla
 * 1995): one step w' = (w - eta g_perp) / |w - eta g_perp| moves an overlap m_s = w . s by
 *
 *   m_s' - m_s = -eta g_perp . s - (eta^2 / 2) |g_perp|^2 m_s + O(eta^3 |g|^3),
 *
 * and three functions of the state drive the limit:
 *   F_s = -E[g_perp . s]            the population drift of each overlap;
 *   V   = lim E|g_perp|^2 / d       the bulk's noise, which shrinks every overlap;
 *   S   = Cov(g_perp . s, g_perp . s')  the per-step noise of the overlaps (q x q).
 * Plus, where trained, the drift of the amplitude Fa = -E[dloss/da] = -E[g(h) (w . r)].
 *
 * The per-sample gradient (assembly/sgd.ts, assembly/reduced/) with r = b xt + a w g(h) - T, h = w . xt:
 *   grad = a g(h) r + a g'(h) (w . r) xt,   w . grad = a (w . r)(g + g' h),   g_perp = grad - (w . grad) w.
 * Its components along the spikes and w . r involve only the sample's coordinates on span(spikes, w): the
 * spike coordinates of x0 and xi and their parts along e = P w / |P w| (standard normals). With the latents
 * fixed these are jointly Gaussian; given h, the others are Gaussian with a mean linear in h, so every
 * moment is a one-dimensional integral over h (Gauss-Hermite; a composite rule split at the kink for relu
 * and sign) per latent component (quadrature.ts latentRule). The fourth moments that S needs come from
 * Isserlis' theorem. |g_perp|^2 is of order d: its bulk coordinates (off span(spikes, w), d - q - 1 of
 * them) each add a^2 (g^2 Rr + 2 g g' (w . r) Rx + g'^2 (w . r)^2 Xx), with the per-coordinate moments
 * Rr = E r_i^2, Rx = E r_i xt_i, Xx = E xt_i^2 of the bulk (r_i = b xt_i - T_i), hence V.
 *
 * Trained skip b: its gradient r . xt is of order d (the bulk), so b relaxes within O(d^(p-1)) steps, far
 * faster than any overlap moves, to the bulk's optimum Rx = 0 (the isotropic optimal skip of
 * config/process.ts); the limit takes b there. Trained amplitude: a moves on the overlaps' time scale; the
 * coefficients here take it as part of the state (Fa is its drift), the solvers say where that is not covered.
 * K > 1: the units interact through the residual; not covered (limitModel throws, saying why).
 * The sign activation: the kernels use g' = 0 (its derivative almost everywhere), so the SGD drift is not
 * the gradient of the population loss there (the loss has a delta function at h = 0); F is the SGD drift.
 */

import { InputError } from "../config/errors.js";
import { deriveModel } from "../config/model.js";
import { optimalSkip } from "../config/process.js";
import { type Config, type ConfigInput, resolveConfig } from "../config/schema.js";
import {
  activationDerivative,
  activationSplits,
  activationValue,
  DEFAULT_RESOLUTION,
  type Resolution,
  type TheoryModel,
  theoryModel,
} from "./loss.js";
import { gaussHermite, type LatentRule, latentRule, normalSplitRule, type Rule } from "./quadrature.js";

/** Why a config is outside what the limit theory covers ("not covered: why"). */
export class NotCoveredError extends InputError {
  constructor(field: string, detail: string) {
    super(field, detail, "not-covered");
    this.name = "NotCoveredError";
  }
}

/** The model values of the limit (the theory model plus learning rate and training flags). */
export interface LimitModel extends TheoryModel {
  delta: number;
  /** p in eta = delta d^-p. */
  lrExponent: number;
  threshold: number;
  trainSkip: boolean;
  trainAmplitude: boolean;
  /** Number of spikes tracked (2: u, v; 3 with the mean spike m). */
  q: number;
  /** Bulk per-coordinate moments at the model's b: E r_i^2, E r_i xt_i, E xt_i^2. */
  bulk: { Rr: number; Rx: number; Xx: number };
}

/** The limit model of a config: b is the skip the limit uses (the bulk optimum when trained). */
export function limitModel(input: ConfigInput | Config = {}): LimitModel {
  const config = resolveConfig(input);
  if (config.K > 1) {
    throw new NotCoveredError(
      "K",
      `got ${config.K}, not covered: the limit theory here is for one unit (K = 1); with K > 1 the units interact through the shared residual`,
    );
  }
  const base = theoryModel(config);
  const { alpha, sigma, q } = deriveModel(config);
  const b = config.trainSkip ? optimalSkip(config.process, config.t, config.target) : base.b;
  const [ca, cs] = config.target === "x0" ? [b * alpha - 1, b * sigma] : [b * alpha, b * sigma - 1];
  return {
    ...base,
    b,
    delta: config.delta,
    lrExponent: config.lrExponent,
    threshold: config.threshold,
    trainSkip: config.trainSkip,
    trainAmplitude: config.trainAmplitude,
    q,
    bulk: { Rr: ca * ca + cs * cs, Rx: ca * alpha + cs * sigma, Xx: alpha * alpha + sigma * sigma },
  };
}

/** A state of the single-unit chain: overlaps with u, v (and m), and the amplitude a (default: the model's). */
export interface LimitState {
  u: number;
  v: number;
  m?: number;
  a?: number;
}

/** The limit coefficients at a state. Spike order: u, v, m (m only when q = 3). */
export interface LimitCoefficients {
  /** F_s = -E[g_perp . s]. */
  F: number[];
  /** V = lim E|g_perp|^2 / d. */
  V: number;
  /** S[s][t] = Cov(g_perp . s, g_perp . t). */
  S: number[][];
  /** -E[g(h) (w . r)]: the drift of a trained amplitude per unit eta. */
  Fa: number;
}

export interface LimitEvaluator {
  readonly model: LimitModel;
  at(state: LimitState): LimitCoefficients;
}

/** The composite rule split at `splits`, or the Gauss-Hermite rule gh for a smooth activation (null). */
function normalSplitOrHermite(splits: number[] | null, gh: Rule, res: Resolution): Rule {
  return splits ? normalSplitRule(splits, res.perPiece, res.maxPiece) : gh;
}

/** A prepared evaluator of the limit coefficients (latent and Hermite rules built once). */
export function limitEvaluator(model: LimitModel, resolution: Partial<Resolution> = {}): LimitEvaluator {
  const res = { ...DEFAULT_RESOLUTION, hermiteNodes: 100, ...resolution };
  const gh = gaussHermite(res.hermiteNodes);
  const rule: LatentRule = latentRule(model.latent, model.correlation, {
    perPiece: res.perPiece,
    maxPiece: res.maxPiece,
  });
  const { q, alpha, sigma, b } = model;
  const c = model.betaV / (1 + model.betaV + Math.sqrt(1 + model.betaV));
  const { Rr, Rx, Xx } = model.bulk;
  // Gaussian coordinates Y: x0 on (spikes..., e), then xi on (spikes..., e); n = 2 (q + 1).
  const n = 2 * (q + 1);
  const x0 = (j: number) => j;
  const xi = (j: number) => q + 1 + j;
  // The conditional variables, in this order: P_s = xt . s (q), Q_s = T . s (q), W = w . T.
  const nv = 2 * q + 1;
  const isX0 = model.target === "x0";
  return {
    model,
    at(state) {
      const a = state.a ?? model.a;
      const ms = [state.u, state.v, state.m ?? 0].slice(0, q);
      const m2 = ms.reduce((s, x) => s + x * x, 0);
      if (!(m2 <= 1 + 1e-12) || !Number.isFinite(a)) {
        throw new RangeError(
          `state: got u = ${state.u}, v = ${state.v}, m = ${state.m ?? 0}, a = ${a}, expected finite numbers with u^2 + v^2 + m^2 <= 1`,
        );
      }
      const l = Math.sqrt(Math.max(0, 1 - m2));
      const w = [...ms, l];
      // Linear functionals on Y.
      const L: Float64Array[] = [];
      for (let s = 0; s < q; s++) {
        const p = new Float64Array(n);
        p[x0(s)] = alpha;
        p[xi(s)] = sigma;
        L.push(p);
      }
      for (let s = 0; s < q; s++) {
        const t = new Float64Array(n);
        t[isX0 ? x0(s) : xi(s)] = 1;
        L.push(t);
      }
      const Wf = new Float64Array(n);
      const H = new Float64Array(n);
      for (let j = 0; j <= q; j++) {
        Wf[isX0 ? x0(j) : xi(j)] = w[j];
        H[x0(j)] = alpha * w[j];
        H[xi(j)] = sigma * w[j];
      }
      L.push(Wf);
      const mean = new Float64Array(n);
      const vr = new Float64Array(n).fill(1);
      vr[x0(1)] = (1 - c) * (1 - c);
      const EF = new Float64Array(q);
      const ES = new Float64Array(q * q);
      let EV = 0;
      let EFa = 0;
      const mu = new Float64Array(nv); // E[var | h] at h = mh
      const slope = new Float64Array(nv); // d E[var | h] / dh
      const C = new Float64Array(nv * nv); // Cov(vars | h)
      const Ex = new Float64Array(nv);
      const lv = new Float64Array(nv);
      const KO = new Float64Array(q);
      const lin = new Float64Array(q * nv);
      for (let comp = 0; comp < rule.w.length; comp++) {
        const wc = rule.w[comp];
        mean[x0(0)] = Math.sqrt(model.betaU) * rule.lam[comp];
        vr[x0(0)] = model.betaU * rule.lamVar[comp] + 1;
        mean[x0(1)] = (1 - c) * Math.sqrt(model.betaV) * rule.nu[comp];
        if (q === 3) mean[x0(2)] = model.betaM;
        let mh = 0;
        let vh = 0;
        for (let i = 0; i < n; i++) {
          mh += H[i] * mean[i];
          vh += H[i] * H[i] * vr[i];
        }
        const sh = Math.sqrt(vh);
        const covH = new Float64Array(nv);
        for (let j = 0; j < nv; j++) {
          let m = 0;
          let ch = 0;
          for (let i = 0; i < n; i++) {
            m += L[j][i] * mean[i];
            ch += L[j][i] * vr[i] * H[i];
          }
          covH[j] = ch;
          mu[j] = m;
          slope[j] = vh > 0 ? ch / vh : 0;
        }
        for (let j = 0; j < nv; j++) {
          for (let k = 0; k <= j; k++) {
            let s = 0;
            for (let i = 0; i < n; i++) s += L[j][i] * vr[i] * L[k][i];
            const cjk = s - (vh > 0 ? (covH[j] * covH[k]) / vh : 0);
            C[j * nv + k] = cjk;
            C[k * nv + j] = cjk;
          }
        }
        const W = 2 * q;
        const Cww = C[W * nv + W];
        const hr: Rule =
          sh === 0
            ? { x: Float64Array.of(0), w: Float64Array.of(1) }
            : normalSplitOrHermite(activationSplits(model.activation, mh, sh), gh, res);
        for (let k = 0; k < hr.x.length; k++) {
          const h = mh + sh * hr.x[k];
          const wt = wc * hr.w[k];
          if (wt === 0) continue;
          const g = activationValue(model.activation, h);
          const gp = activationDerivative(model.activation, h, g);
          for (let j = 0; j < nv; j++) Ex[j] = mu[j] + slope[j] * (h - mh);
          const EW = Ex[W];
          const base = b * h + a * g; // w . r = base - W
          const ewr = base - EW;
          const cPW = -a * gp;
          const cQ = -a * g;
          const cWc = a * (g + gp * h); // times m_s
          for (let s = 0; s < q; s++) {
            const cP = a * g * b + a * gp * base;
            const cW = ms[s] * cWc;
            const c0 = a * a * g * g * ms[s] - ms[s] * a * base * (g + gp * h);
            const EP = Ex[s];
            KO[s] = c0 + cP * EP + cQ * Ex[q + s] + cW * EW + cPW * EP * EW;
            lv.fill(0);
            lv[s] = cP + cPW * EW;
            lv[q + s] = cQ;
            lv[W] = cW + cPW * EP;
            for (let j = 0; j < nv; j++) lin[s * nv + j] = lv[j];
            EF[s] += wt * (KO[s] + cPW * C[s * nv + W]);
          }
          for (let s = 0; s < q; s++) {
            for (let t = 0; t <= s; t++) {
              let cl = 0;
              for (let i = 0; i < nv; i++) {
                const li = lin[s * nv + i];
                if (li === 0) continue;
                for (let j = 0; j < nv; j++) cl += li * C[i * nv + j] * lin[t * nv + j];
              }
              const pwpw = C[s * nv + t] * Cww + 2 * C[s * nv + W] * C[t * nv + W];
              const x =
                KO[s] * KO[t] + cl + cPW * cPW * pwpw + KO[s] * cPW * C[t * nv + W] + KO[t] * cPW * C[s * nv + W];
              ES[s * q + t] += wt * x;
            }
          }
          EV += wt * a * a * (g * g * Rr + 2 * g * gp * ewr * Rx + gp * gp * (ewr * ewr + Cww) * Xx);
          EFa -= wt * g * ewr;
        }
      }
      const F = Array.from(EF, (x) => -x);
      const S: number[][] = [];
      for (let s = 0; s < q; s++) {
        S.push([]);
        for (let t = 0; t < q; t++) {
          const [i, j] = s >= t ? [s, t] : [t, s];
          S[s].push(ES[i * q + j] - EF[s] * EF[t]);
        }
      }
      return { F, V: EV, S, Fa: EFa };
    },
  };
}

/**
 * The expected one-step increment of each overlap at dimension d and learning rate eta implied by the
 * coefficients: E[m'] ~ (m + eta F) / sqrt(1 + eta^2 d V) (the normalisation concentrates: its relative
 * fluctuations are O(d^-1/2)), and the increment's variance eta^2 S / (1 + eta^2 d V).
 */
export function predictedIncrement(
  coef: LimitCoefficients,
  ms: number[],
  eta: number,
  d: number,
): { mean: number[]; variance: number[] } {
  const norm = Math.sqrt(1 + eta * eta * d * coef.V);
  return {
    mean: ms.map((m, s) => (m + eta * coef.F[s]) / norm - m),
    variance: ms.map((_, s) => (eta * eta * coef.S[s][s]) / (norm * norm)),
  };
}
