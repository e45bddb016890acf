/**
 * Solvers of the high-dimensional limit (docs/model.md section 10), on the coefficients of limit.ts.
 *
 * With eta = delta d^-p, time tau = n / d^p and phi = d^(1-p) (1 at p = 1, -> 0 for p > 1):
 * - the ODE of the macroscopic overlaps, dm/dtau = delta F(m) - (delta^2 / 2) phi V(m) m (all overlaps
 *   together, so correlated latents give the coupled (m_u, m_v) system);
 * - the search phase of a direction whose drift is linear at the base state (k = 2): m~ = sqrt(d) m is an
 *   Ornstein-Uhlenbeck process dm~ = lambda m~ dtau + delta sqrt(phi S0) dW, so
 *     n* / d^p = (log sqrt(d) - log |Z|) / lambda + T_theta,   Z ~ N(0, 1 + delta^2 phi S0 / (2 lambda)),
 *   T_theta the time of the ODE trajectory that leaves the base along the unstable direction, normalised so
 *   that m(t) ~ e^(lambda t) as t -> -infinity (linearTrajectory), from the base to |m_s| = theta;
 * - the critical search phase of a direction whose drift starts at order k - 1 >= 2 (k >= 3), at p = k / 2,
 *   tau = n / d^(k-1): dm~ = (delta d^((k-1)/2) F(m~ / sqrt d) - (delta^2 / 2) V m~) dtau + delta sqrt(S) dW,
 *   whose drift tends to delta A m~^(k-1) (A = lim F / m^(k-1)); the law of its first passage at
 *   |m~| = theta sqrt(d) from m~ ~ N(0, 1) by seeded Euler-Maruyama paths (criticalPaths).
 * The critical learning-rate exponent is p = k / 2 for k >= 3 (drift eta A m^(k-1) at m ~ d^-1/2 against
 * the shrinkage eta^2 d V m / 2 and the noise eta^2 d S): 2 for k = 4, 3/2 for k = 3. p = 1 for k <= 2.
 */
import { seededRandom } from "../experiments/stats.js";
import type { LimitCoefficients } from "./limit.js";
import { normQuantile } from "./special.js";

/** Barycentric interpolation at Chebyshev points of the second kind on [lo, hi]. */
export interface ChebTable {
  lo: number;
  hi: number;
  x: Float64Array;
  values: Float64Array[];
}

export function chebTable(lo: number, hi: number, n: number, f: (x: number) => number[]): ChebTable {
  const x = new Float64Array(n);
  const values: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    x[i] = 0.5 * (lo + hi) + 0.5 * (hi - lo) * Math.cos((Math.PI * i) / (n - 1));
    const v = f(x[i]);
    for (let j = 0; j < v.length; j++) {
      if (!values[j]) values[j] = new Float64Array(n);
      values[j][i] = v[j];
    }
  }
  return { lo, hi, x, values };
}

/** Interpolated value j of a table at t (clamped to the interval). */
export function chebAt(t: ChebTable, j: number, at: number): number {
  const z = Math.min(t.hi, Math.max(t.lo, at));
  const n = t.x.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const diff = z - t.x[i];
    if (diff === 0) return t.values[j][i];
    const w = ((i % 2 === 0 ? 1 : -1) * (i === 0 || i === n - 1 ? 0.5 : 1)) / diff;
    num += w * t.values[j][i];
    den += w;
  }
  return num / den;
}

/** Eigenvalues (descending) and unit eigenvectors of a small symmetric matrix, by Jacobi rotations. */
export function symmetricEigenSmall(m: number[][]): { values: number[]; vectors: number[][] } {
  const n = m.length;
  const a = m.map((r) => r.slice());
  const v: number[][] = m.map((_, i) => m.map((__, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p][q]) < 1e-300) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k][p];
          const vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = a.map((r, i) => [r[i], i]).sort((x, y) => y[0] - x[0]);
  return { values: order.map((o) => o[0]), vectors: order.map((o) => v.map((row) => row[o[1]])) };
}

/** The right-hand side of the overlaps' ODE at a state y (overlaps in spike order). */
export type Field = (y: number[]) => number[];

/** The limit ODE's field: dm/dtau = delta F - (delta^2 / 2) phi V m. */
export function odeField(at: (y: number[]) => LimitCoefficients, delta: number, phi: number): Field {
  return (y) => {
    const c = at(y);
    return y.map((m, s) => delta * c.F[s] - 0.5 * delta * delta * phi * c.V * m);
  };
}

export interface Trajectory {
  /** Times (tau) and states; t is normalised as the caller chose (linearTrajectory: e^(lambda t) start). */
  t: number[];
  y: number[][];
  /** The first time each |y_s| >= theta; null if it does not. */
  hit: (number | null)[];
  /** The state at the end (a fixed point when converged). */
  end: number[];
  converged: boolean;
}

// Dormand-Prince 5(4) tableau (FSAL: the last stage is the derivative at the new state).
const _DP_C = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1];
const DP_A = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
  [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
];
// Fifth-order weights minus the embedded fourth-order ones: the local error estimate.
const DP_E = [71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40];

/** The crossing of |y_s| = theta inside a step, on the cubic Hermite interpolant (values and slopes at
 * both ends), by bisection: the fraction of the step. */
function crossing(y0: number, f0: number, y1: number, f1: number, h: number, theta: number): number {
  const at = (x: number) => {
    const h00 = 2 * x ** 3 - 3 * x * x + 1;
    const h10 = x ** 3 - 2 * x * x + x;
    const h01 = -2 * x ** 3 + 3 * x * x;
    const h11 = x ** 3 - x * x;
    return Math.abs(h00 * y0 + h10 * h * f0 + h01 * y1 + h11 * h * f1) - theta;
  };
  let lo = 0;
  let hi = 1;
  if (at(hi) < 0) return 1;
  for (let i = 0; i < 50; i++) {
    const mid = 0.5 * (lo + hi);
    if (at(mid) >= 0) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Adaptive Dormand-Prince 5(4) from y0 at t0, first step h, until every coordinate has either hit theta
 * or the state has stopped moving (|dy/dt| h < tol: less than tol per step h), or t reaches tMax. The
 * step adapts to a local error of 1e-7 (absolute, per unit of the overlaps) and is capped at 20 h, so the
 * stored trajectory stays fine enough to interpolate linearly. States are kept inside the unit ball.
 */
export function integrate(
  field: Field,
  y0: number[],
  t0: number,
  h: number,
  tMax: number,
  theta: number,
  tol = 1e-10,
): Trajectory {
  let y = y0.slice();
  let t = t0;
  const ts = [t];
  const ys = [y.slice()];
  const hit: (number | null)[] = y.map((x) => (Math.abs(x) >= theta ? t : null));
  let converged = false;
  const n = y.length;
  let f = field(y);
  let step = h;
  const hMax = 20 * h;
  const ATOL = 1e-7;
  const k: number[][] = new Array(7);
  while (t < tMax) {
    step = Math.min(step, tMax - t);
    k[0] = f;
    let next = y;
    for (let i = 1; i < 7; i++) {
      const yi = y.slice();
      for (let j = 0; j < i; j++) {
        const a = DP_A[i][j];
        if (a !== 0) for (let c = 0; c < n; c++) yi[c] += step * a * k[j][c];
      }
      // Keep the stages' states inside the ball (the coefficients are defined there only).
      const r2 = yi.reduce((acc, x) => acc + x * x, 0);
      if (r2 > 1) for (let c = 0; c < n; c++) yi[c] /= Math.sqrt(r2);
      k[i] = field(yi);
      if (i === 6) next = yi; // the last stage's state is the step's fifth-order result
    }
    let err = 0;
    for (let c = 0; c < n; c++) {
      let e = 0;
      for (let j = 0; j < 7; j++) e += DP_E[j] * k[j][c];
      err = Math.max(err, Math.abs(step * e));
    }
    if (err > ATOL && step > 1e-6 * h) {
      step *= Math.max(0.2, 0.9 * (ATOL / err) ** 0.2);
      continue;
    }
    const fNext = k[6];
    for (let s = 0; s < n; s++) {
      if (hit[s] === null && Math.abs(next[s]) >= theta) {
        hit[s] = t + step * crossing(y[s], f[s], next[s], fNext[s], step, theta);
      }
    }
    const speed = Math.max(...fNext.map(Math.abs));
    y = next;
    f = fNext;
    t += step;
    ts.push(t);
    ys.push(y.slice());
    if (speed * h < tol) {
      converged = true;
      break;
    }
    step = Math.min(hMax, step * Math.min(5, 0.9 * (ATOL / Math.max(err, 1e-300)) ** 0.2));
  }
  return { t: ts, y: ys, hit, end: y, converged };
}

/** The trajectory leaving `base` along unit direction e with rate lambda > 0, normalised so that
 * y(t) - base ~ e^(lambda t) e as t -> -infinity: started at base + eps e at t = log(eps) / lambda. */
export function linearTrajectory(
  field: Field,
  base: number[],
  e: number[],
  lambda: number,
  theta: number,
  eps = 3e-3,
  h = 0.05 / lambda,
): Trajectory {
  const t0 = Math.log(eps) / lambda;
  return integrate(
    field,
    base.map((b, i) => b + eps * e[i]),
    t0,
    h,
    t0 + 400 / lambda,
    theta,
    1e-9,
  );
}

/** Quartiles of |Z| for Z ~ N(0, s^2): q -> s Phi^-1((1 + q) / 2). */
export function absNormalQuantile(q: number, s: number): number {
  return s * normQuantile(0.5 * (1 + q));
}

/** The k = 2 search law in units of d^p: n*(q) / d^p for the quantile q of n*. */
export function linearSearchQuantile(q: number, lambda: number, zScale: number, tTheta: number, d: number): number {
  // n* decreases with |Z|: its q-quantile takes |Z|'s (1 - q)-quantile.
  const z = absNormalQuantile(1 - q, zScale);
  // At tiny d a start beyond the threshold's scale would give a negative time: the hit is then immediate.
  return Math.max(0, (0.5 * Math.log(d) - Math.log(z)) / lambda + tTheta);
}

/** The 1-D critical SDE along one direction: drift(x), noise variance(x) per unit tau, of m~ = x. */
export interface CriticalSde {
  drift: (x: number) => number;
  noise2: (x: number) => number;
  /** Local rate |d drift / dx| (for the adaptive step). */
  rate: (x: number) => number;
  /** Stop when |x| >= stop (theta sqrt d). */
  stop: number;
}

export interface PathLaw {
  /** Sorted first-passage times (tau); censored paths (not out by tMax) are left out and counted. */
  times: number[];
  censored: number;
  paths: number;
  /** |x| at the recording times, per path ([paths][times]); x frozen at stop after the passage. */
  recorded: Float64Array[];
}

/**
 * Seeded Euler-Maruyama paths of the critical SDE from x0 ~ N(0, 1): step dt = min(h, c / rate(x)),
 * stopped at |x| >= stop (the passage time interpolated inside the step) or at tMax (censored).
 */
export function criticalPaths(
  sde: CriticalSde,
  options: {
    paths: number;
    h: number;
    tMax: number;
    seed: number;
    record?: number[];
    /** Called every 64 paths and at the end with the paths done so far. */
    onProgress?: (done: number) => void;
  },
): PathLaw {
  const rand = seededRandom(options.seed);
  let spare: number | null = null;
  const normal = () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u = rand();
    while (u === 0) u = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    const th = 2 * Math.PI * rand();
    spare = r * Math.sin(th);
    return r * Math.cos(th);
  };
  const record = options.record ?? [];
  const times: number[] = [];
  const recorded: Float64Array[] = [];
  let censored = 0;
  for (let p = 0; p < options.paths; p++) {
    let x = normal();
    let t = 0;
    let ri = 0;
    const rec = new Float64Array(record.length);
    let passed = false;
    while (t < options.tMax) {
      const dt = Math.min(options.h, 0.02 / Math.max(sde.rate(x), 1e-12), options.tMax - t);
      const nx = x + sde.drift(x) * dt + Math.sqrt(sde.noise2(x) * dt) * normal();
      while (ri < record.length && record[ri] <= t + dt) rec[ri++] = Math.abs(nx);
      if (Math.abs(nx) >= sde.stop) {
        const f = Math.abs(nx) === Math.abs(x) ? 1 : (sde.stop - Math.abs(x)) / (Math.abs(nx) - Math.abs(x));
        times.push(t + Math.min(1, Math.max(0, f)) * dt);
        passed = true;
        break;
      }
      x = nx;
      t += dt;
    }
    while (ri < record.length) rec[ri++] = passed ? sde.stop : Math.abs(x);
    if (!passed) censored++;
    recorded.push(rec);
    if (options.onProgress && ((p + 1) % 64 === 0 || p + 1 === options.paths)) options.onProgress(p + 1);
  }
  times.sort((a, b) => a - b);
  return { times, censored, paths: options.paths, recorded };
}

/** The q-quantile of passage times with censored paths ranked last; null when it falls on them. */
export function pathQuantile(law: PathLaw, q: number): number | null {
  const pos = q * (law.paths - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  if (hi >= law.times.length) return null;
  return law.times[lo] + (pos - lo) * (law.times[hi] - law.times[lo]);
}
