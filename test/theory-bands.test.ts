/**
 * Prediction bands beside measurements: the hitting-time plot's band (report/bands.ts, report/plots.ts)
 * and the phase summary's predicted median (experiments/phase.ts medianCheck).
 */
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/config/schema.js";
import { phaseRows } from "../src/experiments/phase.js";
import { predictMedianFromLimit } from "../src/experiments/predict.js";
import type { PointResult, SweepResult } from "../src/experiments/sweep.js";
import { predictedBands, predictedCurves } from "../src/report/bands.js";
import { hittingTimesSpec, overlapCurvesSpec } from "../src/report/plots.js";

/** A sweep point with one direction's measured median and interval (other fields unused here). */
function point(d: number, median: number, lo: number | null, hi: number | null, steps: number[] = []): PointResult {
  return {
    at: {},
    config: resolveConfig({ d, walkers: 1 }),
    directions: { u: { hits: [], finalOverlap: [], median: { median, lo, hi } } },
    log: { steps, overlaps: steps.map(() => [0.1, 0, 0]) },
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
  it("the overlap plot draws the predicted median and quartile curves of |w·u| over the measured range of n/d", () => {
    // Defaults at d = 256: the predicted median n*(u) is about 3 d (docs/theory.md), so |w·u| is of order
    // d^-1/2 at n = 0.1 d and near its plateau (0.92) from n = 8 d on (the curves end at 3 x the predicted q75, about 11 d).
    const steps = [0, 25, 256, 1024, 4096];
    const regimes = [{ label: "A", points: [point(256, 760, 730, 810, steps)], k: { u: 2 } }];
    const rows = predictedCurves(regimes);
    expect(rows.length).toBeGreaterThan(10);
    for (const r of rows) {
      expect(r.regime).toBe("A: |w·u|");
      expect(r.nOverD).toBeGreaterThanOrEqual(0.01);
      expect(r.nOverD).toBeLessThanOrEqual(4096 / 256);
      expect(r.q25).toBeLessThanOrEqual(r.median);
      expect(r.median).toBeLessThanOrEqual(r.q75);
    }
    const early = rows.filter((r) => r.nOverD <= 0.1);
    const late = rows.filter((r) => r.nOverD >= 8);
    expect(early.length).toBeGreaterThan(0);
    expect(late.length).toBeGreaterThan(0);
    for (const r of early) expect(r.median).toBeLessThan(3 / Math.sqrt(256));
    for (const r of late) expect(r.median).toBeGreaterThan(0.8);
    const spec = overlapCurvesSpec(regimes, "t", rows) as unknown as {
      data: { values: { kind: string }[] };
      spec: { layer: { mark: { strokeDash?: number[] }; transform: { filter: string }[] }[] };
    };
    expect(spec.data.values.filter((v) => v.kind === "predicted")).toHaveLength(rows.length);
    const dashed = spec.spec.layer.filter((l) => l.mark.strokeDash && l.transform[0].filter.includes("predicted"));
    expect(dashed).toHaveLength(3);
    // Without predictions the plot has only the measured band and median.
    expect((overlapCurvesSpec(regimes, "t") as unknown as typeof spec).spec.layer).toHaveLength(2);
  });
});
