// 3 x 3 convolutions (stride 1, zero padding 1) on [N, C, H, W] f32 tensors through the GEMM core:
// im2col lays each sample's receptive fields out as col [C * 9, H * W], so the forward pass is
// y_n = W col_n (W [Cout, Cin * 9]), the input gradient W^T dy_n folded back by col2im, and the weight
// gradient dy_n colT_n with colT [H * W, Cin * 9] the transposed layout. Why im2col and not a direct
// loop: the GEMM core then carries all three passes with the same 4 x 8 register block, its long inner
// dimension (Cin * 9 or H * W) amortises loads, and the extra memory traffic of the copy is O(Cin 9 HW)
// against O(Cout Cin 9 HW) multiply-adds. Columns are rebuilt in the backward pass instead of stored.
import { gemmNN, gemmTN } from "./gemm";

/** col[(c * 9 + ky * 3 + kx), y * W + x] = x[c, y + ky - 1, x + kx - 1] (0 outside). */
export function im2col(x: usize, C: i32, H: i32, W: i32, col: usize): void {
  const HW = H * W;
  for (let c = 0; c < C; c++) {
    const xc = x + ((<usize>c * <usize>HW) << 2);
    for (let ky = 0; ky < 3; ky++) {
      for (let kx = 0; kx < 3; kx++) {
        const out = col + ((<usize>((c * 9 + ky * 3 + kx) * HW)) << 2);
        for (let yy = 0; yy < H; yy++) {
          const sy = yy + ky - 1;
          const o = out + ((<usize>(yy * W)) << 2);
          if (sy < 0 || sy >= H) {
            memory.fill(o, 0, <usize>W << 2);
            continue;
          }
          const src = xc + ((<usize>(sy * W)) << 2);
          for (let xx = 0; xx < W; xx++) {
            const sx = xx + kx - 1;
            store<f32>(o + (<usize>xx << 2), sx < 0 || sx >= W ? 0 : load<f32>(src + (<usize>sx << 2)));
          }
        }
      }
    }
  }
}

/** colT[y * W + x, c * 9 + ky * 3 + kx]: the transpose of im2col's layout. */
export function im2colT(x: usize, C: i32, H: i32, W: i32, colT: usize): void {
  const HW = H * W;
  const C9 = C * 9;
  for (let yy = 0; yy < H; yy++) {
    for (let xx = 0; xx < W; xx++) {
      const row = colT + ((<usize>((yy * W + xx) * C9)) << 2);
      for (let c = 0; c < C; c++) {
        const xc = x + ((<usize>c * <usize>HW) << 2);
        for (let ky = 0; ky < 3; ky++) {
          const sy = yy + ky - 1;
          for (let kx = 0; kx < 3; kx++) {
            const sx = xx + kx - 1;
            const v: f32 = sy < 0 || sy >= H || sx < 0 || sx >= W ? 0 : load<f32>(xc + ((<usize>(sy * W + sx)) << 2));
            store<f32>(row + ((<usize>(c * 9 + ky * 3 + kx)) << 2), v);
          }
        }
      }
    }
  }
}

/** dx[c, y + ky - 1, x + kx - 1] += col[(c * 9 + ky * 3 + kx), y * W + x]: the adjoint of im2col. */
export function col2im(col: usize, C: i32, H: i32, W: i32, dx: usize): void {
  const HW = H * W;
  for (let c = 0; c < C; c++) {
    const xc = dx + ((<usize>c * <usize>HW) << 2);
    for (let ky = 0; ky < 3; ky++) {
      for (let kx = 0; kx < 3; kx++) {
        const src = col + ((<usize>((c * 9 + ky * 3 + kx) * HW)) << 2);
        for (let yy = 0; yy < H; yy++) {
          const sy = yy + ky - 1;
          if (sy < 0 || sy >= H) continue;
          const s = src + ((<usize>(yy * W)) << 2);
          const d = xc + ((<usize>(sy * W)) << 2);
          for (let xx = 0; xx < W; xx++) {
            const sx = xx + kx - 1;
            if (sx < 0 || sx >= W) continue;
            const p = d + (<usize>sx << 2);
            store<f32>(p, load<f32>(p) + load<f32>(s + (<usize>xx << 2)));
          }
        }
      }
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
      for (let i = 0; i < HW; i++) store<f32>(yc + (<usize>i << 2), load<f32>(yc + (<usize>i << 2)) + bias);
    }
  }
}

/**
 * Gradients of conv3x3Forward: dw [Cout, Cin * 9] and db [Cout] are added to; dx [N, Cin, H, W] is
 * overwritten (skipped when dx = 0). col holds Cin * 9 * H * W floats, colT as many.
 */
export function conv3x3Backward(
  x: usize, w: usize, dy: usize, dx: usize, dw: usize, db: usize,
  N: i32, Cin: i32, Cout: i32, H: i32, W: i32, col: usize, colT: usize,
): void {
  const HW = H * W;
  for (let n = 0; n < N; n++) {
    const xn = x + ((<usize>n * <usize>Cin * <usize>HW) << 2);
    const dyn = dy + ((<usize>n * <usize>Cout * <usize>HW) << 2);
    im2colT(xn, Cin, H, W, colT);
    gemmNN(Cout, Cin * 9, HW, dyn, colT, dw, 1);
    for (let co = 0; co < Cout; co++) {
      const yc = dyn + ((<usize>co * <usize>HW) << 2);
      let s: f32 = 0;
      for (let i = 0; i < HW; i++) s += load<f32>(yc + (<usize>i << 2));
      const p = db + (<usize>co << 2);
      store<f32>(p, load<f32>(p) + s);
    }
    if (dx != 0) {
      const dxn = dx + ((<usize>n * <usize>Cin * <usize>HW) << 2);
      gemmTN(Cin * 9, HW, Cout, w, dyn, col, 0);
      memory.fill(dxn, 0, (<usize>Cin * <usize>HW) << 2);
      col2im(col, Cin, H, W, dxn);
    }
  }
}
