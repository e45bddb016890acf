/**
 * The predicted overlap curves: quartiles of |m_s| on the engine's log grid of steps, from the phases of a
 * limit prediction (./limit-predict.ts): the Ornstein-Uhlenbeck background before a direction moves, the
 * linear search phase's trajectory, the ODE, and the critical SDE's recorded paths.
 */
import { DIRECTIONS, type Direction } from "../config/directions.js";
import { gridSteps } from "../engine/grid.js";
import { censoredQuantile } from "../experiments/stats.js";
import { absNormalQuantile, type Trajectory } from "./limit-solvers.js";
import type { DirectionPrediction, OverlapCurve, Phase, PredictOptions } from "./limit-types.js";

export interface Background {
  rate: number[];
  noise: number[];
  scale: number;
}

/** The state on a linear phase's trajectory at time t (before its start: the linear regime). */
function trajectoryAt(ph: Phase, t: number): number[] {
  const tr = ph.traj as Trajectory;
  const base = ph.base as number[];
  if (t <= tr.t[0]) {
    const f = Math.exp((ph.lambda as number) * (t - tr.t[0]));
    return tr.y[0].map((y, i) => base[i] + f * (y - base[i]));
  }
  if (t >= tr.t[tr.t.length - 1]) return tr.end;
  let lo = 0;
  let hi = tr.t.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (tr.t[mid] <= t) lo = mid;
    else hi = mid;
  }
  const f = (t - tr.t[lo]) / (tr.t[hi] - tr.t[lo]);
  return tr.y[lo].map((y, i) => y + f * (tr.y[hi][i] - y));
}

/** Quartile curves of |m_s| on the log grid of steps (engine/grid.ts). */
export function curvesOf(
  phases: Phase[],
  directions: Partial<Record<Direction, DirectionPrediction>>,
  bg: Background,
  q: number,
  d: number,
  options: PredictOptions,
): Partial<Record<Direction, OverlapCurve>> {
  const hits = DIRECTIONS.slice(0, q)
    .map((dir) => directions[dir]?.predictedHit?.q75)
    .filter((x): x is number => x !== undefined);
  const total = Math.max(
    1,
    Math.round(options.steps ?? (hits.length ? 3 * Math.max(...hits) : 10 * bg.scale * Math.log(d))),
  );
  const steps = gridSteps(total, options.perDecade ?? 10);
  const sq = Math.sqrt(d);
  const QS = [0.25, 0.5, 0.75] as const;
  // Quantiles of |x| of the critical paths at their recording times, per phase.
  const pathQuant = new Map<Phase, (number | null)[][]>();
  for (const ph of phases) {
    const law = ph.law;
    const stop = ph.stopX;
    if (ph.kind !== "critical" || !law || stop === undefined || !ph.recordTimes?.length) continue;
    const rows = ph.recordTimes.map((_, j) => {
      // A path frozen at the stop has passed: like a censored value it ranks above every path still
      // searching, and a quantile that touches it is null (read as the stop value below).
      const xs = law.recorded.map((r) => (r[j] >= stop ? null : r[j]));
      return QS.map((qq) => censoredQuantile(xs, qq));
    });
    pathQuant.set(ph, rows);
  }
  const out: Partial<Record<Direction, OverlapCurve>> = {};
  for (let s = 0; s < q; s++) {
    const mover = phases.find(
      (ph) =>
        (ph.kind === "linear" || ph.kind === "ode") &&
        ph.traj &&
        (ph.dirs.includes(s) || Math.abs(ph.traj.end[s]) > 1e-9) &&
        (ph.base ?? []).every((x) => x === 0),
    );
    const later = phases.find((ph) => ph !== mover && ph.dirs.includes(s));
    const curve: OverlapCurve = { steps, q25: [], median: [], q75: [] };
    const keys = ["q25", "median", "q75"] as const;
    for (const n of steps) {
      const vals = QS.map((qq) => {
        const z = absNormalQuantile(qq, 1);
        const ou = (rate: number, noise: number, tau: number) => {
          const e = Math.exp(2 * rate * tau);
          const v = Math.abs(rate) < 1e-12 ? 1 + noise * tau : e + (noise * (e - 1)) / (2 * rate);
          return Math.min(1, (z * Math.sqrt(Math.max(v, 0))) / sq);
        };
        const ph = later && n >= later.shift ? later : mover;
        if (!ph) return ou(bg.rate[s], bg.noise[s], n / bg.scale);
        const tau = (n - ph.shift) / ph.scale;
        if (ph.kind === "ode") return Math.abs(trajectoryAt({ ...ph, lambda: 1, base: new Array(q).fill(0) }, tau)[s]);
        if (ph.kind === "linear") {
          const lam = ph.lambda as number;
          const e = Math.exp(2 * lam * tau);
          const v = e * (1 + (ph.noise as number)) - (ph.noise as number);
          const amp = (z * Math.sqrt(Math.max(v, 1e-300))) / sq;
          return Math.abs(trajectoryAt(ph, Math.log(amp) / lam)[s]);
        }
        if (ph.kind === "drift") {
          // dm~/dtau = c m~^(k-1): m~ = x0 (1 - c (k - 2) x0^(k-2) tau)^(-1/(k-2)), from x0 = |Z| quantile.
          const c = ph.lambda as number;
          const km2 = ph.zScale as number;
          const left = 1 - c * z ** km2 * tau;
          return left <= 0 ? 1 : Math.min(1, (z * left ** (-1 / km2)) / sq);
        }
        const rows = pathQuant.get(ph);
        const times = ph.recordTimes ?? [];
        if (!rows || !times.length) return Number.NaN;
        let j = 0;
        while (j + 1 < times.length && times[j + 1] <= tau) j++;
        const x = rows[j][QS.indexOf(qq)];
        return x === null ? (ph.stopValue as number) : Math.min(1, x / sq);
      });
      for (let i = 0; i < 3; i++) curve[keys[i]].push(Number.isFinite(vals[i]) ? vals[i] : 0);
    }
    out[DIRECTIONS[s]] = curve;
  }
  return out;
}
