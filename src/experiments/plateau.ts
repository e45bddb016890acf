/**
 * Where a single unit's overlap with a direction stops (its plateau), and whether the calculator says the
 * direction can be learned at all (K = 1 theory). Two plateaus per direction:
 *  - the loss minimum (`value`, the delta -> 0 limit), from the exponent calculator: the unit descends the
 *    population loss L(alphaU, alphaV) from overlaps of order d^-1/2:
 *    - u (when its spike attracts): the first local minimum of L(alphaU, 0), the saturation point;
 *    - v on its own (betaU = 0 or u not attracting): the first local minimum of L(0, alphaV), toward the
 *      side the drift points to;
 *    - v once u is learned (betaU > 0 and u attracting): along v's effective path (the sphere
 *      L(sqrt(1 - alphaV^2), alphaV) when u saturates at 1, else L(alphaU*, alphaV)); v is not learned when
 *      its effective exponent is not attracting (a single unit stays on u);
 *  - the reachable plateau (`reachable`): the fixed point of the finite-delta ODE of the high-dimensional
 *    limit (src/theory/limit-plateau.ts) reached from that loss minimum. The step noise's shrinkage
 *    -(delta^2 / 2) phi V m pulls it below the loss minimum: this is where SGD at the configured delta
 *    actually settles (C2's v: 0.142 against 0.190; C1's linear control: 0.229 against 0.285).
 * The reachable plateau bounds any sensible threshold: a threshold above it is hit, if at all, by
 * fluctuations and censors as d grows, so sweeps refuse it. Thresholds set "from the plateau" are
 * PLATEAU_FRACTION of the reachable plateau.
 */

import type { Direction } from "../config/directions.js";
import type { Config } from "../config/schema.js";
import { canonicalJson } from "../io/json.js";
import { computeExponents, type DirectionExponent, type ExponentResult, firstMinimum } from "../theory/exponent.js";
import { reachableFixedPoint } from "../theory/limit-plateau.js";
import { lossEvaluator, theoryModel } from "../theory/loss.js";

/** Thresholds derived from the plateau sit at this fraction of it: high enough to be far above the
 * initial overlaps at the demo's sizes, low enough that every walker that learns the direction reaches it. */
export const PLATEAU_FRACTION = 2 / 3;

export interface Plateau {
  direction: Direction;
  /** True when the calculator says a single unit learns the direction from a small overlap. */
  learnable: boolean;
  /** The loss minimum's |overlap| (the delta -> 0 plateau); null when not learnable. */
  value: number | null;
  /** How it was computed, in words (for messages and docs). */
  how: string;
  /** The |overlap| where the finite-delta ODE settles (the plateau SGD at this delta reaches); null when
   * not learnable or outside the limit theory (K > 1, a trained amplitude). */
  reachable: number | null;
  /** The overlaps (u, v[, m]) of that fixed point. */
  reachableState: number[] | null;
}

/** A loss-minimum plateau before its finite-delta fixed point: the state the ODE starts from. */
type LossPlateau = Omit<Plateau, "reachable" | "reachableState"> & { start?: number[] };

const cache = new Map<string, Plateau>();

const attracts = (e: DirectionExponent) => e.k !== null && e.attracting;

/** The first minimum of p on [0, r] (p sampled on the unit interval and scaled). */
function stopAt(p: (x: number) => number, r = 1): number {
  return r * firstMinimum((x) => p(r * x), 100).x;
}

function compute(config: Config, direction: Direction, r: ExponentResult): LossPlateau {
  const ev = lossEvaluator(theoryModel(config));
  if (direction === "m") {
    return { direction, learnable: false, value: null, how: "the mean spike is outside the plateau calculator" };
  }
  if (direction === "u") {
    if (!attracts(r.directions.u)) return { direction, learnable: false, value: null, how: "u does not attract" };
    const a = r.saturation.alphaU;
    return { direction, learnable: true, value: a, how: "first minimum of L(alphaU, 0)", start: [a, 0] };
  }
  const alone = config.betaU === 0 || !attracts(r.directions.u);
  if (alone) {
    const own = r.directions.v;
    if (!attracts(own)) return { direction, learnable: false, value: null, how: "v does not attract on its own" };
    const s = own.towardSign === -1 ? -1 : 1;
    const value = stopAt((x) => ev.unit({ u: 0, v: s * x }));
    return { direction, learnable: true, value, how: "first minimum of L(0, alphaV)", start: [0, s * value] };
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
      start: [Math.sqrt(Math.max(0, 1 - value * value)), s * value],
    };
  }
  const a = eff.alphaU;
  const value = stopAt((x) => ev.unit({ u: a, v: s * x }), Math.sqrt(Math.max(0, 1 - a * a)));
  return {
    direction,
    learnable: true,
    value,
    how: `first minimum of L(${a.toFixed(3)}, alphaV) once u is learned`,
    start: [a, s * value],
  };
}

/** The finite-delta fixed point from the loss minimum; null outside the limit theory, and at p != 1: there the
 * d-dependent fixed point (noise term scaled by d^(1 - p)) was not checked against simulation, and at p = 1.5
 * it puts v's plateau at 0 while docs/lower-bound.md measures hits at 0.5 for d = 16 to 64. */
function reachableOf(
  config: Config,
  direction: Direction,
  p: LossPlateau,
): Pick<Plateau, "reachable" | "reachableState"> {
  if (!p.learnable || !p.start || config.K !== 1 || config.trainAmplitude || config.lrExponent !== 1)
    return { reachable: null, reachableState: null };
  try {
    const fp = reachableFixedPoint(config, p.start);
    const i = direction === "u" ? 0 : direction === "v" ? 1 : 2;
    return { reachable: Math.abs(fp.state[i] ?? 0), reachableState: fp.state };
  } catch {
    return { reachable: null, reachableState: null };
  }
}

/** The predicted plateaus of a direction for a config (cached per model; walkers and the backend do not
 * enter, nor d at p = 1, where the limit ODE does not depend on it). */
export function predictedPlateau(config: Config, direction: Direction): Plateau {
  const { d, walkers: _w, backend: _b, logPerDecade: _l, threshold: _t, K: _K, ...model } = config;
  const key = `${direction}|${config.K === 1 ? 1 : "K"}|${config.lrExponent === 1 ? "" : d}|${canonicalJson(model)}`;
  let p = cache.get(key);
  if (!p) {
    const { start: _s, ...loss } = compute(config, direction, computeExponents(config, { optimum: false }));
    const withStart = { ...loss, start: _s };
    p = { ...loss, ...reachableOf(config, direction, withStart) };
    cache.set(key, p);
  }
  return p;
}

/** The plateau thresholds are judged against: the reachable one where the limit theory gives it, else the
 * loss minimum. */
export function thresholdPlateau(p: Plateau): number | null {
  return p.reachable ?? p.value;
}

/** A threshold at PLATEAU_FRACTION of the reachable plateau, rounded to 3 decimals; throws when the
 * calculator says the direction is not learnable. */
export function thresholdFromPlateau(config: Config, direction: Direction): number {
  const p = predictedPlateau(config, direction);
  const value = thresholdPlateau(p);
  if (value === null) throw new RangeError(`threshold: ${direction} has no predicted plateau (${p.how})`);
  return Math.round(PLATEAU_FRACTION * value * 1000) / 1000;
}

/** Both plateaus in words: "reachable 0.140 (fixed point of the finite-delta ODE at delta = 0.5), loss
 * minimum 0.190 (first minimum of ...)". */
export function describePlateaus(config: Config, p: Plateau): string {
  const loss = `loss minimum ${p.value?.toFixed(3)} (${p.how}, the delta -> 0 plateau)`;
  if (p.reachable === null) return loss;
  return `reachable ${p.reachable.toFixed(3)} (fixed point of the finite-delta ODE at delta = ${config.delta}, p = ${config.lrExponent}), ${loss}`;
}

/** The message for a threshold above the reachable plateau, or null when it is fine (K = 1 only: the
 * theory is of one unit). */
export function thresholdProblem(config: Config, direction: Direction): string | null {
  if (config.K !== 1) return null;
  const p = predictedPlateau(config, direction);
  const value = thresholdPlateau(p);
  if (!p.learnable || value === null || config.threshold <= value) return null;
  return (
    `got ${config.threshold}, above the predicted plateau of |w.${direction}| = ${value.toFixed(3)} ` +
    `(${describePlateaus(config, p)}; ${config.activation}, ${config.correlation}); expected a number in (0, ${value.toFixed(3)}]`
  );
}

/** Both plateaus of u and v (and m when present), for `mcm predict` and `mcm exponent`. */
export interface PlateauReport {
  /** Per direction: the reachable plateau, the loss minimum (delta -> 0) and how each was found. */
  [direction: string]: { learnable: boolean; reachable: number | null; lossMinimum: number | null; how: string };
}

export function plateauReport(config: Config): PlateauReport {
  const out: PlateauReport = {};
  for (const dir of ["u", "v"] as const) {
    const p = predictedPlateau(config, dir);
    out[dir] = { learnable: p.learnable, reachable: p.reachable, lossMinimum: p.value, how: p.how };
  }
  return out;
}

/** One line: "plateaus at delta = 0.5: u 0.914 reachable (loss minimum 1.000), v not learned (...)". */
export function formatPlateaus(config: Config, report: PlateauReport): string {
  const parts = Object.entries(report).map(([dir, p]) => {
    if (!p.learnable || p.lossMinimum === null) return `${dir} none (${p.how})`;
    const loss = `loss minimum ${p.lossMinimum.toFixed(3)}`;
    return p.reachable === null ? `${dir} ${loss}` : `${dir} ${p.reachable.toFixed(3)} reachable (${loss})`;
  });
  return `plateaus of |w.s| at delta = ${config.delta}, p = ${config.lrExponent} (reachable: the finite-delta ODE's fixed point; loss minimum: delta -> 0): ${parts.join(", ")}`;
}
