// The activations g of docs/model.md section 4 and their derivatives, shared by every denoiser kernel.
import { erf, tanh } from "./special";

const SQRT1_2: f64 = 0.7071067811865476;
const SQRT_2_OVER_PI: f64 = 0.7978845608028654;

let gp: f64 = 0; // g'(h) of the last activationOf() call

/** g(h) for activation code `code` (0 tanh, 1 erf(h / sqrt 2), 2 relu, 3 sign, 4 linear, 5 He3(h) / 6);
 * sets the value lastDerivative() returns to g'(h). */
// @ts-ignore: decorator
@inline
export function activationOf(code: i32, h: f64): f64 {
  switch (code) {
    case 0: {
      const g = tanh(h);
      gp = 1.0 - g * g;
      return g;
    }
    case 1: {
      gp = SQRT_2_OVER_PI * Math.exp(-0.5 * h * h);
      return erf(h * SQRT1_2);
    }
    case 2: {
      gp = h > 0 ? 1.0 : 0.0;
      return h > 0 ? h : 0.0;
    }
    case 3: {
      gp = 0.0;
      return h > 0 ? 1.0 : h < 0 ? -1.0 : 0.0;
    }
    case 4: {
      gp = 1.0;
      return h;
    }
    default: {
      gp = 0.5 * (h * h - 1.0);
      return (h * h * h - 3.0 * h) / 6.0;
    }
  }
}

/** g'(h) of the last activationOf() call. */
export function lastDerivative(): f64 {
  return gp;
}
