/**
 * The main job's regimes (`mcm demo`), each one named config object: what is measured, at which d, how
 * many walkers, the step budget (an expression in d, src/config/steps.ts), and its linear control.
 * docs/demo.md explains every value with the exponent calculator's output and the measurements.
 *
 *  A.  covariance direction u (k = 2): n* ~ d log d.
 *  B.  cumulant direction v, independent latents (k = 4): n* ~ d^3 (REGIME_B; the cheaper cubic config chosen by the limit theory is CUBIC_REGIME in src/experiments/cubic.ts).
 *  C1. v with `sign` latents: E[lambda nu] != 0 puts a u-v cross term in the covariance, so v is reached
 *      through the covariance (the alphaU alphaV term); the linear control reaches it too.
 *  C2. v with `uncorrelated` latents (dependent, E[lambda nu] = 0, E[lambda^2 nu] != 0) and relu (not odd):
 *      v is learned in linear time through the alphaU^2 alphaV term, while a linear denoiser, which sees
 *      only the covariance, stays at overlaps of order d^-1/2. Its threshold is PLATEAU_FRACTION of the
 *      calculator's predicted plateau of |w.v| (src/experiments/plateau.ts).
 */
import type { Activation, ConfigInput } from "../config/schema.js";
import type { Direction } from "../engine/layout.js";

export interface RegimeConfig {
  /** Short name: "A", "B", "C1", "C2". */
  id: string;
  label: string;
  /** The direction whose hitting times are measured. */
  direction: Direction;
  /** Fields shared by every d (the config schema's names). */
  base: ConfigInput;
  /** Set the threshold from the calculator's predicted plateau instead of base.threshold. */
  thresholdFromPlateau?: boolean;
  d: number[];
  /** Walkers per d. */
  seeds: number;
  /** Step budget per walker: an expression in d. */
  steps: string;
  /** Walkers run on to this multiple of their hitting step (for the overlap curves). */
  stopAfterHit: number;
  /** The control: the same regime with another activation (linear: second-order statistics only). */
  control: { activation: Activation; seeds: number };
}

export const COVARIANCE_REGIME: RegimeConfig = {
  id: "A",
  label: "A: covariance (u)",
  direction: "u",
  base: { betaU: 5, betaV: 5, delta: 0.5, lrExponent: 1 },
  d: [64, 128, 256, 512, 1024, 2048],
  seeds: 24,
  steps: "20*d*log(d)",
  stopAfterHit: 3,
  control: { activation: "linear", seeds: 24 },
};

/** The cubic regime (k = 4): betaU = 0 isolates v, p = 2 lets it escape (docs/demo.md, docs/cubic.md).
 * One object, so that a better-tuned cubic config can replace it in one place. The control has fewer
 * walkers: every control walker is censored at large d and so runs the whole 300 d^3 budget. */
export const REGIME_B: RegimeConfig = {
  id: "B",
  label: "B: cumulant (v), independent",
  direction: "v",
  base: { betaU: 0, betaV: 5, delta: 0.5, lrExponent: 2, backend: "reduced" },
  d: [32, 40, 50, 64],
  seeds: 32,
  steps: "300*d^3",
  stopAfterHit: 1.2,
  control: { activation: "linear", seeds: 8 },
};

export const SIGN_REGIME: RegimeConfig = {
  id: "C1",
  label: "C1: v via the covariance (sign latents)",
  direction: "v",
  base: { betaU: 5, betaV: 5, correlation: "sign", threshold: 0.25, delta: 0.5, lrExponent: 1 },
  d: [128, 256, 512, 1024, 2048],
  seeds: 24,
  steps: "100*d",
  stopAfterHit: 3,
  control: { activation: "linear", seeds: 24 },
};

/** Reduced backend: the threshold (2/3 of the plateau 0.19, i.e. 0.126) must stand several d^-1/2 above
 * the initial overlaps, which needs d in the thousands; the exact chain costs the same at any d. */
export const HIGHER_ORDER_REGIME: RegimeConfig = {
  id: "C2",
  label: "C2: cumulant (v), uncorrelated latents, relu",
  direction: "v",
  base: {
    betaU: 5,
    betaV: 5,
    correlation: "uncorrelated",
    activation: "relu",
    delta: 0.5,
    lrExponent: 1,
    backend: "reduced",
  },
  thresholdFromPlateau: true,
  d: [1024, 2048, 4096, 8192],
  seeds: 24,
  steps: "100*d",
  stopAfterHit: 3,
  control: { activation: "linear", seeds: 24 },
};

export const DEMO_REGIMES: readonly RegimeConfig[] = [COVARIANCE_REGIME, REGIME_B, SIGN_REGIME, HIGHER_ORDER_REGIME];
