/** Quadrature rules and latent laws of src/theory (no tables: every rule is computed). */
import { describe, expect, it } from "vitest";
import {
  gaussHermite,
  gaussLegendre,
  jointMoment,
  latentRule,
  normalSplitRule,
  tridiagonalEigenvalues,
} from "../src/theory/quadrature.js";
import { erf, normCdf, normQuantile } from "../src/theory/special.js";

const doubleFactorial = (k: number) => {
  let f = 1;
  for (let j = k; j > 1; j -= 2) f *= j;
  return f;
};

describe("Gauss-Hermite (probabilists', normalised to N(0, 1))", () => {
  for (const n of [1, 2, 5, 20, 64, 100, 160]) {
    it(`n = ${n}: E Z^k exact to 1e-13 relative to E|Z|^k for every k <= min(2n - 1, 40)`, () => {
      const r = gaussHermite(n);
      for (let k = 0; k <= Math.min(2 * n - 1, 40); k++) {
        let s = 0;
        let scale = 0;
        for (let i = 0; i < n; i++) {
          s += r.w[i] * r.x[i] ** k;
          scale += r.w[i] * Math.abs(r.x[i]) ** k;
        }
        const exact = k % 2 === 1 ? 0 : doubleFactorial(k - 1);
        expect(Math.abs(s - exact)).toBeLessThanOrEqual(1e-13 * scale);
      }
    });
  }
  it("is not exact beyond degree 2n - 1 (E Z^(2n) differs for n = 5)", () => {
    const r = gaussHermite(5);
    let s = 0;
    for (let i = 0; i < 5; i++) s += r.w[i] * r.x[i] ** 10;
    expect(Math.abs(s - doubleFactorial(9))).toBeGreaterThan(1);
  });
  it("E cos(Z) = e^(-1/2) and E exp(Z) = e^(1/2) to 1e-14 (n = 40); E tanh(Z)^2 agrees with a composite rule", () => {
    const r = gaussHermite(40);
    let c = 0;
    let e = 0;
    for (let i = 0; i < 40; i++) {
      c += r.w[i] * Math.cos(r.x[i]);
      e += r.w[i] * Math.exp(r.x[i]);
    }
    expect(Math.abs(c - Math.exp(-0.5))).toBeLessThan(1e-14);
    expect(Math.abs(e - Math.exp(0.5))).toBeLessThan(1e-14);
    const gh = gaussHermite(160);
    const comp = normalSplitRule([], 24, 0.5);
    let t1 = 0;
    let t2 = 0;
    for (let i = 0; i < gh.x.length; i++) t1 += gh.w[i] * Math.tanh(gh.x[i]) ** 2;
    for (let i = 0; i < comp.x.length; i++) t2 += comp.w[i] * Math.tanh(comp.x[i]) ** 2;
    expect(Math.abs(t1 - t2)).toBeLessThan(1e-14);
  });
});

describe("Gauss-Legendre and the tridiagonal eigensolver", () => {
  it("Gauss-Legendre on [-1, 1] integrates x^k exactly for k <= 2n - 1 (n = 1, 7, 20, 64) and e^x to 1e-15", () => {
    for (const n of [1, 7, 20, 64]) {
      const r = gaussLegendre(n);
      for (let k = 0; k <= 2 * n - 1; k++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += r.w[i] * r.x[i] ** k;
        expect(Math.abs(s - (k % 2 === 1 ? 0 : 2 / (k + 1)))).toBeLessThan(1e-14);
      }
    }
    const r = gaussLegendre(20);
    let s = 0;
    for (let i = 0; i < 20; i++) s += r.w[i] * Math.exp(r.x[i]);
    expect(Math.abs(s - (Math.E - 1 / Math.E))).toBeLessThan(1e-15);
  });
  it("eigenvalues of tridiag(-1, 2, -1) are 2 - 2 cos(k pi / (n + 1))", () => {
    const n = 30;
    const ev = tridiagonalEigenvalues(new Float64Array(n).fill(2), new Float64Array(n - 1).fill(-1));
    for (let k = 1; k <= n; k++) expect(ev[k - 1]).toBeCloseTo(2 - 2 * Math.cos((k * Math.PI) / (n + 1)), 13);
  });
  it("the normal composite rule split at a break gives Phi(b) - Phi(a) per side and E Z^4 = 3", () => {
    const r = normalSplitRule([0.3]);
    let below = 0;
    let m4 = 0;
    for (let i = 0; i < r.x.length; i++) {
      if (r.x[i] < 0.3) below += r.w[i];
      m4 += r.w[i] * r.x[i] ** 4;
    }
    expect(Math.abs(below - normCdf(0.3))).toBeLessThan(1e-15);
    expect(Math.abs(m4 - 3)).toBeLessThan(1e-13);
  });
  it("special functions: erf(0.5), Phi^-1(0.975)", () => {
    expect(Math.abs(erf(0.5) - 0.5204998778130465)).toBeLessThan(1e-15);
    expect(Math.abs(normQuantile(0.975) - 1.959963984540054)).toBeLessThan(1e-13);
  });
});

describe("latent laws (engine conventions of assembly/mcm.ts)", () => {
  const LATENTS = ["rademacher", "skewed:0.2", "uniform"];
  const COUPLINGS = ["independent", "sign", "mixed:0.3", "uncorrelated"];
  for (const latent of LATENTS) {
    for (const corr of COUPLINGS) {
      it(`${latent}, ${corr}: total mass 1, E lambda = E nu = 0, E lambda^2 = E nu^2 = 1 (to 1e-13)`, () => {
        const r = latentRule(latent, corr);
        expect(Math.abs(jointMoment(r, 0, 0) - 1)).toBeLessThan(1e-13);
        expect(Math.abs(jointMoment(r, 1, 0))).toBeLessThan(1e-13);
        expect(Math.abs(jointMoment(r, 0, 1))).toBeLessThan(1e-13);
        expect(Math.abs(jointMoment(r, 2, 0) - 1)).toBeLessThan(1e-13);
        expect(Math.abs(jointMoment(r, 0, 2) - 1)).toBeLessThan(1e-13);
      });
    }
  }
  it("E[lambda nu]: 0 independent, sqrt(2/pi) sign (Rademacher), p sqrt(2/pi) mixed:p, 0 uncorrelated, sqrt(3/pi) sign (uniform)", () => {
    const c = Math.sqrt(2 / Math.PI);
    expect(Math.abs(jointMoment(latentRule("rademacher", "independent"), 1, 1))).toBeLessThan(1e-14);
    expect(Math.abs(jointMoment(latentRule("rademacher", "sign"), 1, 1) - c)).toBeLessThan(1e-13);
    expect(Math.abs(jointMoment(latentRule("rademacher", "mixed:0.3"), 1, 1) - 0.3 * c)).toBeLessThan(1e-13);
    expect(Math.abs(jointMoment(latentRule("rademacher", "uncorrelated"), 1, 1))).toBeLessThan(1e-13);
    expect(Math.abs(jointMoment(latentRule("uniform", "sign"), 1, 1) - Math.sqrt(3 / Math.PI))).toBeLessThan(1e-13);
  });
  it("higher moments of nu: E nu^3 = (1 - 2p) / sqrt(p (1 - p)) for skewed:p, E nu^4 = 9/5 for uniform", () => {
    for (const corr of ["independent", "sign", "uncorrelated"]) {
      expect(Math.abs(jointMoment(latentRule("skewed:0.2", corr), 0, 3) - 1.5)).toBeLessThan(1e-13);
      expect(Math.abs(jointMoment(latentRule("uniform", corr), 0, 4) - 1.8)).toBeLessThan(1e-12);
    }
  });
  it("rejects an unknown latent or correlation with a message naming the field", () => {
    expect(() => latentRule("gaussian", "independent")).toThrow(/latent: got "gaussian"/);
    expect(() => latentRule("rademacher", "mixed:2")).toThrow(/correlation: got "mixed:2"/);
  });
});
