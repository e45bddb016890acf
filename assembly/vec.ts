// Vector helpers over f64 arrays in linear memory. Each has a SIMD body (f64x2) selected at compile time
// by ASC_FEATURE_SIMD, followed by a scalar loop that does the whole work in the scalar build (the
// reference) and the tail in the SIMD build.
// Pointers are 16-byte aligned by the host's arena; n may be odd (a scalar tail finishes it).

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
  if (ASC_FEATURE_SIMD) {
    const va = f64x2.splat(alpha);
    for (; i + 2 <= n; i += 2) {
      const o = <usize>i << 3;
      v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(va, v128.load(x + o))));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 3;
    store<f64>(y + o, load<f64>(y + o) + alpha * load<f64>(x + o));
  }
}

/** y = ca * a + cb * b over n entries (y may alias a or b). */
export function lincomb2(y: usize, ca: f64, a: usize, cb: f64, b: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f64x2.splat(ca);
    const vb = f64x2.splat(cb);
    for (; i + 2 <= n; i += 2) {
      const o = <usize>i << 3;
      v128.store(y + o, f64x2.add(f64x2.mul(va, v128.load(a + o)), f64x2.mul(vb, v128.load(b + o))));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 3;
    store<f64>(y + o, ca * load<f64>(a + o) + cb * load<f64>(b + o));
  }
}

/** x *= c over n entries. */
export function scale(x: usize, c: f64, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vc = f64x2.splat(c);
    for (; i + 2 <= n; i += 2) {
      const o = <usize>i << 3;
      v128.store(x + o, f64x2.mul(vc, v128.load(x + o)));
    }
  }
  for (; i < n; i++) store<f64>(x + (<usize>i << 3), c * load<f64>(x + (<usize>i << 3)));
}

/** w = cw * w + cr * r + cx * x over n entries (the tangent step of ../tangent.ts); returns |w|^2 of the
 * result. */
export function lincomb3Norm(w: usize, cw: f64, r: usize, cr: f64, x: usize, cx: f64, n: i32): f64 {
  let i = 0;
  let s: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    const vw = f64x2.splat(cw);
    const vr = f64x2.splat(cr);
    const vx = f64x2.splat(cx);
    let acc = f64x2.splat(0);
    for (; i + 2 <= n; i += 2) {
      const o = <usize>i << 3;
      const y = f64x2.add(f64x2.add(f64x2.mul(vw, v128.load(w + o)), f64x2.mul(vr, v128.load(r + o))), f64x2.mul(vx, v128.load(x + o)));
      v128.store(w + o, y);
      acc = f64x2.add(acc, f64x2.mul(y, y));
    }
    s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  }
  for (; i < n; i++) {
    const o = <usize>i << 3;
    const y = cw * load<f64>(w + o) + cr * load<f64>(r + o) + cx * load<f64>(x + o);
    store<f64>(w + o, y);
    s += y * y;
  }
  return s;
}

/** w *= c over n entries, then out[0..3) = w . u, w . v, w . m (one pass). */
export function scaleDots3(w: usize, c: f64, u: usize, v: usize, m: usize, out: usize, n: i32): void {
  let i = 0;
  let su: f64 = 0;
  let sv: f64 = 0;
  let sm: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    const vc = f64x2.splat(c);
    let au = f64x2.splat(0);
    let av = f64x2.splat(0);
    let am = f64x2.splat(0);
    for (; i + 2 <= n; i += 2) {
      const o = <usize>i << 3;
      const y = f64x2.mul(vc, v128.load(w + o));
      v128.store(w + o, y);
      au = f64x2.add(au, f64x2.mul(y, v128.load(u + o)));
      av = f64x2.add(av, f64x2.mul(y, v128.load(v + o)));
      am = f64x2.add(am, f64x2.mul(y, v128.load(m + o)));
    }
    su = f64x2.extract_lane(au, 0) + f64x2.extract_lane(au, 1);
    sv = f64x2.extract_lane(av, 0) + f64x2.extract_lane(av, 1);
    sm = f64x2.extract_lane(am, 0) + f64x2.extract_lane(am, 1);
  }
  for (; i < n; i++) {
    const o = <usize>i << 3;
    const y = c * load<f64>(w + o);
    store<f64>(w + o, y);
    su += y * load<f64>(u + o);
    sv += y * load<f64>(v + o);
    sm += y * load<f64>(m + o);
  }
  store<f64>(out, su);
  store<f64>(out, sv, 8);
  store<f64>(out, sm, 16);
}

/** Results of dot2. */
export let dotA: f64 = 0;
export let dotB: f64 = 0;

/** Sets dotA = a . x and dotB = b . x over n entries (one pass over x). */
export function dot2(a: usize, b: usize, x: usize, n: i32): void {
  let i = 0;
  let sa: f64 = 0;
  let sb: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    let accA = f64x2.splat(0);
    let accB = f64x2.splat(0);
    for (; i + 2 <= n; i += 2) {
      const o = <usize>i << 3;
      const v = v128.load(x + o);
      accA = f64x2.add(accA, f64x2.mul(v128.load(a + o), v));
      accB = f64x2.add(accB, f64x2.mul(v128.load(b + o), v));
    }
    sa = f64x2.extract_lane(accA, 0) + f64x2.extract_lane(accA, 1);
    sb = f64x2.extract_lane(accB, 0) + f64x2.extract_lane(accB, 1);
  }
  for (; i < n; i++) {
    const o = <usize>i << 3;
    const v = load<f64>(x + o);
    sa += load<f64>(a + o) * v;
    sb += load<f64>(b + o) * v;
  }
  dotA = sa;
  dotB = sb;
}

/** y += ca * a + cb * b over n entries. */
export function axpy2(y: usize, ca: f64, a: usize, cb: f64, b: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f64x2.splat(ca);
    const vb = f64x2.splat(cb);
    for (; i + 2 <= n; i += 2) {
      const o = <usize>i << 3;
      v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.add(f64x2.mul(va, v128.load(a + o)), f64x2.mul(vb, v128.load(b + o)))));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 3;
    store<f64>(y + o, load<f64>(y + o) + (ca * load<f64>(a + o) + cb * load<f64>(b + o)));
  }
}
