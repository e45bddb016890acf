import { describe, expect, it } from "vitest";
import { ExprError, parseExpr, printExpr, SHORTCUTS } from "../src/config/expr.js";
import { compileProgram, derivative, simplify } from "../src/config/expr-calculus.js";
import { resolveConfig } from "../src/config/schema.js";
import { compileExpr, kinkPoints } from "../src/theory/expr-eval.js";
import { erf } from "../src/theory/special.js";

const evalText = (text: string, x: number) => compileExpr(parseExpr(text))(x);
const sigmoid = (u: number) => 1 / (1 + Math.exp(-u));

describe("activation formulas: parsing and evaluation", () => {
  const cases: [string, (x: number) => number][] = [
    ["x*sigmoid(1.702*x)", (x) => x * sigmoid(1.702 * x)],
    ["x^3/6 - x/2", (x) => x ** 3 / 6 - x / 2],
    ["-x^2", (x) => -(x * x)], // unary minus binds looser than ^
    ["2^x^2", (x) => 2 ** (x * x)], // right-associative
    ["max(x, 0) - min(x, 0)/4", (x) => Math.max(x, 0) - Math.min(x, 0) / 4],
    ["sign(x)*step(x) + abs(x)", (x) => Math.sign(x) * (x > 0 ? 1 : 0) + Math.abs(x)],
    ["exp(-x^2/2)*cos(pi*x) + e", (x) => Math.exp(-(x * x) / 2) * Math.cos(Math.PI * x) + Math.E],
    ["softplus(x) - log(1 + exp(x))", () => 0],
    ["erf(x/sqrt(2)) + sinh(x)/cosh(x) - tanh(x) + sin(x)", (x) => erf(x / Math.SQRT2) + Math.sin(x)],
    [".5e1 * x", (x) => 5 * x],
  ];
  for (const [text, f] of cases) {
    it(`evaluates ${JSON.stringify(text)}`, () => {
      for (const x of [-2.5, -1, -0.3, 0.7, 1.9]) expect(evalText(text, x)).toBeCloseTo(f(x), 12);
    });
  }

  it("prints a tree that parses back to the same function", () => {
    for (const [text] of cases) {
      const printed = printExpr(parseExpr(text));
      for (const x of [-1.3, 0.4, 2.2]) expect(evalText(printed, x)).toBeCloseTo(evalText(text, x), 12);
    }
  });

  it("step is 1/2 and sign is 0 at 0 (the stated kink values)", () => {
    expect(evalText("step(x)", 0)).toBe(0.5);
    expect(evalText("sign(x)", 0)).toBe(0);
  });

  const errors: [string, RegExp, number][] = [
    ["", /the formula "" is empty/, -1],
    ["x +", /expected a number, x, pi, e, a function or "\(", found the end of the formula/, 3],
    ["foo(x)", /unknown function "foo"/, 0],
    ["2*y", /unknown variable "y"/, 2],
    ["tanh x", /expected "\(" after the function tanh/, 5],
    ["max(x)", /max takes 2 arguments, found 1/, 5],
    ["exp(x, 1)", /exp takes 1 argument, found more/, 5],
    ["(x + 1", /expected "\)"/, 6],
    ["x)", /unmatched "\)"/, 1],
    ["2x", /expected an operator/, 1],
    ["x # 2", /unexpected character "#"/, 2],
  ];
  for (const [text, message, position] of errors) {
    it(`refuses ${JSON.stringify(text)} at position ${position}`, () => {
      let error: unknown;
      try {
        parseExpr(text);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ExprError);
      expect((error as ExprError).message).toMatch(message);
      expect((error as ExprError).position).toBe(position);
      expect((error as ExprError).field).toBe("activation");
    });
  }

  it("refuses deep nesting instead of exhausting the stack", () => {
    expect(() => parseExpr(`${"(".repeat(500)}x${")".repeat(500)}`)).toThrow(/nested deeper than/);
  });

  it("the config takes built-ins, shortcuts and expr:, and names the position of a formula's error", () => {
    expect(resolveConfig({ activation: "expr:x*sigmoid(1.702*x)" }).activation).toBe("expr:x*sigmoid(1.702*x)");
    expect(resolveConfig({ activation: "gelu" }).activation).toBe("gelu");
    expect(() => resolveConfig({ activation: "expr:tanh(x" })).toThrow(/activation: expected "\)" closing tanh/);
    expect(() => resolveConfig({ activation: "swish" })).toThrow(/activation: got "swish", expected one of .*"gelu"/);
  });
});

describe("symbolic derivatives", () => {
  // Smooth formulas, and kinks away from the grid points: the derivative against central differences.
  const formulas = [
    ...Object.values(SHORTCUTS),
    "tanh(x)",
    "x^3/6 - x/2",
    "exp(-x^2/2)*sin(3*x)",
    "sqrt(1 + x^2) / cosh(x/3)",
    "log(1 + x^2)^2",
    "2^x + x^x*step(x - 0.01)",
    "erf(x)*sigmoid(-2*x) - softplus(x^2)",
    "max(x, 0.3*x) + min(sin(x), 0) + abs(x - 0.5) + sign(x)",
  ];
  const grid = Array.from({ length: 41 }, (_, i) => -3.05 + 0.15 * i);
  for (const text of formulas) {
    it(`d/dx ${text} matches central differences on a grid`, () => {
      const tree = parseExpr(text);
      const f = compileExpr(tree);
      const df = compileExpr(derivative(tree));
      const h = 1e-5;
      for (const x of grid) {
        if (text.includes("x^x") && x <= 0.01) continue; // x^x is defined for x > 0 only
        const fd = (f(x + h) - f(x - h)) / (2 * h);
        expect(Math.abs(df(x) - fd)).toBeLessThan(1e-6 * (1 + Math.abs(fd)));
      }
    });
  }

  it("at a kink the derivative is the mean of its one-sided values", () => {
    const d = (text: string, x: number) => compileExpr(derivative(parseExpr(text)))(x);
    expect(d("max(x, 0)", 0)).toBe(0.5);
    expect(d("abs(x)", 0)).toBe(0);
    expect(d("min(x, -x)", 0)).toBe(0);
    expect(d("sign(x) + step(x)", 0)).toBe(0);
    expect(d("max(x, 0)", 1)).toBe(1);
  });

  it("derivatives print in the language: tanh' = 1 - tanh(x)^2, relu' = step(x)", () => {
    expect(printExpr(simplify(derivative(parseExpr("tanh(x)"))))).toBe("1 - tanh(x)^2");
    expect(printExpr(derivative(parseExpr("max(x, 0)")))).toBe("step(x)");
    expect(printExpr(derivative(parseExpr("x^3/6 - x/2")))).toBe("3*x^2/6 - 0.5");
  });

  it("finds the kinks of a formula", () => {
    expect(kinkPoints(parseExpr("max(x, 0)"))).toEqual([0]);
    const k = kinkPoints(parseExpr("abs(x - 0.3) + step(x^2 - 2)"));
    expect(k.length).toBe(3);
    expect(k[0]).toBeCloseTo(-Math.SQRT2, 12);
    expect(k[1]).toBeCloseTo(0.3, 12);
    expect(kinkPoints(parseExpr("tanh(x)"))).toEqual([]);
  });

  it("compiles to postfix bytecode with its stack depth", () => {
    const p = compileProgram(parseExpr("x*(1 + x)"));
    expect(p.code.length).toBe(2 * 5);
    expect(p.depth).toBe(3);
  });
});
