// Dense helpers for the Gaussian references (O(n d^2) once per data set), SIMD through ../vec.

import { axpy, dot } from "../vec";

/** Adds the upper triangle of sum_s x_s x_s^T over rows of x [n, d] to out [d, d] (row-major). */
export function syrkUpper(x: usize, n: i32, d: i32, out: usize): void {
  for (let s = 0; s < n; s++) {
    const xs = x + ((<usize>s * <usize>d) << 3);
    for (let i = 0; i < d; i++) {
      const xi = load<f64>(xs + (<usize>i << 3));
      if (xi == 0.0) continue;
      axpy(out + ((<usize>i * <usize>d + <usize>i) << 3), xi, xs + (<usize>i << 3), d - i);
    }
  }
}

/** out[s, i] = m_i . x_s for x [n, d], m [rows, d]: out [n, rows] = x m^T. */
export function gemmNT(x: usize, n: i32, m: usize, rows: i32, d: i32, out: usize): void {
  for (let s = 0; s < n; s++) {
    const xs = x + ((<usize>s * <usize>d) << 3);
    const os = out + ((<usize>s * <usize>rows) << 3);
    for (let i = 0; i < rows; i++) store<f64>(os + (<usize>i << 3), dot(m + ((<usize>i * <usize>d) << 3), xs, d));
  }
}
