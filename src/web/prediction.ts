/**
 * The slot for the theory's prediction beside the measured curves. A predictor maps a resolved config to
 * a short text and, optionally, markers at the predicted sample complexity n/d per direction. The page
 * shows "prediction: (not available)" while no predictor is plugged in; wiring one in is a one-line change
 * here (e.g. an adapter over src/theory/exponent.ts). `limitOverlay` adds the high-dimensional limit's
 * bands (src/theory/limit-predict.ts): the predicted quartiles of the first-hitting time n* / d and the
 * predicted overlap curves, drawn by plot.ts beside the measured ones.
 */

import { DIRECTIONS, type Direction } from "../config/directions.js";
import { learningRate } from "../config/model.js";
import type { Config } from "../config/schema.js";
import { computeExponents, type DirectionExponent } from "../theory/exponent.js";
import { predictLimit } from "../theory/limit-predict.js";
import type { Quartiles } from "./stats.js";

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
export const pagePredict: Predictor | null = (config) => {
  const r = computeExponents(config, { optimum: false });
  const eta = learningRate(config);
  const parts: string[] = [];
  const markers: PredictionMarker[] = [];
  for (const dir of DIRECTIONS) {
    const e = r.directions[dir];
    if (!e || (dir === "m" && config.betaM === 0)) continue;
    parts.push(
      `k_${dir} = ${e.k ?? "none"} (${e.attracting ? `n ~ ${e.predictedScaling}, p = ${e.lrExponent}` : "not attracting"})`,
    );
    const n = escapeEstimate(e, config.d, eta, config.threshold);
    if (n !== null) markers.push({ direction: dir, nOverD: n / config.d, label: `${dir}: flow estimate` });
  }
  // A K = 1 unit learns u first where u attracts; v then follows, or is repelled and never learned.
  const eff = r.effectiveV;
  const uFirst = config.betaU > 0 && r.directions.u.attracting && r.directions.u.k !== null;
  if (eff.k !== null && (config.correlation !== "independent" || (uFirst && !eff.attracting))) {
    parts.push(
      eff.attracting
        ? `v once u is learned: k = ${eff.k} (n ~ ${eff.predictedScaling})`
        : `v once u is learned: repelled (k = ${eff.k}), never`,
    );
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

/** The limit theory's prediction of one direction on the page's axes (n/d). */
export interface LimitBand {
  /** First-hitting quartiles in n / d; null where the overlap does not reach the threshold. */
  hit: Quartiles | null;
  /** The predicted overlap curve: quartiles of |w·s| against n/d. */
  curve: (Quartiles & { nOverD: number })[];
}

export interface LimitOverlay {
  bands: Partial<Record<Direction, LimitBand>>;
  /** One line for people: the predicted median n* per direction, or why there is none. */
  text: string;
}

/**
 * The limit's bands for a config and run length (K = 1; K > 1 is not covered). Dependent latents couple
 * the overlaps: their 2-D ODE takes a few seconds the first time (the page says so while it computes).
 * 1000 SDE paths and no best-delta search. Never throws: the reason goes in the text.
 */
export function limitOverlay(config: Config, steps: number): LimitOverlay {
  if (config.K !== 1) return { bands: {}, text: "limit: not covered for K > 1 (the units couple)" };
  try {
    const r = predictLimit(config, {
      steps: Math.max(1, steps),
      perDecade: config.logPerDecade,
      bestDelta: false,
      errorEstimate: false,
      paths: 1000,
    });
    const bands: LimitOverlay["bands"] = {};
    const parts: string[] = [];
    for (const dir of DIRECTIONS) {
      const pr = r.directions[dir];
      const c = r.curves[dir];
      if (!pr || (dir === "m" && config.betaM === 0)) continue;
      const h = pr.predictedHit;
      bands[dir] = {
        hit: h ? { q1: h.q25 / config.d, median: h.median / config.d, q3: h.q75 / config.d } : null,
        curve: c
          ? c.steps.flatMap((n, i) =>
              n > 0 ? [{ nOverD: n / config.d, q1: c.q25[i], median: c.median[i], q3: c.q75[i] }] : [],
            )
          : [],
      };
      parts.push(
        h
          ? `n*_${dir} median ${Math.round(h.median)} [q25 ${Math.round(h.q25)}, q75 ${Math.round(h.q75)}]`
          : `${dir} never`,
      );
    }
    return { bands, text: `limit: ${parts.join(", ")}` };
  } catch (e) {
    return { bands: {}, text: `limit: ${e instanceof Error ? e.message : String(e)}` };
  }
}
