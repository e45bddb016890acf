/**
 * The activation expression language (`--activation 'expr:FORMULA'`, docs/activations.md): a formula in x
 * parsed by a small recursive-descent parser of its own (never eval), the same shape as the steps grammar
 * (./steps.ts):
 *
 *   expr    := term (("+" | "-") term)*
 *   term    := unary (("*" | "/") unary)*
 *   unary   := ("+" | "-") unary | power
 *   power   := atom ("^" unary)?          right-associative, binds tighter than unary minus: -x^2 = -(x^2)
 *   atom    := number | "x" | "pi" | "e" | func "(" expr ("," expr)* ")" | "(" expr ")"
 *   func    := exp log sqrt abs tanh sinh cosh sin cos erf sigmoid softplus sign step (one argument),
 *              max min (two arguments)
 *
 * sigmoid(u) = 1 / (1 + exp(-u)), softplus(u) = log(1 + exp(u)), sign(0) = 0, step(u) = 1 for u > 0, 0 for
 * u < 0 and 1/2 at 0 (so step = (1 + sign) / 2). Named shortcuts are expressions too (SHORTCUTS).
 * Derivatives and the kernels' bytecode: ./expr-calculus.ts.
 */
import { ConfigError } from "./errors.js";
import { pointAt, type Token, tokenize } from "./tokens.js";

export const UNARY_FUNCTIONS = [
  "exp",
  "log",
  "sqrt",
  "abs",
  "tanh",
  "sinh",
  "cosh",
  "sin",
  "cos",
  "erf",
  "sigmoid",
  "softplus",
  "sign",
  "step",
] as const;
export const BINARY_FUNCTIONS = ["max", "min"] as const;
export type UnaryFunction = (typeof UNARY_FUNCTIONS)[number];
export type BinaryFunction = (typeof BINARY_FUNCTIONS)[number];
export type FunctionName = UnaryFunction | BinaryFunction;

export type ExprNode =
  | { kind: "num"; value: number }
  | { kind: "x" }
  | { kind: "neg"; arg: ExprNode }
  | { kind: "bin"; op: "+" | "-" | "*" | "/" | "^"; left: ExprNode; right: ExprNode }
  | { kind: "call"; fn: FunctionName; args: ExprNode[] };

/** The prefix of an expression activation in configs and flags. */
export const EXPR_PREFIX = "expr:";

/** Named activations that are expressions (docs/activations.md): GELU exactly (x Phi(x)), SiLU, softplus. */
export const SHORTCUTS = {
  gelu: "x*(1 + erf(x/sqrt(2)))/2",
  silu: "x*sigmoid(x)",
  softplus: "softplus(x)",
} as const;
export type Shortcut = keyof typeof SHORTCUTS;

/** Deeper nesting (parentheses, signs, powers, calls) is refused instead of exhausting the stack. */
export const MAX_EXPR_DEPTH = 100;

/** A syntax error of an activation formula, or a formula the kernels refuse (not finite, constant, ...):
 * a ConfigError of the field `activation`, with the 0-based position in the formula (or -1). */
export class ExprError extends ConfigError {
  readonly position: number;
  readonly formula: string;
  constructor(formula: string, position: number, message: string) {
    const { where, quoted, caret } = pointAt(formula, position);
    // A syntax error names its position; a refusal of the whole formula (position -1) reads "the formula F ...".
    const text =
      position >= 0 ? `${message}${where} in the formula ${quoted}${caret}` : `the formula ${quoted} ${message}`;
    super("activation", text);
    this.name = "ExprError";
    this.position = position;
    this.formula = formula;
  }
}

const KNOWN = `x, pi, e and the functions ${[...UNARY_FUNCTIONS, ...BINARY_FUNCTIONS].join(", ")}`;

function tokens(src: string): Token[] {
  return tokenize(src, "+-*/^(),", (at, c) => {
    throw new ExprError(
      src,
      at,
      `unexpected character ${JSON.stringify(c)} (allowed: numbers, ${KNOWN}, + - * / ^, parentheses, commas)`,
    );
  });
}

/** Parses a formula in x (throws ExprError with the position of the first problem). */
export function parseExpr(src: string): ExprNode {
  const list = tokens(src);
  let pos = 0;
  let depth = 0;
  const peek = () => list[pos];
  const describe = (t: Token) => (t.type === "end" ? "the end of the formula" : JSON.stringify(t.text));
  const isOp = (t: Token, text: string) => t.type === "op" && t.text === text;
  const expectOp = (text: string, what = `"${text}"`) => {
    const t = peek();
    if (!isOp(t, text)) throw new ExprError(src, t.at, `expected ${what}, found ${describe(t)}`);
    pos++;
  };
  const nest = <T>(at: number, f: () => T): T => {
    if (++depth > MAX_EXPR_DEPTH) {
      throw new ExprError(src, at, `nested deeper than ${MAX_EXPR_DEPTH} levels (parentheses, signs, powers or calls)`);
    }
    try {
      return f();
    } finally {
      depth--;
    }
  };

  const expr = (): ExprNode => {
    let left = term();
    for (let t = peek(); isOp(t, "+") || isOp(t, "-"); t = peek()) {
      pos++;
      left = { kind: "bin", op: t.text as "+" | "-", left, right: term() };
    }
    return left;
  };
  const term = (): ExprNode => {
    let left = unary();
    for (let t = peek(); isOp(t, "*") || isOp(t, "/"); t = peek()) {
      pos++;
      left = { kind: "bin", op: t.text as "*" | "/", left, right: unary() };
    }
    return left;
  };
  const unary = (): ExprNode => {
    const t = peek();
    return nest(t.at, () => {
      if (isOp(t, "-") || isOp(t, "+")) {
        pos++;
        const arg = unary();
        return t.text === "-" ? { kind: "neg", arg } : arg;
      }
      const base = atom();
      if (isOp(peek(), "^")) {
        pos++;
        return { kind: "bin", op: "^", left: base, right: unary() };
      }
      return base;
    });
  };
  const call = (t: Token): ExprNode => {
    const fn = t.text as FunctionName;
    const arity = (BINARY_FUNCTIONS as readonly string[]).includes(fn) ? 2 : 1;
    if (!isOp(peek(), "(")) throw new ExprError(src, peek().at, `expected "(" after the function ${fn}`);
    pos++;
    const args = [expr()];
    while (isOp(peek(), ",")) {
      const comma = peek();
      pos++;
      if (args.length >= arity) {
        throw new ExprError(src, comma.at, `${fn} takes ${arity} argument${arity > 1 ? "s" : ""}, found more`);
      }
      args.push(expr());
    }
    if (args.length < arity)
      throw new ExprError(src, peek().at, `${fn} takes ${arity} arguments, found ${args.length}`);
    expectOp(")", `")" closing ${fn}(`);
    return { kind: "call", fn, args };
  };
  const atom = (): ExprNode => {
    const t = peek();
    if (t.type === "num") {
      pos++;
      return { kind: "num", value: t.value as number };
    }
    if (t.type === "name") {
      pos++;
      if (t.text === "x") return { kind: "x" };
      if (t.text === "pi") return { kind: "num", value: Math.PI };
      if (t.text === "e") return { kind: "num", value: Math.E };
      if ((UNARY_FUNCTIONS as readonly string[]).includes(t.text)) return call(t);
      if ((BINARY_FUNCTIONS as readonly string[]).includes(t.text)) return call(t);
      const what = isOp(peek(), "(") ? "function" : "variable";
      throw new ExprError(src, t.at, `unknown ${what} ${JSON.stringify(t.text)} (known: ${KNOWN})`);
    }
    if (isOp(t, "(")) {
      pos++;
      const inner = expr();
      expectOp(")", `")"`);
      return inner;
    }
    throw new ExprError(src, t.at, `expected a number, x, pi, e, a function or "(", found ${describe(t)}`);
  };

  if (src.trim() === "") throw new ExprError(src, -1, "is empty (write e.g. expr:x*sigmoid(1.702*x))");
  const root = expr();
  const t = peek();
  if (t.type !== "end") {
    const hint = isOp(t, ")") ? "unmatched" : "expected an operator (+ - * / ^) before";
    throw new ExprError(src, t.at, `${hint} ${describe(t)}`);
  }
  return root;
}

const PRECEDENCE = { "+": 1, "-": 1, "*": 2, "/": 2, "^": 4 } as const;

/** Shortest decimal that reads back as the same number (pi and e by name). */
function numberText(v: number): string {
  if (v === Math.PI) return "pi";
  if (v === Math.E) return "e";
  return String(v).replace("e+", "e");
}

/** The formula as text in the language itself (parseExpr(printExpr(n)) is the same tree up to parentheses). */
export function printExpr(node: ExprNode, outer = 0, rightOf = false): string {
  const wrap = (s: string, prec: number) => (prec < outer || (prec === outer && rightOf) ? `(${s})` : s);
  switch (node.kind) {
    case "num":
      return node.value < 0 ? wrap(`-${numberText(-node.value)}`, 3) : numberText(node.value);
    case "x":
      return "x";
    case "neg":
      return wrap(`-${printExpr(node.arg, 3)}`, 3);
    case "call":
      return `${node.fn}(${node.args.map((a) => printExpr(a)).join(", ")})`;
    case "bin": {
      const p = PRECEDENCE[node.op];
      if (node.op === "^") return wrap(`${printExpr(node.left, 5)}^${printExpr(node.right, 3)}`, p);
      const sep = p === 1 ? ` ${node.op} ` : node.op;
      return wrap(`${printExpr(node.left, p)}${sep}${printExpr(node.right, p, true)}`, p);
    }
  }
}

/** An activation as the engine and the theory read it: a built-in kernel activation, or a formula. */
export type ParsedActivation =
  | { kind: "builtin"; name: string }
  | {
      kind: "expr";
      /** What the config says: "expr:...", or a shortcut's name. */
      name: string;
      /** The formula as written (the shortcut's formula for a shortcut). */
      formula: string;
      tree: ExprNode;
    };

/** True when s names an expression activation (a shortcut or "expr:..."), whether or not it parses. */
export function isExpressionActivation(s: string): boolean {
  return s.startsWith(EXPR_PREFIX) || Object.hasOwn(SHORTCUTS, s);
}

/** The formula of an expression activation ("expr:F" or a shortcut), parsed; throws ExprError. */
export function parseExpressionActivation(s: string): Extract<ParsedActivation, { kind: "expr" }> {
  const formula = s.startsWith(EXPR_PREFIX) ? s.slice(EXPR_PREFIX.length) : SHORTCUTS[s as Shortcut];
  return { kind: "expr", name: s, formula, tree: parseExpr(formula) };
}
