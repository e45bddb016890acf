// 3 x 3 convolutions (stride 1, zero padding 1) on [N, C, H, W] f32 tensors through the GEMM core:
// im2col lays each sample's receptive fields out as col [C * 9, H * W], so the forward pass is
// y_n = W col_n (W [Cout, Cin * 9]), the input gradient W^T dy_n folded back by col2im, and the weight
// gradient dy_n colT_n with colT [H * W, Cin * 9] the transposed layout. Why im2col and not a direct
// loop: the GEMM core then carries all three passes with the same 4 x 8 register block, its long inner
// dimension (Cin * 9 or H * W) amortises loads, and the extra memory traffic of the copy is O(Cin 9 HW)
// against O(Cout Cin 9 HW) multiply-adds. Columns are rebuilt in the backward pass instead of stored.
import { gemmNN, gemmTN } from "./gemm";
import { addConstFrom, addF32, copyF32, zeroF32 } from "./lanes";
import { rowSums } from "./layers";

// Each (c, ky, kx) plane of col is the input plane c shifted by s = (ky - 1) W + (kx - 1): col[p] =
// x[p + s] for p in [lo, hi) (where p + s stays in the plane), except in the column that the shift wraps
// around (x = 0 when kx = 0, x = W - 1 when kx = 2); everything else is padding. So the planes are built,
// and folded back, by whole-plane copies and adds (f32x4 in the SIMD build) and a few zero entries.

// @ts-ignore: decorator
@inline
function shiftOf(ky: i32, kx: i32, W: i32): i32 {
  return (ky - 1) * W + (kx - 1);
}
// @ts-ignore: decorator
@inline
function loOf(s: i32, HW: i32): i32 {
  return min(HW, max(0, -s));
}
// @ts-ignore: decorator
@inline
function hiOf(s: i32, HW: i32, lo: i32): i32 {
  return max(lo, min(HW, HW - s));
}

/** Zeroes the wrapped-around column of a plane: x = 0 for kx = 0, x = W - 1 for kx = 2. */
// @ts-ignore: decorator
@inline
function zeroWrapped(plane: usize, kx: i32, H: i32, W: i32): void {
  if (kx == 1) return;
  const x0 = kx == 0 ? 0 : W - 1;
  for (let y = 0; y < H; y++) store<f32>(plane + (<usize>(y * W + x0) << 2), 0);
}

/** col[(c * 9 + ky * 3 + kx), y * W + x] = x[c, y + ky - 1, x + kx - 1] (0 outside). */
export function im2col(x: usize, C: i32, H: i32, W: i32, col: usize): void {
  const HW = H * W;
  for (let c = 0; c < C; c++) {
    const xc = x + ((<usize>c * <usize>HW) << 2);
    for (let k9 = 0; k9 < 9; k9++) {
      const ky = k9 / 3;
      const kx = k9 % 3;
      const out = col + ((<usize>(c * 9 + k9) * <usize>HW) << 2);
      const s = shiftOf(ky, kx, W);
      const lo = loOf(s, HW);
      const hi = hiOf(s, HW, lo);
      zeroF32(out, lo);
      copyF32(out + (<usize>lo << 2), xc + (<usize>(lo + s) << 2), hi - lo);
      zeroF32(out + (<usize>hi << 2), HW - hi);
      zeroWrapped(out, kx, H, W);
    }
  }
}

/** t[P, R] = a[R, P]^T (4 x 4 blocks transposed in registers in the SIMD build). */
export function transposeF32(a: usize, R: i32, P: i32, t: usize): void {
  let r = 0;
  if (ASC_FEATURE_SIMD) {
    const rowB = <usize>P << 2;
    const tRow = <usize>R << 2;
    for (; r + 4 <= R; r += 4) {
      const a0 = a + <usize>r * rowB;
      let p = 0;
      for (; p + 4 <= P; p += 4) {
        const q = a0 + (<usize>p << 2);
        const r0 = v128.load(q);
        const r1 = v128.load(q + rowB);
        const r2 = v128.load(q + 2 * rowB);
        const r3 = v128.load(q + 3 * rowB);
        const t0 = f32x4.shuffle(r0, r1, 0, 4, 1, 5);
        const t1 = f32x4.shuffle(r0, r1, 2, 6, 3, 7);
        const t2 = f32x4.shuffle(r2, r3, 0, 4, 1, 5);
        const t3 = f32x4.shuffle(r2, r3, 2, 6, 3, 7);
        const o = t + <usize>p * tRow + (<usize>r << 2);
        v128.store(o, f32x4.shuffle(t0, t2, 0, 1, 4, 5));
        v128.store(o + tRow, f32x4.shuffle(t0, t2, 2, 3, 6, 7));
        v128.store(o + 2 * tRow, f32x4.shuffle(t1, t3, 0, 1, 4, 5));
        v128.store(o + 3 * tRow, f32x4.shuffle(t1, t3, 2, 3, 6, 7));
      }
      for (; p < P; p++) {
        for (let i = 0; i < 4; i++) {
          store<f32>(t + ((<usize>p * <usize>R + <usize>(r + i)) << 2), load<f32>(a + ((<usize>(r + i) * <usize>P + <usize>p) << 2)));
        }
      }
    }
  }
  for (; r < R; r++) {
    for (let p = 0; p < P; p++) {
      store<f32>(t + ((<usize>p * <usize>R + <usize>r) << 2), load<f32>(a + ((<usize>r * <usize>P + <usize>p) << 2)));
    }
  }
}

/**
 * dx[c, y + ky - 1, x + kx - 1] += col[(c * 9 + ky * 3 + kx), y * W + x]: the adjoint of im2col, plane by
 * plane in the order (c, ky, kx), so each dx entry receives its terms in the order of the plain loop. The
 * terms that fall outside the image are first set to +0 in col (a scratch buffer) and then added with the
 * rest; adding +0 leaves every value but -0 unchanged, and a sum that starts from +0 never is -0.
 */
export function col2im(col: usize, C: i32, H: i32, W: i32, dx: usize): void {
  const HW = H * W;
  for (let c = 0; c < C; c++) {
    const xc = dx + ((<usize>c * <usize>HW) << 2);
    for (let k9 = 0; k9 < 9; k9++) {
      const kx = k9 % 3;
      const src = col + ((<usize>(c * 9 + k9) * <usize>HW) << 2);
      const s = shiftOf(k9 / 3, kx, W);
      const lo = loOf(s, HW);
      const hi = hiOf(s, HW, lo);
      zeroWrapped(src, kx, H, W);
      addF32(xc + (<usize>(lo + s) << 2), src + (<usize>lo << 2), hi - lo);
    }
  }
}

/** y[n] = w col(x[n]) + b for n < N: x [N, Cin, H, W], w [Cout, Cin * 9], b [Cout], y [N, Cout, H, W]. */
export function conv3x3Forward(
  x: usize, w: usize, b: usize, y: usize, N: i32, Cin: i32, Cout: i32, H: i32, W: i32, col: usize,
): void {
  const HW = H * W;
  for (let n = 0; n < N; n++) {
    const xn = x + ((<usize>n * <usize>Cin * <usize>HW) << 2);
    const yn = y + ((<usize>n * <usize>Cout * <usize>HW) << 2);
    im2col(xn, Cin, H, W, col);
    gemmNN(Cout, HW, Cin * 9, w, col, yn, 0);
    for (let co = 0; co < Cout; co++) {
      const bias = load<f32>(b + (<usize>co << 2));
      const yc = yn + ((<usize>co * <usize>HW) << 2);
      let i = 0;
      if (ASC_FEATURE_SIMD) i = addConstFrom<v128>(0, yc, bias, HW);
      addConstFrom<f32>(i, yc, bias, HW);
    }
  }
}

/**
 * Gradients of conv3x3Forward: dw [Cout, Cin * 9] and db [Cout] are added to; dx [N, Cin, H, W] is
 * overwritten (skipped when dx = 0). col holds Cin * 9 * H * W floats, colT as many (the im2col
 * layout transposed, [H * W, Cin * 9]).
 */
export function conv3x3Backward(
  x: usize, w: usize, dy: usize, dx: usize, dw: usize, db: usize,
  N: i32, Cin: i32, Cout: i32, H: i32, W: i32, col: usize, colT: usize,
): void {
  const HW = H * W;
  for (let n = 0; n < N; n++) {
    const xn = x + ((<usize>n * <usize>Cin * <usize>HW) << 2);
    const dyn = dy + ((<usize>n * <usize>Cout * <usize>HW) << 2);
    im2col(xn, Cin, H, W, col);
    transposeF32(col, Cin * 9, HW, colT);
    gemmNN(Cout, Cin * 9, HW, dyn, colT, dw, 1);
    rowSums(dyn, db, Cout, HW, 1);
    if (dx != 0) {
      const dxn = dx + ((<usize>n * <usize>Cin * <usize>HW) << 2);
      gemmTN(Cin * 9, HW, Cout, w, dyn, col, 0);
      memory.fill(dxn, 0, (<usize>Cin * <usize>HW) << 2);
      col2im(col, Cin, H, W, dxn);
    }
  }
}
