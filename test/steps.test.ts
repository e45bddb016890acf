import { describe, expect, it } from "vitest";
import { DEFAULT_STEPS, parseSteps, StepsError } from "../src/config/steps.js";

describe("--steps expressions", () => {
  const cases: [string, number, number][] = [
    ["1000", 64, 1000],
    ["1e6", 64, 1_000_000],
    ["2.5e3", 64, 2500],
    [".5e2", 64, 50],
    ["d", 64, 64],
    ["30*d^3", 32, 30 * 32 ** 3],
    ["50*d*log(d)", 128, Math.round(50 * 128 * Math.log(128))],
    ["d^2/4", 64, 1024],
    ["2^3^2", 1, 512], // right-associative: 2^(3^2)
    ["-d^2 + 2*d^2", 10, 100], // unary minus binds looser than ^
    ["(d + 1) * (d - 1)", 10, 99],
    ["sqrt(d) * 100", 64, 800],
    ["100 - 10 - 5", 1, 85], // left-associative
    ["1000 / 10 / 2", 1, 50],
    [" 10 *  d ", 7, 70],
    ["+d", 5, 5],
    ["d*log(d)/log(2)", 8, 24],
    ["1.4", 1, 1], // rounded to the nearest integer
  ];
  for (const [text, d, want] of cases) {
    it(`evaluates ${JSON.stringify(text)} at d = ${d} to ${want}`, () => {
      expect(parseSteps(text).at(d)).toBe(want);
    });
  }

  it("the default 50*d*log(d) is 31053 steps at the default d = 128", () => {
    expect(parseSteps(DEFAULT_STEPS).at(128)).toBe(31053);
  });

  it("knows whether an expression mentions d", () => {
    expect(parseSteps("1e6").constant).toBe(true);
    expect(parseSteps("1e6*d/d").constant).toBe(false);
  });

  const errors: [string, RegExp, number][] = [
    ["", /empty expression/, -1],
    ["30*d%3", /unexpected character "%"/, 4],
    ["30d", /expected an operator \(\+ - \* \/ \^\) before "d"/, 2],
    ["d^", /expected a number, d, log\(\.\.\.\), sqrt\(\.\.\.\) or "\(", found end of expression/, 2],
    ["(d+1", /expected "\)", found end of expression/, 4],
    ["d+1)", /unmatched "\)"/, 3],
    ["exp(d)", /unknown name "exp" \(known: d, log, sqrt\)/, 0],
    ["log d", /expected "\(", found "d"/, 4],
    ["x*2", /unknown name "x"/, 0],
    ["1e", /expected an operator .* before "e"/, 1],
    ["2**d", /expected a number, d/, 2],
  ];
  for (const [text, message, position] of errors) {
    it(`refuses ${JSON.stringify(text)} with the position of the problem`, () => {
      let error: unknown;
      try {
        parseSteps(text);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(StepsError);
      expect((error as StepsError).message).toMatch(message);
      expect((error as StepsError).position).toBe(position);
      if (position >= 0) expect((error as StepsError).message).toContain(`at position ${position + 1}`);
    });
  }

  const ranges: [string, number, RegExp][] = [
    ["log(d - 8)", 8, /log of 0 \(needs a positive argument\)/],
    ["sqrt(-d)", 4, /sqrt of -4 \(needs an argument >= 0\)/],
    ["-d", 4, /got -4 at d = 4, expected a whole number of steps in \[1, 2\^53 - 1\]/],
    ["0", 4, /got 0 at d = 4/],
    ["d/0", 4, /got Infinity at d = 4/],
    ["10^20", 4, /got 100000000000000000000 at d = 4/],
  ];
  for (const [text, d, message] of ranges) {
    it(`refuses ${JSON.stringify(text)} at d = ${d} (value out of range)`, () => {
      expect(() => parseSteps(text).at(d)).toThrow(message);
    });
  }
});
