// The mixed cumulant model (docs/model.md section 2):
//   x0 = betaM m + sqrt(betaU) lambda u + S (sqrt(betaV) nu v + z),  S = I - c v v^T,
// applied as the rank-one correction S(sqrt(betaV) nu v + z) = z + (sqrt(betaV) nu (1 - c) - c v.z) v.
import { gauss, gaussFill, rngLoad, rngStore, uniform } from "./rng";
import { normCdf, pick } from "./special";
import { axpy, dot } from "./vec";
import {
  CORR_INDEPENDENT, CORR_MIXED, CORR_SIGN, CORR_UNCORRELATED, LATENT_TWO_POINT, LATENT_UNIFORM, SPIKES_BASIS,
  SPIKES_RANDOM,
} from "./params";
import {
  betaM, corr, d, lambdaAbsThr, lambdaSignThr, latent, M, mixP, nuHi, nuLo, nuP, sqrtBetaU, sqrtBetaV,
  U, V, whitenC,
} from "./globals";

/** Last latents drawn by drawLatents(). */
export let lastLambda: f64 = 0;
export let lastNu: f64 = 0;

const SQRT3: f64 = 1.7320508075688772;

// The dispatches below have one branch per LATENT_ or CORR_ code and trap (unreachable) on any other, so
// that a code without its branch fails instead of drawing from another law.

// nu as the quantile function of its law at a uniform q in [0, 1).
// @ts-ignore: decorator
@inline
function nuQuantile(q: f64): f64 {
  if (latent == LATENT_UNIFORM) return SQRT3 * (2.0 * q - 1.0);
  if (latent == LATENT_TWO_POINT) return pick(q >= 1.0 - nuP, nuHi, nuLo);
  return unreachable();
}

// nu coupled to lambda: comonotone (nu = F^-1(Phi(lambda)); sign(lambda) for Rademacher).
// @ts-ignore: decorator
@inline
export function nuComonotone(lambda: f64): f64 {
  if (latent == LATENT_UNIFORM) return nuQuantile(normCdf(lambda));
  if (latent == LATENT_TWO_POINT) return pick(lambda > lambdaSignThr, nuHi, nuLo);
  return unreachable();
}

// nu coupled to |lambda| (nu = F^-1(2 Phi(|lambda|) - 1)): dependent on lambda but E[lambda nu] = 0.
// @ts-ignore: decorator
@inline
export function nuUncorrelated(lambda: f64): f64 {
  if (latent == LATENT_UNIFORM) return nuQuantile(2.0 * normCdf(Math.abs(lambda)) - 1.0);
  if (latent == LATENT_TWO_POINT) return pick(Math.abs(lambda) > lambdaAbsThr, nuHi, nuLo);
  return unreachable();
}

/** Draws nu given lambda from the current stream (no draw, one uniform, or, for the mixed coupling, one
 * or two). */
// @ts-ignore: decorator
@inline
export function drawNu(lambda: f64): f64 {
  if (corr == CORR_INDEPENDENT) return nuQuantile(uniform());
  if (corr == CORR_SIGN) return nuComonotone(lambda);
  if (corr == CORR_MIXED) return uniform() < mixP ? nuComonotone(lambda) : nuQuantile(uniform());
  if (corr == CORR_UNCORRELATED) return nuUncorrelated(lambda);
  return unreachable();
}

/** Draws (lambda, nu) from the current stream into lastLambda, lastNu (inlined into both backends' loops). */
// @ts-ignore: decorator
@inline
export function drawLatents(): void {
  const lambda = gauss();
  lastNu = drawNu(lambda);
  lastLambda = lambda;
}

/** Writes one MCM sample x0 [d] to out, drawing from the current stream (latents, then z). */
export function sampleX0(out: usize): void {
  drawLatents();
  gaussFill(out, d);
  const cu = sqrtBetaU * lastLambda;
  const cv = sqrtBetaV * lastNu * (1.0 - whitenC) - whitenC * dot(V, out, d);
  axpy(out, cu, U, d);
  axpy(out, cv, V, d);
  if (betaM != 0) axpy(out, betaM, M, d);
}

/** Draws n samples from the stream at rngPtr into out [n, d] and their latents into lat [n, 2]. */
export function sampleBatch(rngPtr: usize, out: usize, lat: usize, n: i32): void {
  rngLoad(rngPtr);
  for (let s = 0; s < n; s++) {
    sampleX0(out + ((<usize>s * <usize>d) << 3));
    store<f64>(lat + (<usize>s << 4), lastLambda);
    store<f64>(lat + (<usize>s << 4), lastNu, 8);
  }
  rngStore(rngPtr);
}

/** Sets the spikes u, v, m by the SPIKES_ code `spikes`: orthonormal Gaussian directions drawn from the
 * stream at rngPtr (SPIKES_RANDOM), or the first basis vectors (SPIKES_BASIS); any other code traps. m is
 * zero when d < 3. */
export function initSpikes(rngPtr: usize, spikes: i32): void {
  const n = <usize>d << 3;
  memory.fill(U, 0, n);
  memory.fill(V, 0, n);
  memory.fill(M, 0, n);
  switch (spikes) {
    case SPIKES_BASIS: {
      store<f64>(U, 1.0);
      store<f64>(V + 8, 1.0);
      if (d >= 3) store<f64>(M + 16, 1.0);
      break;
    }
    case SPIKES_RANDOM: {
      rngLoad(rngPtr);
      orthonormalRandom(U, 0, 0);
      orthonormalRandom(V, U, 0);
      if (d >= 3) orthonormalRandom(M, U, V);
      rngStore(rngPtr);
      break;
    }
    default:
      unreachable();
  }
}

// A Gaussian vector, made orthogonal to the unit vectors p and q (0 for none) and normalised.
function orthonormalRandom(out: usize, p: usize, q: usize): void {
  gaussFill(out, d);
  // Gram-Schmidt twice for orthogonality to rounding.
  for (let pass = 0; pass < 2; pass++) {
    if (p != 0) subtractProjection(out, p);
    if (q != 0) subtractProjection(out, q);
  }
  const inv = 1.0 / Math.sqrt(dot(out, out, d));
  for (let i = 0; i < d; i++) store<f64>(out + (<usize>i << 3), inv * load<f64>(out + (<usize>i << 3)));
}

function subtractProjection(out: usize, p: usize): void {
  const c = dot(out, p, d);
  for (let i = 0; i < d; i++) {
    const o = <usize>i << 3;
    store<f64>(out + o, load<f64>(out + o) - c * load<f64>(p + o));
  }
}
