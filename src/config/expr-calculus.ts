/**
 * Symbolic derivatives of activation formulas (./expr.ts) and their postfix bytecode for the kernels'
 * evaluator (assembly/table.ts), which tabulates g and g' (src/engine/table.ts).
 *
 * Kinks. abs, sign, step, max and min are not differentiable where their argument is 0 (max, min: where
 * the two arguments tie). The derivative takes there the mean of its one-sided values: abs'(u) = sign(u) u'
 * (0 at u = 0), max(a, b)' = step(a - b) a' + step(b - a) b' (the mean of a' and b' at a tie), min likewise,
 * and sign' = step' = 0 (a jump carries no gradient, as for the built-in sign activation). The kernels'
 * tables take the one-sided values at a kink that lies on a table node (src/engine/table.ts).
 *
 * Constants are folded only through + - * /, negation and small whole powers (exact IEEE operations, so the
 * bytecode is the same on every host); other powers and functions of constants are left to the evaluator.
 */
import * as abi from "../engine/abi.js";
import type { ExprNode, FunctionName } from "./expr.js";

const num = (value: number): ExprNode => ({ kind: "num", value });
const isNum = (n: ExprNode, v?: number) => n.kind === "num" && (v === undefined || n.value === v);
const ZERO = num(0);
const ONE = num(1);

function neg(a: ExprNode): ExprNode {
  if (a.kind === "num") return num(-a.value);
  if (a.kind === "neg") return a.arg;
  return { kind: "neg", arg: a };
}
function add(a: ExprNode, b: ExprNode): ExprNode {
  if (a.kind === "num" && b.kind === "num") return num(a.value + b.value);
  if (isNum(a, 0)) return b;
  if (isNum(b, 0)) return a;
  if (b.kind === "neg") return sub(a, b.arg);
  return { kind: "bin", op: "+", left: a, right: b };
}
function sub(a: ExprNode, b: ExprNode): ExprNode {
  if (a.kind === "num" && b.kind === "num") return num(a.value - b.value);
  if (isNum(b, 0)) return a;
  if (isNum(a, 0)) return neg(b);
  return { kind: "bin", op: "-", left: a, right: b };
}
function mul(a: ExprNode, b: ExprNode): ExprNode {
  if (a.kind === "num" && b.kind === "num") return num(a.value * b.value);
  if (isNum(a, 0) || isNum(b, 0)) return ZERO;
  if (isNum(a, 1)) return b;
  if (isNum(b, 1)) return a;
  if (isNum(a, -1)) return neg(b);
  if (isNum(b, -1)) return neg(a);
  if (a.kind === "neg") return neg(mul(a.arg, b));
  if (b.kind === "neg") return neg(mul(a, b.arg));
  if (b.kind === "num") return mul(b, a); // constants first: 2*x rather than x*2
  return { kind: "bin", op: "*", left: a, right: b };
}
function div(a: ExprNode, b: ExprNode): ExprNode {
  if (a.kind === "num" && b.kind === "num" && b.value !== 0) return num(a.value / b.value);
  if (isNum(a, 0)) return ZERO;
  if (isNum(b, 1)) return a;
  return { kind: "bin", op: "/", left: a, right: b };
}
function pow(a: ExprNode, b: ExprNode): ExprNode {
  if (isNum(b, 1)) return a;
  if (isNum(b, 0)) return ONE;
  if (a.kind === "num" && b.kind === "num" && Number.isInteger(b.value) && b.value > 0 && b.value <= 16) {
    let r = 1; // repeated products: exact IEEE operations, the same on every host
    for (let i = 0; i < b.value; i++) r *= a.value;
    return num(r);
  }
  return { kind: "bin", op: "^", left: a, right: b };
}
const call = (fn: FunctionName, ...args: ExprNode[]): ExprNode => ({ kind: "call", fn, args });

/** True when the tree depends on x. */
export function mentionsX(n: ExprNode): boolean {
  switch (n.kind) {
    case "num":
      return false;
    case "x":
      return true;
    case "neg":
      return mentionsX(n.arg);
    case "bin":
      return mentionsX(n.left) || mentionsX(n.right);
    case "call":
      return n.args.some(mentionsX);
  }
}

/** The tree with + - * / and negation of constants folded and the identities of 0 and 1 applied. */
export function simplify(n: ExprNode): ExprNode {
  switch (n.kind) {
    case "num":
    case "x":
      return n;
    case "neg":
      return neg(simplify(n.arg));
    case "call":
      return call(n.fn, ...n.args.map(simplify));
    case "bin": {
      const a = simplify(n.left);
      const b = simplify(n.right);
      return { "+": add, "-": sub, "*": mul, "/": div, "^": pow }[n.op](a, b);
    }
  }
}

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/** d/dx of the tree (simplified), with the kink conventions of the header. */
export function derivative(n: ExprNode): ExprNode {
  switch (n.kind) {
    case "num":
      return ZERO;
    case "x":
      return ONE;
    case "neg":
      return neg(derivative(n.arg));
    case "bin": {
      const { left: a, right: b } = n;
      const da = derivative(a);
      const db = derivative(b);
      switch (n.op) {
        case "+":
          return add(da, db);
        case "-":
          return sub(da, db);
        case "*":
          return add(mul(da, b), mul(a, db));
        case "/":
          if (!mentionsX(b)) return div(da, b);
          return div(sub(mul(da, b), mul(a, db)), pow(b, num(2)));
        case "^":
          if (!mentionsX(b)) return mul(mul(b, pow(a, sub(b, ONE))), da);
          return mul(pow(a, b), add(mul(db, call("log", a)), div(mul(b, da), a)));
      }
      break;
    }
    case "call": {
      const [u, v] = n.args;
      const du = derivative(u);
      if (n.fn === "max" || n.fn === "min") {
        const dv = derivative(v);
        const [first, second] = n.fn === "max" ? [sub(u, v), sub(v, u)] : [sub(v, u), sub(u, v)];
        return add(mul(call("step", first), du), mul(call("step", second), dv));
      }
      const outer: Record<Exclude<FunctionName, "max" | "min">, () => ExprNode> = {
        exp: () => n,
        log: () => div(ONE, u),
        sqrt: () => div(ONE, mul(num(2), n)),
        abs: () => call("sign", u),
        tanh: () => sub(ONE, pow(n, num(2))),
        sinh: () => call("cosh", u),
        cosh: () => call("sinh", u),
        sin: () => call("cos", u),
        cos: () => neg(call("sin", u)),
        erf: () => mul(num(TWO_OVER_SQRT_PI), call("exp", neg(pow(u, num(2))))),
        sigmoid: () => mul(n, sub(ONE, n)),
        softplus: () => call("sigmoid", u),
        sign: () => ZERO,
        step: () => ZERO,
      };
      return mul(outer[n.fn](), du);
    }
  }
  throw new Error("derivative: unreachable");
}

/** The kernels' opcode of each function (EXPR_* of assembly/params.ts). */
const FN_OP: Record<FunctionName, number> = {
  exp: abi.EXPR_EXP,
  log: abi.EXPR_LOG,
  sqrt: abi.EXPR_SQRT,
  abs: abi.EXPR_ABS,
  tanh: abi.EXPR_TANH,
  sinh: abi.EXPR_SINH,
  cosh: abi.EXPR_COSH,
  sin: abi.EXPR_SIN,
  cos: abi.EXPR_COS,
  erf: abi.EXPR_ERF,
  sigmoid: abi.EXPR_SIGMOID,
  softplus: abi.EXPR_SOFTPLUS,
  sign: abi.EXPR_SIGN,
  step: abi.EXPR_STEP,
  max: abi.EXPR_MAX,
  min: abi.EXPR_MIN,
};
const BIN_OP = { "+": abi.EXPR_ADD, "-": abi.EXPR_SUB, "*": abi.EXPR_MUL, "/": abi.EXPR_DIV, "^": abi.EXPR_POW };

/** A postfix program: pairs (opcode, immediate) as f64, and the evaluation stack it needs. */
export interface Program {
  code: Float64Array;
  depth: number;
}

/** The tree as the kernels' postfix bytecode (assembly/table.ts evaluates it). */
export function compileProgram(root: ExprNode): Program {
  const code: number[] = [];
  let depth = 0;
  let top = 0;
  const emit = (op: number, imm: number, pops: number) => {
    code.push(op, imm);
    top += 1 - pops;
    depth = Math.max(depth, top);
  };
  const walk = (n: ExprNode): void => {
    switch (n.kind) {
      case "num":
        emit(abi.EXPR_NUM, n.value, 0);
        break;
      case "x":
        emit(abi.EXPR_X, 0, 0);
        break;
      case "neg":
        walk(n.arg);
        emit(abi.EXPR_NEG, 0, 1);
        break;
      case "bin":
        walk(n.left);
        walk(n.right);
        emit(BIN_OP[n.op], 0, 2);
        break;
      case "call":
        for (const a of n.args) walk(a);
        emit(FN_OP[n.fn], 0, n.args.length);
        break;
    }
  };
  walk(root);
  return { code: Float64Array.from(code), depth };
}
