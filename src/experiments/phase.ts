/**
 * The phase-transition summary (docs/model.md section 5): for each correlation law (or other grid
 * coordinate) and direction, the theoretical exponent k, the predicted sample complexity, the measured
 * exponent of n*(d) with its 95% interval, and whether the two agree.
 *
 * k = 1: n ~ d; k = 2: n ~ d log d (compared through the log-corrected fit, exponent 1);
 * k >= 3: n ~ d^(k-1) (Ben Arous, Gheissari, Jagannath 2021).
 */

import type { Direction } from "../config/directions.js";
import type { Config } from "../config/schema.js";
import { type ScalingLaw, scalingLaw } from "../theory/scaling.js";
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
  /** The same regime with a linear denoiser (src/experiments/controls.ts), when one was run. */
  control?: ControlSummary;
  /** What the regime shows given its control: "covariance-mediated", "cumulant learned", ... */
  verdict?: string;
  /** Why: what the control did, at which threshold (stated beside the verdict). */
  verdictReason?: string;
  /** At the fit's largest d with a measured median: median n* over the predicted law, its 95 % interval,
   * the limit theory's predicted median over the same law, and whether the prediction lies in the interval
   * (an open end of the interval counts as unbounded). Absent without a median predictor. */
  medianCheck?: {
    d: number;
    law: string;
    measured: number;
    lo: number | null;
    hi: number | null;
    predicted: number | null;
    agree: boolean | null;
  };
}

/** A regime's linear control: its own row, and whether it also reaches the threshold. */
export interface ControlSummary {
  activation: string;
  row: PhaseRow;
  /** Fewer than half of the control's walkers censored at the largest d. */
  learns: boolean;
  /** The calculator says the control cannot learn the direction. */
  predictedNever: boolean;
  /** Per d: censored walkers, walkers, and the median final |overlap| times sqrt(d) (order one when the
   * overlap stays at d^-1/2). */
  censoring: { d: number; censored: number; n: number; finalOverlapSqrtD: number }[];
  /** The control's own threshold where it differs from the regime's (a threshold the control can reach:
   * PLATEAU_FRACTION of its reachable plateau), and why. */
  threshold?: { value: number; reason: string };
}

/** The limit theory's predicted median first-hitting step of a config's direction (null: no escape). */
export type MedianPredictor = (config: Config, direction: Direction) => number | null;

/** Builds one row per scaling fit of a sweep. */
export function phaseRows(
  result: SweepResult,
  predict: Predictor,
  label?: (fit: ScalingFit) => string,
  predictMedian?: MedianPredictor,
): PhaseRow[] {
  return result.fits.map((f) => {
    const point = result.points.find((p) => Object.entries(f.at).every(([key, v]) => p.at[key] === v));
    const prediction: Prediction = point
      ? predict(point.config, f.direction)
      : { k: null, lawK: null, predictedScaling: "unknown" };
    const law = scalingLaw(prediction.lawK);
    const logCorrected = law?.logCorrected ?? false;
    const fit: ExponentFit = logCorrected ? f.logCorrectedFit : f.fit;
    const expected = law?.exponent ?? null;
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
      ...(predictMedian ? medianCheckOf(result, f, law, predictMedian) : {}),
    };
  });
}

function medianCheckOf(
  result: SweepResult,
  f: ScalingFit,
  scaling: ScalingLaw | null,
  predictMedian: MedianPredictor,
): Pick<PhaseRow, "medianCheck"> {
  const points = result.points
    .filter((p) => Object.entries(f.at).every(([key, v]) => p.at[key] === v))
    .filter((p) => p.directions[f.direction]?.median.median != null)
    .sort((a, b) => b.config.d - a.config.d);
  const p = points[0];
  if (!p || scaling === null) return {};
  const d = p.config.d;
  const law = scaling.at(d);
  const name = scaling.label;
  const m = p.directions[f.direction]?.median;
  if (!m || m.median === null) return {};
  const pred = predictMedian(p.config, f.direction);
  const lo = m.lo === null ? null : m.lo / law;
  const hi = m.hi === null ? null : m.hi / law;
  const predicted = pred === null ? null : pred / law;
  const agree = predicted === null ? null : (lo === null || lo <= predicted) && (hi === null || predicted <= hi);
  return { medianCheck: { d, law: name, measured: m.median / law, lo, hi, predicted, agree } };
}

const fmt = (x: number | null, digits = 2) =>
  x === null ? "-" : Number.isFinite(x) ? x.toFixed(digits) : x > 0 ? "+inf" : "-inf";

/** The control column's text: the control's exponent when it learns, else its censoring at the largest d. */
function controlCell(c: ControlSummary | undefined): string {
  if (!c) return "-";
  const r = c.row;
  if (c.learns && r.measured !== null) {
    return `learns: ${fmt(r.measured)} [${fmt(r.ci?.[0] ?? null)}, ${fmt(r.ci?.[1] ?? null)}]${r.logCorrected ? " of n*/log d" : ""}`;
  }
  const last = c.censoring[c.censoring.length - 1];
  const at = last ? `${last.censored}/${last.n} censored at d = ${last.d}` : "censored";
  return `${c.predictedNever ? "not learned (predicted)" : "blind"}: ${at}`;
}

/** A plain-text table of the rows, for terminals and the README: one line per row where that fits in
 * `width` columns, else one block per row with a labelled line per column. */
export function formatPhaseTable(rows: PhaseRow[], width = 100): string {
  const controls = rows.some((r) => r.control || r.verdict);
  const header = ["regime", "dir", "k", "predicted", "measured exponent (95% CI)", "agree"];
  if (controls) header.push("linear control", "verdict");
  const body = rows.map((r) => [
    r.label,
    r.direction,
    r.k === null ? "-" : String(r.k),
    `${r.predictedScaling}${r.predictedExponent === null ? "" : ` (${r.predictedExponent})`}`,
    r.measured === null
      ? r.note || "-"
      : `${fmt(r.measured)} [${fmt(r.ci?.[0] ?? null)}, ${fmt(r.ci?.[1] ?? null)}]${r.logCorrected ? " of n*/log d" : ""}`,
    r.agree === null ? "-" : r.agree ? "yes" : "NO",
    ...(controls
      ? [controlCell(r.control), r.verdict ? `${r.verdict}${r.verdictReason ? `: ${r.verdictReason}` : ""}` : "-"]
      : []),
  ]);
  if (rows.some((r) => r.medianCheck)) {
    header.push("median n*/law at largest d: measured [CI], predicted", "agree");
    rows.forEach((r, i) => {
      const c = r.medianCheck;
      const g = (x: number | null) => (x === null ? "open" : x.toPrecision(3));
      body[i].push(
        c
          ? `d=${c.d} n*/${c.law}: ${g(c.measured)} [${g(c.lo)}, ${g(c.hi)}], predicted ${c.predicted === null ? "none" : g(c.predicted)}`
          : "-",
        c?.agree == null ? "-" : c.agree ? "yes" : "NO",
      );
    });
  }
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  const table = [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)];
  if (Math.max(...table.map((l) => l.length)) <= width) return table.join("\n");
  // Blocks: "<regime>: w·<dir>, k = <k>", then one line per column; an "agree" joins the line before it.
  const labels = header.map((h) => (h.startsWith("median n*/law") ? "median n*/law at largest d" : h));
  const pad = Math.max(...labels.slice(3).map((h) => h.length)) + 2;
  return body
    .map((row) => {
      const out = [`${row[0]}: w·${row[1]}, k = ${row[2]}`];
      for (let i = 3; i < row.length; i++) {
        if (header[i] === "agree") continue;
        const agree = header[i + 1] === "agree" ? `   agree: ${row[i + 1]}` : "";
        out.push(`  ${labels[i].padEnd(pad)}${row[i]}${agree}`);
      }
      return out.join("\n");
    })
    .join("\n\n");
}
