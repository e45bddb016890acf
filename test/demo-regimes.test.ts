// The demo's regime B is the limit theory's cubic regime (CUBIC_REGIME) up to d = 256, with a budget from
// the predicted law of n*: a few walkers censored at most, so the median and the fit stay closed.
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/config/schema.js";
import { parseSteps } from "../src/config/steps.js";
import { CUBIC_REGIME } from "../src/experiments/cubic.js";
import { REGIME_B } from "../src/experiments/regimes.js";
import { predictLimit } from "../src/theory/limit-predict.js";

describe("demo regime B", () => {
  it("uses CUBIC_REGIME, reaches d = 256, and its budget is at least 2.3 x the predicted q75 of n* at every d", () => {
    expect(REGIME_B.base).toMatchObject(CUBIC_REGIME);
    expect(Math.max(...REGIME_B.d)).toBeGreaterThanOrEqual(256);
    const budget = parseSteps(REGIME_B.steps);
    for (const d of REGIME_B.d) {
      const config = resolveConfig({ ...REGIME_B.base, d });
      const hit = predictLimit(config, { curves: false, bestDelta: false, errorEstimate: false, paths: 1000 })
        .directions.v?.predictedHit;
      expect(hit, `d = ${d}`).toBeTruthy();
      expect(budget.at(d) / (hit?.q75 ?? Number.POSITIVE_INFINITY), `d = ${d}`).toBeGreaterThanOrEqual(2.3);
      // And not wastefully large: the control's walkers run the whole budget.
      expect(budget.at(d) / (hit?.q75 ?? 0), `d = ${d}`).toBeLessThan(6);
    }
  });
});
