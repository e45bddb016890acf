/**
 * Prediction bands beside measurements: the hitting-time plot's band (report/bands.ts, report/plots.ts)
 * and the phase summary's predicted median (experiments/phase.ts medianCheck).
 */
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/config/schema.js";
import { phaseRows } from "../src/experiments/phase.js";
import { predictMedianFromLimit } from "../src/experiments/predict.js";
import type { PointResult, SweepResult } from "../src/experiments/sweep.js";
import { predictedBands } from "../src/report/bands.js";
import { hittingTimesSpec } from "../src/report/plots.js";

/** A sweep point with one direction's measured median and interval (other fields unused here). */
function point(d: number, median: number, lo: number | null, hi: number | null): PointResult {
  return {
    at: {},
    config: resolveConfig({ d }),
    directions: { u: { hits: [], finalOverlap: [], median: { median, lo, hi } } },
    log: { steps: [], overlaps: [] },
  } as unknown as PointResult;
}

describe("prediction bands", () => {
  it("the hitting-time plot draws the predicted q25..q75 band and median per d instead of the law guide", () => {
    const regimes = [{ label: "A", points: [point(256, 760, 730, 810), point(1024, 3730, 3630, 3900)], k: { u: 2 } }];
    const bands = predictedBands(regimes);
    expect(bands.map((b) => b.d)).toEqual([256, 1024]);
    for (const b of bands) {
      expect(b.series).toBe("A: w·u");
      expect(b.q25).toBeLessThan(b.median);
      expect(b.median).toBeLessThan(b.q75);
    }
    // The predicted median at d = 1024 is within 3 % of the reduced backend's 3727 (docs/theory.md).
    expect(Math.abs((bands[1].median as number) / 3727 - 1)).toBeLessThan(0.03);
    const spec = hittingTimesSpec(regimes, "t", bands) as unknown as {
      layer: { data: { values: unknown[] }; mark: { type: string } }[];
    };
    const area = spec.layer.find((l) => l.mark.type === "area");
    expect(area?.data.values.length).toBe(2);
    // With a band, the series has no arbitrary-height law guide.
    const guides = spec.layer.find((l) => l.mark.type === "line" && (l.data.values[0] as { guide?: string })?.guide);
    expect(guides).toBeUndefined();
  });
  it("the phase summary's medianCheck puts the predicted median n*/law beside the measured interval", () => {
    const fit = { exponent: 1, ci: [0.9, 1.1] as [number, number], status: "ok", message: "" };
    const result = {
      points: [point(256, 760, 730, 810), point(1024, 3730, 3630, 3900)],
      fits: [{ direction: "u", at: {}, fit, logCorrectedFit: fit }],
    } as unknown as SweepResult;
    const predict = () => ({ k: 2, lawK: 2, predictedScaling: "d log d" });
    const [row] = phaseRows(result, predict, undefined, predictMedianFromLimit);
    const c = row.medianCheck;
    expect(c?.d).toBe(1024);
    expect(c?.law).toBe("d log d");
    expect(c?.measured).toBeCloseTo(3730 / (1024 * Math.log(1024)), 10);
    expect(c?.agree).toBe(true);
    // A measured interval that excludes the prediction disagrees.
    const off = { ...result, points: [point(1024, 9000, 8000, 10000)] } as unknown as SweepResult;
    expect(phaseRows(off, predict, undefined, predictMedianFromLimit)[0].medianCheck?.agree).toBe(false);
  });
});
