/**
 * Formula activations (src/config/expr.ts) as JavaScript functions for the theory's quadrature and the
 * page's plot: g and its symbolic derivative g' evaluated from the parsed tree itself (not the kernels'
 * table), and the kinks of g (where an argument of abs, sign, step, max or min crosses its tie), at which
 * the quadrature rules split.
 */

import { ExprError, type ExprNode, isExpressionActivation, parseExpressionActivation } from "../config/expr.js";
import { derivative } from "../config/expr-calculus.js";
import { erf } from "./special.js";

type Fn = (x: number) => number;

const step = (u: number) => (u > 0 ? 1 : u < 0 ? 0 : 0.5);
const UNARY: Record<string, Fn> = {
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  tanh: Math.tanh,
  sinh: Math.sinh,
  cosh: Math.cosh,
  sin: Math.sin,
  cos: Math.cos,
  erf,
  sigmoid: (u) => 1 / (1 + Math.exp(-u)),
  softplus: (u) => Math.max(u, 0) + Math.log1p(Math.exp(-Math.abs(u))),
  sign: (u) => 2 * step(u) - 1,
  step,
};

/** The tree as a function of x (closures, no eval). */
export function compileExpr(n: ExprNode): Fn {
  switch (n.kind) {
    case "num": {
      const v = n.value;
      return () => v;
    }
    case "x":
      return (x) => x;
    case "neg": {
      const a = compileExpr(n.arg);
      return (x) => -a(x);
    }
    case "bin": {
      const a = compileExpr(n.left);
      const b = compileExpr(n.right);
      switch (n.op) {
        case "+":
          return (x) => a(x) + b(x);
        case "-":
          return (x) => a(x) - b(x);
        case "*":
          return (x) => a(x) * b(x);
        case "/":
          return (x) => a(x) / b(x);
        case "^":
          return (x) => a(x) ** b(x);
      }
      break;
    }
    case "call": {
      const args = n.args.map(compileExpr);
      if (n.fn === "max" || n.fn === "min") {
        const [a, b] = args;
        return n.fn === "max" ? (x) => Math.max(a(x), b(x)) : (x) => Math.min(a(x), b(x));
      }
      const f = UNARY[n.fn];
      const a = args[0];
      return (x) => f(a(x));
    }
  }
  throw new Error("compileExpr: unreachable");
}

/** The functions whose zeros are the kinks of the tree (the arguments of abs, sign, step; a - b of max, min). */
function kinkArguments(n: ExprNode, out: Fn[] = []): Fn[] {
  switch (n.kind) {
    case "neg":
      kinkArguments(n.arg, out);
      break;
    case "bin":
      kinkArguments(n.left, out);
      kinkArguments(n.right, out);
      break;
    case "call":
      for (const a of n.args) kinkArguments(a, out);
      if (n.fn === "max" || n.fn === "min") {
        const a = compileExpr(n.args[0]);
        const b = compileExpr(n.args[1]);
        out.push((x) => a(x) - b(x));
      } else if (n.fn === "abs" || n.fn === "sign" || n.fn === "step") out.push(compileExpr(n.args[0]));
      break;
  }
  return out;
}

/** KINK_RANGE: kinks are looked for on [-KINK_RANGE, KINK_RANGE], on a grid of KINK_GRID, then bisected. */
export const KINK_RANGE = 40;
const KINK_GRID = 1 / 64;

/** The kinks of the tree on [-KINK_RANGE, KINK_RANGE]: sign changes and zeros of the kink arguments. */
export function kinkPoints(n: ExprNode): number[] {
  const found = new Set<number>();
  for (const f of kinkArguments(n)) {
    let xa = -KINK_RANGE;
    let fa = f(xa);
    for (let x = -KINK_RANGE + KINK_GRID; x <= KINK_RANGE; x += KINK_GRID) {
      const fb = f(x);
      if (fa === 0) found.add(xa);
      else if (fa * fb < 0) {
        let lo = xa;
        let hi = x;
        for (let it = 0; it < 80 && hi - lo > 1e-15 * (1 + Math.abs(lo)); it++) {
          const mid = 0.5 * (lo + hi);
          if (f(mid) * fa > 0) lo = mid;
          else hi = mid;
        }
        found.add(0.5 * (lo + hi));
      }
      xa = x;
      fa = fb;
    }
  }
  return [...found].sort((a, b) => a - b);
}

export interface FormulaFunctions {
  g: Fn;
  gp: Fn;
  /** Where g has a kink (empty for a smooth g). */
  kinks: number[];
}

const cache = new Map<string, FormulaFunctions>();

/** g, g' and the kinks of a formula activation ("expr:..." or a shortcut); null for a built-in name. */
export function formulaFunctions(activation: string): FormulaFunctions | null {
  if (!isExpressionActivation(activation)) return null;
  let hit = cache.get(activation);
  if (!hit) {
    const { tree } = parseExpressionActivation(activation);
    hit = { g: compileExpr(tree), gp: compileExpr(derivative(tree)), kinks: kinkPoints(tree) };
    cache.set(activation, hit);
  }
  return hit;
}

const checked = new Set<string>();

/**
 * Refuses (ExprError) a formula activation that is not finite, or whose derivative is not, somewhere on
 * [-range, range] (a grid of spacing 1/64), or that is constant there: the theory's version of the kernels'
 * table checks (src/engine/table.ts), for commands that build no table (exponent, predict).
 */
export function checkFormula(activation: string, range: number): void {
  const f = formulaFunctions(activation);
  const key = `${range} ${activation}`;
  if (!f || checked.has(key)) return;
  const { formula } = parseExpressionActivation(activation);
  const g0 = f.g(0);
  let constant = true;
  for (let i = -64 * range; i <= 64 * range; i++) {
    const x = i / 64;
    const g = f.g(x);
    const gp = f.gp(x);
    for (const [name, v] of [
      ["g", g],
      ["g'", gp],
    ] as const) {
      if (!Number.isFinite(v)) {
        throw new ExprError(
          formula,
          -1,
          `has ${name}(${x}) = ${v}, not finite, inside the range [-${range}, ${range}]`,
        );
      }
    }
    if (g !== g0 || gp !== 0) constant = false;
  }
  if (constant) {
    throw new ExprError(
      formula,
      -1,
      `is constant on [-${range}, ${range}] (g' = 0 everywhere): the denoiser cannot learn, its unit adds the same a_k g w_k whatever the input`,
    );
  }
  checked.add(key);
}
