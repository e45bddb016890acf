/**
 * The two paths to the fourth-cumulant direction v under `mixed:P` latents (nu = sign(lambda) with
 * probability P, else independent), at the cubic regime's critical exponent p = 2 (docs/phase-diagram.md).
 *
 * Every expectation under `mixed:P` is linear in P (the law is a mixture), so the linearised drift at zero
 * overlaps is J = [[a_u, P j], [P j, 0]]: a_u = F_u'(0) (P-free: lambda's marginal is Gaussian), j = dF_u/dm_v
 * at P = 1 (the u-v cross covariance, E[lambda nu] = P sqrt(2 / pi)), and v alone has no linear drift
 * (k = 4). Where u repels (a_u < 0, as in the cubic regime with betaU > 0) the top rate of the search is
 *
 *     lambda_J(P) = delta (a_u + sqrt(a_u^2 + 4 P^2 j^2)) / 2  ~  delta P^2 j^2 / |a_u|  for small P,
 *
 * along a direction that is mostly v (u follows at m_u = P j m_v / |a_u|). Two paths therefore compete:
 * - cubic: the critical SDE of v alone, n* = M3 d^3 (M3 about 0.55 in the cubic regime);
 * - correlated: the linear search at rate lambda_J - (delta^2 / 2) V0 / d in tau = n / d^2, from
 *   |m~| = |Z| (median 0.674) to theta sqrt(d): n* = d^2 ln(theta sqrt(d) / 0.674) / (lambda_J - delta^2 V0 / (2 d)).
 * Both act at once: eliminating u (it relaxes at rate delta |a_u|, d times faster than v moves in tau = n / d^3),
 * m~ = sqrt(d) m_v obeys the critical SDE of v with the extra drift d lambda_J m~, whose first passage at
 * theta sqrt(d) is the combined prediction (predictMixed).
 */
import { ConfigError } from "../config/errors.js";
import { type Config, type ConfigInput, resolveConfig } from "../config/schema.js";
import { chebyshevTaylor } from "./exponent.js";
import { limitModel } from "./limit.js";
import { axisSde, runCritical } from "./limit-finite.js";
import { cachedEvaluator, solverResolution } from "./limit-plateau.js";
import { type CriticalSde, pathQuantile } from "./limit-solvers.js";
import type { Quartiles } from "./limit-types.js";

/** The median of |Z|, Z ~ N(0, 1): the typical start of the search in units of d^-1/2. */
export const MEDIAN_ABS_NORMAL = 0.6744897501960817;

/** What the two paths need: the config (at any P) and the coefficients at zero overlaps. */
export interface MixedPaths {
  config: Config;
  /** F_u'(0): negative where u repels. */
  au: number;
  /** dF_u / dm_v at zero overlaps per unit of P. */
  j: number;
  /** lim F_v / m_v^3 on the v axis (the cubic coefficient). */
  A: number;
  V0: number;
  S0: number;
}

const P_OF = /^mixed:(.*)$/;

/** The P of a `mixed:P` correlation; other laws are refused (naming the field). */
export function mixedP(correlation: string): number {
  const m = P_OF.exec(correlation);
  if (!m) throw new ConfigError("correlation", `got ${JSON.stringify(correlation)}, expected "mixed:P"`);
  return Number(m[1]);
}

/** The coefficients of a config (K = 1, p = 2, `mixed:P` at any P; u must repel, v be cubic). */
export function mixedPaths(input: ConfigInput | Config): MixedPaths {
  const config = resolveConfig({ ...input, correlation: "mixed:1" });
  if (config.lrExponent !== 2) {
    throw new ConfigError("lrExponent", `got ${config.lrExponent}, expected 2 (the cubic path's critical exponent)`);
  }
  const ev = cachedEvaluator(limitModel(config), solverResolution(config.correlation));
  const at = (u: number, v: number) => ev.at({ u, v, m: 0 });
  // Central differences at h and h / 2, Richardson-extrapolated (as the limit's J): O(h^4).
  const slope = (dir: 0 | 1, h: number) => {
    const p = dir === 0 ? at(h, 0) : at(0, h);
    const m = dir === 0 ? at(-h, 0) : at(0, -h);
    return (p.F[0] - m.F[0]) / (2 * h);
  };
  const au = (4 * slope(0, 1e-3) - slope(0, 2e-3)) / 3;
  const j = (4 * slope(1, 1e-3) - slope(1, 2e-3)) / 3;
  if (!(au < 0)) {
    throw new ConfigError(
      "betaU",
      `u attracts at this config (F_u'(0) = ${au.toPrecision(3)}): a K = 1 unit goes to u first, and v has no cubic path`,
    );
  }
  const A = chebyshevTaylor((x) => at(0, x).F[1], 0.15, 17, 5)[2];
  if (!(A > 0)) throw new ConfigError("betaV", `v is not cubic at this config (A = ${A.toPrecision(3)})`);
  const c0 = at(0, 0);
  return { config, au, j, A, V0: c0.V, S0: c0.S[1][1] };
}

/** The top rate of the linearised search at zero overlaps in tau = n / d^2, before the step noise. */
export function correlatedRate(c: MixedPaths, P: number): number {
  const { au, j } = c;
  return (c.config.delta * (au + Math.sqrt(au * au + 4 * P * P * j * j))) / 2;
}

/** The rate net of the step noise's shrinkage at dimension d (p = 2: phi = 1 / d). */
export function netRate(c: MixedPaths, P: number, d: number): number {
  return correlatedRate(c, P) - (0.5 * c.config.delta ** 2 * c.V0) / d;
}

/** The correlated path alone: the linear search's median n*, null where the noise pins it. */
export function correlatedPathMedian(c: MixedPaths, P: number, d: number): number | null {
  const rate = netRate(c, P, d);
  if (!(rate > 0)) return null;
  return (d * d * Math.log((c.config.threshold * Math.sqrt(d)) / MEDIAN_ABS_NORMAL)) / rate;
}

/** The cubic path alone: M3 d^3 (M3 the critical SDE's median n* / d^3 at P = 0). */
export function cubicPathMedian(d: number, M3: number): number {
  return M3 * d ** 3;
}

/**
 * The dimension above which the correlated path beats the cubic one: the root of
 * g(d) = M3 d netRate(P, d) - ln(theta sqrt(d) / 0.674) (n_corr = n_cub where g = 0; g > 0 above it).
 * g decreases up to d0 = 1 / (2 M3 lambda_J) and increases after it, so there is one root past d0 (found by
 * bisection in log d); dMin where g > 0 on all of [dMin, infinity); null at P = 0 (no correlated path).
 */
export function crossoverDimension(c: MixedPaths, P: number, M3: number, dMin = 4): number | null {
  const lam = correlatedRate(c, P);
  if (!(lam > 0) || !(M3 > 0)) return null;
  const g = (d: number) =>
    M3 * (d * lam - 0.5 * c.config.delta ** 2 * c.V0) -
    Math.log((c.config.threshold * Math.sqrt(d)) / MEDIAN_ABS_NORMAL);
  let lo = Math.max(dMin, 1 / (2 * M3 * lam));
  // g is smallest at lo on [dMin, infinity): positive there means positive everywhere.
  if (g(lo) > 0) return dMin;
  let hi = 2 * lo;
  while (g(hi) <= 0) {
    lo = hi;
    hi *= 2;
    if (hi > 1e300) return null;
  }
  for (let i = 0; i < 200 && hi / lo > 1 + 1e-12; i++) {
    const m = Math.sqrt(lo * hi);
    if (g(m) > 0) hi = m;
    else lo = m;
  }
  return hi;
}

/** The effective 1-D SDE of m~ = sqrt(d) m_v in tau = n / d^3: v's critical SDE plus the drift d lambda_J m~. */
export function mixedSde(c: MixedPaths, P: number, d: number): CriticalSde {
  const { delta, threshold: theta } = c.config;
  const ev = cachedEvaluator(limitModel(c.config), solverResolution(c.config.correlation));
  const xT = Math.min(0.9999, 1.05 * theta + 0.05);
  const sde = axisSde(
    (x) => {
      const k = ev.at({ u: 0, v: x, m: 0 });
      return [k.F[1], k.V, k.S[1][1]];
    },
    { k: 4, delta, phi: 1, sqrtD: Math.sqrt(d), xT, theta, A: c.A, V0: c.V0 },
  );
  const lin = d * correlatedRate(c, P);
  return { ...sde, drift: (x) => sde.drift(x) + lin * x, rate: (x) => sde.rate(x) + lin };
}

/** The combined prediction: quartiles of n* (samples) from seeded paths of mixedSde; null where they censor. */
export function predictMixed(
  c: MixedPaths,
  P: number,
  d: number,
  options: { paths?: number; seed?: number } = {},
): Quartiles | null {
  const { delta } = c.config;
  const unitTime = 1 / (delta * delta * Math.max(c.S0, 0.5 * c.V0));
  const law = runCritical(mixedSde(c, P, d), 0.01 * unitTime, unitTime, {
    paths: options.paths ?? 2000,
    seed: options.seed ?? 1,
    errorEstimate: false,
    curves: false,
  }).main;
  const q = [0.25, 0.5, 0.75].map((x) => pathQuantile(law, x));
  if (q.some((x) => x === null)) return null;
  const scale = d ** 3;
  return { q25: (q[0] as number) * scale, median: (q[1] as number) * scale, q75: (q[2] as number) * scale };
}
