/**
 * The theory with formula activations: the quadrature integrates the formula itself, so a built-in written
 * as a formula gives the built-in's numbers, the formula's Hermite coefficients have their closed forms,
 * and the limit's predicted hitting law matches the reduced chain run with the formula's kernel table.
 */
import { describe, expect, it } from "vitest";
import { createSimulation } from "../src/engine/simulation.js";
import { computeExponents, type ExponentResult } from "../src/theory/exponent.js";
import { predictLimit } from "../src/theory/limit-predict.js";
import { activationHermite, theoryModel } from "../src/theory/loss.js";

/** The numerical-error estimates of a result, which differ between a closed form and a quadrature. */
const ERROR_ESTIMATES = new Set(["hermiteError", "tolerance", "errors"]);

/** Every number of a JSON-like value with its path, in order (error estimates left out). */
function numbers(x: unknown, path = "", out: [string, number][] = []): [string, number][] {
  if (typeof x === "number") out.push([path, x]);
  else if (Array.isArray(x)) {
    for (const [i, y] of x.entries()) numbers(y, `${path}[${i}]`, out);
  } else if (x && typeof x === "object") {
    for (const [k, y] of Object.entries(x)) if (!ERROR_ESTIMATES.has(k)) numbers(y, `${path}.${k}`, out);
  }
  return out;
}

/** The largest relative difference of two equally shaped results (|a - b| / max(|b|, floor)), and where. */
function maxRelative(a: unknown, b: unknown, floor: number): { at: string; value: number } {
  const x = numbers(a);
  const y = numbers(b);
  expect(x.map(([p]) => p)).toEqual(y.map(([p]) => p));
  let worst = { at: "", value: 0 };
  x.forEach(([at, v], i) => {
    const r = Math.abs(v - y[i][1]) / Math.max(Math.abs(y[i][1]), floor);
    if (r > worst.value) worst = { at, value: r };
  });
  return worst;
}

/** Every number of two exponent results (the model's name aside) agrees to `tolerance` relative; coefficients
 * that vanish by symmetry are rounding noise (~1e-16), so relative to a floor of 1e-9. */
function expectClose(a: ExponentResult, b: ExponentResult, tolerance: number, floor = 1e-9): void {
  // The effective exponent of v comes from a polynomial fit whose higher coefficients carry fit errors far
  // above the quadrature's (effectiveV.errors): compare its k and its leading coefficient only.
  const strip = (r: ExponentResult) => ({ ...r, model: null, effectiveV: null, optimum: null });
  const worst = maxRelative(strip(a), strip(b), floor);
  expect(worst.value, worst.at).toBeLessThan(tolerance);
  expect(a.effectiveV.k).toBe(b.effectiveV.k);
  const k = (b.effectiveV.k ?? 1) - 1;
  expect(Math.abs(a.effectiveV.coefficients[k] - b.effectiveV.coefficients[k])).toBeLessThan(
    Math.max(10 * b.effectiveV.errors[k], tolerance * Math.abs(b.effectiveV.coefficients[k])),
  );
}

describe("exponents of formula activations", () => {
  it("expr:tanh(x) agrees with tanh to 1e-6 relative in every number of the exponent result", () => {
    for (const extra of [{}, { correlation: "uncorrelated" }, { target: "noise" as const, t: 0.1 }]) {
      const a = computeExponents({ activation: "expr:tanh(x)", ...extra });
      const b = computeExponents({ activation: "tanh", ...extra });
      expectClose(a, b, 1e-6);
    }
  });

  it("expr:x^3/6 - x/2 gives he3's exponents, coefficients and mixed terms (to 1e-9, vanishing ones to 1e-15)", () => {
    const a = computeExponents({ activation: "expr:x^3/6 - x/2", correlation: "uncorrelated" }, { optimum: false });
    const b = computeExponents({ activation: "he3", correlation: "uncorrelated" }, { optimum: false });
    expect(a.directions.u.k).toBe(b.directions.u.k);
    expect(a.directions.v.k).toBe(b.directions.v.k);
    expectClose(a, b, 1e-9, 1e-6); // vanishing coefficients: absolute 1e-15
  });

  it("a formula with a kink (max(x, 0)) gives relu's numbers to 1e-5: the quadrature splits at the kink", () => {
    const a = computeExponents({ activation: "expr:max(x, 0)", correlation: "uncorrelated" }, { optimum: false });
    const b = computeExponents({ activation: "relu", correlation: "uncorrelated" }, { optimum: false });
    expectClose(a, b, 1e-5); // relu's closed forms against a composite Gauss-Legendre rule
  });

  it("Hermite coefficients E[g He_n] of GELU = x Phi(x): 1/(2 sqrt pi), 1/2, 3/(4 sqrt pi), 0 (closed forms)", () => {
    const c = activationHermite("gelu", 3);
    const rootPi = Math.sqrt(Math.PI);
    // E[g] = E[Z Phi(Z)] = E[phi(Z)]; E[g He_1] = E[g'] = 1/2; E[g He_2] = E[g''] = E[2 phi - Z^2 phi].
    expect(c[0]).toBeCloseTo(1 / (2 * rootPi), 12);
    expect(c[1]).toBeCloseTo(0.5, 12);
    expect(c[2]).toBeCloseTo(3 / (4 * rootPi), 12);
    expect(c[3]).toBe(0);
    const he3 = activationHermite("expr:x^3/6 - x/2", 4);
    expect(he3.map((x, n) => (n === 3 ? Math.abs(x - 1) < 1e-14 : x === 0))).toEqual([true, true, true, true, true]);
  });

  it("refuses a formula that is not finite on the pre-activation range, and a constant one", () => {
    expect(() => theoryModel({ activation: "expr:1/x" })).toThrow(/the formula "1\/x" has g\(0\) = Infinity/);
    expect(() => theoryModel({ activation: "expr:cos(0)" })).toThrow(/is constant on .* cannot learn/);
  });
});

describe("the limit's prediction with a formula against the reduced chain with its table", () => {
  it("x*sigmoid(1.702*x) at d = 512: predicted quartiles of n*(u) within 5 % of 400 reduced-chain walkers", async () => {
    const config = { activation: "expr:x*sigmoid(1.702*x)", d: 512 };
    const predicted = predictLimit(config, { bestDelta: false, curves: false }).directions.u?.predictedHit;
    const sim = await createSimulation({ ...config, walkers: 400, backend: "reduced" });
    sim.init(5);
    await sim.run(40_000, { stopWhenHit: ["u"] });
    const hits = sim.hits();
    const times = Array.from({ length: 400 }, (_, w) => hits[3 * w]).sort((a, b) => a - b);
    expect(times[0]).toBeGreaterThanOrEqual(0); // none censored
    for (const [q, key] of [
      [0.25, "q25"],
      [0.5, "median"],
      [0.75, "q75"],
    ] as const) {
      const measured = times[Math.round(q * 400) - 1];
      // The sample quartile's standard error is about 2 % here (order-statistic ranks +-sqrt(n q (1 - q))
      // around n q span +-4 % of the law at d = 512): 5 % is about 2.5 standard errors.
      expect(Math.abs((predicted?.[key] ?? 0) / measured - 1), key).toBeLessThan(0.05);
    }
  });
});
