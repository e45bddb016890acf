// f32 lane-generic arithmetic for the diffusion kernels' loops, written once and run twice (as ../lanes.ts
// does for f64): over T = v128 (four f32 lanes) for the bulk in the SIMD build, then over T = f32 for the
// tail and for everything in the scalar build. Each operation is the IEEE f32 operation of the scalar code
// in each lane (f32x4.sqrt and f32x4.div are correctly rounded, as Mathf.sqrt and / are), so an
// elementwise loop gives the same bits in both instantiations. Reductions are not lane-wise: a loop that
// sums keeps its own order (see each kernel). Branches on isVector<T>() are resolved at compile time.

/** f32 per T: 4 for v128, 1 for f32. */
// @ts-ignore: decorator
@inline
export function lanes<T>(): i32 {
  return isVector<T>() ? 4 : 1;
}
/** x in every lane. */
// @ts-ignore: decorator
@inline
export function splat<T>(x: f32): T {
  // @ts-ignore: T is v128 here
  if (isVector<T>()) return f32x4.splat(x);
  // @ts-ignore: T is f32 here
  else return x;
}
// @ts-ignore: decorator
@inline
export function add<T>(a: T, b: T): T {
  // @ts-ignore: T is v128 here
  if (isVector<T>()) return f32x4.add(a, b);
  // @ts-ignore: T is f32 here
  else return a + b;
}
// @ts-ignore: decorator
@inline
export function sub<T>(a: T, b: T): T {
  // @ts-ignore: T is v128 here
  if (isVector<T>()) return f32x4.sub(a, b);
  // @ts-ignore: T is f32 here
  else return a - b;
}
// @ts-ignore: decorator
@inline
export function mul<T>(a: T, b: T): T {
  // @ts-ignore: T is v128 here
  if (isVector<T>()) return f32x4.mul(a, b);
  // @ts-ignore: T is f32 here
  else return a * b;
}
// @ts-ignore: decorator
@inline
export function div<T>(a: T, b: T): T {
  // @ts-ignore: T is v128 here
  if (isVector<T>()) return f32x4.div(a, b);
  // @ts-ignore: T is f32 here
  else return a / b;
}
// @ts-ignore: decorator
@inline
export function sqrt<T>(a: T): T {
  // @ts-ignore: T is v128 here
  if (isVector<T>()) return f32x4.sqrt(a);
  // @ts-ignore: T is f32 here
  else return Mathf.sqrt(a);
}

/** dst[i] = src[i] for i < n (f32; the ranges do not overlap). */
export function copyF32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) i = copyFrom<v128>(0, dst, src, n);
  copyFrom<f32>(i, dst, src, n);
}

// @ts-ignore: decorator
@inline
function copyFrom<T>(i: i32, dst: usize, src: usize, n: i32): i32 {
  for (; i + lanes<T>() <= n; i += lanes<T>()) store<T>(dst + (<usize>i << 2), load<T>(src + (<usize>i << 2)));
  return i;
}

/** dst[i] = 0 for i < n (an inline loop: cheaper than memory.fill's call for the short runs of im2col). */
// @ts-ignore: decorator
@inline
export function zeroF32(dst: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), f32x4.splat(0));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

/** dst[i] += src[i] for i < n: lane-wise, so each element gets the one f32 addition of the scalar loop. */
export function addF32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) i = addFrom<v128>(0, dst, src, n);
  addFrom<f32>(i, dst, src, n);
}

// @ts-ignore: decorator
@inline
function addFrom<T>(i: i32, dst: usize, src: usize, n: i32): i32 {
  for (; i + lanes<T>() <= n; i += lanes<T>()) {
    const o = <usize>i << 2;
    store<T>(dst + o, add<T>(load<T>(dst + o), load<T>(src + o)));
  }
  return i;
}

/** y[i] += c for i < n, from i (returns where it stopped): the loop of a bias or a channel shift. */
// @ts-ignore: decorator
@inline
export function addConstFrom<T>(i: i32, y: usize, c: f32, n: i32): i32 {
  const vc = splat<T>(c);
  for (; i + lanes<T>() <= n; i += lanes<T>()) {
    const o = <usize>i << 2;
    store<T>(y + o, add<T>(load<T>(y + o), vc));
  }
  return i;
}
