/**
 * The kernels' table of a formula activation (docs/activations.md): g and g' as cubic Hermite pieces on a
 * uniform grid of [-L, L] (L = Model.tableRange, from the pre-activation range), continued linearly beyond,
 * built by the kernels' own evaluator (assembly/table.ts) so that its bytes are the same on every host and
 * build. The spacing is the widest power of two, from 1/16 down to 1/1024, for which the table meets
 *   |table - f| <= TABLE_TOLERANCE max(1, |f|)   for f = g and f = g'
 * at three interior points of every interval (t = 1/4, 1/2, 3/4; the nodes themselves are exact); a formula
 * for which none does is refused, as is one that is not finite somewhere on [-L, L] or that is constant.
 */

import { ExprError, type ParsedActivation, printExpr } from "../config/expr.js";
import { compileProgram, derivative, type Program, simplify } from "../config/expr-calculus.js";
import type { ActivationTable } from "../config/model.js";
import * as abi from "./abi.js";
import type { Arena } from "./arena.js";
import { fingerprint, type KernelExports } from "./kernels.js";

export const TABLE_TOLERANCE = 1e-9;
/** Spacings tried, widest first. */
export const TABLE_SPACINGS = [1 / 16, 1 / 32, 1 / 64, 1 / 128, 1 / 256, 1 / 512, 1 / 1024];
const CHECK_POINTS = [0.25, 0.5, 0.75];

const align = (x: number) => Math.ceil(x / 16) * 16;

/**
 * Builds and checks the table of a formula on [-range, range] in the kernel instance `exports`, using its
 * memory from `scratch` on as workspace (the caller copies `data` to its place in the arena). Throws
 * ExprError when the formula is refused.
 */
export function buildActivationTable(
  exports: KernelExports,
  arena: Arena,
  activation: Extract<ParsedActivation, { kind: "expr" }>,
  range: number,
  scratch: number,
): ActivationTable {
  const { formula, tree } = activation;
  const refuse = (message: string): never => {
    throw new ExprError(formula, -1, message);
  };
  const d1 = derivative(tree);
  const d2 = derivative(d1);
  const programs = [compileProgram(tree), compileProgram(d1), compileProgram(d2)];
  const deepest = Math.max(...programs.map((p) => p.depth));
  if (deepest > abi.EXPR_STACK) {
    refuse(`needs ${deepest} levels of the kernels' evaluation stack (g, g' or g''), more than its ${abi.EXPR_STACK}`);
  }
  // Workspace: the three programs, then the table.
  const ptrs: number[] = [];
  let at = align(scratch);
  for (const p of programs) {
    ptrs.push(at);
    at = align(at + p.code.length * 8);
  }
  const out = at;
  const maxIntervals = 2 * Math.ceil(range / TABLE_SPACINGS[TABLE_SPACINGS.length - 1]);
  arena.ensure(out + (maxIntervals * 8 + 4) * 8);
  programs.forEach((p: Program, i) => {
    arena.writeF64(ptrs[i], p.code);
  });
  const len = programs.map((p) => p.code.length / 2);
  const value = (which: number, x: number) => exports.exprAt(ptrs[which], len[which], x);
  const fmt = (x: number) => Number(x.toPrecision(6));
  let worst = { g: 0, gp: 0, x: 0, which: "g" };
  for (const dx of TABLE_SPACINGS) {
    const half = Math.ceil(range / dx);
    const n = 2 * half;
    const lo = -half * dx;
    const bad = exports.tableBuild(ptrs[0], len[0], ptrs[1], len[1], ptrs[2], len[2], lo, dx, n, out);
    if (bad >= 0) {
      const x = lo + Math.floor(bad / 3) * dx;
      const which = ["g", "g'", "g''"][bad % 3];
      refuse(
        `has ${which}(${fmt(x)}) = ${value(bad % 3, x)}, not finite, inside the table's range [-${range}, ${range}] (the pre-activation range of this config)` +
          (bad % 3 === 2 ? "; the table of g' interpolates with g''" : ""),
      );
    }
    const data = arena.readF64(out, n * 8 + 4);
    if (dx === TABLE_SPACINGS[0]) {
      let constant = true;
      for (let i = 0; i < n && constant; i++) constant = data[8 * i] === data[0] && data[8 * i + 4] === 0;
      if (constant) {
        refuse(
          `is constant on [-${range}, ${range}] (g' = 0 everywhere): the denoiser cannot learn, its unit adds the same a_k g w_k whatever the input`,
        );
      }
    }
    exports.tableUse(out, n, lo, 1 / dx);
    worst = { g: 0, gp: 0, x: 0, which: "g" };
    let ok = true;
    for (let i = 0; i < n && ok; i++) {
      for (const t of CHECK_POINTS) {
        const x = lo + (i + t) * dx;
        const g = exports.activationAt(abi.ACT_TABLE, x);
        const gp = exports.lastDerivative();
        const fg = value(0, x);
        const fgp = value(1, x);
        const eg = Math.abs(g - fg) / Math.max(1, Math.abs(fg));
        const egp = Math.abs(gp - fgp) / Math.max(1, Math.abs(fgp));
        if (eg > worst.g) worst = { ...worst, g: eg };
        if (egp > worst.gp) worst = { ...worst, gp: egp };
        if (!(eg <= TABLE_TOLERANCE && egp <= TABLE_TOLERANCE)) {
          ok = false;
          worst = { ...worst, x, which: eg > TABLE_TOLERANCE ? "g" : "g'" };
          break;
        }
      }
    }
    if (ok) {
      return {
        formula,
        derivative: printExpr(simplify(d1)),
        range,
        spacing: dx,
        intervals: n,
        tolerance: TABLE_TOLERANCE,
        maxError: { g: worst.g, gp: worst.gp },
        checksum: fingerprint(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)),
        data,
      };
    }
  }
  return refuse(
    `its table misses the bound ${TABLE_TOLERANCE} (relative to max(1, |${worst.which}|)) even at spacing ${TABLE_SPACINGS[TABLE_SPACINGS.length - 1]}: ` +
      `the error of ${worst.which} is ${fmt(Math.max(worst.g, worst.gp))} near x = ${fmt(worst.x)} (a kink off the grid x = j/1024, or a function that varies faster than the grid)`,
  );
}
