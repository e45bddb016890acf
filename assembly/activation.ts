// The activations g of docs/model.md section 4 and their derivatives, shared by every denoiser kernel.
import { erf, tanh } from "./special";
import { ACT_ERF, ACT_HE3, ACT_LINEAR, ACT_RELU, ACT_SIGN, ACT_TABLE, ACT_TANH } from "./params";
import { tableAt, tabGp } from "./table";

const SQRT1_2: f64 = 0.7071067811865476;
const SQRT_2_OVER_PI: f64 = 0.7978845608028654;

let gp: f64 = 0; // g'(h) of the last activationOf() call

/** g(h) for the activation `code` (an ACT_ code of ./params); sets the value lastDerivative() returns to
 * g'(h). Any other code traps (unreachable), so that a code without its case fails instead of computing. */
// @ts-ignore: decorator
@inline
export function activationOf(code: i32, h: f64): f64 {
  switch (code) {
    case ACT_TANH: {
      const g = tanh(h);
      gp = 1.0 - g * g;
      return g;
    }
    case ACT_ERF: {
      gp = SQRT_2_OVER_PI * Math.exp(-0.5 * h * h);
      return erf(h * SQRT1_2);
    }
    case ACT_RELU: {
      gp = h > 0 ? 1.0 : 0.0;
      return h > 0 ? h : 0.0;
    }
    case ACT_SIGN: {
      gp = 0.0;
      return h > 0 ? 1.0 : h < 0 ? -1.0 : 0.0;
    }
    case ACT_LINEAR: {
      gp = 1.0;
      return h;
    }
    case ACT_TABLE: {
      const g = tableAt(h);
      gp = tabGp;
      return g;
    }
    case ACT_HE3: {
      gp = 0.5 * (h * h - 1.0);
      return (h * h * h - 3.0 * h) / 6.0;
    }
    default:
      return unreachable();
  }
}

/** g'(h) of the last activationOf() call. */
export function lastDerivative(): f64 {
  return gp;
}
