/**
 * The types of the limit theory's predictions (./limit-predict.ts) and of the phases its overlap curves
 * (./limit-curves.ts) are drawn from.
 */
import type { Direction } from "../config/directions.js";
import type { LimitModel } from "./limit.js";
import type { PathLaw, Trajectory } from "./limit-solvers.js";

export type Regime =
  | "ODE (k = 1)"
  | "search + ODE"
  | "finite-d SDE"
  | "critical SDE"
  | "drift-dominated"
  | "pinned"
  | "never";

export interface Quartiles {
  q25: number;
  median: number;
  q75: number;
}

export interface DirectionPrediction {
  regime: Regime;
  /** The local order k of the drift where this direction's search starts (null if none). */
  k: number | null;
  /** First-hitting time quartiles in samples; null when the overlap does not reach the threshold. */
  predictedHit: Quartiles | null;
  /** Why predictedHit is null (or a caveat); null otherwise. */
  reason: string | null;
  /** The quartiles over the regime's natural scale (e.g. n* / d, n* / d^3) and that scale. */
  scaled: (Quartiles & { unit: string }) | null;
  /** The learning-rate exponent p at which this direction's search is critical (1 for k <= 2, k / 2 above). */
  criticalLrExponent: number | null;
  /** Numbers of the law: rates, coefficients, numerics. */
  details: Record<string, number | string | null>;
}

export interface OverlapCurve {
  steps: number[];
  q25: number[];
  median: number[];
  q75: number[];
}

export interface LimitPrediction {
  model: LimitModel;
  d: number;
  directions: Partial<Record<Direction, DirectionPrediction>>;
  curves: Partial<Record<Direction, OverlapCurve>>;
  /** The delta minimising the slowest escaping direction's predicted median (null with a reason). Coupled
   * overlaps: the best of a coarse grid (delta x 0.5, 0.71, 1, 1.41, 2), listed in `grid`. */
  bestDelta:
    | { direction: Direction; delta: number; median: number; grid?: number[] }
    | { direction: null; reason: string };
  criticalLrExponent: number | null;
}

export interface PredictOptions {
  /** Paths of the critical SDE (default 4000). */
  paths?: number;
  seed?: number;
  /** Compute the overlap curves (default true) up to this many steps (default: 3 x the slowest q75). */
  curves?: boolean;
  steps?: number;
  perDecade?: number;
  /** Search the best delta (default true). */
  bestDelta?: boolean;
  /** Rerun the SDE at half the step to estimate its discretisation error (default true). */
  errorEstimate?: boolean;
  /** Use finite-d paths for k = 2 searches too, not only where the closed form's linearisation is
   * inaccurate (`mcm predict --paths`). */
  finitePaths?: boolean;
  /** Progress of the SDE paths: `done` of `total` paths of the run named `label`. */
  onProgress?: (done: number, total: number, label: string) => void;
}

/** One phase of a direction's predicted path (search, ODE, critical SDE, drift), in samples. */
export interface Phase {
  kind: "ode" | "linear" | "critical" | "drift";
  /** Directions the phase predicts. */
  dirs: number[];
  shift: number; // samples before the phase starts (median of the previous phase)
  scale: number; // samples per unit of the phase's time
  // linear: rate, start direction, noise scale, trajectory (time normalised as in linearTrajectory)
  lambda?: number;
  zScale?: number;
  noise?: number; // delta^2 phi e^T S e / (2 lambda)
  traj?: Trajectory;
  base?: number[];
  law?: PathLaw;
  stopValue?: number;
  recordTimes?: number[];
  sqrtD?: number;
  /** The critical SDE's stop, theta sqrt(d), in units of m~. */
  stopX?: number;
}
