// Findings of the hostile trial (issue 26, item 5) that belong to no other test file: each case here
// failed before its fix.
import { describe, expect, it } from "vitest";
import { noFitReason } from "../src/cli/sweep-output.js";
import { ConfigError } from "../src/config/schema.js";
import { expandGrid, type SweepResult, type SweepSpec } from "../src/experiments/sweep.js";
import { shortNumber } from "../src/theory/format.js";

const spec = (grid: Record<string, unknown[]>): SweepSpec => ({ base: {}, grid, seeds: 2, steps: () => 10, seed: 1 });

describe("sweep grids", () => {
  it("refuse a list that repeats a value (--d 16,16 ran the point twice), naming the field", () => {
    expect(() => expandGrid(spec({ d: [16, 32, 16] }))).toThrow(ConfigError);
    expect(() => expandGrid(spec({ d: [16, 32, 16] }))).toThrow(/^d: the list gives 16 twice/);
    // With two axes, the field named is the one whose list repeats.
    const err = (() => {
      try {
        expandGrid(spec({ process: ["vp", "ve"], t: [0.5, 0.5] }));
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err?.field).toBe("t");
    expect(expandGrid(spec({ d: [16, 32] }))).toHaveLength(2);
  });

  it("a sweep with one d says why no exponent is fitted instead of an empty phase table", () => {
    const result = { points: [{ config: { d: 16 } }, { config: { d: 16 } }] } as unknown as SweepResult;
    expect(noFitReason(result)).toMatch(/every point has d = 16; .* needs --d with at least two values/);
  });
});

describe("number formatting", () => {
  it("keeps every digit of the exponent (1e-10 once printed as 1.000e-1)", () => {
    expect(shortNumber(1e-10)).toBe("1e-10");
    expect(shortNumber(1.5e-20)).toBe("1.5e-20");
    expect(shortNumber(0.5)).toBe("0.5");
    expect(shortNumber(6.4351)).toBe("6.435");
    expect(shortNumber(100.5)).toBe("100.5");
    expect(shortNumber(1.23456e-21)).toBe("1.235e-21");
    expect(Number(shortNumber(2.5e-7))).toBe(2.5e-7);
  });
});
