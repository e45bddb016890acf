/**
 * The slot for the theory's prediction beside the measured curves. A predictor maps a resolved config to
 * a short text and, optionally, markers at the predicted sample complexity n/d per direction. The page
 * shows "prediction: (not available)" while no predictor is plugged in; wiring one in is a one-line change
 * here (e.g. an adapter over src/theory/exponent.ts).
 */

import { learningRate } from "../config/model.js";
import type { Config } from "../config/schema.js";
import type { Direction } from "../engine/layout.js";
import { computeExponents, type DirectionExponent } from "../theory/exponent.js";

export interface PredictionMarker {
  direction: Direction;
  /** Predicted n/d at which the overlap with this direction becomes of order one. */
  nOverD: number;
  label: string;
}

export interface Prediction {
  /** One line for people, e.g. "k_u = 2, k_v = 4: n ~ d log d for u, n ~ d^3 for v". */
  text: string;
  markers?: PredictionMarker[];
}

export type Predictor = (config: Config) => Prediction | null;

/**
 * Gradient-flow estimate of the escape time from alpha0 = d^-1/2 to the threshold, for the direction's
 * own law L = c_k alpha^k (docs/model.md section 6): k = 2 gives n = ln(thr / alpha0) / (2 |c2| eta); k >= 3
 * gives n = (alpha0^(2-k) - thr^(2-k)) / (k (k - 2) |c_k| eta). SGD noise makes the real times longer
 * (by a factor of about 2 at the defaults); the marker shows the order of magnitude.
 */
export function escapeEstimate(e: DirectionExponent, d: number, eta: number, threshold: number): number | null {
  if (e.k === null || !e.attracting || e.k < 2) return null;
  const c = Math.abs(e.coefficients[e.k - 1]);
  const a0 = 1 / Math.sqrt(d);
  if (!(c > 0) || threshold <= a0) return null;
  if (e.k === 2) return Math.log(threshold / a0) / (2 * c * eta);
  return (a0 ** (2 - e.k) - threshold ** (2 - e.k)) / (e.k * (e.k - 2) * c * eta);
}

/** The theory's prediction: the exponent calculator (src/theory) for this config. */
export const predict: Predictor | null = (config) => {
  const r = computeExponents(config, { optimum: false });
  const eta = learningRate(config);
  const parts: string[] = [];
  const markers: PredictionMarker[] = [];
  for (const dir of ["u", "v", "m"] as const) {
    const e = r.directions[dir];
    if (!e || (dir === "m" && config.betaM === 0)) continue;
    parts.push(
      `k_${dir} = ${e.k ?? "none"} (${e.attracting ? `n ~ ${e.predictedScaling}, p = ${e.lrExponent}` : "not attracting"})`,
    );
    const n = escapeEstimate(e, config.d, eta, config.threshold);
    if (n !== null) markers.push({ direction: dir, nOverD: n / config.d, label: `${dir}: flow estimate` });
  }
  if (config.correlation !== "independent" && r.effectiveV.k !== null) {
    parts.push(`v once u is learned: k = ${r.effectiveV.k} (n ~ ${r.effectiveV.predictedScaling})`);
  }
  return { text: parts.join("; "), markers };
};

/** The text the page shows for a config. Errors of a predictor are shown, not thrown. */
export function predictionText(
  predictor: Predictor | null,
  config: Config,
): { text: string; prediction: Prediction | null } {
  if (!predictor) return { text: "prediction: (not available)", prediction: null };
  try {
    const prediction = predictor(config);
    return { text: `prediction: ${prediction ? prediction.text : "(none for this config)"}`, prediction };
  } catch (e) {
    return { text: `prediction: failed (${e instanceof Error ? e.message : String(e)})`, prediction: null };
  }
}
