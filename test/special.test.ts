// The kernel's special functions (assembly/special.ts) against reference values of the C library
// (Python's math.erf/erfc and statistics.NormalDist, computed independently of this project).
import { describe, expect, it } from "vitest";
import { loadKernels } from "../src/engine/kernels.js";

const ERF: [number, number, number][] = [
  // x, erf(x), erfc(x)
  [0.1, 0.1124629160182849, 0.8875370839817152],
  [0.5, 0.5204998778130465, 0.4795001221869535],
  [1, 0.8427007929497149, 0.15729920705028513],
  [2, 0.9953222650189527, 0.004677734981047265],
  [2.9, 0.9999589021219005, 4.109787809945886e-5],
  [3.1, 0.9999883513426328, 1.1648657367199589e-5],
  [3.5, 0.9999992569016276, 7.430983723414128e-7],
  [5, 0.9999999999984626, 1.5374597944280351e-12],
];

const QUANTILES: [number, number][] = [
  [1e-10, -6.361340902404056],
  [0.01, -2.3263478740408408],
  [0.25, -0.6744897501960817],
  [0.5, 0],
  [0.8, 0.8416212335729144],
  [0.999, 3.090232306167813],
];

describe("special functions", async () => {
  const k = await (await loadKernels(undefined, { flavour: "scalar" })).instantiate();

  it("erf matches the C library to 2e-15 absolute, and is odd", () => {
    for (const [x, e] of ERF) {
      expect(Math.abs(k.erf(x) - e)).toBeLessThan(2e-15);
      expect(k.erf(-x)).toBe(-k.erf(x));
    }
  });

  it("the normal CDF's upper tail 1 - Phi(x) = erfc(x / sqrt 2) / 2 has relative error below 1e-12", () => {
    for (const [x, , c] of ERF) {
      const upper = k.normCdf(-x * Math.SQRT2);
      expect(Math.abs(upper - 0.5 * c) / (0.5 * c)).toBeLessThan(1e-12);
    }
  });

  it("the normal quantile inverts Phi to 1e-12", () => {
    for (const [p, q] of QUANTILES) expect(Math.abs(k.normQuantile(p) - q)).toBeLessThan(1e-12);
  });
});
