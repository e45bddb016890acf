/**
 * The diffusion information exponent (docs/model.md section 6) of each spike direction for one unit-norm
 * unit, computed by quadrature (no sampling) for the configured activation, process and t, skip b,
 * amplitude a, betas, latent law and latent correlation.
 *
 * Method. loss.ts reduces the population loss to L = sum_n f_n E[He_n(h0)] / n!, h0 = w.x0, where
 * f_n = E[F(Z) He_n(Z)] are the Hermite coefficients of the unit loss as a function of h0 (Mehler:
 * the noise enters F only, and at VP f_n carries the factor alpha(t)^n of the data term; see the note on
 * the target term below). The generating function of E[He_n(h0)] gives the exact Taylor coefficient of
 * alphaM^l alphaU^i alphaV^J (N = l + i + J):
 *   c(l, i, J) = f_N betaM^l / l! * betaU^(i/2) / i! * s^J * sum_{m <= J/2} (-1/2)^m / m! * E[lambda^i nu^(J-2m)] / (J-2m)!
 * so the v axis gives f_J s^J E[He_J(nu)] / J! (E He_4(nu) = -2 for Rademacher nu, docs/model.md section 6),
 * the u axis f_{2m} (betaU / 2)^m / m!, and a coupling of the latents gives mixed terms through
 * E[lambda^i nu^j] (sign coupling: E[lambda nu] = sqrt(2/pi), hence an alphaU alphaV term).
 *
 * The exponent k of a direction is the lowest order whose coefficient exceeds the tolerance in magnitude:
 * 1e-11 by default (the loss is of order one and the quadrature error, estimated as the difference between
 * two resolutions, is about 1e-15), raised to 100 times that error estimate if it is larger. Coefficients
 * that vanish by symmetry come out below 1e-15. At large t every coefficient shrinks like alpha^(j-1), so
 * far out in t a direction can be reported as "never" because its signal is below the tolerance.
 * Sample complexity of online SGD (Ben Arous, Gheissari & Jagannath 2021): n ~ d (k = 1), d log d (k = 2),
 * d^(k-1) (k >= 3). Learning-rate exponent p (eta = delta d^-p): at overlap m ~ d^-1/2 the drift
 * eta k |c_k| m^(k-1) must beat the shrinkage eta^2 d m of the spherical renormalisation (the squared
 * gradient norm is of order d), i.e. eta << m^(k-2) / d = d^(-k/2): p = 1 for k <= 2 (with delta small
 * enough), p = k/2 for k >= 3: 3/2 for k = 3, 2 for k = 4 (docs/model.md section 4). With eta = delta d^-p
 * the escape time is 1 / (eta m0^(k-2)) = d^(k-1), consistent with the scaling above.
 *
 * Effective exponent of v (correlated latents, docs/model.md section 6): the u direction is learned first and
 * saturates at alphaU*, the first local minimum of L(alphaU, 0) met descending from alphaU = 0. If alphaU* < 1 the v axis is expanded at
 * fixed alphaU = alphaU*; if alphaU* = 1 (w on u), v can only grow along the sphere, and the expansion is of
 * L(sqrt(1 - alphaV^2), alphaV). These coefficients come from a Chebyshev fit on |alphaV| <= r, with an
 * error estimate from a second fit on a smaller interval.
 *
 * Note on "the j-th coefficient scales as alpha(t)^j": exact for the data side (E[He_j(w.xt)] =
 * alpha^j E[He_j(w.x0)] at VP) and for terms E Psi(h) of the loss, but not for the loss as a whole: the
 * target term -a E[g(h) w.x0] mixes orders. At VP with the optimal skip b = alpha and target x0,
 *   f_n = alpha^n E[0.5 a^2 g(Z)^2 He_n(Z)] - n sigma^2 alpha^(n-1) E[a g(Z) He_(n-1)(Z)],
 * so the coefficients scale as alpha^(j-1) (A_j alpha - j sigma^2 B_j); the order k does not change with t
 * unless a coefficient crosses zero (the covariance direction is repelling as t -> 0, where b -> 1 and the
 * unit can only add error).
 */

import type { Direction } from "../config/directions.js";
import type { Config, ConfigInput } from "../config/schema.js";
import {
  DEFAULT_RESOLUTION,
  hermiteCoefficients,
  type LossEvaluator,
  lossConstant,
  lossEvaluator,
  type Resolution,
  type TheoryModel,
  theoryModel,
} from "./loss.js";
import { jointMoment } from "./quadrature.js";
import { scalingOf } from "./scaling.js";

export { scalingOf } from "./scaling.js";

/** The exponent of one direction: JSON-ready. */
export interface DirectionExponent {
  /** Lowest order with |coefficient| > tolerance; null when none up to maxOrder ("never"). */
  k: number | null;
  /** coefficients[j - 1] is the coefficient of overlap^j in L(overlap) - L(0), j = 1..maxOrder. */
  coefficients: number[];
  /** True when SGD moves the overlap away from 0 toward the spike: c_k < 0 for even k, always for odd k. */
  attracting: boolean;
  /** For odd k, the sign of the overlap the drift moves toward (-sign c_k); 0 for even k or none. */
  towardSign: -1 | 0 | 1;
  /** "d" (k = 1), "d log d" (k = 2), "d^(k-1)" (k >= 3); "never" when k is null or not attracting. */
  predictedScaling: string;
  /** p in eta = delta d^-p that online SGD needs: max(1, k / 2); null when k is null. */
  lrExponent: number | null;
}

/** The effective exponent of v once the u overlap has saturated (or at a given alphaU). */
export interface EffectiveExponent extends DirectionExponent {
  /** The alphaU of the expansion. */
  alphaU: number;
  /** "fixed alphaU": L(alphaU, alphaV); "sphere": L(sqrt(1 - alphaV^2), alphaV) (w starts on u). */
  path: "fixed alphaU" | "sphere";
  /** Estimated numerical error of each coefficient (difference of two fits). */
  errors: number[];
  /** Half-width r of the fit interval |alphaV| <= r. */
  fitRadius: number;
}

export interface MixedTerm {
  /** Powers of alphaU, alphaV, alphaM. */
  u: number;
  v: number;
  m: number;
  value: number;
}

export interface ExponentResult {
  /** The model values used. */
  model: TheoryModel;
  maxOrder: number;
  /** |c| <= tolerance counts as zero (coefficients from the Hermite route). */
  tolerance: number;
  /** Estimated numerical error of the Hermite coefficients f_n (difference of two resolutions). */
  hermiteError: number;
  /** Hermite coefficients f_n = E[F(Z) He_n(Z)], n = 0..maxOrder. */
  hermite: number[];
  /** Unit part of the loss at zero overlaps (= f_0) and the w-independent part at dimension d. */
  loss0: number;
  lossConstant: number;
  directions: { u: DirectionExponent; v: DirectionExponent; m?: DirectionExponent };
  /** Coefficients of the monomials with at least two overlaps, total degree <= maxOrder (non-zero ones). */
  mixed: MixedTerm[];
  /** Where the u overlap saturates when learned from a small overlap: the first local minimum of
   * L(alphaU, 0) on [0, 1] (0 when the u spike does not attract). */
  saturation: { alphaU: number; loss: number };
  effectiveV: EffectiveExponent;
  /** The minimum of the unit loss over the disk alphaU^2 + alphaV^2 <= 1 (alphaU >= 0); null if skipped. */
  optimum: { alphaU: number; alphaV: number; loss: number } | null;
}

export interface ExponentOptions {
  /** Highest order examined (default 6, at most 12). */
  maxOrder?: number;
  /** Zero threshold for the Hermite-route coefficients (default 1e-11, raised to 100x the error estimate). */
  tolerance?: number;
  /** Zero threshold for the fitted effective coefficients (default 1e-7, raised to 10x their error). */
  fitTolerance?: number;
  /** Expand v at this alphaU (fixed-alphaU path) instead of the saturation point. */
  alphaU?: number;
  /** Search the optimum over the disk (default true; costs a few hundred loss evaluations). */
  optimum?: boolean;
  resolution?: Partial<Resolution>;
}

/** The learning-rate exponent p of eta = delta d^-p that online SGD needs at exponent k. */
export function lrExponentOf(k: number): number {
  return Math.max(1, k / 2);
}

/** Classifies a coefficient list (index j - 1 for order j). */
export function classify(coefficients: number[], tolerances: number | number[]): DirectionExponent {
  let k: number | null = null;
  for (let j = 1; j <= coefficients.length; j++) {
    const tol = typeof tolerances === "number" ? tolerances : tolerances[j - 1];
    if (Math.abs(coefficients[j - 1]) > tol) {
      k = j;
      break;
    }
  }
  if (k === null) {
    return { k, coefficients, attracting: false, towardSign: 0, predictedScaling: "never", lrExponent: null };
  }
  const ck = coefficients[k - 1];
  const odd = k % 2 === 1;
  const attracting = odd || ck < 0;
  return {
    k,
    coefficients,
    attracting,
    towardSign: odd ? (ck < 0 ? 1 : -1) : 0,
    predictedScaling: attracting ? scalingOf(k) : "never",
    lrExponent: lrExponentOf(k),
  };
}

function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

/** Exact Taylor coefficients c(l, i, J) of the unit loss in (alphaM, alphaU, alphaV) from f_n. */
export function monomialCoefficient(ev: LossEvaluator, f: ArrayLike<number>, l: number, i: number, J: number): number {
  const { betaM, betaU, s } = ev.model;
  const N = l + i + J;
  if (N >= f.length) throw new RangeError(`monomialCoefficient: order ${N} needs f_${N}, have up to f_${f.length - 1}`);
  let sum = 0;
  for (let m = 0; 2 * m <= J; m++) {
    sum += ((-0.5) ** m / factorial(m)) * (jointMoment(ev.rule, i, J - 2 * m) / factorial(J - 2 * m));
  }
  const pm = l === 0 ? 1 : betaM ** l / factorial(l);
  const pu = i === 0 ? 1 : betaU ** (i / 2) / factorial(i);
  const pv = J === 0 ? 1 : s ** J;
  return f[N] * pm * pu * pv * sum;
}

/**
 * Monomial coefficients of p(alphaV) - p(0) for a function p on |alphaV| <= r, by interpolation at
 * n Chebyshev points and conversion to the monomial basis. Returns orders 1..maxOrder.
 */
export function chebyshevTaylor(p: (x: number) => number, r: number, n: number, maxOrder: number): number[] {
  const values = new Float64Array(n);
  const xs = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    xs[k] = Math.cos((Math.PI * (k + 0.5)) / n);
    values[k] = p(r * xs[k]);
  }
  // Chebyshev coefficients a_j = (2/n) sum_k f(x_k) T_j(x_k), a_0 halved.
  const a = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += values[k] * Math.cos((Math.PI * j * (k + 0.5)) / n);
    a[j] = ((j === 0 ? 1 : 2) / n) * s;
  }
  // Monomial coefficients of sum_j a_j T_j(x) via T_{j+1} = 2x T_j - T_{j-1}.
  const mono = new Float64Array(n);
  let tPrev = new Float64Array(n);
  let t = new Float64Array(n);
  tPrev[0] = 1;
  mono[0] += a[0];
  if (n > 1) {
    t[1] = 1;
    mono[1] += a[1];
  }
  for (let j = 2; j < n; j++) {
    const next = new Float64Array(n);
    for (let q = 0; q < n; q++) {
      next[q] = (q > 0 ? 2 * t[q - 1] : 0) - tPrev[q];
    }
    for (let q = 0; q < n; q++) mono[q] += a[j] * next[q];
    tPrev = t;
    t = next;
  }
  const out: number[] = [];
  for (let j = 1; j <= maxOrder; j++) out.push(j < n ? mono[j] / r ** j : 0);
  return out;
}

/** Golden-section search for a minimum of f in [a, b] (at most maxIterations shrinks of the bracket). */
export function golden(
  f: (x: number) => number,
  a: number,
  b: number,
  maxIterations = 100,
): { x: number; value: number } {
  const phi = (Math.sqrt(5) - 1) / 2;
  let c = b - phi * (b - a);
  let d = a + phi * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let it = 0; it < maxIterations && b - a > 1e-12; it++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - phi * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + phi * (b - a);
      fd = f(d);
    }
  }
  const x = 0.5 * (a + b);
  return { x, value: f(x) };
}

/**
 * The first local minimum of f on [0, 1] met when descending from 0 (where gradient flow from a small
 * overlap stops): a grid walk from 0 while f decreases, then golden section in the last bracket; 1 when f
 * decreases all the way.
 */
export function firstMinimum(f: (x: number) => number, grid = 50): { x: number; value: number } {
  const h = 1 / grid;
  let prev = f(0);
  for (let i = 1; i <= grid; i++) {
    const value = f(i * h);
    if (value > prev) {
      const m = golden(f, Math.max(0, (i - 2) * h), i * h);
      return m.value <= prev ? m : { x: (i - 1) * h, value: prev };
    }
    prev = value;
  }
  return { x: 1, value: prev };
}

/** Minimises the unit loss over the half-disk alphaU >= 0, alphaU^2 + alphaV^2 <= 1 (polar grid, then
 * a compass search). */
function minimiseDisk(ev: LossEvaluator): { alphaU: number; alphaV: number; loss: number } {
  const at = (rho: number, theta: number) => ev.unit({ u: rho * Math.cos(theta), v: rho * Math.sin(theta) });
  let best = { rho: 0, theta: 0, value: at(0, 0) };
  const nr = 10;
  const nt = 24;
  for (let i = 1; i <= nr; i++) {
    for (let j = 0; j <= nt; j++) {
      const rho = i / nr;
      const theta = -Math.PI / 2 + (Math.PI * j) / nt;
      const value = at(rho, theta);
      if (value < best.value) best = { rho, theta, value };
    }
  }
  let step = [0.05, Math.PI / nt / 2];
  for (let it = 0; it < 200 && step[0] > 1e-9; it++) {
    let moved = false;
    for (const [dr, dt] of [
      [step[0], 0],
      [-step[0], 0],
      [0, step[1]],
      [0, -step[1]],
    ]) {
      const rho = Math.min(1, Math.max(0, best.rho + dr));
      const theta = Math.min(Math.PI / 2, Math.max(-Math.PI / 2, best.theta + dt));
      const value = at(rho, theta);
      if (value < best.value) {
        best = { rho, theta, value };
        moved = true;
      }
    }
    if (!moved) step = [step[0] / 2, step[1] / 2];
  }
  return { alphaU: best.rho * Math.cos(best.theta), alphaV: best.rho * Math.sin(best.theta), loss: best.value };
}

/**
 * The diffusion information exponents of a config (K = 1 theory; docs/model.md section 6): per direction the
 * lowest-order coefficients, k, whether the spike attracts, the predicted scaling and the learning-rate
 * exponent; the mixed terms; the effective exponent of v once u has saturated.
 */
export function computeExponents(input: ConfigInput | Config = {}, options: ExponentOptions = {}): ExponentResult {
  const maxOrder = options.maxOrder ?? 6;
  if (!Number.isInteger(maxOrder) || maxOrder < 1 || maxOrder > 12) {
    throw new RangeError(`maxOrder: got ${maxOrder}, expected an integer in [1, 12]`);
  }
  if (options.alphaU !== undefined && !(Math.abs(options.alphaU) <= 1)) {
    throw new RangeError(`alphaU: got ${options.alphaU}, expected a number in [-1, 1]`);
  }
  const model = theoryModel(input);
  const resolution = { ...DEFAULT_RESOLUTION, ...options.resolution };
  const ev = lossEvaluator(model, resolution);
  const f = hermiteCoefficients(ev, maxOrder, resolution);
  // A coarser resolution for the error estimate.
  const coarse = {
    hermiteNodes: Math.max(20, Math.round(resolution.hermiteNodes * 0.6)),
    perPiece: Math.max(8, Math.round(resolution.perPiece * 0.7)),
    maxPiece: resolution.maxPiece,
  };
  const fCoarse = hermiteCoefficients(lossEvaluator(model, coarse), maxOrder, coarse);
  let hermiteError = 0;
  for (let n = 0; n <= maxOrder; n++) hermiteError = Math.max(hermiteError, Math.abs(f[n] - fCoarse[n]));
  const tolerance = Math.max(options.tolerance ?? 1e-11, 100 * hermiteError);

  const axis = (dir: Direction) => {
    const cs: number[] = [];
    for (let j = 1; j <= maxOrder; j++) {
      cs.push(monomialCoefficient(ev, f, dir === "m" ? j : 0, dir === "u" ? j : 0, dir === "v" ? j : 0));
    }
    return classify(cs, tolerance);
  };
  const directions: ExponentResult["directions"] = { u: axis("u"), v: axis("v") };
  if (model.betaM > 0) directions.m = axis("m");

  const mixed: MixedTerm[] = [];
  const withM = model.betaM > 0;
  for (let N = 2; N <= maxOrder; N++) {
    for (let l = 0; l <= (withM ? N : 0); l++) {
      for (let i = 0; i + l <= N; i++) {
        const J = N - l - i;
        if ((l > 0 ? 1 : 0) + (i > 0 ? 1 : 0) + (J > 0 ? 1 : 0) < 2) continue;
        const value = monomialCoefficient(ev, f, l, i, J);
        if (Math.abs(value) > tolerance) mixed.push({ u: i, v: J, m: l, value });
      }
    }
  }

  // Where u saturates when it is learned first; 0 when the u spike does not attract.
  const sat = directions.u.attracting ? firstMinimum((x) => ev.unit({ u: x, v: 0 })) : { x: 0, value: f[0] };
  const saturation = { alphaU: sat.x, loss: sat.value };

  // Effective exponent of v.
  let alphaU: number;
  let path: EffectiveExponent["path"];
  if (options.alphaU !== undefined) {
    alphaU = options.alphaU;
    path = "fixed alphaU";
  } else if (sat.x > 1 - 1e-6) {
    alphaU = 1;
    path = "sphere";
  } else {
    alphaU = sat.x;
    path = "fixed alphaU";
  }
  const p =
    path === "sphere"
      ? (x: number) => ev.unit({ u: Math.sqrt(1 - x * x), v: x })
      : (x: number) => ev.unit({ u: alphaU, v: x });
  const fitRadius = 0.2;
  const fitTolerance = options.fitTolerance ?? 1e-7;
  const fit1 = chebyshevTaylor(p, fitRadius, 21, maxOrder);
  const fit2 = chebyshevTaylor(p, 0.7 * fitRadius, 21, maxOrder);
  const errors = fit1.map((c, j) => Math.abs(c - fit2[j]));
  const effective = classify(
    fit1,
    errors.map((e) => Math.max(fitTolerance, 10 * e)),
  );
  const effectiveV: EffectiveExponent = { ...effective, alphaU, path, errors, fitRadius };

  return {
    model,
    maxOrder,
    tolerance,
    hermiteError,
    hermite: Array.from(f),
    loss0: f[0],
    lossConstant: lossConstant(model),
    directions,
    mixed,
    saturation,
    effectiveV,
    optimum: options.optimum === false ? null : minimiseDisk(ev),
  };
}
