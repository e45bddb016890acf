import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module script without types
import { generate, PAIRS } from "../scripts/gen-abi.mjs";

describe("the host's kernel ABI (src/engine/abi.ts, src/experiments/images/abi.ts)", () => {
  for (const [from, to] of PAIRS as [string, string][]) {
    it(`${to} is what scripts/gen-abi.mjs generates from ${from}`, () => {
      expect(readFileSync(to, "utf8")).toBe(generate(readFileSync(from, "utf8"), from));
    });
  }

  it("the generator rejects a line that is not a named i32 constant", () => {
    expect(() => generate("export const P_D: i32 = 0;\nlet x = 1;\n", "x.ts")).toThrow(/x\.ts:2/);
  });
});
