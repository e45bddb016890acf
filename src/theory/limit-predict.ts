/**
 * The predicted law of each direction's first-hitting time and overlap curve at dimension d, from the
 * high-dimensional limit (docs/model.md section 10; coefficients limit.ts, solvers limit-solvers.ts).
 *
 * Phases. (1) At zero overlaps: if some drift F_s(0) is non-zero (k = 1) the overlaps follow the ODE from
 * 0 (deterministic to O(d^-1/2)); else the linearised drift J = dF/dm (symmetric: F is minus the loss's
 * gradient there) gives the rates Lambda = delta J - (delta^2 / 2) phi V0 I, and a positive top rate
 * lambda1 (eigenvector e1) is a k = 2 search: the closed form of limit-solvers.ts, with the ODE trajectory
 * that leaves 0 along e1 giving T_theta per direction. (2) Directions that phase 1 leaves at zero are
 * searched from the state where it ends (its ODE's fixed point, reached at the median time of phase 1,
 * which is added to their quartiles): the local order of F_s along s there decides between a k = 2 search,
 * the critical SDE (k >= 3 at p = k / 2), the drift-dominated law (p > k / 2, even k), or no escape
 * (pinned: lambda <= 0 or p < k / 2; never: no drift toward the spike, or a fixed point below theta).
 * Quartiles are in samples (steps); n* is monotone in the search's random start, so the overlap's
 * quartile curves are the trajectories of the start's quartiles.
 */
import { DIRECTIONS, type Direction } from "../config/directions.js";
import { type Config, type ConfigInput, resolveConfig } from "../config/schema.js";
import { chebyshevTaylor } from "./exponent.js";
import { type LimitEvaluator, limitModel, NotCoveredError } from "./limit.js";
import { bestDeltaOf } from "./limit-best-delta.js";
import { curvesOf } from "./limit-curves.js";
import { axisSde, finiteSearch, LINEARISATION_TOLERANCE, medianSe, runCritical } from "./limit-finite.js";
import { cachedEvaluator, solverResolution } from "./limit-plateau.js";
import {
  absNormalQuantile,
  type ChebTable,
  chebAt,
  chebTable,
  type Field,
  integrate,
  linearSearchQuantile,
  linearTrajectory,
  odeField,
  type PathLaw,
  pathQuantile,
  symmetricEigenSmall,
} from "./limit-solvers.js";
import type { DirectionPrediction, LimitPrediction, Phase, PredictOptions, Quartiles } from "./limit-types.js";

export type {
  DirectionPrediction,
  LimitPrediction,
  OverlapCurve,
  PredictOptions,
  Quartiles,
  Regime,
} from "./limit-types.js";

/** The field on the axis x e_s from zero overlaps, tabulated (65 Chebyshev points), when the axis is
 * invariant (the other drifts vanish on it, e.g. by the symmetry of independent latents); else null. */
function axisField(ev: LimitEvaluator, q: number, s: number, delta: number, phi: number): Field | null {
  const at = (x: number) => {
    const y = new Array<number>(3).fill(0);
    y[s] = x;
    return ev.at({ u: y[0], v: y[1], m: y[2] });
  };
  for (const x of [0.1, 0.37, -0.23, 0.7]) {
    const c = at(x);
    for (let j = 0; j < q; j++) if (j !== s && Math.abs(c.F[j]) > 1e-11) return null;
  }
  const xmax = 0.9999;
  const table: ChebTable = chebTable(-xmax, xmax, 65, (x) => {
    const c = at(x);
    return [c.F[s], c.V];
  });
  return (y) => {
    const out = new Array<number>(q).fill(0);
    const x = y[s];
    out[s] = delta * chebAt(table, 0, x) - 0.5 * delta * delta * phi * chebAt(table, 1, x) * x;
    return out;
  };
}

function quartilesOf(f: (q: number) => number | null): Quartiles | null {
  const q25 = f(0.25);
  const median = f(0.5);
  const q75 = f(0.75);
  if (q25 === null || median === null || q75 === null) return null;
  if (![q25, median, q75].every(Number.isFinite)) return null;
  return { q25, median, q75 };
}

const fmt = (x: number) => Number(x.toPrecision(4));

/** Quartiles in units of `scale` samples, after `shift` samples, as samples. */
const inSamples = (law: Quartiles, shift: number, scale: number): Quartiles => ({
  q25: shift + law.q25 * scale,
  median: shift + law.median * scale,
  q75: shift + law.q75 * scale,
});

/** Predicts the first-hitting laws and overlap curves of a config at its d (K = 1). */
export function predictLimit(input: ConfigInput | Config, options: PredictOptions = {}): LimitPrediction {
  const config = resolveConfig(input);
  const model = limitModel(config);
  if (config.trainAmplitude) {
    throw new NotCoveredError(
      "trainAmplitude",
      "got true, not covered: a trained amplitude moves on the overlaps' own time scale during the search (with the optimal skip it decays toward 0, where the unit is useless); the solvers take a fixed amplitude",
    );
  }
  const { d, delta, threshold: theta } = config;
  const p = config.lrExponent;
  const q = model.q;
  const phi = d ** (1 - p);
  const ev = cachedEvaluator(model, solverResolution(config.correlation));
  const at = (y: number[]) => ev.at({ u: y[0], v: y[1], m: y[2] });
  const field = odeField(at, delta, phi);
  const directions: Partial<Record<Direction, DirectionPrediction>> = {};
  const phases: Phase[] = [];
  const zero = new Array<number>(q).fill(0);
  const c0 = at(zero);
  const pending = new Set<number>(Array.from({ length: q }, (_, i) => i));
  const set = (s: number, pred: DirectionPrediction) => {
    directions[DIRECTIONS[s]] = pred;
    pending.delete(s);
  };
  let base = zero;
  let shift = 0;
  // The linearised drift at zero (symmetrised: F is minus the loss's gradient there).
  const J = zero.map(() => zero.map(() => 0));
  // Central differences at h and h / 2, Richardson-extrapolated: the error is O(h^4), so a cubic drift
  // (k = 4) does not leak into J.
  const diff = (j: number, h: number) => {
    const yp = zero.slice();
    const ym = zero.slice();
    yp[j] = h;
    ym[j] = -h;
    const fp = at(yp).F;
    const fm = at(ym).F;
    return fp.map((x, i) => (x - fm[i]) / (2 * h));
  };
  for (let j = 0; j < q; j++) {
    const d1 = diff(j, 2e-3);
    const d2 = diff(j, 1e-3);
    for (let i = 0; i < q; i++) J[i][j] = (4 * d2[i] - d1[i]) / 3;
  }
  const Jsym = J.map((row, i) => row.map((x, j) => 0.5 * (x + J[j][i])));
  const background = {
    rate: zero.map((_, s) => delta * Jsym[s][s] - 0.5 * delta * delta * phi * c0.V),
    noise: zero.map((_, s) => delta * delta * phi * c0.S[s][s]),
    scale: d ** p,
  };

  if (c0.F.some((f) => Math.abs(f) > 1e-10)) {
    // k = 1: the ODE from 0.
    const rate = delta * Math.max(...c0.F.map(Math.abs));
    const traj = integrate(field, zero, 0, (0.01 * theta) / rate, 1e4 / rate, theta);
    phases.push({ kind: "ode", dirs: [], shift: 0, scale: d ** p, traj });
    for (let s = 0; s < q; s++) {
      const t = traj.hit[s];
      if (t === null) continue;
      const n = t * d ** p;
      set(s, {
        regime: "ODE (k = 1)",
        k: 1,
        predictedHit: { q25: n, median: n, q75: n },
        reason: "deterministic to O(d^-1/2): the drift is of order one at zero overlap",
        scaled: { q25: t, median: t, q75: t, unit: `d^${p}` },
        criticalLrExponent: 1,
        details: { F0: c0.F[s] },
      });
      phases[0].dirs.push(s);
    }
    base = traj.end;
    shift = Math.max(0, ...phases[0].dirs.map((s) => (traj.hit[s] ?? 0) * d ** p));
  } else {
    const Lam = Jsym.map((row, i) => row.map((x, j) => delta * x - (i === j ? 0.5 * delta * delta * phi * c0.V : 0)));
    const eig = symmetricEigenSmall(Lam);
    const lambda = eig.values[0];
    const e1 = eig.vectors[0];
    // Escape needs the top rate positive along a direction whose drift is really linear (e^T J e above
    // the differences' noise): scale-free in delta, so a tiny delta with a tiny positive lambda escapes.
    const eJe = e1.reduce((a, x, i) => a + x * e1.reduce((b, y, j) => b + Jsym[i][j] * y, 0), 0);
    if (lambda > 0 && eJe > 1e-7) {
      const axis = e1.findIndex((x) => Math.abs(x) > 1 - 1e-9);
      const f = (axis >= 0 && axisField(ev, q, axis, delta, phi)) || field;
      const traj = linearTrajectory(f, zero, e1, lambda, theta);
      const eSe = e1.reduce((a, x, i) => a + x * e1.reduce((b, y, j) => b + c0.S[i][j] * y, 0), 0);
      const noise = (delta * delta * phi * eSe) / (2 * lambda);
      const zScale = Math.sqrt(1 + noise);
      const ph: Phase = { kind: "linear", dirs: [], shift: 0, scale: d ** p, lambda, zScale, noise, traj, base: zero };
      phases.push(ph);
      for (let s = 0; s < q; s++) {
        const t = traj.hit[s];
        if (t === null) continue;
        const law = quartilesOf((qq) => linearSearchQuantile(qq, lambda, zScale, t, d));
        const common = { lambda, Fprime0: Jsym[s][s], V0: c0.V, S0: c0.S[s][s], zScale, Ttheta: t };
        const fin =
          axis === s && p === 1
            ? searchByPaths(ev, s, config, { lambda, zScale, V0: c0.V, S0: c0.S[s][s], Fprime: Jsym[s][s] }, options)
            : null;
        if (fin?.ran && fin.quartiles && fin.law && !fin.warning) {
          const inD = fin.quartiles;
          set(s, {
            regime: "finite-d SDE",
            k: 2,
            predictedHit: inSamples(inD, 0, d),
            reason: `finite-d paths: the closed form's linearisation error ${fin.check.error.toPrecision(2)} ${options.finitePaths ? "(paths requested)" : `exceeds ${LINEARISATION_TOLERANCE}`}; the closed form holds from d of about ${fin.check.dAsymptotic}`,
            scaled: { ...inD, unit: "d^1" },
            criticalLrExponent: 1,
            details: {
              ...common,
              linearisationError: fin.check.error,
              dAsymptotic: fin.check.dAsymptotic,
              closedForm: law ? `${fmt(law.q25)} / ${fmt(law.median)} / ${fmt(law.q75)} (n*/d)` : null,
              paths: fin.law.paths,
              censored: fin.law.censored,
              discretisation: fin.discretisation,
              medianSE: fin.medianSE,
            },
          });
          phases.push({
            kind: "critical",
            dirs: [s],
            shift: 0,
            scale: d,
            law: fin.law,
            stopValue: Math.abs(traj.end[s]),
            stopX: theta * Math.sqrt(d),
            sqrtD: Math.sqrt(d),
            recordTimes: fin.record,
          });
          continue;
        }
        set(s, {
          regime: "search + ODE",
          k: 2,
          predictedHit: law && inSamples(law, 0, d ** p),
          reason: null,
          scaled: law && { ...law, unit: `d^${p}` },
          criticalLrExponent: 1,
          details: {
            ...common,
            deltaMax: Jsym[s][s] > 0 ? (2 * Jsym[s][s]) / (phi * c0.V) : null,
            ...(fin ? { linearisationError: fin.check.error, dAsymptotic: fin.check.dAsymptotic } : {}),
            ...(fin?.warning ? { warning: fin.warning } : {}),
          },
        });
        ph.dirs.push(s);
      }
      const tEnd = traj.t[traj.t.length - 1];
      base = traj.end.map((x) => (Math.abs(x) < 1e-9 ? 0 : x));
      const viaPaths =
        ph.dirs.length === 0 && axis >= 0 ? directions[DIRECTIONS[axis]]?.predictedHit?.median : undefined;
      shift = viaPaths ?? d ** p * linearSearchQuantile(0.5, lambda, zScale, tEnd, d);
    } else {
      // Record the reason for a k = 2 direction that the noise pins.
      for (let s = 0; s < q; s++) {
        if (Jsym[s][s] > 1e-7) {
          set(
            s,
            pinned(
              2,
              `lambda = delta F'(0) - delta^2 V0 / 2 = ${fmt(Lam[s][s])} <= 0: the step noise pins the overlap at O(d^-1/2); escape needs delta < 2 F'(0) / V0 = ${fmt((2 * Jsym[s][s]) / (phi * c0.V))}`,
              { Fprime0: Jsym[s][s], V0: c0.V },
            ),
          );
        }
      }
    }
  }
  // Directions left at the base (phase 2).
  for (const s of Array.from(pending)) {
    if (Math.abs(base[s]) >= 1e-6) {
      set(s, never(`the overlap's ODE settles at |m| = ${fmt(Math.abs(base[s]))}, below the threshold ${theta}`));
      continue;
    }
    const pred = searchFrom(ev, base, s, shift, config, phases, options);
    set(s, pred);
  }
  const out: LimitPrediction = {
    model,
    d,
    directions,
    curves: {},
    bestDelta: { direction: null, reason: "not computed" },
    criticalLrExponent: null,
  };
  // The slowest escaping direction sets the critical exponent and the best delta.
  let slow: Direction | null = null;
  for (const dir of DIRECTIONS.slice(0, q)) {
    const pr = directions[dir];
    if (pr?.predictedHit && (!slow || pr.predictedHit.median > (directions[slow]?.predictedHit?.median ?? 0)))
      slow = dir;
  }
  const ks = DIRECTIONS.slice(0, q)
    .map((dir) => directions[dir]?.criticalLrExponent ?? null)
    .filter((x): x is number => x !== null);
  out.criticalLrExponent = ks.length ? Math.max(...ks) : null;
  if (options.curves !== false) out.curves = curvesOf(phases, directions, background, q, d, options);
  if (options.bestDelta !== false) {
    const coupled = phases.some(
      (ph) =>
        ph.kind === "linear" &&
        ph.traj &&
        ph.traj.end.filter((x) => Math.abs(x) > 1e-9).length > 1 &&
        ph.dirs.length > 1,
    );
    out.bestDelta = bestDeltaOf(config, slow, coupled || config.correlation !== "independent", options, predictLimit);
  }
  return out;
}

/** The k = 2 search of axis s by finite-d paths (limit-finite.ts), where the closed form is inaccurate or
 * the paths are requested. */
function searchByPaths(
  ev: LimitEvaluator,
  s: number,
  config: Config,
  lin: { lambda: number; zScale: number; V0: number; S0: number; Fprime: number },
  options: PredictOptions,
) {
  const values = (x: number) => {
    const y = [0, 0, 0];
    y[s] = x;
    const c = ev.at({ u: y[0], v: y[1], m: y[2] });
    return [c.F[s], c.V, c.S[s][s]];
  };
  const { d, delta, threshold: theta } = config;
  const xT = Math.min(0.9999, 1.05 * theta + 0.05);
  return finiteSearch(values, { d, delta, theta, xT, ...lin }, { ...options, force: options.finitePaths === true });
}

function pinned(k: number, reason: string, details: Record<string, number>): DirectionPrediction {
  return {
    regime: "pinned",
    k,
    predictedHit: null,
    reason,
    scaled: null,
    criticalLrExponent: k <= 2 ? 1 : k / 2,
    details,
  };
}

function never(reason: string): DirectionPrediction {
  return { regime: "never", k: null, predictedHit: null, reason, scaled: null, criticalLrExponent: null, details: {} };
}

/** Phase 2: the search of direction s from the base state, after `shift` samples. */
function searchFrom(
  ev: LimitEvaluator,
  base: number[],
  s: number,
  shift: number,
  config: Config,
  phases: Phase[],
  options: PredictOptions,
): DirectionPrediction {
  const { d, delta, threshold: theta } = config;
  const p = config.lrExponent;
  const phi = d ** (1 - p);
  const at = (x: number) => {
    const y = base.slice();
    y[s] = x;
    return ev.at({ u: y[0], v: y[1], m: y[2] });
  };
  const cb = at(0);
  const fs = (x: number) => at(x).F[s];
  // The fit's interval must stay inside the ball: near a saturated u (small delta, a plateau close to 1)
  // sqrt(1 - |base|^2) is below 0.15, and evaluating outside it is no state at all.
  const room = Math.sqrt(Math.max(0, 1 - base.reduce((a, x, i) => (i === s ? a : a + x * x), 0)));
  const outOfReach = () =>
    never(`the threshold ${theta} is out of reach: the other overlaps leave |m| <= ${fmt(room)} on the sphere`);
  if (!(room > 1e-3)) return outOfReach();
  const r = Math.min(0.15, 0.9 * room);
  const fit = chebyshevTaylor(fs, r, 17, 5);
  const fit2 = chebyshevTaylor(fs, 0.7 * r, 17, 5);
  let order = 0;
  for (let j = 1; j <= 5; j++) {
    const err = Math.abs(fit[j - 1] - fit2[j - 1]);
    if (Math.abs(fit[j - 1]) > Math.max(1e-8, 20 * err)) {
      order = j;
      break;
    }
  }
  if (order === 0) return never("no drift toward the spike up to order 5 in the overlap at the base state");
  const k = order + 1;
  const A = fit[order - 1];
  if (!(room > theta) && (k % 2 === 1 || A > 0)) return outOfReach();
  const details: Record<string, number | string | null> = { A, V0: cb.V, S0: cb.S[s][s], baseShift: shift };
  if (k === 2) {
    if (A <= 0) return never(`the spike repels at second order (F'(0) = ${fmt(A)} < 0)`);
    const lambda = delta * A - 0.5 * delta * delta * phi * cb.V;
    if (lambda <= 0) {
      return pinned(
        2,
        `lambda = delta F'(0) - delta^2 V0 / 2 = ${fmt(lambda)} <= 0: the step noise pins the overlap; escape needs delta < ${fmt((2 * A) / (phi * cb.V))}`,
        { A, V0: cb.V },
      );
    }
    const e = base.map((_, i) => (i === s ? 1 : 0));
    const f =
      (base.every((x) => x === 0) && axisField(ev, base.length, s, delta, phi)) ||
      odeField((y) => ev.at({ u: y[0], v: y[1], m: y[2] }), delta, phi);
    const traj = linearTrajectory(f, base, e, lambda, theta);
    const t = traj.hit[s];
    if (t === null)
      return never(`the overlap's ODE settles at |m| = ${fmt(Math.abs(traj.end[s]))}, below the threshold ${theta}`);
    const noise = (delta * delta * phi * cb.S[s][s]) / (2 * lambda);
    const zScale = Math.sqrt(1 + noise);
    const law = quartilesOf((qq) => linearSearchQuantile(qq, lambda, zScale, t, d));
    phases.push({ kind: "linear", dirs: [s], shift, scale: d ** p, lambda, zScale, noise, traj, base });
    return {
      regime: "search + ODE",
      k,
      predictedHit: law && inSamples(law, shift, d ** p),
      reason: null,
      scaled: law && { ...law, unit: `d^${p}` },
      criticalLrExponent: 1,
      details: { ...details, lambda, zScale, Ttheta: t },
    };
  }
  const pc = k / 2;
  const attracting = k % 2 === 1 || A > 0;
  if (!attracting) return never(`the spike repels at order ${k} (A = ${fmt(A)} < 0)`);
  if (p < pc - 1e-9) {
    return pinned(
      k,
      `p = ${p} is below the critical exponent k / 2 = ${pc}: the step noise pins the overlap at O(d^-1/2)`,
      { A, V0: cb.V },
    );
  }
  if (p > pc + 1e-9) {
    if (k % 2 === 1) {
      return { ...never(`not covered: p above critical for odd k = ${k}`), k, criticalLrExponent: pc };
    }
    // Drift-dominated: n = d^(p + (k-2)/2) / (delta A (k - 2) |Z|^(k-2)), Z ~ N(0, 1).
    const unit = p + (k - 2) / 2;
    const law = quartilesOf((qq) => 1 / (delta * A * (k - 2) * absNormalQuantile(1 - qq, 1) ** (k - 2)));
    phases.push({ kind: "drift", dirs: [s], shift, scale: d ** unit, lambda: delta * A * (k - 2), zScale: k - 2 });
    return {
      regime: "drift-dominated",
      k,
      predictedHit: law && inSamples(law, shift, d ** unit),
      reason: "the noise is negligible above the critical exponent: the start's spread sets the law",
      scaled: law && { ...law, unit: `d^${fmt(unit)}` },
      criticalLrExponent: pc,
      details,
    };
  }
  // Critical: the SDE of m~ = sqrt(d) m in tau = n / d^(k-1), with the finite-d drift and noise.
  const sq = Math.sqrt(d);
  const r2 = base.reduce((a, x, i) => (i === s ? a : a + x * x), 0);
  const xT = Math.min(Math.sqrt(1 - r2) * 0.9999, 1.05 * theta + 0.05);
  const sde = axisSde(
    (x) => {
      const c = at(x);
      return [c.F[s], c.V, c.S[s][s]];
    },
    { k, delta, phi: 1, sqrtD: sq, xT, theta, A, V0: cb.V },
  );
  const unitTime = 1 / (delta * delta * Math.max(cb.S[s][s], 0.5 * cb.V));
  const h = 0.01 * unitTime;
  const law = runCritical(sde, h, unitTime, options);
  const scale = d ** (k - 1);
  const quart = quartilesOf((qq) => pathQuantile(law.main, qq));
  let discretisation: number | null = null;
  if (law.half) {
    const half = quartilesOf((qq) => pathQuantile(law.half as PathLaw, qq));
    if (quart && half)
      discretisation = Math.max(
        ...(["q25", "median", "q75"] as const).map((key) => Math.abs(half[key] / quart[key] - 1)),
      );
  }
  const settle = integrate(
    (y) => {
      const c = at(y[s]);
      const out = y.map(() => 0);
      out[s] = delta * c.F[s] - 0.5 * delta * delta * phi * c.V * y[s];
      return out;
    },
    base.map((b, i) => (i === s ? theta : b)),
    0,
    0.05 / Math.max(delta * Math.abs(A), 1e-3),
    1e4,
    2,
  );
  phases.push({
    kind: "critical",
    dirs: [s],
    shift,
    scale,
    law: law.main,
    stopValue: Math.abs(settle.end[s]),
    stopX: sde.stop,
    sqrtD: sq,
    recordTimes: law.record,
  });
  return {
    regime: "critical SDE",
    k,
    predictedHit: quart && inSamples(quart, shift, scale),
    reason: quart
      ? null
      : `more than a quarter of ${law.main.paths} SDE paths did not escape by tau = ${fmt(law.tMax)}`,
    scaled: quart && { ...quart, unit: `d^${k - 1}` },
    criticalLrExponent: pc,
    details: {
      ...details,
      limitDrift: `delta A m~^${k - 1}`,
      paths: law.main.paths,
      censored: law.main.censored,
      step: h,
      discretisation,
      medianSE: medianSe(law.main),
    },
  };
}
