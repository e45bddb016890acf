/**
 * Outputs shared by `mcm sweep` and `mcm demo`: per-point tables, the phase-transition summary, and the
 * plot files (SVG and PNG).
 */
import { join } from "node:path";
import type { TopLevelSpec } from "vega-lite";
import type { PhaseRow } from "../experiments/phase.js";
import type { SweepResult } from "../experiments/sweep.js";
import { writeFileAtomic } from "../io/atomic.js";
import { type Build, stamp } from "../io/stamp.js";
import { pngWriter } from "./optional.js";
import { SWEEP_SCHEMAS } from "./sweep-store.js";

const num = (x: number | null, digits = 0) => (x === null ? "-" : digits ? x.toFixed(digits) : String(Math.round(x)));

/** One line per grid point and direction: median hitting step with its interval, censored count. */
export function formatPoints(result: SweepResult): string {
  const header = ["point", "dir", "median n*", "95% CI", "censored", "n*/d"];
  const rows: string[][] = [];
  for (const p of result.points) {
    for (const [dir, r] of Object.entries(p.directions)) {
      if (!r) continue;
      const m = r.median;
      rows.push([
        Object.entries(p.at)
          .map(([k, v]) => `${k}=${v}`)
          .join(" "),
        dir,
        num(m.median),
        `[${num(m.lo)}, ${m.hi === null ? `>${p.steps}` : num(m.hi)}]`,
        `${m.censored}/${m.n}`,
        m.median === null ? "-" : (m.median / p.config.d).toFixed(2),
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** Why a sweep has no phase rows: n*(d) is fitted over d, so it needs at least two values of d. */
export function noFitReason(result: SweepResult): string {
  const ds = [...new Set(result.points.map((p) => p.config.d))];
  return `no exponent fitted: every point has d = ${ds.join(", ")}; the exponent of n*(d) needs --d with at least two values (e.g. --d ${ds[0]},${2 * ds[0]},${4 * ds[0]})`;
}

/** sweep.csv: one row per point and direction. Its first columns are d and every other grid field, even
 * where a field has a single value (`--d 64` alone still writes a d column), read from each point's config. */
export function sweepCsv(result: SweepResult): string {
  const fields = ["d", ...Object.keys(result.spec.grid).filter((f) => f !== "d")];
  const lines = [[...fields, "direction", "steps", "walkers", "median", "ci_lo", "ci_hi", "censored"].join(",")];
  for (const p of result.points) {
    for (const [dir, r] of Object.entries(p.directions)) {
      if (!r) continue;
      const m = r.median;
      const config = p.config as unknown as Record<string, unknown>;
      lines.push(
        [
          ...fields.map((f) => String(p.at[f] ?? config[f])),
          dir,
          p.steps,
          m.n,
          m.median ?? "",
          m.lo ?? "",
          m.hi ?? "",
          m.censored,
        ].join(","),
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

/** JSON of a sweep with its phase rows; logs are kept (they are what the plots are drawn from). */
export function sweepJson(
  result: SweepResult,
  rows: PhaseRow[],
  extra: Record<string, unknown> = {},
  build: Build = null,
): string {
  return `${JSON.stringify(stamp(SWEEP_SCHEMAS.json, build, { ...extra, ...result, phase: rows }), null, 1)}\n`;
}

/** Writes NAME.svg and NAME.png for each spec; returns the paths written. */
export async function writePlots(dir: string, specs: Record<string, TopLevelSpec>): Promise<string[]> {
  // Loaded here, not at start-up: vega and the PNG renderer take most of a second to import.
  const { renderSvg } = await import("../report/plots.js");
  const png = await pngWriter();
  const written: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    const svg = await renderSvg(spec);
    writeFileAtomic(join(dir, `${name}.svg`), svg);
    written.push(join(dir, `${name}.svg`));
    if (!png) continue;
    writeFileAtomic(join(dir, `${name}.png`), png(svg));
    written.push(join(dir, `${name}.png`));
  }
  return written;
}

/** One plot regime per combination of the non-d grid fields, with each direction's predicted law k. */
export function groupRegimes(result: SweepResult, rows: PhaseRow[]) {
  const groups = new Map<string, SweepResult["points"]>();
  for (const p of result.points) {
    const { d: _d, ...rest } = p.at;
    const label =
      Object.entries(rest)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ") || "all";
    groups.set(label, [...(groups.get(label) ?? []), p]);
  }
  return [...groups.entries()].map(([label, points]) => ({
    label,
    points,
    k: Object.fromEntries(rows.filter((r) => r.label === label).map((r) => [r.direction, r.lawK])),
  }));
}
