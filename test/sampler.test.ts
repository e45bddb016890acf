// Statistics of the MCM sampler (docs/model.md section 2) over 2e5 samples, each against its exact value
// with a tolerance of five standard errors estimated from the same samples.
import { describe, expect, it } from "vitest";
import { createSimulation } from "../src/engine/simulation.js";
import { meanWithSE, project, withinSE } from "./helpers/stats.js";

const N = 200_000;
const d = 8;

async function draw(config: Record<string, unknown>, n = N) {
  const sim = await createSimulation({ d, walkers: 1, ...config });
  sim.init(12345);
  return { sim, samples: sim.sample(n), spikes: sim.spikes() };
}

function expectWithin(estimate: number, expected: number, se: number) {
  const r = withinSE(estimate, expected, se);
  expect(r.ok, r.text).toBe(true);
}

describe("MCM sampler moments", () => {
  it("variance along u is 1 + betaU", async () => {
    const { samples, spikes } = await draw({ betaU: 5, betaV: 5 });
    const pu = project(samples.x0, d, spikes.u);
    const r = meanWithSE(pu, (x) => x * x);
    expectWithin(r.mean, 6, r.se);
  });

  it("variance along v is 1 and its excess kurtosis is -2 (betaV / (1 + betaV))^2 for Rademacher nu", async () => {
    const betaV = 5;
    const { samples, spikes } = await draw({ betaU: 5, betaV });
    const pv = project(samples.x0, d, spikes.v);
    const v2 = meanWithSE(pv, (x) => x * x);
    expectWithin(v2.mean, 1, v2.se);
    // kappa4 = m4 - 3 m2^2; its delta-method influence function is x^4 - 6 m2 x^2 (+ const).
    const m4 = meanWithSE(pv, (x) => x ** 4);
    const infl = meanWithSE(pv, (x) => x ** 4 - 6 * v2.mean * x * x);
    const kappa4 = m4.mean - 3 * v2.mean ** 2;
    expectWithin(kappa4, -2 * (betaV / (1 + betaV)) ** 2, infl.se);
  });

  it("third cumulant along v is (betaV / (1 + betaV))^(3/2) (1 - 2p) / sqrt(p (1 - p)) for the skewed:p law", async () => {
    const betaV = 4;
    const p = 0.2;
    const { samples, spikes } = await draw({ betaU: 0, betaV, latent: `skewed:${p}` });
    const pv = project(samples.x0, d, spikes.v);
    const m1 = meanWithSE(pv);
    expectWithin(m1.mean, 0, m1.se);
    const m3 = meanWithSE(pv, (x) => x ** 3);
    const expected = (betaV / (1 + betaV)) ** 1.5 * ((1 - 2 * p) / Math.sqrt(p * (1 - p)));
    // With mean 0 and variance 1, kappa3 = m3; influence x^3 - 3x accounts for the estimated mean.
    const infl = meanWithSE(pv, (x) => x ** 3 - 3 * x);
    expectWithin(m3.mean, expected, infl.se);
  });

  it("mean along m is betaM and variance along m is 1", async () => {
    const { samples, spikes } = await draw({ betaM: 2 });
    const pm = project(samples.x0, d, spikes.m);
    const m1 = meanWithSE(pm);
    expectWithin(m1.mean, 2, m1.se);
    const v = meanWithSE(pm, (x) => (x - 2) ** 2);
    expectWithin(v.mean, 1, v.se);
  });

  it("a random direction orthogonal to u, v and m has mean 0 and unit variance", async () => {
    const { samples, spikes } = await draw({ betaM: 1.5 });
    // A fixed direction, made orthogonal to the spikes by Gram-Schmidt.
    const e = Float64Array.from({ length: d }, (_, i) => Math.sin(1.7 * i + 0.3));
    for (const s of [spikes.u, spikes.v, spikes.m]) {
      const c = e.reduce((acc, x, i) => acc + x * s[i], 0);
      for (let i = 0; i < d; i++) e[i] -= c * s[i];
    }
    const norm = Math.hypot(...e);
    for (let i = 0; i < d; i++) e[i] /= norm;
    const pe = project(samples.x0, d, e);
    const m1 = meanWithSE(pe);
    expectWithin(m1.mean, 0, m1.se);
    const v = meanWithSE(pe, (x) => x * x);
    expectWithin(v.mean, 1, v.se);
  });

  it("spikes u, v, m are orthonormal", async () => {
    const { spikes } = await draw({ betaM: 1 }, 1);
    const vs = [spikes.u, spikes.v, spikes.m];
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        const dotab = vs[a].reduce((acc, x, i) => acc + x * vs[b][i], 0);
        expect(dotab).toBeCloseTo(a === b ? 1 : 0, 12);
      }
    }
  });
});

describe("latent correlation laws: E[lambda nu]", () => {
  const cases: [string, number][] = [
    ["independent", 0],
    ["sign", Math.sqrt(2 / Math.PI)],
    ["mixed:0.3", 0.3 * Math.sqrt(2 / Math.PI)],
    ["uncorrelated", 0],
  ];
  for (const [correlation, expected] of cases) {
    it(`E[lambda nu] = ${expected.toFixed(4)} for ${correlation}`, async () => {
      const { samples } = await draw({ correlation });
      const { lambda, nu } = samples;
      const r = meanWithSE(lambda, (l, i) => l * nu[i]);
      expectWithin(r.mean, expected, r.se);
      const nuVar = meanWithSE(nu, (x) => x * x);
      expect(nuVar.mean).toBeCloseTo(1, 12); // Rademacher: nu^2 = 1 exactly
    });
  }

  it("uncorrelated latents are dependent: E[lambda^2 nu] = 2 E[lambda^2; |lambda| > median] - 1 > 0", async () => {
    const { samples } = await draw({ correlation: "uncorrelated" });
    const { lambda, nu } = samples;
    const r = meanWithSE(lambda, (l, i) => l * l * nu[i]);
    // E[lambda^2 1{|lambda| > q}] with q = Phi^-1(3/4): 2 (q phi(q) + 1 - Phi(q)) = 2 q phi(q) + 1/2.
    const q = 0.6744897501960817;
    const phi = Math.exp(-0.5 * q * q) / Math.sqrt(2 * Math.PI);
    const expected = 2 * (2 * q * phi + 0.5) - 1;
    expectWithin(r.mean, expected, r.se);
    expect(expected).toBeGreaterThan(0.5);
  });

  it("comonotone coupling of a uniform latent: E[lambda nu] = sqrt(3 / pi)", async () => {
    const { samples } = await draw({ latent: "uniform", correlation: "sign" });
    const r = meanWithSE(samples.lambda, (l, i) => l * samples.nu[i]);
    expectWithin(r.mean, Math.sqrt(3 / Math.PI), r.se);
  });

  it("comonotone coupling of skewed:0.2: E[lambda nu] = phi(q) (nuHi - nuLo) with q = Phi^-1(0.8)", async () => {
    const p = 0.2;
    const { samples } = await draw({ latent: `skewed:${p}`, correlation: "sign" });
    const r = meanWithSE(samples.lambda, (l, i) => l * samples.nu[i]);
    const q = 0.8416212335729144; // Phi^-1(0.8), from the C library
    const phi = Math.exp(-0.5 * q * q) / Math.sqrt(2 * Math.PI);
    expectWithin(r.mean, phi * (Math.sqrt((1 - p) / p) + Math.sqrt(p / (1 - p))), r.se);
    const hi = meanWithSE(samples.nu, (x) => (x > 0 ? 1 : 0));
    expectWithin(hi.mean, p, hi.se);
  });

  it("uniform latent: nu has variance 1 and excess kurtosis -1.2", async () => {
    const { samples } = await draw({ latent: "uniform" });
    const v = meanWithSE(samples.nu, (x) => x * x);
    expectWithin(v.mean, 1, v.se);
    const m4 = meanWithSE(samples.nu, (x) => x ** 4);
    expectWithin(m4.mean, 1.8, m4.se);
  });
});

describe("forward process: Var(u . xt) = alpha^2 (1 + betaU) + sigma^2", () => {
  const cases: [string, number, number, number][] = [
    // process, t, alpha, sigma
    ["vp", 0.5, Math.exp(-0.5), Math.sqrt(1 - Math.exp(-1))],
    ["ve", 2, 1, 2],
    ["linear", 0.3, 0.3, 0.7],
  ];
  for (const [process, t, alpha, sigma] of cases) {
    it(`${process} at t = ${t}`, async () => {
      const betaU = 5;
      const { samples, spikes } = await draw({ process, t, betaU });
      const pu = project(samples.xt, d, spikes.u);
      const r = meanWithSE(pu, (x) => x * x);
      expectWithin(r.mean, alpha * alpha * (1 + betaU) + sigma * sigma, r.se);
    });
  }
});
