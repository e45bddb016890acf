/**
 * The forward (noising) processes of docs/model.md section 3: xt = alpha(t) x0 + sigma(t) xi.
 *   vp (variance preserving): alpha = exp(-t), sigma = sqrt(1 - exp(-2t)), t >= 0
 *   ve (variance exploding):  alpha = 1,       sigma = t,                  t >= 0
 *   linear (interpolant):     alpha = t,       sigma = 1 - t,              0 <= t <= 1
 */
export type ProcessName = "vp" | "ve" | "linear";

export const PROCESSES: readonly ProcessName[] = ["vp", "ve", "linear"];

/** The accepted range of t for each process, for validation messages. */
export const T_RANGE: Record<ProcessName, { min: number; max: number; text: string }> = {
  vp: { min: 0, max: Number.POSITIVE_INFINITY, text: "a finite number >= 0" },
  ve: { min: 0, max: Number.POSITIVE_INFINITY, text: "a finite number >= 0" },
  linear: { min: 0, max: 1, text: "a number in [0, 1]" },
};

export function alphaSigma(process: ProcessName, t: number): { alpha: number; sigma: number } {
  switch (process) {
    case "vp":
      return { alpha: Math.exp(-t), sigma: Math.sqrt(-Math.expm1(-2 * t)) };
    case "ve":
      return { alpha: 1, sigma: t };
    case "linear":
      return { alpha: t, sigma: 1 - t };
  }
}

/**
 * The optimal skip for isotropic data N(0, I): E[x0 | xt] = alpha / (alpha^2 + sigma^2) xt when the
 * target is x0, E[xi | xt] = sigma / (alpha^2 + sigma^2) xt when it is the noise.
 */
export function optimalSkip(process: ProcessName, t: number, target: "x0" | "noise"): number {
  const { alpha, sigma } = alphaSigma(process, t);
  const denom = alpha * alpha + sigma * sigma;
  return (target === "x0" ? alpha : sigma) / denom;
}
