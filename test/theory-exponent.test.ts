/**
 * The diffusion information exponent calculator (docs/model.md section 6) against what the model implies.
 * Coefficients come from the exact Hermite series (src/theory/exponent.ts); zero means below the stated
 * tolerance (1e-11 unless noted), and the quadrature reaches about 1e-13.
 */
import { describe, expect, it } from "vitest";
import { alphaSigma } from "../src/config/process.js";
import { chebyshevTaylor, computeExponents, lrExponentOf, scalingOf } from "../src/theory/exponent.js";
import { formatExponentTable } from "../src/theory/format.js";
import { lossEvaluator, populationLoss, theoryModel } from "../src/theory/loss.js";
import { gaussHermite, latentRule } from "../src/theory/quadrature.js";

const NO_OPT = { optimum: false };

/** He_n(x) by the recurrence He_{n+1} = x He_n - n He_{n-1}. */
function he(n: number, x: number): number {
  let prev = 0;
  let h = 1;
  for (let k = 0; k < n; k++) {
    const next = x * h - k * prev;
    prev = h;
    h = next;
  }
  return h;
}

/** E[phi(Z) He_n(Z)] by a 200-point Gauss-Hermite rule, independent of the loss code. */
function hermiteOf(phi: (z: number) => number, n: number): number {
  const r = gaussHermite(200);
  let s = 0;
  for (let i = 0; i < r.x.length; i++) s += r.w[i] * phi(r.x[i]) * he(n, r.x[i]);
  return s;
}

describe("exponents of the covariance and cumulant spikes (tanh, Rademacher, independent)", () => {
  for (const t of [0.1, 0.5, 1]) {
    it(`t = ${t}: k = 2 for u (attracting, d log d, p = 1) and k = 4 for v (p = 2); odd orders exactly zero`, () => {
      const r = computeExponents({ t }, NO_OPT);
      const { u, v } = r.directions;
      expect(u.k).toBe(2);
      expect(u.attracting).toBe(true);
      expect(u.predictedScaling).toBe("d log d");
      expect(u.lrExponent).toBe(1);
      expect(v.k).toBe(4);
      expect(v.lrExponent).toBe(2);
      for (const j of [1, 3, 5]) expect(Math.abs(v.coefficients[j - 1])).toBeLessThan(1e-15);
      expect(Math.abs(v.coefficients[3])).toBeGreaterThan(1e-4);
      // The sign of c_4 depends on t (a = 1 and b = alpha fixed): at t = 0.1 the unit gains less from
      // the spike than the norm term costs, and the cumulant spike repels.
      expect(v.attracting).toBe(t !== 0.1);
      expect(v.predictedScaling).toBe(t === 0.1 ? "never" : "d^3");
    });
  }

  it("c_4 along v is f_4 s^4 E[He_4(nu)] / 4! with E He_4(nu) = -2, and c_2 along u is f_2 betaU / 2", () => {
    const r = computeExponents({}, NO_OPT);
    const s4 = (5 / 6) ** 2;
    expect(r.directions.v.coefficients[3]).toBeCloseTo((r.hermite[4] * s4 * -2) / 24, 14);
    expect(r.directions.u.coefficients[1]).toBeCloseTo((r.hermite[2] * 5) / 2, 14);
  });
});

describe("scaling with alpha(t) (Mehler)", () => {
  it("data side: E[He_4(w.xt)] = alpha^4 E[He_4(w.x0)] = alpha^4 (-2) s^4 alphaV^4 at alphaU = 0 (to 1e-13)", () => {
    const rule = latentRule("rademacher", "independent");
    const s = Math.sqrt(5 / 6);
    const alphaV = 0.5;
    for (const t of [0.1, 0.5, 1]) {
      const { alpha, sigma } = alphaSigma("vp", t);
      let e4 = 0;
      for (let c = 0; c < rule.w.length; c++) {
        // h = w.xt given nu: N(alpha s alphaV nu, alpha^2 (1 - s^2 alphaV^2) + sigma^2)
        const m = alpha * s * alphaV * rule.nu[c];
        const v = alpha * alpha * (1 - s * s * alphaV * alphaV) + sigma * sigma;
        e4 += rule.w[c] * (m ** 4 + 6 * m * m * v + 3 * v * v - 6 * (m * m + v) + 3);
      }
      expect(Math.abs(e4 - alpha ** 4 * -2 * s ** 4 * alphaV ** 4)).toBeLessThan(1e-13);
    }
  });

  it("loss side: c_j(t) = P_j (alpha^j A_j - j sigma^2 alpha^(j-1) B_j), not alpha^j alone (relative 1e-12)", () => {
    // For VP, target x0 and the optimal skip b = alpha, the Hermite coefficients of the unit loss are
    // f_n = alpha^n E[g(Z)^2 He_n(Z)] / 2 - n sigma^2 alpha^(n-1) E[g(Z) He_(n-1)(Z)]: the term
    // -a E[g(h) w.x0] mixes orders, so the j-th coefficient is NOT alpha^j times a t-independent number.
    const A = (n: number) => hermiteOf((z) => 0.5 * Math.tanh(z) ** 2, n);
    const B = (n: number) => hermiteOf((z) => Math.tanh(z), n - 1);
    const ratios: number[] = [];
    for (const t of [0.1, 0.5, 1]) {
      const { alpha, sigma } = alphaSigma("vp", t);
      const r = computeExponents({ t }, NO_OPT);
      for (const n of [2, 4, 6]) {
        const f = alpha ** n * A(n) - n * sigma * sigma * alpha ** (n - 1) * B(n);
        expect(Math.abs(r.hermite[n] - f)).toBeLessThan(1e-12 * Math.abs(f) + 1e-15);
      }
      const c4 = r.directions.v.coefficients[3];
      const predicted = ((5 / 6) ** 2 * -2 * (alpha ** 4 * A(4) - 4 * sigma * sigma * alpha ** 3 * B(4))) / 24;
      expect(Math.abs(c4 - predicted)).toBeLessThan(1e-12 * Math.abs(predicted));
      ratios.push(c4 / alpha ** 4);
    }
    // Pure alpha^4 scaling would make these equal; they are not even of one sign.
    expect(Math.sign(ratios[0])).not.toBe(Math.sign(ratios[1]));
  });
});

describe("skewed latent and odd activations", () => {
  it("relu with skewed:0.2: k = 3 for v, attracting toward +v, d^2, p = 3/2", () => {
    const r = computeExponents({ activation: "relu", latent: "skewed:0.2" }, NO_OPT);
    const v = r.directions.v;
    expect(v.k).toBe(3);
    expect(v.attracting).toBe(true);
    expect(v.towardSign).toBe(1);
    expect(v.predictedScaling).toBe("d^2");
    expect(v.lrExponent).toBe(1.5);
  });
  it("tanh with skewed:0.2: k = 4, because an odd g gives the same denoiser for w and -w (odd orders vanish)", () => {
    // D(x) = b x + a w g(w.x) is unchanged by w -> -w when g is odd, so L(alphaV) = L(-alphaV) and the
    // third cumulant is invisible to tanh, erf, sign, linear and he3.
    const r = computeExponents({ latent: "skewed:0.2" }, NO_OPT);
    expect(r.directions.v.k).toBe(4);
    expect(Math.abs(r.directions.v.coefficients[2])).toBeLessThan(1e-15);
    const ev = lossEvaluator(theoryModel({ latent: "skewed:0.2" }));
    expect(Math.abs(ev.unit({ u: 0.3, v: 0.4 }) - ev.unit({ u: -0.3, v: -0.4 }))).toBeLessThan(1e-14);
  });
});

describe("relu and the symmetric cumulant spike", () => {
  it("relu is exactly blind to v with Rademacher independent latents: L(alphaU, alphaV) = L(alphaU, 0) to 1e-13", () => {
    // relu(h) = h/2 + |h|/2. The loss a g(h)(b h - h0) + a^2 g(h)^2 / 2 splits into a part even under
    // (h0, noise) -> -(h0, noise), built from h/2 and from |h|^2/4 = h^2/4, which is a quadratic polynomial
    // and so only sees the variance of h0, and an odd part, which averages to zero because h0 is symmetric
    // (symmetric nu, independent of lambda). The variance of h0 does not depend on alphaV (S whitens v),
    // so the loss does not either. (An even g in general is NOT blind: its g^2 term sees E He_4(h0);
    // |h| is blind only because |h|^2 = h^2.)
    const r = computeExponents({ activation: "relu" }, NO_OPT);
    expect(r.directions.v.k).toBe(null);
    expect(r.directions.v.predictedScaling).toBe("never");
    for (const c of r.directions.v.coefficients) expect(Math.abs(c)).toBeLessThan(1e-15);
    const ev = lossEvaluator(theoryModel({ activation: "relu" }));
    for (const [u, v] of [
      [0, 0.5],
      [0.3, 0.8],
      [0.7, -0.6],
    ]) {
      expect(Math.abs(ev.unit({ u, v }) - ev.unit({ u, v: 0 }))).toBeLessThan(1e-13);
    }
  });
  it("relu with sign-coupled latents sees v only through the covariance term alphaU alphaV", () => {
    const r = computeExponents({ activation: "relu", correlation: "sign" }, NO_OPT);
    expect(r.directions.v.k).toBe(null);
    expect(r.mixed.some((t) => t.u === 1 && t.v === 1 && t.value < 0)).toBe(true);
    expect(r.effectiveV.k).toBe(1);
  });
});

describe("correlated latents (sign coupling, defaults otherwise)", () => {
  const r = computeExponents({ correlation: "sign" });
  it("the v axis alone still has k = 4; the mixed term alphaU alphaV = f_2 sqrt(betaU) s sqrt(2/pi)", () => {
    expect(r.directions.u.k).toBe(2);
    expect(r.directions.v.k).toBe(4);
    const c11 = r.mixed.find((t) => t.u === 1 && t.v === 1 && t.m === 0);
    expect(c11).toBeDefined();
    const expected = r.hermite[2] * Math.sqrt(5) * Math.sqrt(5 / 6) * Math.sqrt(2 / Math.PI);
    expect(Math.abs((c11?.value ?? 0) - expected)).toBeLessThan(1e-13);
  });
  it("once u is learned (alphaU = 1, along the sphere) v has effective exponent 1: attracting, d, p = 1", () => {
    expect(r.saturation.alphaU).toBe(1);
    const e = r.effectiveV;
    expect(e.path).toBe("sphere");
    expect(e.k).toBe(1);
    expect(e.attracting).toBe(true);
    expect(e.predictedScaling).toBe("d");
    expect(e.lrExponent).toBe(1);
  });
  it("a single unit's v overlap saturates well below 1 (the loss minimum on the disk has 0.2 < alphaV < 0.5)", () => {
    expect(r.optimum).not.toBeNull();
    const v = Math.abs(r.optimum?.alphaV ?? 0);
    expect(v).toBeGreaterThan(0.2);
    expect(v).toBeLessThan(0.5);
  });
  it("with independent latents the unit on u is repelled from v (effective k = 2, not attracting)", () => {
    const ind = computeExponents({}, NO_OPT);
    expect(ind.effectiveV.k).toBe(2);
    expect(ind.effectiveV.attracting).toBe(false);
  });
});

describe("the uncorrelated coupling (E[lambda nu] = 0, nu even in lambda)", () => {
  it("is invisible to tanh: no mixed terms, and on u the unit is still repelled from v (effective k = 2)", () => {
    // Its only new joint moments are E[lambda^i nu^j] with i even and j odd, which enter at odd total
    // order N = i + j, where f_N = 0 for an odd g.
    const r = computeExponents({ correlation: "uncorrelated" }, NO_OPT);
    expect(r.mixed.filter((t) => t.m === 0 && t.v % 2 === 1)).toHaveLength(0);
    expect(r.effectiveV.k).toBe(2);
    expect(r.effectiveV.attracting).toBe(false);
  });
  it("is seen by relu through alphaU^2 alphaV (f_3 != 0): effective k = 1 on u", () => {
    const r = computeExponents({ activation: "relu", correlation: "uncorrelated" }, NO_OPT);
    expect(r.mixed.some((t) => t.u === 2 && t.v === 1 && t.m === 0)).toBe(true);
    expect(r.effectiveV.k).toBe(1);
    expect(r.effectiveV.attracting).toBe(true);
  });
});

describe("consistency of the two routes and the result document", () => {
  it("the exact Hermite coefficients agree with a Chebyshev fit of the quadrature loss (orders 1-4 to 1e-7)", () => {
    for (const config of [{}, { correlation: "sign" }, { activation: "relu" as const, latent: "skewed:0.2" }]) {
      const r = computeExponents(config, NO_OPT);
      const ev = lossEvaluator(theoryModel(config));
      const fu = chebyshevTaylor((x) => ev.unit({ u: x, v: 0 }), 0.2, 21, 4);
      const fv = chebyshevTaylor((x) => ev.unit({ u: 0, v: x }), 0.2, 21, 4);
      for (let j = 0; j < 4; j++) {
        expect(Math.abs(fu[j] - r.directions.u.coefficients[j])).toBeLessThan(1e-7);
        expect(Math.abs(fv[j] - r.directions.v.coefficients[j])).toBeLessThan(1e-7);
      }
    }
  });
  it("mean spike: relu sees it at order 1, tanh (odd) at order 2", () => {
    expect(computeExponents({ activation: "relu", betaM: 1 }, NO_OPT).directions.m?.k).toBe(1);
    expect(computeExponents({ betaM: 1 }, NO_OPT).directions.m?.k).toBe(2);
  });
  it("the JSON document has per direction k, coefficients, attracting, predictedScaling, lrExponent", () => {
    const doc = JSON.parse(JSON.stringify(computeExponents({}, NO_OPT)));
    for (const dir of ["u", "v"]) {
      const d = doc.directions[dir];
      for (const key of ["k", "coefficients", "attracting", "predictedScaling", "lrExponent"])
        expect(d).toHaveProperty(key);
      expect(d.coefficients).toHaveLength(6);
    }
    expect(doc.effectiveV).toHaveProperty("k");
    expect(doc.model.t).toBe(0.5);
    expect(scalingOf(1)).toBe("d");
    expect(scalingOf(5)).toBe("d^4");
    expect(lrExponentOf(3)).toBe(1.5);
  });
  it("the text table names each direction with k and the scaling", () => {
    const text = formatExponentTable(computeExponents({ correlation: "sign" }, NO_OPT));
    expect(text).toMatch(/^u +2 .*d log d/m);
    expect(text).toMatch(/^v +4 .*d\^3 +2$/m);
    expect(text).toMatch(/^v at alphaU=1 \(sphere\) +1 .*yes/m);
  });
  it("rejects bad options and configs with messages naming the field", () => {
    expect(() => computeExponents({}, { maxOrder: 20 })).toThrow(/maxOrder: got 20/);
    expect(() => computeExponents({}, { alphaU: 2 })).toThrow(/alphaU: got 2/);
    expect(() => computeExponents({ t: -1 })).toThrow(/t: got -1/);
    expect(() => populationLoss({}, { u: 0.9, v: 0.9 })).toThrow(/overlaps: got u = 0.9, v = 0.9/);
  });
});
