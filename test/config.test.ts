// Bad configuration values fail before any WASM call, naming the field, the value and what is accepted.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/config/errors.js";
import { resolveConfig } from "../src/config/schema.js";
import { createSimulation, DivergenceError } from "../src/engine/simulation.js";

const BAD: [Record<string, unknown>, string, RegExp][] = [
  [{ d: 1 }, "d", /d: got 1, expected an integer in \[2, 1000000\]/],
  [{ d: 12.5 }, "d", /d: got 12\.5, expected an integer/],
  [{ K: 0 }, "K", /K: got 0, expected an integer in \[1, 1024\]/],
  [{ t: -0.1 }, "t", /t: got -0\.1, expected a finite number >= 0 for process "vp"/],
  [{ process: "linear", t: 1.5 }, "t", /t: got 1\.5, expected a number in \[0, 1\] for process "linear"/],
  [{ t: Number.NaN }, "t", /t: got NaN, expected a finite number/],
  [{ betaU: -1 }, "betaU", /betaU: got -1, expected a finite number >= 0/],
  [{ betaV: -0.5 }, "betaV", /betaV: got -0\.5/],
  [{ correlation: "mixed:1.5" }, "correlation", /correlation: got "mixed:1\.5", expected .*"mixed:P" with 0 <= P <= 1/],
  [{ correlation: "mixed:-0.1" }, "correlation", /correlation: got "mixed:-0\.1"/],
  [{ correlation: "pearson" }, "correlation", /correlation: got "pearson", expected "independent", "sign"/],
  [{ latent: "skewed:1" }, "latent", /latent: got "skewed:1", expected .*0 < P < 1/],
  [{ latent: "gamma" }, "latent", /latent: got "gamma"/],
  [
    { activation: "swish" },
    "activation",
    /activation: got "swish", expected one of "tanh", "erf", "relu", "sign", "linear", "he3", "gelu", "silu", "softplus" or "expr:FORMULA"/,
  ],
  [{ process: "ddim" }, "process", /process: got "ddim", expected one of "vp", "ve", "linear"/],
  [{ delta: 0 }, "delta", /delta: got 0, expected a finite number > 0/],
  [{ threshold: 1.5 }, "threshold", /threshold: got 1\.5, expected a number in \(0, 1\]/],
  [{ walkers: 0 }, "walkers", /walkers: got 0/],
  [{ d: 2, betaM: 1 }, "betaM", /betaM: got 1 with d = 2/],
  [{ bogus: 1 }, "bogus", /bogus: unknown field \(accepted fields: d, K, process/],
];

describe("config validation", () => {
  for (const [input, field, message] of BAD) {
    it(`rejects ${JSON.stringify(input)} naming ${field}`, () => {
      let caught: unknown;
      try {
        resolveConfig(input);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).field).toBe(field);
      expect((caught as Error).message).toMatch(message);
    });
  }

  it("fills the defaults of docs/model.md section 9", () => {
    const c = resolveConfig({});
    expect(c).toMatchObject({
      d: 128,
      K: 1,
      process: "vp",
      t: 0.5,
      betaU: 5,
      betaV: 5,
      betaM: 0,
      latent: "rademacher",
      correlation: "independent",
      activation: "tanh",
      skip: "optimal",
      trainSkip: false,
      amplitude: 1,
      trainAmplitude: false,
      delta: 0.5,
      lrExponent: 1,
      threshold: 0.5,
      walkers: 8,
      spikes: "random",
    });
  });

  it("createSimulation rejects a bad config before compiling anything", async () => {
    await expect(createSimulation({ K: -2 })).rejects.toThrow(/K: got -2/);
  });

  it("a diverging run stops with an error naming the step and suggesting a smaller learning rate", async () => {
    const sim = await createSimulation({ d: 16, walkers: 2, delta: 1e200, lrExponent: 0, trainSkip: true });
    sim.init(1);
    let caught: unknown;
    try {
      await sim.run(1000);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(DivergenceError);
    expect((caught as Error).message).toMatch(/non-finite .* at step \d+ of walker 0 .*smaller learning rate/);
    expect((caught as DivergenceError).step).toBeGreaterThan(0);
  });
});
