/**
 * Finite-d paths of a one-dimensional search SDE (docs/model.md section 10): m~ = sqrt(d) m along one
 * spike, dm~ = (delta d^((k-1)/2) F(m~ / sqrt d) - (delta^2 / 2) phi V m~) dtau + delta sqrt(phi S) dW in
 * tau = n / d^(k-1), from m~ ~ N(0, 1), stopped at theta sqrt(d). For k >= 3 at p = k / 2 it is the critical
 * SDE; for k = 2 at p = 1 it replaces the closed form of the search (limit-solvers.ts linearSearchQuantile)
 * where that form's linearisation is inaccurate: near a marginal rate lambda = delta F'(0) - delta^2 V0 / 2,
 * the drift leaves its linear regime at overlaps where the noise still matters, so the search and the ODE
 * do not separate (linearisationError says how far).
 */
import { type CriticalSde, chebAt, chebTable, criticalPaths, type PathLaw, pathQuantile } from "./limit-solvers.js";
import type { PredictOptions } from "./limit-types.js";

/** Values along the axis: [F_s, V, S_ss] at overlap m. */
export type AxisValues = (m: number) => number[];

export interface AxisSdeParams {
  k: number;
  delta: number;
  /** d^(1-p): 1 at the critical exponent of k = 2 (p = 1); the critical SDE of k >= 3 takes 1 too. */
  phi: number;
  sqrtD: number;
  /** The tables cover |m| <= xT. */
  xT: number;
  theta: number;
  /** lim F / m^(k-1), for the adaptive step's rate. */
  A: number;
  V0: number;
}

/** The SDE of m~ with the finite-d drift and noise, from tables of F / m^(k-1), V and S on the axis. */
export function axisSde(values: AxisValues, p: AxisSdeParams): CriticalSde {
  const { k, delta, phi, sqrtD: sq, xT, theta, A, V0 } = p;
  const table = chebTable(-xT, xT, 49, values);
  // Fine uniform tables of R = F / m^(k-1) (smooth, -> A at 0), V and S on the axis: the drift is then
  // delta R(x / sqrt d) x^(k-1), exactly the finite-d drift delta d^((k-1)/2) F(x / sqrt d).
  const NT = 4000;
  const dm = (2 * xT) / NT;
  const R = new Float64Array(NT);
  const VT = new Float64Array(NT);
  const ST = new Float64Array(NT);
  for (let i = 0; i < NT; i++) {
    const m = -xT + (i + 0.5) * dm;
    R[i] = chebAt(table, 0, m) / m ** (k - 1);
    VT[i] = chebAt(table, 1, m);
    ST[i] = Math.max(0, chebAt(table, 2, m));
  }
  const lookup = (t: Float64Array, m: number) => {
    const f = Math.min(NT - 1.000001, Math.max(0, (m + xT) / dm - 0.5));
    const i = Math.floor(f);
    return t[i] + (f - i) * (t[Math.min(i + 1, NT - 1)] - t[i]);
  };
  return {
    drift: (x: number) => {
      const m = x / sq;
      return delta * lookup(R, m) * x ** (k - 1) - 0.5 * delta * delta * phi * lookup(VT, m) * x;
    },
    noise2: (x: number) => delta * delta * phi * lookup(ST, x / sq),
    rate: (x: number) => delta * (k - 1) * Math.abs(A) * Math.abs(x) ** (k - 2) + 0.5 * delta * delta * phi * V0,
    stop: theta * sq,
  };
}

/** Above this error proxy the closed form of a k = 2 search gives way to finite-d paths. */
export const LINEARISATION_TOLERANCE = 0.02;

export interface LinearisationCheck {
  /** zScale^2 / (d m_nl^2): the OU's spread (in m~ units, squared) over the squared m~ at which the drift
   * leaves its linear regime. The closed form neglects the noise beyond m_nl; its relative error on the
   * quartiles grows with this ratio. */
  error: number;
  /** The overlap at which delta |F(m) / m - F'(0)| reaches lambda / 2 (theta when it does not before). */
  mNonlinear: number;
  /** The d from which the error falls below LINEARISATION_TOLERANCE (it scales as 1 / d). */
  dAsymptotic: number;
}

/** How far the k = 2 closed form's separation of search and ODE is from holding at d. */
export function linearisationError(
  F: (m: number) => number,
  p: { Fprime: number; lambda: number; delta: number; zScale: number; d: number; theta: number },
): LinearisationCheck {
  let mNl = p.theta;
  for (let i = 1; i <= 80; i++) {
    const m = (p.theta * i) / 80;
    if (p.delta * Math.abs(F(m) / m - p.Fprime) >= 0.5 * p.lambda) {
      mNl = m;
      break;
    }
  }
  const error = (p.zScale * p.zScale) / (p.d * mNl * mNl);
  return { error, mNonlinear: mNl, dAsymptotic: Math.ceil((p.d * error) / LINEARISATION_TOLERANCE) };
}

/** Standard error of the paths' median passage time from the order statistics at N/2 +- sqrt(N)/2 (the
 * binomial 68 % interval of the median's rank), relative to the median. */
export function medianSe(law: PathLaw): number | null {
  const n = law.paths;
  const lo = Math.floor(0.5 * n - 0.5 * Math.sqrt(n));
  const hi = Math.ceil(0.5 * n + 0.5 * Math.sqrt(n));
  const med = pathQuantile(law, 0.5);
  if (med === null || hi >= law.times.length || lo < 0) return null;
  return (law.times[hi] - law.times[lo]) / 2 / med;
}

/** Log-spaced recording times of the SDE paths (units of tau), for the overlap curves. */
function recordTimes(tMax: number): number[] {
  const out: number[] = [];
  for (let j = 0; j <= 240; j++) out.push(tMax * 10 ** (-6 + (6 * j) / 240));
  return out;
}

export function runCritical(
  sde: Parameters<typeof criticalPaths>[0],
  h: number,
  unitTime: number,
  options: PredictOptions,
): { main: PathLaw; half: PathLaw | null; tMax: number; record: number[] } {
  const tMax = 3000 * unitTime;
  const paths = options.paths ?? 4000;
  const seed = options.seed ?? 1;
  const record = options.curves === false ? [] : recordTimes(tMax);
  const progress = (label: string) =>
    options.onProgress && ((done: number) => options.onProgress?.(done, paths, label));
  const main = criticalPaths(sde, { paths, h, tMax, seed, record, onProgress: progress("SDE paths") });
  const half =
    options.errorEstimate === false
      ? null
      : criticalPaths(sde, { paths, h: h / 2, tMax, seed, onProgress: progress("SDE paths at half the step") });
  return { main, half, tMax, record };
}

/** A k = 2 search by finite-d paths, with the checks that say whether the closed form or the paths hold. */
export interface FiniteSearch {
  check: LinearisationCheck;
  /** Quartiles of n* / d from the paths (null: more than a quarter censored); null when not run. */
  quartiles: { q25: number; median: number; q75: number } | null;
  ran: boolean;
  law: PathLaw | null;
  record: number[];
  discretisation: number | null;
  medianSE: number | null;
  /** Why neither the closed form nor the paths can be trusted (null when one of them can). */
  warning: string | null;
}

/**
 * The law of a k = 2 search along one axis at p = 1 by finite-d paths, when the closed form's
 * linearisation error exceeds LINEARISATION_TOLERANCE or `force` asks for it. The paths use the full
 * drift F(m), V(m) and S(m) along the axis at the given d; they are the diffusion approximation of SGD,
 * which needs a step's move of m~ (delta sqrt(S0 / d)) small beside the nonlinear scale sqrt(d) m_nl.
 */
export function finiteSearch(
  values: AxisValues,
  p: {
    d: number;
    delta: number;
    theta: number;
    lambda: number;
    Fprime: number;
    V0: number;
    S0: number;
    zScale: number;
    xT: number;
  },
  options: PredictOptions & { force: boolean },
): FiniteSearch {
  const F = (m: number) => values(m)[0];
  const check = linearisationError(F, p);
  const none = { quartiles: null, law: null, record: [], discretisation: null, medianSE: null };
  if (!options.force && check.error <= LINEARISATION_TOLERANCE) return { check, ran: false, warning: null, ...none };
  const sq = Math.sqrt(p.d);
  const sde = axisSde(values, {
    k: 2,
    delta: p.delta,
    phi: 1,
    sqrtD: sq,
    xT: p.xT,
    theta: p.theta,
    A: p.Fprime,
    V0: p.V0,
  });
  const unitTime = 1 / (p.delta * p.delta * Math.max(p.S0, 0.5 * p.V0));
  // tMax: 3000 noise times, and at least 40 times the closed form's escape time (small lambda).
  const law = runCritical(sde, 0.01 * unitTime, Math.max(unitTime, (0.04 * Math.log(p.d)) / p.lambda), options);
  const q = (l: PathLaw, qq: number) => pathQuantile(l, qq);
  const main = [0.25, 0.5, 0.75].map((qq) => q(law.main, qq));
  const quartiles = main.every((x) => x !== null && Number.isFinite(x))
    ? { q25: main[0] as number, median: main[1] as number, q75: main[2] as number }
    : null;
  let discretisation: number | null = null;
  if (law.half && quartiles) {
    const half = [0.25, 0.5, 0.75].map((qq) => q(law.half as PathLaw, qq));
    if (half.every((x) => x !== null))
      discretisation = Math.max(...half.map((x, i) => Math.abs((x as number) / (main[i] as number) - 1)));
  }
  // The diffusion approximation: a step moves m~ by about delta sqrt(S0 / d); beside sqrt(d) m_nl.
  const stepRatio = (p.delta * Math.sqrt(p.S0 / p.d)) / (sq * check.mNonlinear);
  const why: string[] = [];
  if (!quartiles) why.push(`more than a quarter of the ${law.main.paths} paths did not escape`);
  if (discretisation !== null && discretisation > 0.05)
    why.push(`the paths change by ${(100 * discretisation).toFixed(0)} % at half the step`);
  if (stepRatio > 0.05)
    why.push(
      `a single SGD step moves the overlap by ${(100 * stepRatio).toFixed(0)} % of the scale where the drift turns nonlinear (the diffusion approximation fails)`,
    );
  const warning =
    check.error > LINEARISATION_TOLERANCE && why.length
      ? `neither the closed form (its linearisation error ${check.error.toPrecision(2)} exceeds ${LINEARISATION_TOLERANCE}) nor the finite-d paths (${why.join("; ")}) can be trusted at d = ${p.d}; the asymptotics hold from d of about ${check.dAsymptotic}`
      : null;
  return {
    check,
    quartiles,
    ran: true,
    law: law.main,
    record: law.record,
    discretisation,
    medianSE: medianSe(law.main),
    warning,
  };
}
