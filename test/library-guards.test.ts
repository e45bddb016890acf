// The library's edges (issue 19): restore() refuses states of another config or with an invalid seed or
// step, accessors before init() throw the error run() throws, and bad kernel sources say what they are.
import { describe, expect, it } from "vitest";
import { loadKernels } from "../src/engine/kernels.js";
import { createSimulation } from "../src/engine/simulation.js";

describe("library guards", () => {
  it("accessors before init() throw the same error as run()", async () => {
    for (const backend of ["full", "reduced"] as const) {
      const sim = await createSimulation({ d: 12, walkers: 2, backend });
      await expect(sim.run(10)).rejects.toThrow("run() called before init()");
      for (const f of ["overlaps", "hits", "walkerSteps", "amplitudes", "skips", "gram"] as const) {
        expect(() => sim[f]()).toThrow(`${f}() called before init()`);
      }
      if (backend === "full") {
        expect(() => sim.weights()).toThrow("weights() called before init()");
        expect(() => sim.spikes()).toThrow("spikes() called before init()");
      }
    }
  });

  it("restore() names the differing config field, and refuses {}, a NaN, negative or fractional step, a bad seed", async () => {
    const sim = await createSimulation({ d: 12, walkers: 2 });
    const other = await createSimulation({ d: 12, walkers: 2, threshold: 0.7, betaU: 3 });
    sim.init(1);
    other.init(1);
    expect(() => sim.restore(other.state())).toThrow(
      "restore: the state comes from another config: betaU: 5 (this simulation) vs 3 (the state); threshold: 0.5 (this simulation) vs 0.7 (the state)",
    );
    expect(() => sim.restore({} as never)).toThrow(
      "restore: the state has no seed, step, config; expected a state from state() or a checkpoint",
    );
    for (const step of [Number.NaN, -1, 1.5]) {
      const s = sim.state();
      s.step = step;
      expect(() => sim.restore(s)).toThrow(`restore: state.step: got ${step}, expected a whole number >= 0`);
    }
    const s = sim.state();
    s.seed = "x";
    expect(() => sim.restore(s)).toThrow('restore: state.seed: got "x", expected an integer in [0, 2^64 - 1]');
    // The state of the same config restores and runs on.
    const good = sim.state();
    sim.restore(good);
    await sim.run(5);
    expect(sim.step).toBe(5);
  });

  it("loadKernels('nope.wasm') names the file and what is expected", async () => {
    await expect(loadKernels("nope.wasm")).rejects.toThrow(
      /^loadKernels: cannot load "nope\.wasm" \(ENOENT: no such file or directory, open '.*nope\.wasm'\); expected a URL, a file path or the bytes of an mcm WASM build$/,
    );
    // A path that exists loads (a string that is not a URL is a file path in Node).
    await expect(loadKernels("build/mcm-scalar.wasm")).resolves.toMatchObject({ flavour: "scalar" });
  });
});
