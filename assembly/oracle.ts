// The Bayes-optimal (oracle) denoiser E[x0 | xt] of the mixed cumulant model (docs/model.md section 11).
// In the orthonormal basis (u, v, m, bulk), with s = sqrt(1 + betaV) (S v = v / s):
//   x0.u = sqrt(betaU) lambda + z_u,   x0.v = (sqrt(betaV) nu + z_v) / s,   x0.m = betaM + z_m,
// and the bulk of x0 is z, isotropic. With xt = alpha x0 + sigma xi and y = xt's coordinates:
//   bulk and m:  E[x0 | xt] = cb xt (+ betaM (1 - alpha cb) along m),  cb = alpha / (alpha^2 + sigma^2);
//   u:  E[x0.u | y] = (alpha / tu^2) y_u + sqrt(betaU) (sigma^2 / tu^2) E[lambda | y],  tu^2 = alpha^2 + sigma^2;
//   v:  E[x0.v | y] = (alpha / (s^2 tv^2)) y_v + (sqrt(betaV) / s) (sigma^2 / tv^2) E[nu | y],
//       tv^2 = alpha^2 / s^2 + sigma^2.
// The posterior of (lambda, nu) given (y_u, y_v): y_u ~ N(A lambda, tu^2) and y_v ~ N(B nu, tv^2) given
// the latents (A = alpha sqrt(betaU), B = alpha sqrt(betaV) / s). Prior times the u likelihood is, in
// lambda, N(mu, sl^2) with mu = A y_u / (A^2 + tu^2), sl^2 = tu^2 / (A^2 + tu^2); the v likelihood
// exp(l(nu)), l(nu) = -(y_v - B nu)^2 / (2 tv^2), multiplies it. The posterior means are then a weighted
// sum of terms, combined by a running log-sum-exp (no underflow however far y is from the data):
//   independent, two-point nu: one term per value of nu (E[lambda] = mu);
//   comonotone or |lambda|-coupled two-point nu (sign, uncorrelated): one term per interval of lambda on
//     which nu is constant, with exact truncated-normal probabilities and means (no quadrature);
//   independent uniform nu: one term, a truncated normal in nu (exact);
//   comonotone or |lambda|-coupled uniform nu: composite Simpson over lambda in mu +- 10 sl, 320
//     intervals, split at lambda = 0 for the |lambda| coupling (nu(lambda) has a kink there);
//   mixed:p: the dependent terms weighted by p, the independent ones by 1 - p.
import { nuComonotone, nuUncorrelated } from "./mcm";
import { erfcx, normCdf } from "./special";
import { axpy, dot, lincomb2 } from "./vec";
import {
  betaM, corr, d, latent, lambdaAbsThr, lambdaSignThr, M, mixP, nuHi, nuLo, nuP, sqrtBetaU, sqrtBetaV, U, V,
} from "./globals";
import {
  CORR_INDEPENDENT, CORR_MIXED, CORR_SIGN, CORR_UNCORRELATED, LATENT_TWO_POINT, LATENT_UNIFORM,
} from "./params";

const SQRT3: f64 = 1.7320508075688772;
const SQRT1_2: f64 = 0.7071067811865476;
const LOG_SQRT_2PI: f64 = 0.9189385332046728;
const SQRT_PI_2: f64 = 1.2533141373155003;
const SIMPSON_INTERVALS: i32 = 320;

// Per-level constants, set by oracleLevel().
let al: f64 = 0;
let cb: f64 = 0;
let tu2: f64 = 1;
let tv2: f64 = 1;
let sw2: f64 = 1;
let bigA: f64 = 0;
let bigB: f64 = 0;
let muCoef: f64 = 0;
let sl: f64 = 1;
let sg2: f64 = 0;

/** Sets the level (alpha, sigma) of the next oracle calls; the model's globals come from configure(). */
export function oracleLevel(alpha: f64, sigma: f64): void {
  al = alpha;
  sg2 = sigma * sigma;
  const sw = Math.sqrt(1.0 + sqrtBetaV * sqrtBetaV);
  sw2 = sw * sw;
  tu2 = alpha * alpha + sg2;
  tv2 = (alpha * alpha) / sw2 + sg2;
  cb = alpha / tu2;
  bigA = alpha * sqrtBetaU;
  bigB = (alpha * sqrtBetaV) / sw;
  muCoef = bigA / (bigA * bigA + tu2);
  sl = Math.sqrt(tu2 / (bigA * bigA + tu2));
}

// Running log-sum-exp of weighted terms (log weight, lambda mean, nu).
let lseMax: f64 = -Infinity;
let lseW: f64 = 0;
let lseL: f64 = 0;
let lseN: f64 = 0;

// @ts-ignore: decorator
@inline
function lseReset(): void {
  lseMax = -Infinity;
  lseW = 0;
  lseL = 0;
  lseN = 0;
}

function lseAdd(logw: f64, lam: f64, nu: f64): void {
  if (!(logw > -Infinity)) return;
  if (logw > lseMax) {
    const r = Math.exp(lseMax - logw);
    lseW *= r;
    lseL *= r;
    lseN *= r;
    lseMax = logw;
  }
  const w = Math.exp(logw - lseMax);
  lseW += w;
  lseL += w * lam;
  lseN += w * nu;
}

// log Q(x) = log P(Z > x) for a standard normal Z, accurate in the far upper tail.
function logUpper(x: f64): f64 {
  if (x == Infinity) return -Infinity;
  if (x >= 0) return -0.5 * x * x + Math.log(0.5 * erfcx(x * SQRT1_2));
  return Math.log1p(-normCdf(x));
}

// Truncated standard normal on (a, b): sets ivLogP = log P(a < Z < b) and ivMean = E[Z | a < Z < b].
let ivLogP: f64 = 0;
let ivMean: f64 = 0;

function upperInterval(a: f64, b: f64): void {
  // 0 <= a < b <= inf: ratios to Q(a) and phi(a) keep every quantity finite.
  const la = logUpper(a);
  const r = Math.exp(logUpper(b) - la);
  ivLogP = la + Math.log1p(-r);
  const hazard = 1.0 / (SQRT_PI_2 * erfcx(a * SQRT1_2)); // phi(a) / Q(a)
  const phiRatio = b == Infinity ? 0.0 : Math.exp(-0.5 * (b - a) * (b + a));
  ivMean = (hazard * (1.0 - phiRatio)) / (1.0 - r);
}

function interval(a: f64, b: f64): void {
  if (a >= 0) upperInterval(a, b);
  else if (b <= 0) {
    upperInterval(-b, -a);
    ivMean = -ivMean;
  } else {
    const p = normCdf(b) - normCdf(a);
    const pa = a == -Infinity ? 0.0 : Math.exp(-0.5 * a * a - LOG_SQRT_2PI);
    const pb = b == Infinity ? 0.0 : Math.exp(-0.5 * b * b - LOG_SQRT_2PI);
    ivLogP = Math.log(p);
    ivMean = (pa - pb) / p;
  }
}

// l(nu) = log of the v likelihood, up to a constant shared by all terms.
// @ts-ignore: decorator
@inline
function ellV(yv: f64, nu: f64): f64 {
  const e = yv - bigB * nu;
  return (-0.5 * e * e) / tv2;
}

// Adds the term of lambda restricted to (lo, hi) (lambda units), nu fixed there.
function addRegion(logPrior: f64, mu: f64, lo: f64, hi: f64, nu: f64, yv: f64): void {
  interval((lo - mu) / sl, (hi - mu) / sl);
  lseAdd(logPrior + ivLogP + ellV(yv, nu), mu + sl * ivMean, nu);
}

// The terms of nu independent of lambda.
function addIndependent(logPrior: f64, mu: f64, yv: f64): void {
  if (latent == LATENT_UNIFORM) {
    if (bigB == 0) {
      lseAdd(logPrior + ellV(yv, 0), mu, 0);
      return;
    }
    // nu ~ U[-sqrt3, sqrt3] times exp(l(nu)) = exp(-(nu - m)^2 / (2 sn^2)): a truncated normal in nu.
    const m = yv / bigB;
    const sn = Math.sqrt(tv2) / bigB;
    interval((-SQRT3 - m) / sn, (SQRT3 - m) / sn);
    lseAdd(logPrior + Math.log(sn / (2.0 * SQRT3)) + LOG_SQRT_2PI + ivLogP, mu, m + sn * ivMean);
    return;
  }
  if (latent != LATENT_TWO_POINT) unreachable(); // a LATENT_ code without its branch
  lseAdd(logPrior + Math.log(1.0 - nuP) + ellV(yv, nuLo), mu, nuLo);
  lseAdd(logPrior + Math.log(nuP) + ellV(yv, nuHi), mu, nuHi);
}

// Composite Simpson over lambda in [a, b] (SIMPSON_INTERVALS intervals) of N(lambda; mu, sl^2) times the
// v likelihood of the coupled uniform nu(lambda), one term per node.
function addSimpson(logPrior: f64, mu: f64, a: f64, b: f64, yv: f64, uncorrelated: bool): void {
  const h = (b - a) / <f64>SIMPSON_INTERVALS;
  const base = logPrior + Math.log(h / (3.0 * sl)) - LOG_SQRT_2PI;
  for (let i = 0; i <= SIMPSON_INTERVALS; i++) {
    const lam = a + <f64>i * h;
    const z = (lam - mu) / sl;
    const nu = uncorrelated ? nuUncorrelated(lam) : nuComonotone(lam);
    const c: f64 = i == 0 || i == SIMPSON_INTERVALS ? 1.0 : (i & 1) == 1 ? 4.0 : 2.0;
    lseAdd(base + Math.log(c) - 0.5 * z * z + ellV(yv, nu), lam, nu);
  }
}

// The terms of nu = f(lambda): comonotone (sign) when uncorrelated is false, else coupled to |lambda|.
function addDependent(logPrior: f64, mu: f64, yv: f64, uncorrelated: bool): void {
  if (latent == LATENT_UNIFORM) {
    const a = mu - 10.0 * sl;
    const b = mu + 10.0 * sl;
    if (uncorrelated && a < 0 && b > 0) {
      addSimpson(logPrior, mu, a, 0, yv, true);
      addSimpson(logPrior, mu, 0, b, yv, true);
    } else addSimpson(logPrior, mu, a, b, yv, uncorrelated);
    return;
  }
  if (latent != LATENT_TWO_POINT) unreachable(); // a LATENT_ code without its branch
  if (uncorrelated) {
    addRegion(logPrior, mu, -Infinity, -lambdaAbsThr, nuHi, yv);
    addRegion(logPrior, mu, -lambdaAbsThr, lambdaAbsThr, nuLo, yv);
    addRegion(logPrior, mu, lambdaAbsThr, Infinity, nuHi, yv);
  } else {
    addRegion(logPrior, mu, -Infinity, lambdaSignThr, nuLo, yv);
    addRegion(logPrior, mu, lambdaSignThr, Infinity, nuHi, yv);
  }
}

/** E[x0.v | y] of the last oracleSpan() call. */
export let oracleV: f64 = 0;

/** E[x0.u | y_u, y_v] at the level of oracleLevel(); E[x0.v | y_u, y_v] is left in oracleV. */
export function oracleSpan(yu: f64, yv: f64): f64 {
  const mu = muCoef * yu;
  lseReset();
  if (corr == CORR_INDEPENDENT) addIndependent(0, mu, yv);
  else if (corr == CORR_SIGN) addDependent(0, mu, yv, false);
  else if (corr == CORR_UNCORRELATED) addDependent(0, mu, yv, true);
  else if (corr == CORR_MIXED) {
    if (mixP > 0) addDependent(Math.log(mixP), mu, yv, false);
    if (mixP < 1) addIndependent(Math.log1p(-mixP), mu, yv);
  } else unreachable(); // a CORR_ code without its branch
  const eLam = lseL / lseW;
  const eNu = lseN / lseW;
  oracleV = (al / (sw2 * tv2)) * yv + ((sqrtBetaV / Math.sqrt(sw2)) * (sg2 / tv2)) * eNu;
  return (al / tu2) * yu + sqrtBetaU * (sg2 / tu2) * eLam;
}

/** Exported for tests: E[x0.v | y] of the last oracleSpan() call. */
export function oracleLastV(): f64 {
  return oracleV;
}

/** Writes E[x0 | xt] [d] to out at the level of oracleLevel() (out may not alias xt). O(d). */
export function oracleDenoise(xt: usize, out: usize): void {
  const yu = dot(U, xt, d);
  const yv = dot(V, xt, d);
  const eu = oracleSpan(yu, yv);
  lincomb2(out, cb, xt, 0.0, xt, d);
  axpy(out, eu - cb * yu, U, d);
  axpy(out, oracleV - cb * yv, V, d);
  if (betaM != 0) axpy(out, betaM * (1.0 - al * cb), M, d);
}
