// The written-down control families of `mcm generate` (the Wiener family, one unit at w = u, the grid's
// closed-form DDIM variance) and the intervals over families of when a statistic arrives.
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../src/config/schema.js";
import { loadKernels } from "../src/engine/kernels.js";
import { seededRandom } from "../src/experiments/stats.js";
import { gaussianVariance, spanCovariance, unitAtSpikeFamily, wienerFamily } from "../src/generate/controls.js";
import { defaultLevels, samplerGrid } from "../src/generate/law.js";
import { levelHitInterval, reachRows, type SnapshotLike } from "../src/generate/reach.js";
import { createGenerator } from "../src/generate/sampler.js";
import { sampleStats } from "../src/generate/stats.js";

const scalar = await loadKernels(undefined, { flavour: "scalar" });

describe("the Wiener family", () => {
  const grid = samplerGrid("vp", defaultLevels("vp", 12));

  it("moves x.u exactly as the oracle does for independent latents (the oracle is linear along u there): 1e-9", async () => {
    const config = resolveConfig({ d: 8 });
    const oracle = await createGenerator(config, 5, { kernels: scalar });
    const linear = await createGenerator({ ...config, activation: "linear", K: 2 }, 5, { kernels: scalar });
    const family = wienerFamily(config, linear.sim.spikes(), grid);
    const a = oracle.sample({ grid, sampler: "ddim", samples: 200 });
    const b = linear.sample({ grid, sampler: "ddim", samples: 200, family });
    let worst = 0;
    for (let i = 0; i < 200; i++) worst = Math.max(worst, Math.abs(a[4 * i] - b[4 * i]));
    expect(worst).toBeLessThan(1e-9);
    // ... and not along v, where the oracle is not linear: the test can fail.
    let v = 0;
    for (let i = 0; i < 200; i++) v = Math.max(v, Math.abs(a[4 * i + 1] - b[4 * i + 1]));
    expect(v).toBeGreaterThan(0.05);
  });

  it("gives Var(x.u) within 4 SE of the closed-form DDIM variance of the grid (sign latents: the u-v block's eigenvectors)", async () => {
    const config = resolveConfig({ d: 6, correlation: "sign" });
    const linear = await createGenerator({ ...config, activation: "linear", K: 2 }, 9, { kernels: scalar });
    const family = wienerFamily(config, linear.sim.spikes(), grid);
    const s = sampleStats(linear.sample({ grid, sampler: "ddim", samples: 8000, family }));
    // Along an eigenvector e of variance l the gain is that of a 1-D Gaussian of variance l; x.u mixes the two.
    const [p, q, , r] = spanCovariance(config);
    const mean = 0.5 * (p + r);
    const rad = Math.hypot(0.5 * (p - r), q);
    const l1 = mean + rad;
    const l2 = mean - rad;
    const c2 = (l1 - r) ** 2 / ((l1 - r) ** 2 + q * q); // (e1 . u)^2
    const expected = c2 * gaussianVariance(grid, l1) + (1 - c2) * gaussianVariance(grid, l2);
    expect(Math.abs(s.varU - expected)).toBeLessThan(4 * (s.se.varU as number));
    // 12 levels lose visibly more than 4 SE of the data's 1 + betaU = 6.
    expect(6 - expected).toBeGreaterThan(4 * (s.se.varU as number));
  });
});

describe("one unit at w = u", () => {
  it("with a linear g: b is the bulk's alpha/(alpha^2 + sigma^2) and b + a the Wiener slope along u, to 1e-10", () => {
    const config = resolveConfig({ d: 32, activation: "linear" });
    const grid = samplerGrid("vp", defaultLevels("vp", 8));
    const u = new Float64Array(32);
    u[3] = 1;
    const f = unitAtSpikeFamily(config, u, grid);
    for (let l = 0; l < 8; l++) {
      const { alpha, sigma } = grid[l];
      expect(f.b[l]).toBeCloseTo(alpha / (alpha * alpha + sigma * sigma), 10);
      expect(f.b[l] + f.a[l]).toBeCloseTo((6 * alpha) / (6 * alpha * alpha + sigma * sigma), 10);
    }
  });

  it("with tanh: (b, a) solve the loss's normal equations, E[r . xt] = 0 and E[(r . u) tanh(u . xt)] = 0 within 5 SE (Monte Carlo)", () => {
    const d = 8;
    const config = resolveConfig({ d, K: 1 });
    const grid = samplerGrid("vp", defaultLevels("vp", 6));
    const u = new Float64Array(d);
    u[0] = 1;
    const f = unitAtSpikeFamily(config, u, grid);
    const random = seededRandom(7);
    const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const n = 100_000;
    for (const l of [1, 3]) {
      const { alpha, sigma } = grid[l];
      const g1 = new Float64Array(n);
      const g2 = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let rx = 0;
        let ru = 0;
        let hg = 0;
        const x0u = Math.sqrt(6) * normal();
        const h = alpha * x0u + sigma * normal();
        const g = Math.tanh(h);
        ru = x0u - f.b[l] * h - f.a[l] * g;
        rx = ru * h;
        hg = ru * g;
        for (let j = 1; j < d; j++) {
          const x0 = normal();
          const xt = alpha * x0 + sigma * normal();
          rx += (x0 - f.b[l] * xt) * xt;
        }
        g1[i] = rx;
        g2[i] = hg;
      }
      for (const xs of [g1, g2]) {
        const mean = xs.reduce((s, x) => s + x, 0) / n;
        const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
        expect(Math.abs(mean), `level ${l}: ${mean} vs SE ${sd / Math.sqrt(n)}`).toBeLessThan((5 * sd) / Math.sqrt(n));
      }
      // The tanh unit's amplitude is not the linear one's (the equations can fail): a != c_u - b.
      const cu = (6 * alpha) / (6 * alpha * alpha + sigma * sigma);
      expect(Math.abs(f.a[l] - (cu - f.b[l]))).toBeGreaterThan(0.05);
    }
  });
});

describe("when statistics arrive, over families", () => {
  const se = { varU: 0.05, varV: 0.01, skewV: 0.01, exKurtV: 0.05, uv: 0.01, u2v: 0.01 };
  const law = (varU: number, exKurtV = 0) => ({ varU, varV: 1, skewV: 0, exKurtV, uv: 0, u2v: 0 });
  const snap = (n: number, fam: number[]): SnapshotLike => ({
    n,
    samples: 100,
    se,
    ...law(fam.reduce((s, x) => s + x, 0) / fam.length),
    families: fam.map((v) => law(v)),
  });

  it("gives each family's first n at f = 0.5 and 0.8 of the way to the oracle, censored when never, nothing to learn as null", () => {
    const oracle = { samples: 100, se, ...law(5) };
    const snaps = [snap(10, [1, 1, 1]), snap(20, [3.1, 2, 1]), snap(40, [4.3, 3.5, 1.5])];
    const [half, most] = reachRows(oracle, snaps, 3, [0.5, 0.8]);
    // Family 0 crosses 0.5 (varU 3) between n = 10 (1) and 20 (3.1): log-interpolated at 10 * 2^(2/2.1).
    expect(half.stats.varU?.perFamily).toEqual([
      Math.round(10 * 2 ** (2 / 2.1)),
      Math.round(20 * 2 ** (1 / 1.5)),
      null,
    ]);
    expect(most.stats.varU?.perFamily).toEqual([Math.round(20 * 2 ** (1.1 / 1.2)), null, null]);
    expect(half.stats.varU?.median).toBe(Math.round(20 * 2 ** (1 / 1.5)));
    expect(most.stats.varU?.median).toBeNull();
    expect(half.stats.exKurtV).toBeNull();
  });

  it("the median over levels of hitting steps per family ranks 'not hit' last", () => {
    const r = levelHitInterval([
      [5, 1],
      [7, null],
      [null, null],
    ]);
    expect(r.perFamily).toEqual([7, null]);
    expect(r.censored).toBe(1);
  });
});

describe("the Heun sampler", () => {
  it("is closer to the data's Var(x.u) than DDIM at 12 oracle levels (> 5 SE) and within 3 SE of 1 + betaU", async () => {
    const config = resolveConfig({ d: 4, correlation: "sign" });
    const gen = await createGenerator(config, 21, { kernels: scalar });
    const grid = samplerGrid("vp", defaultLevels("vp", 12));
    const heun = sampleStats(gen.sample({ grid, sampler: "heun", samples: 8000 }));
    const ddim = sampleStats(gen.sample({ grid, sampler: "ddim", samples: 8000 }));
    const se = heun.se.varU as number;
    expect(Math.abs(heun.varU - 6)).toBeLessThan(3 * se);
    expect(Math.abs(ddim.varU - 6) - Math.abs(heun.varU - 6)).toBeGreaterThan(5 * se);
    // E[(x.u)(x.v)] of sign latents, sqrt(betaU betaV / (1 + betaV)) sqrt(2/pi) = 1.629, within 3 SE too.
    expect(Math.abs(heun.uv - Math.sqrt(25 / 6) * Math.sqrt(2 / Math.PI))).toBeLessThan(3 * (heun.se.uv as number));
  });

  it("moves a Gaussian direction by the closed-form Heun gain: the Wiener family's Var(x.u) within 4 SE", async () => {
    const config = resolveConfig({ d: 6 });
    const grid = samplerGrid("vp", defaultLevels("vp", 6));
    const linear = await createGenerator({ ...config, activation: "linear", K: 2 }, 9, { kernels: scalar });
    const family = wienerFamily(config, linear.sim.spikes(), grid);
    const s = sampleStats(linear.sample({ grid, sampler: "heun", samples: 8000, family }));
    const expected = gaussianVariance(grid, 6, "heun");
    expect(Math.abs(s.varU - expected)).toBeLessThan(4 * (s.se.varU as number));
    // 6 levels: Heun's closed form is not DDIM's (the check can tell them apart).
    expect(Math.abs(gaussianVariance(grid, 6, "ddim") - expected)).toBeGreaterThan(8 * (s.se.varU as number));
  });
});
