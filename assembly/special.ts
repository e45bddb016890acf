// Special functions built from the module's own exp/log (deterministic on every host).

const TWO_OVER_SQRT_PI: f64 = 1.1283791670955126;
const INV_SQRT_PI: f64 = 0.5641895835477563;

/** erf(x) for |x| < 1.5 by the series e^{-x^2} sum 2^n x^{2n+1} / (2n+1)!! (all terms positive). */
function erfSeries(x: f64): f64 {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2.0 * x2) / <f64>(2 * n + 1);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/** erfc(x) for x >= 1.5 by the Laplace continued fraction, evaluated bottom-up: 120 terms below x = 2 and
 * 60 above give full double precision (checked against the C library). */
function erfcFraction(x: f64): f64 {
  // erfc(x) = e^{-x^2}/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
  return (INV_SQRT_PI * Math.exp(-x * x)) / erfcDenominator(x);
}

// The continued fraction x + (1/2)/(x + 1/(x + (3/2)/(x + ...))) of erfcFraction, for x >= 1.5.
function erfcDenominator(x: f64): f64 {
  let f: f64 = x;
  for (let n = x < 2.0 ? 120 : 60; n >= 1; n--) f = x + (<f64>n * 0.5) / f;
  return f;
}

/** The error function, accurate to about 1e-15. */
export function erf(x: f64): f64 {
  const ax = Math.abs(x);
  let r: f64;
  if (ax < 1.5) r = erfSeries(ax);
  else if (ax < 6.0) r = 1.0 - erfcFraction(ax);
  else r = 1.0;
  return x < 0 ? -r : r;
}

/** a if cond, else b, without a branch: V8 compiles a select of f64 values to a conditional jump, which
 * mispredicts half the time when cond is random (a latent's sign, |h| against a cut-off). Exact: the
 * result is a's or b's bits. */
// @ts-ignore: decorator
@inline
export function pick(cond: bool, a: f64, b: f64): f64 {
  const m = -(<i64>cond);
  return reinterpret<f64>((reinterpret<i64>(a) & m) | (reinterpret<i64>(b) & ~m));
}

// exp(t) for t in [-50, 0] without a table, so that the same IEEE operations run on a scalar and in each
// lane of f64x2 (expLanes), bit for bit: t = k ln2 + r with k = round(t / ln2) (by adding and subtracting
// 1.5 * 2^52), r = (t - k ln2_hi) - k ln2_lo (ln2_hi has 21 trailing zero bits, so k ln2_hi and the first
// subtraction are exact), |r| <= ln2 / 2; exp(r) = 1 + (r + r^2 Q(r)), Q(r) = sum_{n=2..13} r^(n-2) / n!
// (the first omitted term, r^14 / 14!, is below 5e-18), Q in Estrin's scheme (a short dependency chain);
// then 2^k from k's bits. About 1 ulp: the polynomial's rounding is confined to the correction r^2 Q.
const EXP_SHIFT: f64 = 6755399441055744.0; // 1.5 * 2^52
const INV_LN2: f64 = 1.4426950408889634;
const LN2_HI: f64 = 0.6931471803691238;
const LN2_LO: f64 = 1.9082149292705877e-10;
const Q0: f64 = 0.5;
const Q1: f64 = 0.16666666666666666;
const Q2: f64 = 0.041666666666666664;
const Q3: f64 = 0.008333333333333333;
const Q4: f64 = 0.001388888888888889;
const Q5: f64 = 0.0001984126984126984;
const Q6: f64 = 2.48015873015873e-5;
const Q7: f64 = 2.7557319223985893e-6;
const Q8: f64 = 2.755731922398589e-7;
const Q9: f64 = 2.505210838544172e-8;
const Q10: f64 = 2.08767569878681e-9;
const Q11: f64 = 1.6059043836821613e-10;

// @ts-ignore: decorator
@inline
function expSmall(t: f64): f64 {
  const ks = t * INV_LN2 + EXP_SHIFT;
  const k = ks - EXP_SHIFT;
  const r = t - k * LN2_HI - k * LN2_LO;
  const r2 = r * r;
  const r4 = r2 * r2;
  const r8 = r4 * r4;
  const a = Q0 + Q1 * r + r2 * (Q2 + Q3 * r);
  const b = Q4 + Q5 * r + r2 * (Q6 + Q7 * r);
  const c = Q8 + Q9 * r + r2 * (Q10 + Q11 * r);
  const q = a + r4 * b + r8 * c;
  const scale = reinterpret<f64>((reinterpret<i64>(ks) - reinterpret<i64>(EXP_SHIFT) + 1023) << 52);
  return (1.0 + (r + r2 * q)) * scale;
}

/** tanh(x) to 2 ulp, with a short dependency chain (the reduced chain's step waits on it), and written so
 * that tanhLanes repeats it in f64x2 bit for bit. For |x| < 0.55 the [7/8] Pade approximant of Lambert's
 * continued fraction x / (1 + x^2 / (3 + x^2 / (5 + ...))), whose relative error there is below 2e-18,
 * written as x - x y R(y) with y = x^2 so that rounding in the rational part R only touches a correction of
 * at most a tenth of x; beyond, 1 - 2e / (1 + e) with e = exp(-2|x|) <= 1/3 (expSmall, the argument
 * clamped at -50, where 2e rounds away against 1), where nothing cancels. Both are computed and one is kept
 * without a branch (pick), then one division. Odd, tanh(+-0) = +-0, tanh(+-inf) = +-1. */
// @ts-ignore: decorator
@inline
export function tanh(x: f64): f64 {
  const ax = Math.abs(x);
  const y = x * x;
  const small = ax < 0.55;
  const e = expSmall(Math.max(-2.0 * ax, -50.0));
  const num = 675675.0 + y * (45045.0 + y * (594.0 + y));
  const den = 2027025.0 + y * (945945.0 + y * (51975.0 + y * (630.0 + y)));
  const base = pick(small, ax, 1.0);
  const p = pick(small, ax * y * num, 2.0 * e);
  const r = pick(small, den, 1.0 + e);
  return copysign<f64>(base - p / r, x);
}

// The constants of expLanes and tanhLanes as f64x2 pairs in memory, each at the byte offset its comment
// gives: V8 builds a splat of an immediate with three instructions, and reads a v128 from memory with one.
const TL: usize = memory.data<f64>([
  INV_LN2, INV_LN2, // 0
  EXP_SHIFT, EXP_SHIFT, // 16
  LN2_HI, LN2_HI, // 32
  LN2_LO, LN2_LO, // 48
  Q0, Q0, // 64
  Q1, Q1, // 80
  Q2, Q2, // 96
  Q3, Q3, // 112
  Q4, Q4, // 128
  Q5, Q5, // 144
  Q6, Q6, // 160
  Q7, Q7, // 176
  Q8, Q8, // 192
  Q9, Q9, // 208
  Q10, Q10, // 224
  Q11, Q11, // 240
  1.0, 1.0, // 256
  -2.0, -2.0, // 272
  -50.0, -50.0, // 288
  0.55, 0.55, // 304
  2.0, 2.0, // 320
  675675.0, 675675.0, // 336
  45045.0, 45045.0, // 352
  594.0, 594.0, // 368
  2027025.0, 2027025.0, // 384
  945945.0, 945945.0, // 400
  51975.0, 51975.0, // 416
  630.0, 630.0, // 432
], 16);

// expSmall in each lane of f64x2.
// @ts-ignore: decorator
@inline
function expLanes(t: v128): v128 {
  const ks = f64x2.add(f64x2.mul(t, v128.load(TL, 0)), v128.load(TL, 16));
  const k = f64x2.sub(ks, v128.load(TL, 16));
  const r = f64x2.sub(f64x2.sub(t, f64x2.mul(k, v128.load(TL, 32))), f64x2.mul(k, v128.load(TL, 48)));
  const r2 = f64x2.mul(r, r);
  const r4 = f64x2.mul(r2, r2);
  const r8 = f64x2.mul(r4, r4);
  const a = f64x2.add(
    f64x2.add(v128.load(TL, 64), f64x2.mul(v128.load(TL, 80), r)),
    f64x2.mul(r2, f64x2.add(v128.load(TL, 96), f64x2.mul(v128.load(TL, 112), r))),
  );
  const b = f64x2.add(
    f64x2.add(v128.load(TL, 128), f64x2.mul(v128.load(TL, 144), r)),
    f64x2.mul(r2, f64x2.add(v128.load(TL, 160), f64x2.mul(v128.load(TL, 176), r))),
  );
  const c = f64x2.add(
    f64x2.add(v128.load(TL, 192), f64x2.mul(v128.load(TL, 208), r)),
    f64x2.mul(r2, f64x2.add(v128.load(TL, 224), f64x2.mul(v128.load(TL, 240), r))),
  );
  const q = f64x2.add(f64x2.add(a, f64x2.mul(r4, b)), f64x2.mul(r8, c));
  const bits = i64x2.shl(i64x2.add(i64x2.sub(ks, v128.load(TL, 16)), i64x2.splat(1023)), 52);
  return f64x2.mul(f64x2.add(v128.load(TL, 256), f64x2.add(r, f64x2.mul(r2, q))), bits);
}

/** tanh in each lane of f64x2: the same operations as tanh(), so each lane is bit-identical to it (SIMD
 * build only). (f64x2.pmax is f64.max wherever the argument is not NaN, and a NaN stays NaN.) */
// @ts-ignore: decorator
@inline
export function tanhLanes(x: v128): v128 {
  const ax = f64x2.abs(x);
  const y = f64x2.mul(x, x);
  const small = f64x2.lt(ax, v128.load(TL, 304));
  const e = expLanes(f64x2.pmax(f64x2.mul(v128.load(TL, 272), ax), v128.load(TL, 288)));
  const num = f64x2.add(
    v128.load(TL, 336),
    f64x2.mul(y, f64x2.add(v128.load(TL, 352), f64x2.mul(y, f64x2.add(v128.load(TL, 368), y)))),
  );
  const d3 = f64x2.mul(y, f64x2.add(v128.load(TL, 432), y));
  const den = f64x2.add(
    v128.load(TL, 384),
    f64x2.mul(y, f64x2.add(v128.load(TL, 400), f64x2.mul(y, f64x2.add(v128.load(TL, 416), d3)))),
  );
  const base = v128.bitselect(ax, v128.load(TL, 256), small);
  const p = v128.bitselect(f64x2.mul(f64x2.mul(ax, y), num), f64x2.mul(v128.load(TL, 320), e), small);
  const r = v128.bitselect(den, f64x2.add(v128.load(TL, 256), e), small);
  const mag = f64x2.sub(base, f64x2.div(p, r));
  return v128.bitselect(x, mag, i64x2.splat(i64.MIN_VALUE)); // copysign(mag, x)
}

/** tanh for the host (tests). */
export function tanhOf(x: f64): f64 {
  return tanh(x);
}

/** The complementary error function, accurate in the upper tail. */
export function erfc(x: f64): f64 {
  if (x >= 1.5) return x > 27.0 ? 0.0 : erfcFraction(x);
  if (x <= -6.0) return 2.0;
  return 1.0 - erf(x);
}

/** Standard normal CDF Phi(x). */
export function normCdf(x: f64): f64 {
  return 0.5 * erfc(-x * 0.7071067811865476);
}

/** Inverse standard normal CDF by bisection on normCdf (set-up use only; 0 < p < 1). */
export function normQuantile(p: f64): f64 {
  let lo: f64 = -40;
  let hi: f64 = 40;
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (normCdf(mid) < p) lo = mid;
    else hi = mid;
    if (hi - lo < 1e-15) break;
  }
  return 0.5 * (lo + hi);
}

/** The scaled complementary error function e^{x^2} erfc(x) for x >= 0, finite in the far tail (the
 * oracle denoiser's truncated-normal moments use it). */
export function erfcx(x: f64): f64 {
  return x >= 1.5 ? INV_SQRT_PI / erfcDenominator(x) : Math.exp(x * x) * erfc(x);
}
