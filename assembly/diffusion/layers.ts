// The elementwise and normalisation layers of the diffusion U-Net, f32 [N, C, H * W] tensors. Their
// reductions run in one fixed order (f64 accumulators where a sum spans a whole group), identical in the
// SIMD and the scalar build; their elementwise passes are written once over a lane type (./lanes.ts: f32x4
// for the bulk in the SIMD build, f32 for the tail and the scalar build), each element getting the scalar
// loop's operations in the scalar loop's order, so both builds give the same bits. Backward passes
// overwrite dx unless their comment says "added to".
import { add, addConstFrom, div, lanes, mul, splat, sqrt, sub } from "./lanes";

// @ts-ignore: decorator
@inline
function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** Group normalisation (Wu & He 2018): per sample and group of C / G channels, y = (x - mean) / sqrt(var +
 * eps) * gamma[c] + beta[c]; stats [N * G * 2] keeps (mean, rstd) for the backward pass. The groups are
 * the contiguous blocks q = n G + g of m = C / G * HW floats; their sums run four groups side by side
 * (independent f64 chains, each summed in order from the block's start). */
export function groupNormForward(
  x: usize, gamma: usize, beta: usize, y: usize, stats: usize, N: i32, C: i32, HW: i32, G: i32, eps: f32,
): void {
  const cg = C / G;
  const m = cg * HW;
  let q = 0;
  for (; q + 4 <= N * G; q += 4) groupStats4(x, stats, q, m, eps);
  for (; q < N * G; q++) groupStats(x, stats, q, m, eps);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      const base = (n * C + g * cg) * HW;
      const meanF = load<f32>(at(stats, 2 * (n * G + g)));
      const rstd = load<f32>(at(stats, 2 * (n * G + g) + 1));
      for (let cc = 0; cc < cg; cc++) {
        const c = g * cg + cc;
        const ga = load<f32>(at(gamma, c));
        const be = load<f32>(at(beta, c));
        const o = base + cc * HW;
        let i = 0;
        if (ASC_FEATURE_SIMD) i = normFrom<v128>(0, at(x, o), at(y, o), HW, meanF, rstd, ga, be);
        normFrom<f32>(i, at(x, o), at(y, o), HW, meanF, rstd, ga, be);
      }
    }
  }
}

// (mean, rstd) of group q: the sum, then the squared deviations from the f64 mean, in f64.
// @ts-ignore: decorator
@inline
function groupStats(x: usize, stats: usize, q: i32, m: i32, eps: f32): void {
  const p = at(x, q * m);
  let s: f64 = 0;
  for (let i = 0; i < m; i++) s += <f64>load<f32>(p + (<usize>i << 2));
  const mean = s / <f64>m;
  let v: f64 = 0;
  for (let i = 0; i < m; i++) {
    const c = <f64>load<f32>(p + (<usize>i << 2)) - mean;
    v += c * c;
  }
  storeStats(stats, q, mean, v, m, eps);
}

// groupStats of groups q .. q + 3, interleaved.
// @ts-ignore: decorator
@inline
function groupStats4(x: usize, stats: usize, q: i32, m: i32, eps: f32): void {
  const p = at(x, q * m);
  const gB = <usize>m << 2;
  let s0: f64 = 0;
  let s1: f64 = 0;
  let s2: f64 = 0;
  let s3: f64 = 0;
  for (let i = 0; i < m; i++) {
    const r = p + (<usize>i << 2);
    s0 += <f64>load<f32>(r);
    s1 += <f64>load<f32>(r + gB);
    s2 += <f64>load<f32>(r + 2 * gB);
    s3 += <f64>load<f32>(r + 3 * gB);
  }
  const m0 = s0 / <f64>m;
  const m1 = s1 / <f64>m;
  const m2 = s2 / <f64>m;
  const m3 = s3 / <f64>m;
  let v0: f64 = 0;
  let v1: f64 = 0;
  let v2: f64 = 0;
  let v3: f64 = 0;
  for (let i = 0; i < m; i++) {
    const r = p + (<usize>i << 2);
    const c0 = <f64>load<f32>(r) - m0;
    const c1 = <f64>load<f32>(r + gB) - m1;
    const c2 = <f64>load<f32>(r + 2 * gB) - m2;
    const c3 = <f64>load<f32>(r + 3 * gB) - m3;
    v0 += c0 * c0;
    v1 += c1 * c1;
    v2 += c2 * c2;
    v3 += c3 * c3;
  }
  storeStats(stats, q, m0, v0, m, eps);
  storeStats(stats, q + 1, m1, v1, m, eps);
  storeStats(stats, q + 2, m2, v2, m, eps);
  storeStats(stats, q + 3, m3, v3, m, eps);
}

// @ts-ignore: decorator
@inline
function storeStats(stats: usize, q: i32, mean: f64, v: f64, m: i32, eps: f32): void {
  store<f32>(at(stats, 2 * q), <f32>mean);
  store<f32>(at(stats, 2 * q + 1), <f32>(1.0 / Math.sqrt(v / <f64>m + <f64>eps)));
}

// y = (x - mean) rstd ga + be for i < n.
// @ts-ignore: decorator
@inline
function normFrom<T>(i: i32, x: usize, y: usize, n: i32, mean: f32, rstd: f32, ga: f32, be: f32): i32 {
  const vm = splat<T>(mean);
  const vr = splat<T>(rstd);
  const vg = splat<T>(ga);
  const vb = splat<T>(be);
  for (; i + lanes<T>() <= n; i += lanes<T>()) {
    const o = <usize>i << 2;
    store<T>(y + o, add<T>(mul<T>(mul<T>(sub<T>(load<T>(x + o), vm), vr), vg), vb));
  }
  return i;
}

// dx = rstd (dy ga - a - xh b), xh = (x - mean) rstd, for i < n.
// @ts-ignore: decorator
@inline
function normBackFrom<T>(
  i: i32, x: usize, dy: usize, dx: usize, n: i32, mean: f32, rstd: f32, ga: f32, a: f32, b: f32,
): i32 {
  const vm = splat<T>(mean);
  const vr = splat<T>(rstd);
  const vg = splat<T>(ga);
  const va = splat<T>(a);
  const vb = splat<T>(b);
  for (; i + lanes<T>() <= n; i += lanes<T>()) {
    const o = <usize>i << 2;
    const xh = mul<T>(sub<T>(load<T>(x + o), vm), vr);
    store<T>(dx + o, mul<T>(vr, sub<T>(sub<T>(mul<T>(load<T>(dy + o), vg), va), mul<T>(xh, vb))));
  }
  return i;
}

/** Gradients of groupNormForward; dgamma and dbeta are added to. */
export function groupNormBackward(
  x: usize, gamma: usize, dy: usize, dx: usize, dgamma: usize, dbeta: usize, stats: usize,
  N: i32, C: i32, HW: i32, G: i32,
): void {
  const cg = C / G;
  const m = cg * HW;
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      const base = (n * C + g * cg) * HW;
      const mean = load<f32>(at(stats, 2 * (n * G + g)));
      const rstd = load<f32>(at(stats, 2 * (n * G + g) + 1));
      let sd: f64 = 0; // sum of dxhat
      let sdx: f64 = 0; // sum of dxhat * xhat
      for (let cc = 0; cc < cg; cc++) {
        const c = g * cg + cc;
        const ga = load<f32>(at(gamma, c));
        const o = base + cc * HW;
        let dgs: f64 = 0;
        let dbs: f64 = 0;
        for (let i = 0; i < HW; i++) {
          const xh = (load<f32>(at(x, o + i)) - mean) * rstd;
          const d = load<f32>(at(dy, o + i));
          dgs += <f64>(d * xh);
          dbs += <f64>d;
          const dxh = d * ga;
          sd += <f64>dxh;
          sdx += <f64>(dxh * xh);
        }
        store<f32>(at(dgamma, c), load<f32>(at(dgamma, c)) + <f32>dgs);
        store<f32>(at(dbeta, c), load<f32>(at(dbeta, c)) + <f32>dbs);
      }
      const a = <f32>(sd / <f64>m);
      const b = <f32>(sdx / <f64>m);
      for (let cc = 0; cc < cg; cc++) {
        const ga = load<f32>(at(gamma, g * cg + cc));
        const o = base + cc * HW;
        let i = 0;
        if (ASC_FEATURE_SIMD) i = normBackFrom<v128>(0, at(x, o), at(dy, o), at(dx, o), HW, mean, rstd, ga, a, b);
        normBackFrom<f32>(i, at(x, o), at(dy, o), at(dx, o), HW, mean, rstd, ga, a, b);
      }
    }
  }
}

/** y = x sigmoid(x) (SiLU); sig keeps sigmoid(x) = 1 / (1 + exp(-x)) for the backward pass. The
 * exponentials are scalar (Mathf.exp) in both builds, the rest runs in lanes. */
export function siluForward(x: usize, y: usize, sig: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(at(sig, i), Mathf.exp(-load<f32>(at(x, i))));
  let i = 0;
  if (ASC_FEATURE_SIMD) i = siluFrom<v128>(0, x, y, sig, n);
  siluFrom<f32>(i, x, y, sig, n);
}

// sig = 1 / (1 + sig), y = x sig for i < n.
// @ts-ignore: decorator
@inline
function siluFrom<T>(i: i32, x: usize, y: usize, sig: usize, n: i32): i32 {
  const one = splat<T>(1);
  for (; i + lanes<T>() <= n; i += lanes<T>()) {
    const o = <usize>i << 2;
    const s = div<T>(one, add<T>(one, load<T>(sig + o)));
    store<T>(sig + o, s);
    store<T>(y + o, mul<T>(load<T>(x + o), s));
  }
  return i;
}

/** dx = dy (s + x s (1 - s)), s = sigmoid(x) as siluForward kept it. */
export function siluBackward(x: usize, sig: usize, dy: usize, dx: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) i = siluBackFrom<v128>(0, x, sig, dy, dx, n);
  siluBackFrom<f32>(i, x, sig, dy, dx, n);
}

// @ts-ignore: decorator
@inline
function siluBackFrom<T>(i: i32, x: usize, sig: usize, dy: usize, dx: usize, n: i32): i32 {
  const one = splat<T>(1);
  for (; i + lanes<T>() <= n; i += lanes<T>()) {
    const o = <usize>i << 2;
    const s = load<T>(sig + o);
    const d = add<T>(s, mul<T>(mul<T>(load<T>(x + o), s), sub<T>(one, s)));
    store<T>(dx + o, mul<T>(load<T>(dy + o), d));
  }
  return i;
}

/** y[n, c, :] += v[n, c]: a per-sample channel shift (the time embedding's projection). */
export function addChannel(y: usize, v: usize, N: i32, C: i32, HW: i32): void {
  for (let nc = 0; nc < N * C; nc++) {
    const yc = at(y, nc * HW);
    const s = load<f32>(at(v, nc));
    let i = 0;
    if (ASC_FEATURE_SIMD) i = addConstFrom<v128>(0, yc, s, HW);
    addConstFrom<f32>(i, yc, s, HW);
  }
}

/** out[r] (+)= sum_i dy[r, i] over rows of HW, each row summed in f32 from i = 0 (acc = 1 adds): the
 * adjoint of addChannel, and the convolution's bias gradient. Four rows run side by side (independent
 * chains, each in its own order). */
export function rowSums(dy: usize, out: usize, rows: i32, HW: i32, acc: i32): void {
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const p = at(dy, r * HW);
    const rowB = <usize>HW << 2;
    let s0: f32 = 0;
    let s1: f32 = 0;
    let s2: f32 = 0;
    let s3: f32 = 0;
    for (let i = 0; i < HW; i++) {
      const q = p + (<usize>i << 2);
      s0 += load<f32>(q);
      s1 += load<f32>(q + rowB);
      s2 += load<f32>(q + 2 * rowB);
      s3 += load<f32>(q + 3 * rowB);
    }
    rowOut(out, r, s0, acc);
    rowOut(out, r + 1, s1, acc);
    rowOut(out, r + 2, s2, acc);
    rowOut(out, r + 3, s3, acc);
  }
  for (; r < rows; r++) {
    let s: f32 = 0;
    const o = r * HW;
    for (let i = 0; i < HW; i++) s += load<f32>(at(dy, o + i));
    rowOut(out, r, s, acc);
  }
}

// @ts-ignore: decorator
@inline
function rowOut(out: usize, r: i32, s: f32, acc: i32): void {
  store<f32>(at(out, r), acc ? load<f32>(at(out, r)) + s : s);
}

/** y[n, j] += b[j] for y [N, M]. */
export function addRowBias(y: usize, b: usize, N: i32, M: i32): void {
  for (let n = 0; n < N; n++) addInto(at(y, n * M), at(y, n * M), b, M);
}

/** db[j] += sum_n dy[n, j], each column summed in f32 from n = 0 (lanes over j). */
export function colSums(dy: usize, db: usize, N: i32, M: i32): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) j = colSumsFrom<v128>(0, dy, db, N, M);
  colSumsFrom<f32>(j, dy, db, N, M);
}

// @ts-ignore: decorator
@inline
function colSumsFrom<T>(j: i32, dy: usize, db: usize, N: i32, M: i32): i32 {
  for (; j + lanes<T>() <= M; j += lanes<T>()) {
    let s = splat<T>(0);
    for (let n = 0; n < N; n++) s = add<T>(s, load<T>(at(dy, n * M + j)));
    store<T>(at(db, j), add<T>(load<T>(at(db, j)), s));
  }
  return j;
}

/** y = a + b over n floats (y may alias either). */
export function addInto(y: usize, a: usize, b: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) i = addIntoFrom<v128>(0, y, a, b, n);
  addIntoFrom<f32>(i, y, a, b, n);
}

// @ts-ignore: decorator
@inline
function addIntoFrom<T>(i: i32, y: usize, a: usize, b: usize, n: i32): i32 {
  for (; i + lanes<T>() <= n; i += lanes<T>()) {
    const o = <usize>i << 2;
    store<T>(y + o, add<T>(load<T>(a + o), load<T>(b + o)));
  }
  return i;
}

/** 2 x 2 average pooling of rows [NC, H, W] (H, W even) to [NC, H / 2, W / 2]. */
export function avgPool2(x: usize, y: usize, NC: i32, H: i32, W: i32): void {
  const h = H >> 1;
  const w = W >> 1;
  for (let r = 0; r < NC; r++) {
    const xr = r * H * W;
    const yr = r * h * w;
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const p = xr + 2 * i * W + 2 * j;
        const s = load<f32>(at(x, p)) + load<f32>(at(x, p + 1)) + load<f32>(at(x, p + W)) + load<f32>(at(x, p + W + 1));
        store<f32>(at(y, yr + i * w + j), s * <f32>0.25);
      }
    }
  }
}

/** The adjoint of avgPool2: dx [NC, H, W] from dy [NC, H / 2, W / 2]. */
export function avgPool2Backward(dy: usize, dx: usize, NC: i32, H: i32, W: i32): void {
  const h = H >> 1;
  const w = W >> 1;
  for (let r = 0; r < NC; r++) {
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        store<f32>(at(dx, r * H * W + i * W + j), load<f32>(at(dy, r * h * w + (i >> 1) * w + (j >> 1))) * <f32>0.25);
      }
    }
  }
}

/** Nearest-neighbour 2x upsampling of rows [NC, h, w] to [NC, 2h, 2w]. */
export function upsample2(x: usize, y: usize, NC: i32, h: i32, w: i32): void {
  const H = 2 * h;
  const W = 2 * w;
  for (let r = 0; r < NC; r++) {
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) store<f32>(at(y, r * H * W + i * W + j), load<f32>(at(x, r * h * w + (i >> 1) * w + (j >> 1))));
    }
  }
}

/** The adjoint of upsample2: dx [NC, h, w] sums its 2 x 2 block of dy [NC, 2h, 2w]. */
export function upsample2Backward(dy: usize, dx: usize, NC: i32, h: i32, w: i32): void {
  const W = 2 * w;
  const H = 2 * h;
  for (let r = 0; r < NC; r++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const p = r * H * W + 2 * i * W + 2 * j;
        const s = load<f32>(at(dy, p)) + load<f32>(at(dy, p + 1)) + load<f32>(at(dy, p + W)) + load<f32>(at(dy, p + W + 1));
        store<f32>(at(dx, r * h * w + i * w + j), s);
      }
    }
  }
}

/** Sinusoidal embedding of times t [N] (f32) into out [N, dim]: sin and cos of 1000 t / 10000^(i / half). */
export function timeEmbedding(t: usize, N: i32, dim: i32, out: usize): void {
  const half = dim >> 1;
  for (let n = 0; n < N; n++) {
    const tn = <f64>load<f32>(at(t, n)) * 1000.0;
    for (let i = 0; i < half; i++) {
      const f = Math.exp((-Math.log(10000.0) * <f64>i) / <f64>half);
      store<f32>(at(out, n * dim + i), <f32>Math.sin(tn * f));
      store<f32>(at(out, n * dim + half + i), <f32>Math.cos(tn * f));
    }
  }
}

/**
 * Adam (Kingma & Ba 2015) on n parameters p with gradient g and moments m, v, then the exponential moving
 * average of the weights, e = decay e + (1 - decay) p (decay 0: e = p), in one pass; c1 = 1 / (1 -
 * beta1^t), c2 = 1 / (1 - beta2^t).
 */
export function adamEmaStep(
  p: usize, g: usize, m: usize, v: usize, e: usize, n: i32,
  lr: f32, b1: f32, b2: f32, eps: f32, c1: f32, c2: f32, decay: f32,
): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) i = adamFrom<v128>(0, p, g, m, v, e, n, lr, b1, b2, eps, c1, c2, decay);
  adamFrom<f32>(i, p, g, m, v, e, n, lr, b1, b2, eps, c1, c2, decay);
}

// @ts-ignore: decorator
@inline
function adamFrom<T>(
  i: i32, p: usize, g: usize, m: usize, v: usize, e: usize, n: i32,
  lr: f32, b1: f32, b2: f32, eps: f32, c1: f32, c2: f32, decay: f32,
): i32 {
  const vb1 = splat<T>(b1);
  const vb2 = splat<T>(b2);
  const va1 = splat<T>(<f32>1 - b1);
  const va2 = splat<T>(<f32>1 - b2);
  const vlr = splat<T>(lr);
  const veps = splat<T>(eps);
  const vc1 = splat<T>(c1);
  const vc2 = splat<T>(c2);
  const vd = splat<T>(decay);
  const vd1 = splat<T>(<f32>1 - decay);
  for (; i + lanes<T>() <= n; i += lanes<T>()) {
    const o = <usize>i << 2;
    const gi = load<T>(g + o);
    const mi = add<T>(mul<T>(vb1, load<T>(m + o)), mul<T>(va1, gi));
    const vi = add<T>(mul<T>(vb2, load<T>(v + o)), mul<T>(mul<T>(va2, gi), gi));
    store<T>(m + o, mi);
    store<T>(v + o, vi);
    const pi = sub<T>(load<T>(p + o), div<T>(mul<T>(vlr, mul<T>(mi, vc1)), add<T>(sqrt<T>(mul<T>(vi, vc2)), veps)));
    store<T>(p + o, pi);
    store<T>(e + o, decay == 0 ? pi : add<T>(mul<T>(vd, load<T>(e + o)), mul<T>(vd1, pi)));
  }
  return i;
}

/** Returns sum (out - target)^2 (f64) and writes grad = scale (out - target). */
export function squaredError(out: usize, target: usize, grad: usize, n: i32, scale: f32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const r = load<f32>(at(out, i)) - load<f32>(at(target, i));
    s += <f64>r * <f64>r;
    if (grad != 0) store<f32>(at(grad, i), scale * r);
  }
  return s;
}
