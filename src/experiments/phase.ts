/**
 * The phase-transition summary (docs/model.md section 5): for each correlation law (or other grid
 * coordinate) and direction, the theoretical exponent k, the predicted sample complexity, the measured
 * exponent of n*(d) with its 95% interval, and whether the two agree.
 *
 * k = 1: n ~ d; k = 2: n ~ d log d (compared through the log-corrected fit, exponent 1);
 * k >= 3: n ~ d^(k-1) (Ben Arous, Gheissari, Jagannath 2021).
 */
import type { Config } from "../config/schema.js";
import type { Direction } from "../engine/layout.js";
import type { ExponentFit } from "./fit.js";
import type { ScalingFit, SweepResult } from "./sweep.js";

/** What the theory says about one direction of one config. */
export interface Prediction {
  /** The direction's (effective) diffusion information exponent. */
  k: number | null;
  /** The exponent whose law n ~ d^(k-1) (d log d for 2) governs the first hit; null: never. */
  lawK: number | null;
  predictedScaling: string;
}

export type Predictor = (config: Config, direction: Direction) => Prediction;

export interface PhaseRow {
  label: string;
  direction: Direction;
  k: number | null;
  /** The k whose law governs n* (see Prediction.lawK). */
  lawK: number | null;
  predictedScaling: string;
  /** The exponent of d the theory predicts for n* (after dividing by log d when k = 2). */
  predictedExponent: number | null;
  measured: number | null;
  ci: [number, number] | null;
  logCorrected: boolean;
  agree: boolean | null;
  note: string;
}

/** The exponent of d in the predicted law: 1 for k <= 2 (d, d log d), k - 1 beyond. */
export function predictedExponent(k: number | null): number | null {
  if (k === null) return null;
  return k <= 2 ? 1 : k - 1;
}

/** Builds one row per scaling fit of a sweep. */
export function phaseRows(result: SweepResult, predict: Predictor, label?: (fit: ScalingFit) => string): PhaseRow[] {
  return result.fits.map((f) => {
    const point = result.points.find((p) => Object.entries(f.at).every(([key, v]) => p.at[key] === v));
    const prediction: Prediction = point
      ? predict(point.config, f.direction)
      : { k: null, lawK: null, predictedScaling: "unknown" };
    const logCorrected = prediction.lawK === 2;
    const fit: ExponentFit = logCorrected ? f.logCorrectedFit : f.fit;
    const expected = predictedExponent(prediction.lawK);
    const agree = fit.ci && expected !== null ? fit.ci[0] <= expected && expected <= fit.ci[1] : null;
    return {
      label: label
        ? label(f)
        : Object.entries(f.at)
            .map(([key, v]) => `${key}=${v}`)
            .join(" ") || "all",
      direction: f.direction,
      k: prediction.k,
      lawK: prediction.lawK,
      predictedScaling: prediction.predictedScaling,
      predictedExponent: expected,
      measured: fit.exponent,
      ci: fit.ci,
      logCorrected,
      agree,
      note: fit.status === "ok" ? "" : fit.message,
    };
  });
}

const fmt = (x: number | null, digits = 2) =>
  x === null ? "-" : Number.isFinite(x) ? x.toFixed(digits) : x > 0 ? "+inf" : "-inf";

/** A plain-text table of the rows, for terminals and the README. */
export function formatPhaseTable(rows: PhaseRow[]): string {
  const header = ["regime", "dir", "k", "predicted", "measured exponent (95% CI)", "agree"];
  const body = rows.map((r) => [
    r.label,
    r.direction,
    r.k === null ? "-" : String(r.k),
    `${r.predictedScaling}${r.predictedExponent === null ? "" : ` (${r.predictedExponent})`}`,
    r.measured === null
      ? r.note || "-"
      : `${fmt(r.measured)} [${fmt(r.ci?.[0] ?? null)}, ${fmt(r.ci?.[1] ?? null)}]${r.logCorrected ? " of n*/log d" : ""}`,
    r.agree === null ? "-" : r.agree ? "yes" : "NO",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}
