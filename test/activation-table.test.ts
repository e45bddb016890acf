import { describe, expect, it } from "vitest";
import { parseExpr } from "../src/config/expr.js";
import type { ConfigInput } from "../src/config/schema.js";
import { loadKernels, simdSupported } from "../src/engine/kernels.js";
import { createSimulation } from "../src/engine/simulation.js";
import { TABLE_TOLERANCE } from "../src/engine/table.js";
import { compileExpr } from "../src/theory/expr-eval.js";
import { ksTwoSample } from "./reduced-stats.js";

const scalar = () => loadKernels(undefined, { flavour: "scalar" });

async function tableOf(activation: string, config: ConfigInput = {}) {
  const sim = await createSimulation({ activation, walkers: 1, d: 16, ...config }, { kernels: await scalar() });
  return { sim, table: sim.model.table };
}

describe("formula activations in the kernels: the table", () => {
  for (const formula of ["tanh(x)", "x*sigmoid(1.702*x)", "x*(1 + erf(x/sqrt(2)))/2", "max(x, 0)", "x^3/6 - x/2"]) {
    it(`expr:${formula}: g and g' from the kernel's table within the stated bound of the formula (an independent JS evaluation)`, async () => {
      const { sim, table } = await tableOf(`expr:${formula}`);
      expect(table).toBeDefined();
      if (!table) return;
      const tree = parseExpr(formula);
      const { derivative } = await import("../src/config/expr-calculus.js");
      const g = compileExpr(tree);
      const gp = compileExpr(derivative(tree));
      // Off the check points of the build: a pseudo-random dense grid inside the range, and points beyond it.
      let worst = 0;
      for (let i = 0; i < 20000; i++) {
        const x = table.range * (2 * ((i * 0.6180339887498949) % 1) - 1);
        if (formula.startsWith("max") && Math.abs(x) < 1e-12) continue;
        const tg = sim.exports.activationAt(6, x);
        const tgp = sim.exports.lastDerivative();
        worst = Math.max(worst, Math.abs(tg - g(x)) / Math.max(1, Math.abs(g(x))));
        worst = Math.max(worst, Math.abs(tgp - gp(x)) / Math.max(1, Math.abs(gp(x))));
      }
      // The build checks three points per interval; between them the Hermite error may be a little larger
      // (the error of a cubic Hermite piece peaks at mid-interval, which is checked), and the JS and kernel
      // math differ by a few ulp: allow twice the bound.
      expect(worst).toBeLessThan(2 * TABLE_TOLERANCE);
      // Beyond the range: linear continuation.
      const L = table.range;
      const gL = sim.exports.activationAt(6, L);
      const gpL = sim.exports.lastDerivative();
      expect(sim.exports.activationAt(6, L + 3)).toBeCloseTo(gL + 3 * gpL, 9);
      expect(sim.exports.lastDerivative()).toBe(gpL);
    });
  }

  it("tanh's table spacing and range follow the config: range from the pre-activation sd, spacing from the bound", async () => {
    const { table } = await tableOf("expr:tanh(x)", { betaU: 5, t: 0.5 });
    // sd(h)^2 = alpha^2 (1 + betaU) + sigma^2 at VP t = 0.5.
    const alpha = Math.exp(-0.5);
    const sd = Math.sqrt(alpha * alpha * 6 + 1 - alpha * alpha);
    expect(table?.range).toBe(Math.ceil(10 * sd));
    expect(table?.spacing).toBeLessThanOrEqual(1 / 64);
    expect(table?.checksum).toMatch(/^[0-9a-f]{16}$/);
    expect(table?.derivative).toBe("1 - tanh(x)^2");
  });

  it.runIf(simdSupported())(
    "the table's bytes are the same in the SIMD and scalar builds (the same checksum)",
    async () => {
      const a = await tableOf("expr:x*sigmoid(1.702*x) - 0.1*x^2");
      const b = await createSimulation(
        { activation: "expr:x*sigmoid(1.702*x) - 0.1*x^2", walkers: 1, d: 16 },
        { kernels: await loadKernels(undefined, { flavour: "simd" }) },
      );
      expect(b.model.table?.checksum).toBe(a.table?.checksum);
    },
  );

  // The reduced chain is bit-identical across builds; the full backend's vector loops sum in another order
  // in f64x2 lanes, so there (as for the built-ins, test/simd-scalar.test.ts) the builds agree to rounding.
  for (const [backend, steps, tolerance] of [
    ["reduced", 3000, 0],
    ["full", 400, 1e-12],
  ] as const) {
    it.runIf(simdSupported())(
      `${backend} backend with a formula (silu, trained a and b): SIMD and scalar builds agree to ${tolerance} after ${steps} steps`,
      async () => {
        const config: ConfigInput = {
          activation: "silu",
          d: 48,
          walkers: 4,
          backend,
          trainSkip: true,
          trainAmplitude: true,
        };
        const run = async (flavour: "simd" | "scalar") => {
          const sim = await createSimulation(config, { kernels: await loadKernels(undefined, { flavour }) });
          sim.init(7);
          await sim.run(steps);
          return [...sim.overlaps(), ...sim.amplitudes(), ...sim.skips()];
        };
        const [s, v] = [await run("scalar"), await run("simd")];
        expect(v.length).toBe(s.length);
        for (let i = 0; i < s.length; i++) expect(Math.abs(v[i] - s[i])).toBeLessThanOrEqual(tolerance);
        expect(s.some((x, i) => i < 12 && Math.abs(x) > 0.2)).toBe(true); // the walkers moved off their start
      },
    );
  }
});

describe("formula activations: refused formulas", () => {
  const cases: [string, RegExp][] = [
    ["expr:log(x)", /the formula "log\(x\)" has g\(-\d+\) = NaN, not finite, inside the table's range/],
    ["expr:1/(x - 0.5)", /not finite/],
    ["expr:sqrt(abs(x))", /misses the bound/], // g' is infinite at the kink 0
    ["expr:x^0.5", /g\(-\d+\) = NaN, not finite/],
    ["expr:2 + 0*x", /is constant on .*the denoiser cannot learn/],
    ["expr:abs(x - 0.3)", /misses the bound 1e-9 .* near x = 0\.3/],
    ["expr:sin(1000*x)", /misses the bound/],
    ["expr:tanh(x", /expected "\)" closing tanh\(, found the end of the formula at position 7/],
  ];
  for (const [activation, message] of cases) {
    it(`refuses ${activation}`, async () => {
      await expect(createSimulation({ activation, d: 8, walkers: 1 }, { kernels: await scalar() })).rejects.toThrow(
        message,
      );
    });
  }
});

describe("a built-in re-expressed as a formula has the built-in's law", () => {
  it("expr:tanh(x) vs tanh: hitting times of u (reduced chain, d = 256, 160 walkers each, independent seeds) pass KS at 1 %", async () => {
    const hits = async (activation: string, seed: number) => {
      const sim = await createSimulation(
        { activation, d: 256, walkers: 160, backend: "reduced" },
        { kernels: await scalar() },
      );
      sim.init(seed);
      await sim.run(Math.round(30 * 256 * Math.log(256)), { stopWhenHit: ["u"] });
      const h = sim.hits();
      return Array.from({ length: 160 }, (_, w) => (h[w * 3] < 0 ? Number.POSITIVE_INFINITY : h[w * 3]));
    };
    const a = await hits("expr:tanh(x)", 11);
    const b = await hits("tanh", 12);
    expect(a.filter(Number.isFinite).length).toBeGreaterThan(150); // the test measures hitting times, not censoring
    const { p } = ksTwoSample(a, b);
    expect(p).toBeGreaterThan(0.01);
  });
});
