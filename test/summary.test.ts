import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/config/schema.js";
import { seriesCsv, summarize } from "../src/report/summary.js";

describe("run summary", () => {
  it("K > 1: a walker's overlap is the max over units of |overlap|, its hit the earliest over units", () => {
    const config = resolveConfig({ d: 10, K: 2, walkers: 2, betaM: 1 });
    // [walkers, K, 3] with (u, v, m)
    const overlaps = Float64Array.of(0.1, -0.9, 0.3, -0.6, 0.2, 0.05, 0.2, 0.1, 0.0, 0.4, -0.3, 0.0);
    const hits = Float64Array.of(-1, 50, -1, 70, -1, -1, -1, -1, -1, 20, -1, -1);
    const s = summarize({
      config,
      seed: "1",
      steps: 100,
      stepsExpression: "100",
      completedSteps: 100,
      overlaps,
      hits,
      seconds: 2,
      stepsDone: 100,
      version: "x",
      buildHash: "h",
      kernel: "scalar",
    });
    expect(Object.keys(s.directions)).toEqual(["u", "v", "m"]);
    expect(s.directions.u?.hitSteps).toEqual([70, 20]);
    expect(s.directions.u?.finalOverlap.median).toBeCloseTo((0.6 + 0.4) / 2, 15);
    expect(s.directions.v?.hitSteps).toEqual([50, null]);
    expect(s.directions.v?.finalOverlap.q75).toBeCloseTo(0.3 + 0.75 * 0.6, 15);
    // u: hits 70 and 20, median 45; v: one of two censored, so no median.
    expect(s.directions.u?.medianHitStep).toBe(45);
    expect(s.directions.u?.medianHitOverD).toBe(4.5);
    expect(s.directions.u?.medianHitOverD3).toBe(0.045);
    expect(s.directions.v?.medianHitStep).toBe(null);
    expect(s.directions.m?.hitFraction).toBe(0);
    expect(s.directions.m?.medianHitStep).toBe(null);
    expect(s.directions.m?.medianHitOverDLogD).toBe(null);
    expect(s.stepsPerSecond).toBe(50);
    expect(s.walkerStepsPerSecond).toBe(100);
  });

  it("reports m only when betaM > 0, and the CSV has a column per reported direction", () => {
    const config = resolveConfig({ d: 4, walkers: 1 });
    const csv = seriesCsv(config, [
      { step: 0, overlaps: Float64Array.of(0.1, 0.2, 0.3), a: Float64Array.of(1), b: Float64Array.of(0.5) },
    ]);
    expect(csv).toBe("step,walker,unit,overlap_u,overlap_v,a,b\n0,0,0,0.1,0.2,1,0.5\n");
  });
});
