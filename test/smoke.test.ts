import { describe, expect, it } from "vitest";
import { createSimulation } from "../src/engine/simulation.js";

describe("smoke", () => {
  it("learns the covariance direction at the defaults (overlap with u above 0.5 after 50 d steps)", async () => {
    const sim = await createSimulation({ d: 64, walkers: 2 });
    sim.init(3);
    await sim.run(50 * 64);
    const ovl = sim.overlaps();
    expect(Math.abs(ovl[0])).toBeGreaterThan(0.5);
  });
});
