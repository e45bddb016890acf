/**
 * Theory predictions for the phase-transition summary, from the exponent calculator (src/theory).
 *
 * For v with correlated latents the calculator gives v's effective exponent once u is learned; the
 * first hit of v then waits for u, so n*(v) = n*(u) + O(d^(k_eff - 1)): the slower of the two laws governs.
 * Where u is learned first (betaU > 0, K = 1) and v does not attract from there, v is never learned, with
 * independent latents too (the d^3 law of v alone needs betaU = 0).
 */

import type { Direction } from "../config/directions.js";
import type { Config } from "../config/schema.js";
import { canonicalJson } from "../io/json.js";
import { computeExponents, type DirectionExponent, type ExponentResult } from "../theory/exponent.js";
import { type LimitPrediction, predictLimit } from "../theory/limit-predict.js";
import { scalingLaw, scalingOf } from "../theory/scaling.js";
import type { Prediction } from "./phase.js";

const cache = new Map<string, ExponentResult>();

function exponentsFor(config: Config): ExponentResult {
  const { d: _d, walkers: _w, backend: _b, logPerDecade: _l, ...model } = config;
  const key = canonicalJson(model);
  let r = cache.get(key);
  if (!r) {
    r = computeExponents(config, { optimum: false });
    cache.set(key, r);
  }
  return r;
}

const law = (e: DirectionExponent): number | null => (e.k !== null && e.attracting ? e.k : null);

export function predictFromTheory(config: Config, direction: Direction): Prediction {
  const r = exponentsFor(config);
  const own = direction === "m" ? r.directions.m : r.directions[direction];
  if (!own) return { k: null, lawK: null, predictedScaling: "unknown" };
  if (direction !== "v") return { k: own.k, lawK: law(own), predictedScaling: own.predictedScaling };
  const eff = r.effectiveV;
  const ku = law(r.directions.u);
  const kv = law(own);
  const keff = law(eff);
  // With u present and attracting (k = 2: d log d, before any k >= 3 search of v), a K = 1 unit goes to u
  // first; where v does not attract from there, it is never learned, whatever its own exponent at zero
  // (mcm predict: "the spike repels"). The units of K > 1 can split between u and v: not covered here.
  if (config.betaU > 0 && ku !== null && keff === null && config.K === 1) {
    const why =
      eff.k === null
        ? `no drift toward v up to order ${eff.coefficients.length}`
        : `v repelled (k = ${eff.k}, c = ${eff.coefficients[eff.k - 1].toPrecision(2)})`;
    const at = eff.alphaU < 1 - 1e-6 ? ` at alphaU = ${eff.alphaU.toPrecision(3)}` : "";
    return { k: eff.k, lawK: null, predictedScaling: `never: u first (${scalingOf(ku)}), then ${why}${at}` };
  }
  if (config.correlation === "independent") return { k: own.k, lawK: kv, predictedScaling: own.predictedScaling };
  // Without a usable effective exponent, v is on its own.
  if (keff === null || ku === null || (kv !== null && kv <= keff)) {
    return { k: own.k, lawK: kv, predictedScaling: own.predictedScaling };
  }
  const slower = (scalingLaw(ku)?.exponent ?? 0) >= (scalingLaw(keff)?.exponent ?? 0) ? ku : keff;
  return {
    k: keff,
    lawK: slower,
    predictedScaling: `${scalingOf(slower)} (u first: ${scalingOf(ku)}; then v: ${scalingOf(keff)})`,
  };
}

const limitCache = new Map<string, LimitPrediction | null>();

/** The limit's prediction of a config (src/theory/limit-predict.ts; cached by model, null where not
 * covered). SDE paths: 1000, overlap curves up to 3 x the slowest predicted q75 (the default), no best
 * delta. Dependent latents couple the overlaps: the first point of a model solves the 2-D ODE (seconds:
 * every evaluation of the coefficients is a quadrature over the latents' joint law); at p = 1 the
 * trajectory does not depend on d, so the other points of a sweep reuse its evaluations. */
export function cachedPrediction(config: Config): LimitPrediction | null {
  const { walkers: _w, backend: _b, logPerDecade: _l, ...model } = config;
  const key = canonicalJson(model);
  if (!limitCache.has(key)) {
    let r: LimitPrediction | null = null;
    try {
      r = predictLimit(config, { bestDelta: false, errorEstimate: false, paths: 1000 });
    } catch {
      r = null;
    }
    limitCache.set(key, r);
  }
  return limitCache.get(key) ?? null;
}

/** The limit theory's predicted median first-hitting step; null where it does not escape or the theory
 * does not cover the config. */
export function predictMedianFromLimit(config: Config, direction: Direction): number | null {
  return cachedPrediction(config)?.directions[direction]?.predictedHit?.median ?? null;
}
