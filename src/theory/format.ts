/**
 * A short human-readable table of an exponent result (for `mcm exponent` without --json).
 */
import type { DirectionExponent, ExponentResult } from "./exponent.js";
import { namedMixedTerms } from "./named-terms.js";

const fmt = (x: number, digits = 4) => (x === 0 ? "0" : x.toExponential(digits - 1));
/** x to 4 significant digits without trailing zeros: 0.5, 6.435, 1e-10 (the exponent keeps every digit). */
export function shortNumber(x: number): string {
  if (Number.isInteger(x)) return String(x);
  const [mantissa, exponent] = x.toPrecision(4).split("e");
  const short = mantissa.includes(".") ? mantissa.replace(/\.?0+$/, "") : mantissa;
  return exponent === undefined ? short : `${short}e${exponent}`;
}

const num = shortNumber;

function pad(cells: string[][]): string[] {
  const widths = cells[0].map((_, j) => Math.max(...cells.map((row) => row[j].length)));
  return cells.map((row) =>
    row
      .map((c, j) => c.padEnd(widths[j]))
      .join("  ")
      .trimEnd(),
  );
}

function row(name: string, d: DirectionExponent): string[] {
  const ck = d.k === null ? "-" : fmt(d.coefficients[d.k - 1]);
  const attracting =
    d.k === null ? "-" : d.attracting ? (d.towardSign ? `yes (${d.towardSign > 0 ? "+" : "-"})` : "yes") : "no";
  return [
    name,
    d.k === null ? "none" : String(d.k),
    ck,
    attracting,
    d.predictedScaling,
    d.lrExponent === null ? "-" : num(d.lrExponent),
  ];
}

function monomial(u: number, v: number, m: number): string {
  const part = (name: string, p: number) => (p === 0 ? [] : [p === 1 ? name : `${name}^${p}`]);
  return [...part("aU", u), ...part("aV", v), ...part("aM", m)].join(" ");
}

/** Renders the result as a few lines of text (no colours, no trailing newline). */
export function formatExponentTable(r: ExponentResult, options: { mixedTerms?: number } = {}): string {
  const m = r.model;
  const lines: string[] = [];
  lines.push(
    `Diffusion information exponent: ${m.activation}, ${m.process} t=${num(m.t)} (alpha=${num(m.alpha)}, sigma=${num(m.sigma)}), ` +
      `b=${num(m.b)}, a=${num(m.a)}, betaU=${num(m.betaU)}, betaV=${num(m.betaV)}${m.betaM > 0 ? `, betaM=${num(m.betaM)}` : ""}, ` +
      `latent ${m.latent}, ${m.correlation}, target ${m.target}`,
  );
  const e = r.effectiveV;
  const cells: string[][] = [["direction", "k", "c_k", "attracting", "scaling", "lr exponent p"]];
  cells.push(row("u", r.directions.u));
  cells.push(row("v", r.directions.v));
  if (r.directions.m) cells.push(row("m", r.directions.m));
  cells.push(row(`v at alphaU=${num(e.alphaU)} (${e.path})`, e));
  lines.push(...pad(cells));
  const shown = r.mixed
    .slice()
    .sort((p, q) => p.u + p.v + p.m - (q.u + q.v + q.m))
    .slice(0, options.mixedTerms ?? 4);
  if (shown.length > 0) {
    lines.push(
      `mixed terms: ${shown.map((t) => `${monomial(t.u, t.v, t.m)} ${fmt(t.value)}`).join(", ")}${r.mixed.length > shown.length ? ", ..." : ""}`,
    );
  } else {
    lines.push("mixed terms: none above tolerance");
  }
  const named = namedMixedTerms(r).map((t) => [
    `  ${t.name}`,
    fmt(t.value),
    `${t.moment.name} = ${num(t.moment.value)}`,
    t.name === "alphaU alphaV" ? "(the covariance's u-v cross term)" : "(needs a g that is not odd)",
  ]);
  lines.push("mixed terms that let v follow u:", ...pad(named));
  const opt = r.optimum;
  lines.push(
    `u saturates at alphaU=${num(r.saturation.alphaU)}` +
      (opt ? `; loss minimum on the disk at alphaU=${num(opt.alphaU)}, alphaV=${num(opt.alphaV)}` : "") +
      `; coefficients below ${fmt(r.tolerance, 2)} count as zero`,
  );
  return lines.join("\n");
}
