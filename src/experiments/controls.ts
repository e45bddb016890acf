/**
 * Linear controls: a regime is evidence of learning from higher-order statistics only if the
 * same regime with a linear denoiser (g(h) = h, which sees the data through their covariance alone) does
 * not also reach the threshold. This file pairs a regime's phase rows with its control's and labels
 * what the pair shows:
 *  - "covariance-mediated": the control learns the direction too;
 *  - "cumulant learned" (v) or "learned, control blind" (u): the regime learns it, the control does not;
 *  - "not learned (predicted)" / "not learned": the regime itself does not reach the threshold at the
 *    largest d, and the calculator did (or did not) say so.
 * "Learns" means: fewer than half of the walkers censored at the largest d (the same rule that lets a fit
 * give an exponent), so hits of the threshold by noise at small d do not count.
 */
import type { Activation } from "../config/schema.js";
import type { Direction } from "../engine/layout.js";
import type { ControlSummary, PhaseRow } from "./phase.js";
import { quantile } from "./stats.js";
import type { PointResult, SweepResult, SweepSpec } from "./sweep.js";

export const CONTROL_ACTIVATION: Activation = "linear";

/** The points of one fit group (same non-d coordinates), sorted by d. */
function groupPoints(result: SweepResult, at: Record<string, unknown>): PointResult[] {
  return result.points
    .filter((p) => Object.entries(at).every(([key, v]) => p.at[key] === v))
    .sort((a, b) => a.config.d - b.config.d);
}

/** Per d: censored walkers, walkers and the median final |overlap| times sqrt(d). */
export function censoring(points: PointResult[], direction: Direction): ControlSummary["censoring"] {
  const out: ControlSummary["censoring"] = [];
  for (const p of points) {
    const r = p.directions[direction];
    if (!r) continue;
    out.push({
      d: p.config.d,
      censored: r.median.censored,
      n: r.median.n,
      finalOverlapSqrtD: quantile(r.finalOverlap, 0.5) * Math.sqrt(p.config.d),
    });
  }
  return out;
}

/** Fewer than half of the walkers censored at the largest d. */
export function learnsAtLargestD(c: ControlSummary["censoring"]): boolean {
  const last = c[c.length - 1];
  return last !== undefined && 2 * last.censored < last.n;
}

/** The theory said "never" (no attracting exponent, or none once u is learned). */
const predictedNever = (row: PhaseRow) => row.lawK === null && row.predictedScaling !== "unknown";

/** The control summary of a row from its sweep's points. */
export function controlSummary(row: PhaseRow, points: PointResult[], activation: string): ControlSummary {
  const c = censoring(points, row.direction);
  return { activation, row, learns: learnsAtLargestD(c), predictedNever: predictedNever(row), censoring: c };
}

/** When the theory says a row cannot be learned and its walkers were censored, say so in its note. */
export function markPredictedNever(row: PhaseRow, points: PointResult[]): PhaseRow {
  const c = censoring(points, row.direction);
  if (!predictedNever(row) || row.measured !== null || c.length === 0) return row;
  const last = c[c.length - 1];
  return { ...row, note: `not learned (predicted): ${last.censored}/${last.n} censored at d = ${last.d}` };
}

/** The verdict of a row given its own points and its control. */
export function verdictOf(row: PhaseRow, points: PointResult[], control: ControlSummary): string {
  if (!learnsAtLargestD(censoring(points, row.direction))) {
    return predictedNever(row) ? "not learned (predicted)" : "not learned";
  }
  if (control.learns) return "covariance-mediated";
  return row.direction === "v" ? "cumulant learned" : "learned, control blind";
}

/** Why the verdict: what the control did at the largest d, at which threshold, against d^-1/2. */
export function verdictReason(row: PhaseRow, control: ControlSummary, threshold: number): string {
  const last = control.censoring[control.censoring.length - 1];
  if (!last) return "";
  const at = control.threshold
    ? `|w.${row.direction}| >= ${control.threshold.value} (${control.threshold.reason})`
    : `|w.${row.direction}| >= ${threshold}`;
  const hit = last.n - last.censored;
  if (control.learns)
    return `the ${control.activation} control reaches ${at} on ${hit}/${last.n} walkers at d = ${last.d}`;
  return (
    `the ${control.activation} control stays below ${at} on ${last.censored}/${last.n} walkers at d = ${last.d}, ` +
    `its median final |w.${row.direction}| sqrt(d) ${last.finalOverlapSqrtD.toFixed(2)} (of order one: overlaps of order d^-1/2)`
  );
}

/** The same sweep with the control's activation (and its own number of walkers). */
export function controlSpec(
  spec: SweepSpec,
  activation: Activation = CONTROL_ACTIVATION,
  seeds = spec.seeds,
): SweepSpec {
  const { activation: _a, ...grid } = spec.grid;
  return { ...spec, base: { ...spec.base, activation }, grid, seeds };
}

/** Pairs the main row (from `main`) with its control (from `control`), both one regime. */
export function withControl(
  row: PhaseRow,
  main: SweepResult,
  controlRow: PhaseRow,
  control: SweepResult,
  activation: string,
  controlThreshold?: ControlSummary["threshold"],
): PhaseRow {
  const mainPoints = groupPoints(main, {});
  const controlPoints = groupPoints(control, {});
  const summary: ControlSummary = {
    ...controlSummary(markPredictedNever(controlRow, controlPoints), controlPoints, activation),
    ...(controlThreshold ? { threshold: controlThreshold } : {}),
  };
  const marked = markPredictedNever(row, mainPoints);
  const threshold = mainPoints[0]?.config.threshold ?? Number.NaN;
  return {
    ...marked,
    control: summary,
    verdict: verdictOf(marked, mainPoints, summary),
    verdictReason: verdictReason(marked, summary, threshold),
  };
}

/**
 * A sweep with an activation axis that includes the control's activation (`mcm sweep --control linear`
 * or `--activation relu,linear`): each non-control row gets the control row of the same other grid
 * coordinates and direction; control rows get the verdict "control". rows[i] must be the row of
 * result.fits[i] (as phaseRows builds them). Rows predicted never and censored say so in their note.
 */
export function attachControls(
  rows: PhaseRow[],
  result: SweepResult,
  activation: Activation = CONTROL_ACTIVATION,
): PhaseRow[] {
  const values = result.spec.grid.activation;
  const fits = result.fits;
  const marked = rows.map((row, i) => markPredictedNever(row, groupPoints(result, fits[i]?.at ?? {})));
  if (!Array.isArray(values) || !values.includes(activation) || values.length < 2) return marked;
  const others = (at: Record<string, unknown>) => {
    const { activation: _a, ...rest } = at;
    return JSON.stringify(Object.entries(rest).sort());
  };
  return marked.map((row, i) => {
    const fit = fits[i];
    if (!fit) return row;
    if (fit.at.activation === activation) return { ...row, verdict: "control" };
    const j = fits.findIndex(
      (f) => f.direction === fit.direction && f.at.activation === activation && others(f.at) === others(fit.at),
    );
    if (j < 0) return row;
    const summary = controlSummary(marked[j], groupPoints(result, fits[j].at), activation);
    return { ...row, control: summary, verdict: verdictOf(row, groupPoints(result, fit.at), summary) };
  });
}

/** Adds the control's activation to a sweep's activation axis (`mcm sweep --control linear`). */
export function addControlAxis(
  base: Record<string, unknown>,
  grid: Record<string, unknown[]>,
  activation: Activation = CONTROL_ACTIVATION,
): void {
  const current = grid.activation ?? [base.activation ?? "tanh"];
  delete base.activation;
  grid.activation = current.includes(activation) ? current : [...current, activation];
}
