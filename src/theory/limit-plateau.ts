/**
 * The plateau that online SGD reaches at a finite delta: the stable fixed point of the limit ODE
 * dm/dtau = delta F(m) - (delta^2 / 2) phi V(m) m (docs/model.md section 10; phi = d^(1-p)), not the loss
 * minimum (its delta -> 0 limit). The shrinkage term pulls every overlap toward zero, so the reachable
 * plateau lies below the loss minimum: for the demo's C2 (relu, uncorrelated latents, delta = 0.5) |w.v|
 * settles at 0.142, not 0.190. Found by integrating the ODE from a start near the loss minimum (the caller's:
 * src/experiments/plateau.ts) until it stops moving.
 */
import { type Config, type ConfigInput, resolveConfig } from "../config/schema.js";
import { type LimitCoefficients, type LimitEvaluator, type LimitModel, limitEvaluator, limitModel } from "./limit.js";
import { integrate, odeField } from "./limit-solvers.js";
import type { Resolution } from "./loss.js";

/** Coefficients already computed, per model (d, delta, p and the threshold do not enter them): the ODE
 * trajectories at p = 1 are the same at every d, so a sweep's or the demo's later points reuse the first
 * one's evaluations. Bounded: cleared past MEMO_LIMIT states. */
const memo = new Map<string, Map<string, LimitCoefficients>>();
const MEMO_LIMIT = 200_000;
let memoSize = 0;

export function cachedEvaluator(model: LimitModel, resolution: Partial<Resolution>): LimitEvaluator {
  const { d: _d, delta: _delta, lrExponent: _p, threshold: _t, ...rest } = model;
  const key = JSON.stringify([rest, resolution]);
  let states = memo.get(key);
  if (!states) {
    states = new Map();
    memo.set(key, states);
  }
  const table = states;
  const ev = limitEvaluator(model, resolution);
  return {
    model,
    at(state) {
      const k = `${state.u},${state.v},${state.m ?? 0},${state.a ?? ""}`;
      let c = table.get(k);
      if (!c) {
        c = ev.at(state);
        if (memoSize >= MEMO_LIMIT) {
          for (const m of memo.values()) m.clear();
          memoSize = 0;
        }
        table.set(k, c);
        memoSize++;
      }
      return c;
    },
  };
}

/** The coefficients' quadrature resolution the solvers use (dependent latents: a coarser latent rule). */
export function solverResolution(correlation: string) {
  return correlation === "independent" ? {} : { hermiteNodes: 60, perPiece: 8, maxPiece: 2 };
}

export interface FixedPoint {
  /** The overlaps (u, v[, m]) where the finite-delta ODE settles. */
  state: number[];
  /** The ODE stopped moving (|dm/dtau| below 1e-10 per unit of 1 / delta) within its time budget. */
  converged: boolean;
}

/** The fixed point of the finite-delta ODE reached from `start` (overlaps in spike order). */
export function reachableFixedPoint(input: ConfigInput | Config, start: number[]): FixedPoint {
  const config = resolveConfig(input);
  const model = limitModel(config);
  const ev = cachedEvaluator(model, solverResolution(config.correlation));
  const phi = config.d ** (1 - config.lrExponent);
  const field = odeField((y) => ev.at({ u: y[0], v: y[1], m: y[2] }), config.delta, phi);
  const y0 = Array.from({ length: model.q }, (_, i) => start[i] ?? 0);
  const n2 = y0.reduce((a, x) => a + x * x, 0);
  if (n2 > 1) for (let i = 0; i < y0.length; i++) y0[i] /= Math.sqrt(n2);
  // Time in units of 1 / delta (the drift's scale); a plateau is reached within a few hundred of them.
  const h = 0.05 / config.delta;
  const traj = integrate(field, y0, 0, h, 2e4 / config.delta, 2);
  return { state: traj.end.map((x) => (Math.abs(x) < 1e-12 ? 0 : x)), converged: traj.converged };
}
