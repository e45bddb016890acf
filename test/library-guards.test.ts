// The library's edges (issue 19): restore() refuses states of another config or with an invalid seed or
// step, accessors before init() throw the error run() throws, and bad kernel sources say what they are.
import { describe, expect, it } from "vitest";
import { parseSteps } from "../src/config/steps.js";
import { decodeCheckpoint } from "../src/engine/checkpoint.js";
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

// Issue 26: states, checkpoints, step expressions and kernel sources that used to pass or end in a raw
// TypeError ("Cannot read properties of null") are refused with a message that says what was given.
describe("library guards (issue 26)", () => {
  it("restore() refuses null, a NaN anywhere, weights and spikes off the unit sphere, and a missing field", async () => {
    const sim = await createSimulation({ d: 12, walkers: 2, K: 2 });
    sim.init(1);
    await sim.run(20);
    expect(() => sim.restore(null as never)).toThrow(
      "restore: got null, expected a state from state() or a checkpoint",
    );
    const edited = (edit: (s: Record<string, unknown>) => void) => {
      const s = sim.state() as unknown as Record<string, unknown>;
      edit(s);
      return s as never;
    };
    expect(() => sim.restore(edited((s) => ((s.w as Float64Array)[5] = Number.NaN)))).toThrow(
      "restore: state.w[5] is NaN, expected a finite number",
    );
    expect(() => sim.restore(edited((s) => ((s.b as Float64Array)[0] = Number.POSITIVE_INFINITY)))).toThrow(
      "restore: state.b[0] is Infinity",
    );
    // Unit 1 of walker 0 (entries 12..23) scaled by 2: norm 2.
    const scaleUnit = (s: Record<string, unknown>) => {
      const unit = (s.w as Float64Array).subarray(12, 24);
      for (let i = 0; i < unit.length; i++) unit[i] *= 2;
    };
    expect(() => sim.restore(edited(scaleUnit))).toThrow(
      /^restore: state\.w\[12\.\.23\] has norm 2(\.0*\d*)?, expected 1/,
    );
    expect(() => sim.restore(edited((s) => ((s.u as Float64Array)[0] += 0.1)))).toThrow(/^restore: state\.u has norm/);
    expect(() => sim.restore(edited((s) => delete s.w))).toThrow(
      "restore: state.w: got undefined, expected 48 numbers",
    );
    expect(() => sim.restore(edited((s) => delete s.rng))).toThrow("restore: state.rng: got undefined");
    // The state as taken still restores, and the run goes on bit for bit.
    const good = sim.state();
    await sim.run(30);
    const after = sim.overlaps();
    sim.restore(good);
    await sim.run(30);
    expect(sim.overlaps()).toEqual(after);
  });

  it("restore() on the reduced backend refuses NaN and an overlap outside [-1, 1]", async () => {
    const sim = await createSimulation({ d: 12, walkers: 2, backend: "reduced" });
    sim.init(1);
    const s = sim.state() as unknown as Record<string, Float64Array>;
    s.M[1] = 1.5;
    expect(() => sim.restore(s as never)).toThrow("restore: state.M[1] is 1.5, expected an overlap in [-1, 1]");
    s.M[1] = Number.NaN;
    expect(() => sim.restore(s as never)).toThrow("restore: state.M[1] is NaN, expected a finite number");
  });

  it("decodeCheckpoint(null) and parseSteps(123) say what they got", () => {
    expect(() => decodeCheckpoint(null as never)).toThrow(
      "decodeCheckpoint: got null, expected the bytes of a checkpoint.npz as a Uint8Array",
    );
    expect(() => decodeCheckpoint("x" as never)).toThrow("decodeCheckpoint: got string");
    expect(() => parseSteps(123 as never)).toThrow(
      'parseSteps: got 123 (number), expected the expression as a string, e.g. "30*d^3" or "123"',
    );
    expect(() => parseSteps(null as never)).toThrow("parseSteps: got null (null)");
  });

  it("loadKernels refuses the images and diffusion builds, naming what it got", async () => {
    await expect(loadKernels("build/images-scalar.wasm")).rejects.toThrow(
      "loadKernels: \"build/images-scalar.wasm\" is the images experiment's kernels (build/images-*.wasm), not the MCM's",
    );
    await expect(loadKernels("build/diffusion-scalar.wasm")).rejects.toThrow(
      "is the image diffusion model's kernels (build/diffusion-*.wasm), not the MCM's",
    );
  });
});
