// The chain's samplers (docs/model.md section 8): chi-square and gamma draws (Marsaglia-Tsang with a tight
// squeeze and a coarse uniform first), and drawNormalsChi, through which every path of the chain draws a
// step's normals, its latent nu and its first chi-square, so that all of them read a stream alike.
import { gaussFill, gaussFromBits, nextU64, rngLoad, rngStore, uniformPos } from "../rng";
import { drawNu } from "../mcm";
import { pick } from "../special";
import { nuHi, nuLo } from "../globals";
import { at, boost2, lambdaUsed, mt1c, mt1d, mt1q, mt2c, mt2d, mt2q, nuFromBit } from "./state";

// The spare bit of gammaMT's first normal draw (0 or 1): fair and independent of the gamma's value.
let gammaBit: u32 = 0;

// Gamma(shape, 1) for shape >= 1 by Marsaglia & Tsang (2000), with dd = shape - 1/3, cc = 1 / sqrt(9 dd),
// qq = 1 / (54 dd): exact (rejection). With t = cc x, x ~ N(0, 1), and v = (1 + t)^3, the exact test is
// log u < 3 dd psi(t), psi(t) = log(1 + t) - t + t^2/2 - t^3/3 = -int_0^t s^3 / (1 + s) ds, so for |t| <= 1/2
// psi(t) >= -t^4 / (4 (1 - |t|)) >= -t^4 / 2 and the test passes whenever u < 1 - x^4 / (54 dd) (1 + y <=
// e^y; cc^4 = 1 / (81 dd^2)). That squeeze fails with probability E[x^4] / (54 dd) = 1 / (18 dd), 1e-4 for
// the chi-squares of a chain at d = 1000 (Marsaglia-Tsang's own squeeze, 1 - 0.0331 x^4, fails 10% of
// the time whatever the shape, and then costs two logs). The uniform is drawn coarse first: its top three
// bits are bits 9..11 of the normal's first 64-bit draw (gaussFromBits does not read them), and its
// other 50 bits are drawn only when the three cannot settle the squeeze (about 1 time in 8), so that
// u = (c + f) / 8 is uniform on the 2^-53 grid. Bit 8 goes to gammaBit. About 1.1 draws per call.
// @ts-ignore: decorator
@inline
export function gammaMT(dd: f64, cc: f64, qq: f64): f64 {
  let bits = nextU64();
  gammaBit = <u32>(bits >> 8) & 1;
  while (true) {
    const x = gaussFromBits(bits);
    const t = cc * x;
    if (t > -1.0) {
      let v = 1.0 + t;
      v = v * v * v;
      const x2 = x * x;
      const inner = Math.abs(t) <= 0.5;
      const sq = 1.0 - x2 * x2 * qq;
      const c = (bits >> 9) & 7;
      if (inner && <f64>(c + 1) * 0.125 <= sq) return dd * v;
      const u = <f64>(<i64>((c << 50) | (nextU64() >> 14))) * 1.1102230246251565e-16;
      if (inner && u < sq) return dd * v;
      if (Math.log(u) < 0.5 * x2 + dd * (1.0 - v + Math.log(v))) return dd * v;
    }
    bits = nextU64();
  }
  return 0;
}

/** chi2(n) from the current stream: 2 Gamma(n / 2), boosted by U^(2/n) when n < 2 (exact for any n > 0). */
export function chiSquare(n: f64): f64 {
  const shape = 0.5 * n;
  const s = shape < 1.0 ? shape + 1.0 : shape;
  const dd = s - 1.0 / 3.0;
  const g = gammaMT(dd, 1.0 / Math.sqrt(9.0 * dd), 1.0 / (54.0 * dd));
  if (shape >= 1.0) return 2.0 * g;
  return 2.0 * g * Math.exp(Math.log(uniformPos()) / shape);
}

/** Fills n chi2(dof) draws from the stream at rngPtr into out (for tests of the sampler). */
export function fillChiSquare(rngPtr: usize, out: usize, n: i32, dof: f64): void {
  rngLoad(rngPtr);
  for (let i = 0; i < n; i++) store<f64>(out + (<usize>i << 3), chiSquare(dof));
  rngStore(rngPtr);
}

// c2^2 ~ chi2(d - q - K - 1) with the precomputed constants.
// @ts-ignore: decorator
@inline
export function chi2Second(): f64 {
  const g = gammaMT(mt2d, mt2c, mt2q);
  if (boost2 == 0) return 2.0 * g;
  return 2.0 * g * Math.exp(Math.log(uniformPos()) * boost2);
}

export let drawnNu: f64 = 0; // nu of the last drawNormalsChi()

// A step's normals and its first chi-square from the current stream (rngLoad): the nNorm normals to out
// [nNorm] (gaussFill), nu given lambda = out[0] (when lambdaUsed; drawNu's draws, if any), then the
// chi-square. Sets drawnNu (from the chi-square's spare bit when nuFromBit) and returns chi2(n) / 2. Every
// path of the chain draws its sample through here, so that all of them read a stream alike.
// @ts-ignore: decorator
@inline
export function drawNormalsChi(out: usize, nNorm: i32): f64 {
  gaussFill(out, nNorm);
  if (!nuFromBit) drawnNu = drawNu(lambdaUsed ? at(out, 0) : 0.0);
  const g = gammaMT(mt1d, mt1c, mt1q);
  if (nuFromBit) drawnNu = pick(gammaBit != 0, nuHi, nuLo);
  return g;
}

