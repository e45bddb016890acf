// The GEMM core of the diffusion model's convolutions and dense layers, f32 row-major:
//   gemmNN: C[M, N] (+)= A[M, K] B[K, N]
//   gemmTN: C[M, N] (+)= A[K, M]^T B[K, N]
// Both vectorise over the columns j of C (f32x4, a 4 x 8 register block: 8 accumulators, 2 loads of B
// and 4 broadcasts of A per k). Every C[i, j] is summed over k in the same order from 0 in both builds,
// with a separate multiply and add (WASM has no fused multiply-add), so the SIMD and the scalar build
// give bit-identical results: the scalar build is an exact reference, not an approximate one.
// `acc` = 1 adds the product to C, 0 overwrites C.

// @ts-ignore: decorator
@inline
function fin(c: usize, v: f32, acc: i32): void {
  store<f32>(c, acc ? load<f32>(c) + v : v);
}

// @ts-ignore: decorator
@inline
function finV(c: usize, v: v128, acc: i32): void {
  v128.store(c, acc ? f32x4.add(v128.load(c), v) : v);
}

/** A 4 x 8 block of C at rows i.., cols j..: a(r, k) is the A entry of row i + r at k. */
// @ts-ignore: decorator
@inline
function block4x8(
  a: usize, aRow: usize, aK: usize, b: usize, ldb: usize, c: usize, ldc: usize, K: i32, acc: i32,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let pa = a;
  let pb = b;
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const a0 = v128.load32_splat(pa);
    const a1 = v128.load32_splat(pa + aRow);
    const a2 = v128.load32_splat(pa + 2 * aRow);
    const a3 = v128.load32_splat(pa + 3 * aRow);
    c00 = f32x4.add(c00, f32x4.mul(a0, b0));
    c01 = f32x4.add(c01, f32x4.mul(a0, b1));
    c10 = f32x4.add(c10, f32x4.mul(a1, b0));
    c11 = f32x4.add(c11, f32x4.mul(a1, b1));
    c20 = f32x4.add(c20, f32x4.mul(a2, b0));
    c21 = f32x4.add(c21, f32x4.mul(a2, b1));
    c30 = f32x4.add(c30, f32x4.mul(a3, b0));
    c31 = f32x4.add(c31, f32x4.mul(a3, b1));
    pa += aK;
    pb += ldb;
  }
  finV(c, c00, acc);
  finV(c + 16, c01, acc);
  finV(c + ldc, c10, acc);
  finV(c + ldc + 16, c11, acc);
  finV(c + 2 * ldc, c20, acc);
  finV(c + 2 * ldc + 16, c21, acc);
  finV(c + 3 * ldc, c30, acc);
  finV(c + 3 * ldc + 16, c31, acc);
}

/** One row of C, 4 columns at a time (the SIMD path's leftovers). */
// @ts-ignore: decorator
@inline
function row4(a: usize, aK: usize, b: usize, ldb: usize, c: usize, K: i32, acc: i32): void {
  let s = f32x4.splat(0);
  let pa = a;
  let pb = b;
  for (let k = 0; k < K; k++) {
    s = f32x4.add(s, f32x4.mul(v128.load32_splat(pa), v128.load(pb)));
    pa += aK;
    pb += ldb;
  }
  finV(c, s, acc);
}

/** One entry of C, summed over k from 0 (the scalar build's only path, the SIMD build's tails). */
// @ts-ignore: decorator
@inline
function one(a: usize, aK: usize, b: usize, ldb: usize, c: usize, K: i32, acc: i32): void {
  let s: f32 = 0;
  let pa = a;
  let pb = b;
  for (let k = 0; k < K; k++) {
    s += load<f32>(pa) * load<f32>(pb);
    pa += aK;
    pb += ldb;
  }
  fin(c, s, acc);
}

/** The shared driver: A's entry (i, k) is at a + i * aRow + k * aK. */
// @ts-ignore: decorator
@inline
function gemm(M: i32, N: i32, K: i32, a: usize, aRow: usize, aK: usize, b: usize, c: usize, acc: i32): void {
  const ldb = <usize>N << 2;
  const ldc = <usize>N << 2;
  if (ASC_FEATURE_SIMD) {
    let i = 0;
    for (; i + 4 <= M; i += 4) {
      const ai = a + <usize>i * aRow;
      const ci = c + <usize>i * ldc;
      let j = 0;
      for (; j + 8 <= N; j += 8) block4x8(ai, aRow, aK, b + (<usize>j << 2), ldb, ci + (<usize>j << 2), ldc, K, acc);
      for (let r = 0; r < 4; r++) {
        const ar = ai + <usize>r * aRow;
        const cr = ci + <usize>r * ldc;
        let jj = j;
        for (; jj + 4 <= N; jj += 4) row4(ar, aK, b + (<usize>jj << 2), ldb, cr + (<usize>jj << 2), K, acc);
        for (; jj < N; jj++) one(ar, aK, b + (<usize>jj << 2), ldb, cr + (<usize>jj << 2), K, acc);
      }
    }
    for (; i < M; i++) {
      const ar = a + <usize>i * aRow;
      const cr = c + <usize>i * ldc;
      let j = 0;
      for (; j + 4 <= N; j += 4) row4(ar, aK, b + (<usize>j << 2), ldb, cr + (<usize>j << 2), K, acc);
      for (; j < N; j++) one(ar, aK, b + (<usize>j << 2), ldb, cr + (<usize>j << 2), K, acc);
    }
  } else {
    for (let i = 0; i < M; i++) {
      const ar = a + <usize>i * aRow;
      const cr = c + <usize>i * ldc;
      for (let j = 0; j < N; j++) one(ar, aK, b + (<usize>j << 2), ldb, cr + (<usize>j << 2), K, acc);
    }
  }
}

/** C[M, N] (+)= A[M, K] B[K, N]. */
export function gemmNN(M: i32, N: i32, K: i32, a: usize, b: usize, c: usize, acc: i32): void {
  gemm(M, N, K, a, <usize>K << 2, 4, b, c, acc);
}

/** C[M, N] (+)= A[K, M]^T B[K, N]. */
export function gemmTN(M: i32, N: i32, K: i32, a: usize, b: usize, c: usize, acc: i32): void {
  gemm(M, N, K, a, 4, <usize>M << 2, b, c, acc);
}

/** C[M, N] (+)= A[M, K] B[N, K]^T: plain dot products (only the small dense layers' input gradients use it). */
export function gemmNT(M: i32, N: i32, K: i32, a: usize, b: usize, c: usize, acc: i32): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s: f32 = 0;
      const ar = a + ((<usize>i * <usize>K) << 2);
      const br = b + ((<usize>j * <usize>K) << 2);
      for (let k = 0; k < K; k++) s += load<f32>(ar + (<usize>k << 2)) * load<f32>(br + (<usize>k << 2));
      fin(c + ((<usize>i * <usize>N + <usize>j) << 2), s, acc);
    }
  }
}
