/**
 * The main job's regimes (`mcm demo`), each one named config object: what is measured, at which d, how
 * many walkers, the step budget (an expression in d, src/config/steps.ts), and its linear control.
 * docs/demo.md explains every value with the exponent calculator's output and the measurements.
 *
 *  A.  covariance direction u (k = 2): n* ~ d log d.
 *  B.  cumulant direction v, independent latents (k = 4): n* ~ d^3 (REGIME_B, in the cubic config the limit
 *      theory chose, CUBIC_REGIME in src/experiments/cubic.ts).
 *  C1. v with `sign` latents: E[lambda nu] != 0 puts a u-v cross term in the covariance, so v is reached
 *      through the covariance (the alphaU alphaV term); the linear control reaches it too.
 *  C2. v with `uncorrelated` latents (dependent, E[lambda nu] = 0, E[lambda^2 nu] != 0) and relu (not odd):
 *      v is learned in linear time through the alphaU^2 alphaV term, while a linear denoiser, which sees
 *      only the covariance, stays at overlaps of order d^-1/2. Its threshold is PLATEAU_FRACTION of the
 *      calculator's predicted plateau of |w.v| (src/experiments/plateau.ts).
 */

import type { Direction } from "../config/directions.js";
import type { Activation, ConfigInput } from "../config/schema.js";
import { CUBIC_REGIME } from "./cubic.js";

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

/** The cubic regime (k = 4): the limit theory's CUBIC_REGIME (src/experiments/cubic.ts: He3/6 predicting
 * the noise at VP t = 0.02, betaU = 0 isolates v, betaV = 100, skip 1, amplitude 0.5, delta = 2, p = 2 lets
 * v escape; docs/demo.md, docs/cubic.md). Its budget comes from the predicted law: the limit's q75 of
 * n* / d^3 is about 1.05 at every d (`mcm predict`), so 4 d^3 is at least 2.3 times the predicted q75 at
 * every d (test/demo-regimes.test.ts) and leaves about one walker in a hundred censored. The control's
 * walkers never hit at large d and run the whole budget: it has fewer walkers. */
export const REGIME_B: RegimeConfig = {
  id: "B",
  label: "B: cumulant (v), independent",
  direction: "v",
  base: { ...CUBIC_REGIME, backend: "reduced" },
  d: [32, 64, 128, 256],
  seeds: 32,
  steps: "4*d^3",
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

/** Reduced backend: the threshold (2/3 of the reachable plateau 0.142, i.e. 0.095) must stand several d^-1/2 above
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
