// Plots and the phase-transition table from a small real sweep.
import { describe, expect, it } from "vitest";
import { formatPhaseTable, phaseRows } from "../src/experiments/phase.js";
import { predictFromTheory } from "../src/experiments/predict.js";
import { runSweep } from "../src/experiments/sweep.js";
import { collapseSpec, overlapCurvesSpec, renderSvg } from "../src/report/plots.js";
import { svgToPng } from "../src/report/png.js";
import { predictLimit } from "../src/theory/limit-predict.js";

describe("report", async () => {
  const result = await runSweep(
    {
      base: {},
      grid: { d: [32, 64, 128] },
      seeds: 8,
      steps: (c) => 40 * c.d,
      seed: 5,
      directions: ["u"],
      stopAfterHit: 2,
    },
    { threads: 0 },
  );

  it("the phase table predicts k = 2 (d log d) for u at the defaults and compares the log-corrected fit", () => {
    const rows = phaseRows(result, predictFromTheory, () => "defaults");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ direction: "u", k: 2, lawK: 2, predictedExponent: 1, logCorrected: true });
    expect(rows[0].measured).not.toBeNull();
    const table = formatPhaseTable(rows);
    expect(table).toMatch(/defaults\s+u\s+2\s+d log d \(1\)/);
  });

  it("the sign-correlated v direction is predicted to wait for u: law d log d, effective k = 1", () => {
    const p = predictFromTheory({ ...result.points[0].config, correlation: "sign" }, "v");
    expect(p.k).toBe(1);
    expect(p.lawK).toBe(2);
  });

  it("v with independent latents and betaU > 0 is never learned by one unit (u first, then v repelled), as mcm predict says; with betaU = 0 its law is d^3", () => {
    const config = result.points[0].config;
    const p = predictFromTheory(config, "v");
    // At the defaults v's own k is 4, but at alphaU = 1 (u learned first) v is repelled: k = 2, c = +0.54.
    expect(p.lawK).toBeNull();
    expect(p.k).toBe(2);
    expect(p.predictedScaling).toBe("never: u first (d log d), then v repelled (k = 2, c = 0.54)");
    expect(predictLimit(config, { curves: false, bestDelta: false }).directions.v?.predictedHit).toBeNull();
    expect(predictFromTheory({ ...config, betaU: 0 }, "v")).toMatchObject({ k: 4, lawK: 4, predictedScaling: "d^3" });
    // K > 1: the units may split between u and v; the exponent of v alone stands.
    expect(predictFromTheory({ ...config, K: 2 }, "v")).toMatchObject({ k: 4, lawK: 4 });
  });

  it("renders the overlap curves and the collapse to SVG with one line per d, and to PNG", async () => {
    const regimes = [{ label: "u at the defaults", points: result.points, k: { u: 2 } }];
    const svg = await renderSvg(overlapCurvesSpec(regimes));
    expect(svg.startsWith("<svg")).toBe(true);
    // One legend entry per d.
    for (const d of [32, 64, 128]) expect(svg).toContain(`>${d}</text>`);
    const collapse = await renderSvg(collapseSpec(regimes));
    expect(collapse).toContain("n*/(d log d)");
    const png = svgToPng(svg);
    expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    expect(png.length).toBeGreaterThan(10_000);
  });
});
