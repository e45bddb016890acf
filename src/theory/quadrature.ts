/**
 * Quadrature for the theory: Gauss-Hermite rules for the standard normal weight, Gauss-Legendre rules,
 * composite rules for the normal weight on intervals (used where an integrand jumps), and the joint law
 * of the latents (lambda, nu) of docs/model.md section 2 as a finite mixture, with the engine's conventions
 * (assembly/mcm.ts, assembly/globals.ts, src/config/schema.ts parseLatent/parseCorrelation):
 *
 *   two-point nu ("rademacher" = "skewed:0.5", "skewed:p"): P(nu = nuHi) = p, nuHi = sqrt((1-p)/p),
 *     nuLo = -sqrt(p/(1-p)) (zero mean, unit variance); nu as the quantile of a uniform q: nuHi iff q >= 1-p.
 *   uniform nu: nu = sqrt(3) (2q - 1).
 *   independent:  q uniform, independent of lambda.
 *   sign:         comonotone, nu = F^-1(Phi(lambda)); two-point: nu = nuHi iff lambda > Phi^-1(1 - p).
 *   mixed:p:      with probability p the sign coupling, otherwise independent (a mixture of the two laws).
 *   uncorrelated: nu = F^-1(2 Phi(|lambda|) - 1); two-point: nu = nuHi iff |lambda| > Phi^-1(1 - p/2);
 *                 dependent on lambda but E[lambda nu] = 0.
 *
 * No tables: every rule is computed here (Golub-Welsch eigenvalues of the Jacobi matrix, refined by
 * Newton's method on the three-term recurrence; weights from the Christoffel function).
 */
import { type CorrelationLaw, type LatentLaw, parseCorrelation, parseLatent } from "../config/schema.js";
import { normCdf, normPdf, normQuantile } from "./special.js";

/** A quadrature rule: sum_i w[i] f(x[i]) approximates the integral. */
export interface Rule {
  readonly x: Float64Array;
  readonly w: Float64Array;
}

/**
 * Eigenvalues of the symmetric tridiagonal matrix with diagonal `diag` and off-diagonal `off` (off[i]
 * couples i and i+1), by the implicit QL method with Wilkinson shifts. Returns them sorted ascending.
 */
export function tridiagonalEigenvalues(diag: ArrayLike<number>, off: ArrayLike<number>): Float64Array {
  const n = diag.length;
  const d = Float64Array.from(diag);
  const e = new Float64Array(n);
  for (let i = 0; i < n - 1; i++) e[i] = off[i];
  for (let l = 0; l < n; l++) {
    let iter = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= Number.EPSILON * dd) break;
      }
      if (m === l) break;
      if (++iter > 60) throw new Error("tridiagonalEigenvalues: no convergence after 60 iterations");
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      let underflow = false;
      for (; i >= l; i--) {
        const f = s * e[i];
        const b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] -= p;
          e[m] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
      }
      if (underflow) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
  return d.sort();
}

const hermiteCache = new Map<number, Rule>();

/**
 * The n-point Gauss-Hermite rule for the probabilists' weight, normalised to the standard normal law:
 * sum_i w[i] f(x[i]) = E f(Z), Z ~ N(0, 1), exactly for polynomials of degree <= 2n - 1.
 * Nodes: eigenvalues of the Jacobi matrix (zero diagonal, off-diagonal sqrt(k)), then Newton on the
 * orthonormal recurrence p_{k+1} = (x p_k - sqrt(k) p_{k-1}) / sqrt(k+1). Weights: 1 / sum_k p_k(x_i)^2.
 */
export function gaussHermite(n: number): Rule {
  if (!Number.isInteger(n) || n < 1 || n > 400) {
    throw new RangeError(`gaussHermite: got n = ${n}, expected an integer in [1, 400]`);
  }
  const cached = hermiteCache.get(n);
  if (cached) return cached;
  const off = new Float64Array(Math.max(n - 1, 0));
  for (let k = 1; k < n; k++) off[k - 1] = Math.sqrt(k);
  const x = tridiagonalEigenvalues(new Float64Array(n), off);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let xi = x[i];
    let sum = 0;
    for (let it = 0; it < 6; it++) {
      // Orthonormal recurrence at xi: p = p_n, q = p_{n-1}; p_n' = sqrt(n) p_{n-1}.
      let q = 0;
      let p = 1;
      sum = 1;
      for (let k = 0; k < n; k++) {
        const next = (xi * p - Math.sqrt(k) * q) / Math.sqrt(k + 1);
        q = p;
        p = next;
        if (k < n - 1) sum += p * p;
      }
      const step = p / (Math.sqrt(n) * q);
      xi -= step;
      if (Math.abs(step) <= 1e-16 * Math.max(1, Math.abs(xi))) break;
    }
    // Recompute the Christoffel sum at the final node.
    let q = 0;
    let p = 1;
    sum = 1;
    for (let k = 0; k < n - 1; k++) {
      const next = (xi * p - Math.sqrt(k) * q) / Math.sqrt(k + 1);
      q = p;
      p = next;
      sum += p * p;
    }
    x[i] = xi;
    w[i] = 1 / sum;
  }
  // Symmetrise (the rule is exactly symmetric; this removes rounding asymmetry).
  for (let i = 0; i < n >> 1; i++) {
    const j = n - 1 - i;
    const xs = 0.5 * (x[j] - x[i]);
    const ws = 0.5 * (w[i] + w[j]);
    x[i] = -xs;
    x[j] = xs;
    w[i] = ws;
    w[j] = ws;
  }
  if (n % 2 === 1) x[n >> 1] = 0;
  const rule = { x, w };
  hermiteCache.set(n, rule);
  return rule;
}

const legendreCache = new Map<number, Rule>();

/** The n-point Gauss-Legendre rule on [-1, 1] (weights sum to 2), by Newton on the Legendre recurrence. */
export function gaussLegendre(n: number): Rule {
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    throw new RangeError(`gaussLegendre: got n = ${n}, expected an integer in [1, 1000]`);
  }
  const cached = legendreCache.get(n);
  if (cached) return cached;
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < (n + 1) >> 1; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 1;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = z;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      const pn = n === 1 ? z : p1;
      const pm = n === 1 ? 1 : p0;
      dp = (n * (z * pn - pm)) / (z * z - 1);
      const step = pn / dp;
      z -= step;
      if (Math.abs(step) < 1e-16) {
        // One more derivative at the converged node.
        let q0 = 1;
        let q1 = z;
        for (let k = 2; k <= n; k++) {
          const q2 = ((2 * k - 1) * z * q1 - (k - 1) * q0) / k;
          q0 = q1;
          q1 = q2;
        }
        dp = n === 1 ? 1 : (n * (z * q1 - q0)) / (z * z - 1);
        break;
      }
    }
    x[i] = -z;
    x[n - 1 - i] = z;
    const wi = 2 / ((1 - z * z) * dp * dp);
    w[i] = wi;
    w[n - 1 - i] = wi;
  }
  if (n % 2 === 1) x[n >> 1] = 0;
  const rule = { x, w };
  legendreCache.set(n, rule);
  return rule;
}

/** Rule for sum_i w[i] f(x[i]) = integral_a^b phi(x) f(x) dx (phi the standard normal density), by
 * Gauss-Legendre on pieces of length <= maxPiece with `perPiece` nodes each. */
export function normalIntervalRule(a: number, b: number, perPiece = 20, maxPiece = 1.5): Rule {
  if (!(b > a)) return { x: new Float64Array(0), w: new Float64Array(0) };
  const pieces = Math.max(1, Math.ceil((b - a) / maxPiece));
  const gl = gaussLegendre(perPiece);
  const x = new Float64Array(pieces * perPiece);
  const w = new Float64Array(pieces * perPiece);
  const h = (b - a) / pieces;
  for (let p = 0; p < pieces; p++) {
    const mid = a + (p + 0.5) * h;
    for (let i = 0; i < perPiece; i++) {
      const xi = mid + 0.5 * h * gl.x[i];
      x[p * perPiece + i] = xi;
      w[p * perPiece + i] = 0.5 * h * gl.w[i] * normPdf(xi);
    }
  }
  return { x, w };
}

/** The standard normal law is integrated over [-LAMBDA_CUT, LAMBDA_CUT]: the tail mass beyond is
 * 2 Phi(-12) ~ 4e-33, negligible against f64 rounding for the low-degree integrands used here. */
export const LAMBDA_CUT = 12;

/** E over Z ~ N(0, 1) split at the given break points: a composite rule on [-12, 12]. */
export function normalSplitRule(breaks: number[], perPiece = 20, maxPiece = 1.5): Rule {
  const cuts = [
    -LAMBDA_CUT,
    ...breaks.filter((t) => t > -LAMBDA_CUT && t < LAMBDA_CUT).sort((p, q) => p - q),
    LAMBDA_CUT,
  ];
  const xs: number[] = [];
  const ws: number[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const r = normalIntervalRule(cuts[i], cuts[i + 1], perPiece, maxPiece);
    for (let j = 0; j < r.x.length; j++) {
      xs.push(r.x[j]);
      ws.push(r.w[j]);
    }
  }
  return { x: Float64Array.from(xs), w: Float64Array.from(ws) };
}

/** The latent field's law (../config/schema.ts), thrown when the text is not one. */
export function nuLaw(latent: string): LatentLaw {
  const parsed = parseLatent(latent);
  if (!parsed)
    throw new RangeError(`latent: got ${JSON.stringify(latent)}, expected "rademacher", "uniform" or "skewed:P"`);
  return parsed;
}

/** The correlation field's law (../config/schema.ts), thrown when the text is not one. */
export function couplingLaw(correlation: string): CorrelationLaw {
  const parsed = parseCorrelation(correlation);
  if (!parsed) {
    throw new RangeError(
      `correlation: got ${JSON.stringify(correlation)}, expected "independent", "sign", "uncorrelated" or "mixed:P"`,
    );
  }
  return parsed;
}

/** nu as the quantile function of its law at q in [0, 1) (assembly/mcm.ts nuQuantile). */
export function nuQuantile(law: LatentLaw, q: number): number {
  if (law.kind === "uniform") return Math.sqrt(3) * (2 * q - 1);
  return q >= 1 - law.p ? law.hi : law.lo;
}

/**
 * The joint law of (lambda, nu) as a finite mixture: component c has weight w[c], nu = nu[c] fixed, and
 * lambda ~ N(lam[c], lamVar[c]) (lamVar 1 for the independent parts, where lambda stays Gaussian and is
 * integrated exactly; 0 for the coupled parts, where lambda is a quadrature node).
 */
export interface LatentRule {
  readonly lam: Float64Array;
  readonly lamVar: Float64Array;
  readonly nu: Float64Array;
  readonly w: Float64Array;
}

export interface LatentRuleOptions {
  /** Gauss-Legendre nodes for a uniform nu (independent part). */
  uniformNodes?: number;
  /** Nodes per piece and the largest piece length of the composite rules in lambda. */
  perPiece?: number;
  maxPiece?: number;
}

/** The joint law of (lambda, nu) for a latent string and a correlation string (docs/model.md section 2). */
export function latentRule(latent: string, correlation: string, options: LatentRuleOptions = {}): LatentRule {
  const law = nuLaw(latent);
  const coupling = couplingLaw(correlation);
  const perPiece = options.perPiece ?? 20;
  const maxPiece = options.maxPiece ?? 1.5;
  const lam: number[] = [];
  const lamVar: number[] = [];
  const nu: number[] = [];
  const w: number[] = [];
  const push = (l: number, lv: number, n: number, weight: number) => {
    if (weight === 0) return;
    lam.push(l);
    lamVar.push(lv);
    nu.push(n);
    w.push(weight);
  };
  const independent = (scale: number) => {
    if (law.kind === "two-point") {
      push(0, 1, law.hi, scale * law.p);
      push(0, 1, law.lo, scale * (1 - law.p));
    } else {
      const gl = gaussLegendre(options.uniformNodes ?? 48);
      for (let i = 0; i < gl.x.length; i++) push(0, 1, nuQuantile(law, 0.5 * (gl.x[i] + 1)), scale * 0.5 * gl.w[i]);
    }
  };
  const coupled = (scale: number, kind: "sign" | "uncorrelated") => {
    let breaks: number[];
    let nuOf: (l: number) => number;
    if (law.kind === "two-point") {
      if (kind === "sign") {
        const thr = normQuantile(1 - law.p);
        breaks = [thr];
        nuOf = (l) => (l > thr ? law.hi : law.lo);
      } else {
        const thr = normQuantile(1 - 0.5 * law.p);
        breaks = [-thr, thr];
        nuOf = (l) => (Math.abs(l) > thr ? law.hi : law.lo);
      }
    } else if (kind === "sign") {
      breaks = [];
      nuOf = (l) => nuQuantile(law, normCdf(l));
    } else {
      breaks = [0];
      nuOf = (l) => nuQuantile(law, 2 * normCdf(Math.abs(l)) - 1);
    }
    const r = normalSplitRule(breaks, perPiece, maxPiece);
    for (let i = 0; i < r.x.length; i++) push(r.x[i], 0, nuOf(r.x[i]), scale * r.w[i]);
  };
  switch (coupling.kind) {
    case "independent":
      independent(1);
      break;
    case "sign":
      coupled(1, "sign");
      break;
    case "uncorrelated":
      coupled(1, "uncorrelated");
      break;
    case "mixed":
      coupled(coupling.p, "sign");
      independent(1 - coupling.p);
      break;
  }
  return {
    lam: Float64Array.from(lam),
    lamVar: Float64Array.from(lamVar),
    nu: Float64Array.from(nu),
    w: Float64Array.from(w),
  };
}

/** Raw moments E[X^k], k = 0..kmax, of X ~ N(m, v): m_k = m m_{k-1} + (k-1) v m_{k-2}. */
export function gaussianMoments(m: number, v: number, kmax: number): Float64Array {
  const out = new Float64Array(kmax + 1);
  out[0] = 1;
  if (kmax >= 1) out[1] = m;
  for (let k = 2; k <= kmax; k++) out[k] = m * out[k - 1] + (k - 1) * v * out[k - 2];
  return out;
}

/** E[lambda^i nu^j] under a latent rule. */
export function jointMoment(rule: LatentRule, i: number, j: number): number {
  let s = 0;
  for (let c = 0; c < rule.w.length; c++) {
    const li = gaussianMoments(rule.lam[c], rule.lamVar[c], i)[i];
    s += rule.w[c] * li * rule.nu[c] ** j;
  }
  return s;
}
