// Short names for f64x2 arithmetic (SIMD build only): each is the IEEE operation of the scalar code in
// each lane, so a lane-wise transcription of a scalar step gives the scalar step's bits.

// @ts-ignore: decorator
@inline
export function vsplat(x: f64): v128 {
  return f64x2.splat(x);
}
/** The lanes (x0, x1). */
// @ts-ignore: decorator
@inline
export function vpair(x0: f64, x1: f64): v128 {
  return f64x2.replace_lane(f64x2.splat(x0), 1, x1);
}
// @ts-ignore: decorator
@inline
export function vadd(a: v128, b: v128): v128 {
  return f64x2.add(a, b);
}
// @ts-ignore: decorator
@inline
export function vsub(a: v128, b: v128): v128 {
  return f64x2.sub(a, b);
}
// @ts-ignore: decorator
@inline
export function vmul(a: v128, b: v128): v128 {
  return f64x2.mul(a, b);
}
/** Lane-wise mask ? ifTrue : ifFalse (mask lanes all ones or all zeros). */
// @ts-ignore: decorator
@inline
export function vsel(ifTrue: v128, ifFalse: v128, mask: v128): v128 {
  return v128.bitselect(ifTrue, ifFalse, mask);
}
/** All ones in the lanes that are finite. */
// @ts-ignore: decorator
@inline
export function vfinite(x: v128): v128 {
  return f64x2.eq(f64x2.sub(x, x), f64x2.splat(0)); // x - x is NaN for +-inf and NaN
}
/** The lanes (p0[i], p1[i]) of two f64 arrays. */
// @ts-ignore: decorator
@inline
export function vgather(p0: usize, p1: usize, i: i32): v128 {
  return v128.load64_lane(p1 + (<usize>i << 3), v128.load64_zero(p0 + (<usize>i << 3)), 1);
}

// Lane-generic arithmetic, for loops written once and run twice: over T = v128 (two f64 lanes, SIMD build)
// for the bulk and over T = f64 for the tail (and for everything in the scalar build). Each operation is
// the IEEE operation of the scalar code in each lane, so both instantiations give the scalar loop's bits
// lane by lane. The branches on isVector<T>() are resolved at compile time (TypeScript's checker cannot
// follow them: hence the ts-ignore lines).

/** Doubles per T: 2 for v128, 1 for f64. */
// @ts-ignore: decorator
@inline
export function lanesOf<T>(): i32 {
  return isVector<T>() ? 2 : 1;
}
/** x in every lane. */
// @ts-ignore: decorator
@inline
export function splat<T>(x: f64): T {
  // @ts-ignore: T is v128 here
  if (isVector<T>()) return f64x2.splat(x);
  // @ts-ignore: T is f64 here
  else return x;
}
// @ts-ignore: decorator
@inline
export function add<T>(a: T, b: T): T {
  // @ts-ignore: T is v128 here
  if (isVector<T>()) return f64x2.add(a, b);
  // @ts-ignore: T is f64 here
  else return a + b;
}
// @ts-ignore: decorator
@inline
export function sub<T>(a: T, b: T): T {
  // @ts-ignore: T is v128 here
  if (isVector<T>()) return f64x2.sub(a, b);
  // @ts-ignore: T is f64 here
  else return a - b;
}
// @ts-ignore: decorator
@inline
export function mul<T>(a: T, b: T): T {
  // @ts-ignore: T is v128 here
  if (isVector<T>()) return f64x2.mul(a, b);
  // @ts-ignore: T is f64 here
  else return a * b;
}
/** An accumulator that continues the running sum s: the tail (f64) continues it; the bulk (v128), which
 * runs first, starts from zero and its lanes' total replaces s. */
// @ts-ignore: decorator
@inline
export function accumulator<T>(s: f64): T {
  // @ts-ignore: T is v128 here
  if (isVector<T>()) return f64x2.splat(0);
  // @ts-ignore: T is f64 here
  else return s;
}
/** The total of an accumulator's lanes (lane 0 + lane 1). */
// @ts-ignore: decorator
@inline
export function total<T>(acc: T): f64 {
  // @ts-ignore: T is v128 here
  if (isVector<T>()) return f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  // @ts-ignore: T is f64 here
  else return acc;
}
