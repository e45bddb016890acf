/**
 * Where a single unit's overlap with a direction stops (its plateau), predicted by the exponent
 * calculator, and whether the calculator says the direction can be learned at all (K = 1 theory).
 *
 * The unit descends the population loss L(alphaU, alphaV) from overlaps of order d^-1/2:
 *  - u (when its spike attracts): it stops at the first local minimum of L(alphaU, 0), the calculator's
 *    saturation point;
 *  - v on its own (betaU = 0 or u not attracting): the first local minimum of L(0, alphaV), toward the
 *    side the drift points to;
 *  - v once u is learned (betaU > 0 and u attracting): along v's effective path (the sphere
 *    L(sqrt(1 - alphaV^2), alphaV) when u saturates at 1, else L(alphaU*, alphaV)); v is not learned when
 *    its effective exponent is not attracting (a single unit stays on u).
 * The predicted plateau bounds any sensible threshold: a threshold above it measures nothing but noise or
 * a censored walker, so sweeps refuse it. Thresholds set "from the plateau" are PLATEAU_FRACTION of it.
 */
import type { Config } from "../config/schema.js";
import type { Direction } from "../engine/layout.js";
import { canonicalJson } from "../io/json.js";
import { computeExponents, type DirectionExponent, type ExponentResult, firstMinimum } from "../theory/exponent.js";
import { lossEvaluator, theoryModel } from "../theory/loss.js";

/** Thresholds derived from the plateau sit at this fraction of it: high enough to be far above the
 * initial overlaps at the demo's sizes, low enough that every walker that learns the direction reaches it. */
export const PLATEAU_FRACTION = 2 / 3;

export interface Plateau {
  direction: Direction;
  /** True when the calculator says a single unit learns the direction from a small overlap. */
  learnable: boolean;
  /** The predicted |overlap| where the unit stops; null when not learnable. */
  value: number | null;
  /** How it was computed, in words (for messages and docs). */
  how: string;
}

const cache = new Map<string, Plateau>();

const attracts = (e: DirectionExponent) => e.k !== null && e.attracting;

/** The first minimum of p on [0, r] (p sampled on the unit interval and scaled). */
function stopAt(p: (x: number) => number, r = 1): number {
  return r * firstMinimum((x) => p(r * x), 100).x;
}

function compute(config: Config, direction: Direction, r: ExponentResult): Plateau {
  const ev = lossEvaluator(theoryModel(config));
  if (direction === "m") {
    return { direction, learnable: false, value: null, how: "the mean spike is outside the plateau calculator" };
  }
  if (direction === "u") {
    if (!attracts(r.directions.u)) return { direction, learnable: false, value: null, how: "u does not attract" };
    return { direction, learnable: true, value: r.saturation.alphaU, how: "first minimum of L(alphaU, 0)" };
  }
  const alone = config.betaU === 0 || !attracts(r.directions.u);
  if (alone) {
    const own = r.directions.v;
    if (!attracts(own)) return { direction, learnable: false, value: null, how: "v does not attract on its own" };
    const s = own.towardSign === -1 ? -1 : 1;
    return {
      direction,
      learnable: true,
      value: stopAt((x) => ev.unit({ u: 0, v: s * x })),
      how: "first minimum of L(0, alphaV)",
    };
  }
  const eff = r.effectiveV;
  if (!attracts(eff)) {
    return {
      direction,
      learnable: false,
      value: null,
      how: `v does not attract once u is learned (alphaU = ${eff.alphaU.toFixed(3)})`,
    };
  }
  const s = eff.towardSign === -1 ? -1 : 1;
  if (eff.path === "sphere") {
    const value = stopAt((x) => ev.unit({ u: Math.sqrt(Math.max(0, 1 - x * x)), v: s * x }));
    return {
      direction,
      learnable: true,
      value,
      how: "first minimum of L(sqrt(1 - alphaV^2), alphaV) once u is learned",
    };
  }
  const a = eff.alphaU;
  const value = stopAt((x) => ev.unit({ u: a, v: s * x }), Math.sqrt(Math.max(0, 1 - a * a)));
  return { direction, learnable: true, value, how: `first minimum of L(${a.toFixed(3)}, alphaV) once u is learned` };
}

/** The predicted plateau of a direction for a config (cached per model; d, walkers, backend do not enter). */
export function predictedPlateau(config: Config, direction: Direction): Plateau {
  const { d: _d, walkers: _w, backend: _b, logPerDecade: _l, threshold: _t, K: _K, ...model } = config;
  const key = `${direction}|${canonicalJson(model)}`;
  let p = cache.get(key);
  if (!p) {
    p = compute(config, direction, computeExponents(config, { optimum: false }));
    cache.set(key, p);
  }
  return p;
}

/** A threshold at PLATEAU_FRACTION of the predicted plateau, rounded to 3 decimals; throws when the
 * calculator says the direction is not learnable. */
export function thresholdFromPlateau(config: Config, direction: Direction): number {
  const p = predictedPlateau(config, direction);
  if (p.value === null) throw new RangeError(`threshold: ${direction} has no predicted plateau (${p.how})`);
  return Math.round(PLATEAU_FRACTION * p.value * 1000) / 1000;
}

/** The message for a threshold above the predicted plateau, or null when it is fine (K = 1 only: the
 * theory is of one unit). */
export function thresholdProblem(config: Config, direction: Direction): string | null {
  if (config.K !== 1) return null;
  const p = predictedPlateau(config, direction);
  if (!p.learnable || p.value === null || config.threshold <= p.value) return null;
  return (
    `got ${config.threshold}, above the predicted plateau of |w.${direction}| = ${p.value.toFixed(3)} ` +
    `(${p.how}; ${config.activation}, ${config.correlation}); expected a number in (0, ${p.value.toFixed(3)}]`
  );
}
