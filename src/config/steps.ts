/**
 * The `--steps` grammar: a step count written as an expression in the dimension d, such as `30*d^3`,
 * `50*d*log(d)` or `1e6`. A small recursive-descent parser of its own (never eval):
 *
 *   expr    := term (("+" | "-") term)*
 *   term    := unary (("*" | "/") unary)*
 *   unary   := ("+" | "-") unary | power
 *   power   := atom ("^" unary)?          right-associative, binds tighter than unary minus: -d^2 = -(d^2)
 *   atom    := number | "d" | func "(" expr ")" | "(" expr ")"
 *   func    := "log" (natural) | "sqrt"
 *   number  := digits ["." digits] [("e" | "E") ["+" | "-"] digits]   (also ".5")
 *
 * Whitespace is ignored. The value is rounded to the nearest integer, which must lie in [1, 2^53 - 1].
 */
import { InputError } from "./errors.js";

import { pointAt, type Token, tokenize } from "./tokens.js";

/** A syntax or range error of a steps expression; `position` is the 0-based character offset (or -1). */
export class StepsError extends InputError {
  readonly position: number;
  readonly expression: string;
  constructor(expression: string, position: number, message: string) {
    const { where, quoted, caret } = pointAt(expression, position);
    super("steps", `${message}${where} in ${quoted}${caret}`);
    this.name = "StepsError";
    this.position = position;
    this.expression = expression;
  }
}

type Node =
  | { kind: "num"; value: number }
  | { kind: "d" }
  | { kind: "neg"; arg: Node }
  | { kind: "bin"; op: "+" | "-" | "*" | "/" | "^"; left: Node; right: Node }
  | { kind: "call"; fn: "log" | "sqrt"; arg: Node; at: number };

const FUNCTIONS = ["log", "sqrt"] as const;

/** Deeper nesting (parentheses, signs, powers) is refused with a StepsError instead of exhausting the stack. */
export const MAX_STEPS_DEPTH = 200;

function tokens(src: string): Token[] {
  return tokenize(src, "+-*/^()", (at, c) => {
    throw new StepsError(
      src,
      at,
      `unexpected character ${JSON.stringify(c)} (allowed: numbers, d, + - * / ^, log, sqrt, parentheses)`,
    );
  });
}

function parse(src: string): Node {
  const list = tokens(src);
  let pos = 0;
  const peek = () => list[pos];
  const describe = (t: Token) => (t.type === "end" ? "end of expression" : JSON.stringify(t.text));
  const expectOp = (text: string) => {
    const t = peek();
    if (t.type !== "op" || t.text !== text) throw new StepsError(src, t.at, `expected "${text}", found ${describe(t)}`);
    pos++;
  };

  const expr = (): Node => {
    let left = term();
    for (let t = peek(); t.type === "op" && (t.text === "+" || t.text === "-"); t = peek()) {
      pos++;
      left = { kind: "bin", op: t.text, left, right: term() };
    }
    return left;
  };
  const term = (): Node => {
    let left = unary();
    for (let t = peek(); t.type === "op" && (t.text === "*" || t.text === "/"); t = peek()) {
      pos++;
      left = { kind: "bin", op: t.text, left, right: unary() };
    }
    return left;
  };
  let depth = 0;
  const unary = (): Node => {
    const t = peek();
    if (++depth > MAX_STEPS_DEPTH) {
      throw new StepsError(src, t.at, `nested deeper than ${MAX_STEPS_DEPTH} levels (parentheses, signs or powers)`);
    }
    try {
      if (t.type === "op" && (t.text === "-" || t.text === "+")) {
        pos++;
        const arg = unary();
        return t.text === "-" ? { kind: "neg", arg } : arg;
      }
      return power();
    } finally {
      depth--;
    }
  };
  const power = (): Node => {
    const base = atom();
    const t = peek();
    if (t.type === "op" && t.text === "^") {
      pos++;
      return { kind: "bin", op: "^", left: base, right: unary() };
    }
    return base;
  };
  const atom = (): Node => {
    const t = peek();
    if (t.type === "num") {
      pos++;
      return { kind: "num", value: t.value as number };
    }
    if (t.type === "name") {
      pos++;
      if (t.text === "d") return { kind: "d" };
      if ((FUNCTIONS as readonly string[]).includes(t.text)) {
        expectOp("(");
        const arg = expr();
        expectOp(")");
        return { kind: "call", fn: t.text as "log" | "sqrt", arg, at: t.at };
      }
      throw new StepsError(src, t.at, `unknown name ${JSON.stringify(t.text)} (known: d, log, sqrt)`);
    }
    if (t.type === "op" && t.text === "(") {
      pos++;
      const inner = expr();
      expectOp(")");
      return inner;
    }
    throw new StepsError(src, t.at, `expected a number, d, log(...), sqrt(...) or "(", found ${describe(t)}`);
  };

  if (src.trim() === "") throw new StepsError(src, -1, "empty expression");
  const root = expr();
  const t = peek();
  if (t.type !== "end") {
    const hint = t.type === "op" && t.text === ")" ? "unmatched" : "expected an operator (+ - * / ^) before";
    throw new StepsError(src, t.at, `${hint} ${describe(t)}`);
  }
  return root;
}

function evaluate(node: Node, d: number, src: string): number {
  switch (node.kind) {
    case "num":
      return node.value;
    case "d":
      return d;
    case "neg":
      return -evaluate(node.arg, d, src);
    case "call": {
      const x = evaluate(node.arg, d, src);
      if (node.fn === "log" && !(x > 0)) throw new StepsError(src, node.at, `log of ${x} (needs a positive argument)`);
      if (node.fn === "sqrt" && !(x >= 0)) throw new StepsError(src, node.at, `sqrt of ${x} (needs an argument >= 0)`);
      return node.fn === "log" ? Math.log(x) : Math.sqrt(x);
    }
    case "bin": {
      const a = evaluate(node.left, d, src);
      const b = evaluate(node.right, d, src);
      switch (node.op) {
        case "+":
          return a + b;
        case "-":
          return a - b;
        case "*":
          return a * b;
        case "/":
          return a / b;
        case "^":
          return a ** b;
      }
    }
  }
}

/** A parsed steps expression: `at(d)` gives the whole number of steps for dimension d. */
export interface StepsExpression {
  readonly text: string;
  /** True when the expression does not mention d. */
  readonly constant: boolean;
  /** The raw value before rounding. */
  value(d: number): number;
  /** Rounded to the nearest integer; throws StepsError unless it lies in [1, 2^53 - 1]. */
  at(d: number): number;
}

function mentionsD(node: Node): boolean {
  switch (node.kind) {
    case "num":
      return false;
    case "d":
      return true;
    case "neg":
    case "call":
      return mentionsD(node.arg);
    case "bin":
      return mentionsD(node.left) || mentionsD(node.right);
  }
}

/** Parses a steps expression (throws StepsError with the position of the first problem). */
export function parseSteps(text: string): StepsExpression {
  if (typeof text !== "string") {
    const shown = typeof text === "number" ? String(text) : (JSON.stringify(text) ?? String(text));
    throw new TypeError(
      `parseSteps: got ${shown} (${text === null ? "null" : typeof text}), expected the expression as a string, e.g. "30*d^3"${typeof text === "number" ? ` or "${text}"` : ""}`,
    );
  }
  const root = parse(text);
  return {
    text,
    constant: !mentionsD(root),
    value: (d) => evaluate(root, d, text),
    at(d) {
      const x = evaluate(root, d, text);
      const n = Math.round(x);
      if (!Number.isFinite(x) || n < 1 || n > Number.MAX_SAFE_INTEGER) {
        throw new StepsError(
          text,
          -1,
          `got ${x} at d = ${d}, expected a whole number of steps in [1, 2^53 - 1] after rounding`,
        );
      }
      return n;
    },
  };
}

/** The default when --steps is absent: 50 d log d, the k = 2 (covariance) scale of docs/model.md section 7. */
export const DEFAULT_STEPS = "50*d*log(d)";
