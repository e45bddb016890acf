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

// x, tanh(x) rounded to double from 50-digit mpmath (both sides of the switch at |x| = 0.55).
const TANH: [number, number][] = [
  [1e-300, 1e-300],
  [1e-8, 1e-8],
  [0.1, 0.09966799462495582],
  [0.3, 0.2913126124515909],
  [0.5499999999999999, 0.5005202111902352],
  [0.55, 0.5005202111902353],
  [0.7, 0.6043677771171635],
  [1, 0.7615941559557649],
  [2.5, 0.9866142981514303],
  [10, 0.9999999958776927],
  [19, 0.9999999999999999],
  [20, 1],
];

/** Distance in units in the last place of the reference. */
const ulps = (x: number, ref: number) => {
  if (x === ref) return 0;
  const e = Math.max(Math.floor(Math.log2(Math.abs(ref))), -1022);
  return Math.abs(x - ref) / 2 ** (e - 52);
};

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

  it("tanh is within 2 ulp of 50-digit references, odd, and exact at 0 and +-inf", () => {
    for (const [x, t] of TANH) {
      expect(ulps(k.tanhOf(x), t)).toBeLessThanOrEqual(2);
      expect(k.tanhOf(-x)).toBe(-k.tanhOf(x));
    }
    expect(Object.is(k.tanhOf(0), 0)).toBe(true);
    expect(Object.is(k.tanhOf(-0), -0)).toBe(true);
    expect(k.tanhOf(Infinity)).toBe(1);
    expect(k.tanhOf(-Infinity)).toBe(-1);
    expect(k.tanhOf(Number.NaN)).toBeNaN();
  });

  it("tanh is within 3 ulp of V8's Math.tanh (fdlibm, under 1 ulp) on a dense grid of [-25, 25]", () => {
    let worst = 0;
    for (let i = -250000; i <= 250000; i++) {
      const x = i * 1e-4 + 1.234e-6; // off the grid's round numbers
      worst = Math.max(worst, ulps(k.tanhOf(x), Math.tanh(x)));
    }
    expect(worst).toBeLessThanOrEqual(3);
  });

  it("the normal quantile inverts Phi to 1e-12", () => {
    for (const [p, q] of QUANTILES) expect(Math.abs(k.normQuantile(p) - q)).toBeLessThan(1e-12);
  });
});
