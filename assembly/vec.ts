// Vector helpers over f64 arrays in linear memory. Each loop is written once over T (./lanes.ts) and run
// twice: over v128 (two lanes) for the bulk in the SIMD build, selected at compile time by
// ASC_FEATURE_SIMD, then over f64 for the tail; in the scalar build (the reference) the f64 run does the
// whole work. dot() keeps its own SIMD body (two accumulators, four doubles a step).
// Pointers are 16-byte aligned by the host's arena; n may be odd (the f64 run finishes it).
import { accumulator, add, lanesOf, mul, splat, total } from "./lanes";

/** Returns a . b over n entries. */
export function dot(a: usize, b: usize, n: i32): f64 {
  let i = 0;
  let s: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    let acc0 = f64x2.splat(0);
    let acc1 = f64x2.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 3;
      acc0 = f64x2.add(acc0, f64x2.mul(v128.load(a + o), v128.load(b + o)));
      acc1 = f64x2.add(acc1, f64x2.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
    }
    acc0 = f64x2.add(acc0, acc1);
    s = f64x2.extract_lane(acc0, 0) + f64x2.extract_lane(acc0, 1);
  }
  for (; i < n; i++) s += load<f64>(a + (<usize>i << 3)) * load<f64>(b + (<usize>i << 3));
  return s;
}

/** y += alpha * x over n entries. */
export function axpy(y: usize, alpha: f64, x: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) i = axpyFrom<v128>(0, y, alpha, x, n);
  axpyFrom<f64>(i, y, alpha, x, n);
}

// @ts-ignore: decorator
@inline
function axpyFrom<T>(i: i32, y: usize, alpha: f64, x: usize, n: i32): i32 {
  const va = splat<T>(alpha);
  for (; i + lanesOf<T>() <= n; i += lanesOf<T>()) {
    const o = <usize>i << 3;
    store<T>(y + o, add<T>(load<T>(y + o), mul<T>(va, load<T>(x + o))));
  }
  return i;
}

/** y = ca * a + cb * b over n entries (y may alias a or b). */
export function lincomb2(y: usize, ca: f64, a: usize, cb: f64, b: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) i = lincomb2From<v128>(0, y, ca, a, cb, b, n, false);
  lincomb2From<f64>(i, y, ca, a, cb, b, n, false);
}

/** y += ca * a + cb * b over n entries. */
export function axpy2(y: usize, ca: f64, a: usize, cb: f64, b: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) i = lincomb2From<v128>(0, y, ca, a, cb, b, n, true);
  lincomb2From<f64>(i, y, ca, a, cb, b, n, true);
}

// y = ca a + cb b, or y += (ca a + cb b) with addToY (a constant at each call).
// @ts-ignore: decorator
@inline
function lincomb2From<T>(i: i32, y: usize, ca: f64, a: usize, cb: f64, b: usize, n: i32, addToY: bool): i32 {
  const va = splat<T>(ca);
  const vb = splat<T>(cb);
  for (; i + lanesOf<T>() <= n; i += lanesOf<T>()) {
    const o = <usize>i << 3;
    const c = add<T>(mul<T>(va, load<T>(a + o)), mul<T>(vb, load<T>(b + o)));
    store<T>(y + o, addToY ? add<T>(load<T>(y + o), c) : c);
  }
  return i;
}

/** x *= c over n entries. */
export function scale(x: usize, c: f64, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) i = scaleFrom<v128>(0, x, c, n);
  scaleFrom<f64>(i, x, c, n);
}

// @ts-ignore: decorator
@inline
function scaleFrom<T>(i: i32, x: usize, c: f64, n: i32): i32 {
  const vc = splat<T>(c);
  for (; i + lanesOf<T>() <= n; i += lanesOf<T>()) {
    const o = <usize>i << 3;
    store<T>(x + o, mul<T>(vc, load<T>(x + o)));
  }
  return i;
}

/** Results of lincomb3's and dot2's loops (AssemblyScript returns one value). */
let sumP: f64 = 0;
let sumQ: f64 = 0;

/** w = cw * w + cr * r + cx * x over n entries (the tangent step of ../tangent.ts); returns |w|^2 of the
 * result. */
export function lincomb3Norm(w: usize, cw: f64, r: usize, cr: f64, x: usize, cx: f64, n: i32): f64 {
  let i = 0;
  sumP = 0;
  if (ASC_FEATURE_SIMD) i = lincomb3From<v128>(0, w, cw, r, cr, x, cx, 0, 0, 0, 0, n, false);
  lincomb3From<f64>(i, w, cw, r, cr, x, cx, 0, 0, 0, 0, n, false);
  return sumP;
}

/** lincomb3Norm, and out[0..3) = w . u, w . v, w . m of the result, in the same pass (inlined: the fused
 * step's pass 4, where a call costs at small d). */
// @ts-ignore: decorator
@inline
export function lincomb3NormDots3(
  w: usize, cw: f64, r: usize, cr: f64, x: usize, cx: f64, u: usize, v: usize, m: usize, out: usize, n: i32,
): f64 {
  let i = 0;
  sumP = 0;
  store<f64>(out, 0);
  store<f64>(out, 0, 8);
  store<f64>(out, 0, 16);
  if (ASC_FEATURE_SIMD) i = lincomb3From<v128>(0, w, cw, r, cr, x, cx, u, v, m, out, n, true);
  if (i < n) lincomb3From<f64>(i, w, cw, r, cr, x, cx, u, v, m, out, n, true); // the tail, if any
  return sumP;
}

// w = cw w + cr r + cx x with |w|^2 in sumP and, with withDots (a constant at each call), w.u, w.v, w.m
// accumulated in out[0..3).
// @ts-ignore: decorator
@inline
function lincomb3From<T>(
  i: i32, w: usize, cw: f64, r: usize, cr: f64, x: usize, cx: f64, u: usize, v: usize, m: usize, out: usize, n: i32,
  withDots: bool,
): i32 {
  const vw = splat<T>(cw);
  const vr = splat<T>(cr);
  const vx = splat<T>(cx);
  let acc = accumulator<T>(sumP);
  let au = accumulator<T>(withDots ? load<f64>(out) : 0);
  let av = accumulator<T>(withDots ? load<f64>(out, 8) : 0);
  let am = accumulator<T>(withDots ? load<f64>(out, 16) : 0);
  for (; i + lanesOf<T>() <= n; i += lanesOf<T>()) {
    const o = <usize>i << 3;
    const y = add<T>(add<T>(mul<T>(vw, load<T>(w + o)), mul<T>(vr, load<T>(r + o))), mul<T>(vx, load<T>(x + o)));
    store<T>(w + o, y);
    acc = add<T>(acc, mul<T>(y, y));
    if (withDots) {
      au = add<T>(au, mul<T>(y, load<T>(u + o)));
      av = add<T>(av, mul<T>(y, load<T>(v + o)));
      am = add<T>(am, mul<T>(y, load<T>(m + o)));
    }
  }
  sumP = total<T>(acc);
  if (withDots) {
    store<f64>(out, total<T>(au));
    store<f64>(out, total<T>(av), 8);
    store<f64>(out, total<T>(am), 16);
  }
  return i;
}

/** w *= c over n entries, then out[0..3) = w . u, w . v, w . m (one pass). */
export function scaleDots3(w: usize, c: f64, u: usize, v: usize, m: usize, out: usize, n: i32): void {
  let i = 0;
  store<f64>(out, 0);
  store<f64>(out, 0, 8);
  store<f64>(out, 0, 16);
  if (ASC_FEATURE_SIMD) i = scaleDots3From<v128>(0, w, c, u, v, m, out, n);
  scaleDots3From<f64>(i, w, c, u, v, m, out, n);
}

// @ts-ignore: decorator
@inline
function scaleDots3From<T>(i: i32, w: usize, c: f64, u: usize, v: usize, m: usize, out: usize, n: i32): i32 {
  const vc = splat<T>(c);
  let au = accumulator<T>(load<f64>(out));
  let av = accumulator<T>(load<f64>(out, 8));
  let am = accumulator<T>(load<f64>(out, 16));
  for (; i + lanesOf<T>() <= n; i += lanesOf<T>()) {
    const o = <usize>i << 3;
    const y = mul<T>(vc, load<T>(w + o));
    store<T>(w + o, y);
    au = add<T>(au, mul<T>(y, load<T>(u + o)));
    av = add<T>(av, mul<T>(y, load<T>(v + o)));
    am = add<T>(am, mul<T>(y, load<T>(m + o)));
  }
  store<f64>(out, total<T>(au));
  store<f64>(out, total<T>(av), 8);
  store<f64>(out, total<T>(am), 16);
  return i;
}

/** Results of dot2. */
export let dotA: f64 = 0;
export let dotB: f64 = 0;

/** Sets dotA = a . x and dotB = b . x over n entries (one pass over x). */
export function dot2(a: usize, b: usize, x: usize, n: i32): void {
  let i = 0;
  sumP = 0;
  sumQ = 0;
  if (ASC_FEATURE_SIMD) i = dot2From<v128>(0, a, b, x, n);
  dot2From<f64>(i, a, b, x, n);
  dotA = sumP;
  dotB = sumQ;
}

// @ts-ignore: decorator
@inline
function dot2From<T>(i: i32, a: usize, b: usize, x: usize, n: i32): i32 {
  let accA = accumulator<T>(sumP);
  let accB = accumulator<T>(sumQ);
  for (; i + lanesOf<T>() <= n; i += lanesOf<T>()) {
    const o = <usize>i << 3;
    const v = load<T>(x + o);
    accA = add<T>(accA, mul<T>(load<T>(a + o), v));
    accB = add<T>(accB, mul<T>(load<T>(b + o), v));
  }
  sumP = total<T>(accA);
  sumQ = total<T>(accB);
  return i;
}
