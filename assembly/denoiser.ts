// The tied denoiser D(xt) = b xt + sum_k a_k w_k g(w_k . xt) and its loss 0.5 |D(xt) - target|^2,
// where target is x0 (default) or the noise xi (docs/model.md section 4).
// forward() leaves per-unit h, g(h), g'(h), w.r in UNIT [K, 4] and the residual r in R [d].
import { activationOf, lastDerivative } from "./activation";
import { A, act, B, d, K, R, targetX0, UNIT, wPtr, X0, XI, XT } from "./globals";
import { axpy, dot, lincomb2 } from "./vec";

/** g(h) for the configured activation; lastDerivative() then gives g'(h). */
// @ts-ignore: decorator
@inline
export function activation(h: f64): f64 {
  return activationOf(act, h);
}

/** Exported activation for tests: g(h), with g'(h) readable by lastDerivative(). */
export function activationAt(code: i32, h: f64): f64 {
  return activationOf(code, h);
}

export { lastDerivative };

// @ts-ignore: decorator
@inline
export function unitSlot(k: i32, j: i32): usize {
  return UNIT + (<usize>(k * 4 + j) << 3);
}

/** The pointer to the current target (x0 or xi). */
// @ts-ignore: decorator
@inline
export function targetPtr(): usize {
  return targetX0 ? X0 : XI;
}

/** Forward pass of walker w on the sample in X0, XI, XT: fills UNIT and R. Returns 0.5 |r|^2. */
export function forward(w: i32): f64 {
  const a = A + (<usize>(w * K) << 3);
  const b = load<f64>(B + (<usize>w << 3));
  lincomb2(R, b, XT, -1.0, targetPtr(), d);
  for (let k = 0; k < K; k++) {
    const wk = wPtr(w, k);
    const h = dot(wk, XT, d);
    const g = activation(h);
    store<f64>(unitSlot(k, 0), h);
    store<f64>(unitSlot(k, 1), g);
    store<f64>(unitSlot(k, 2), lastDerivative());
    axpy(R, load<f64>(a + (<usize>k << 3)) * g, wk, d);
  }
  for (let k = 0; k < K; k++) store<f64>(unitSlot(k, 3), dot(wPtr(w, k), R, d));
  return 0.5 * dot(R, R, d);
}

/** Euclidean gradient of the loss of walker w on the current sample, after forward(w):
 * writes dL/dw [K, d] to out, then dL/db, then dL/da [K]. dL/dw_k = a_k (g_k r + g'_k (w_k . r) xt). */
export function gradient(w: i32, out: usize): void {
  const a = A + (<usize>(w * K) << 3);
  for (let k = 0; k < K; k++) {
    const ak = load<f64>(a + (<usize>k << 3));
    const o = out + ((<usize>k * <usize>d) << 3);
    lincomb2(o, ak * load<f64>(unitSlot(k, 1)), R, ak * load<f64>(unitSlot(k, 2)) * load<f64>(unitSlot(k, 3)), XT, d);
  }
  const tail = out + ((<usize>K * <usize>d) << 3);
  store<f64>(tail, dot(R, XT, d));
  for (let k = 0; k < K; k++) store<f64>(tail + (<usize>(k + 1) << 3), load<f64>(unitSlot(k, 1)) * load<f64>(unitSlot(k, 3)));
}
