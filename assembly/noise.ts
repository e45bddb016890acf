// The forward (noising) process: xt = alpha(t) x0 + sigma(t) xi (docs/model.md section 3).
// alpha and sigma are computed by the host from the process and t and passed in the parameter block.
import { gaussFill } from "./rng";
import { alpha, d, sigma } from "./globals";
import { lincomb2 } from "./vec";

/** Draws xi [d] from the current stream and writes xt = alpha x0 + sigma xi. */
export function noise(x0: usize, xi: usize, xt: usize): void {
  gaussFill(xi, d);
  lincomb2(xt, alpha, x0, sigma, xi, d);
}
