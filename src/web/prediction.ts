/**
 * The slot for the theory's prediction beside the measured curves. A predictor maps a resolved config to
 * a short text and, optionally, markers at the predicted sample complexity n/d per direction. The page
 * shows "prediction: (not available)" while no predictor is plugged in; wiring one in is a one-line change
 * here (e.g. an adapter over src/theory/exponent.ts).
 */
import type { Config } from "../config/schema.js";
import type { DirectionName } from "./stats.js";

export interface PredictionMarker {
  direction: DirectionName;
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

/** No predictor yet: the integrator plugs one in here. */
export const predict: Predictor | null = null;

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
