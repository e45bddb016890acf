// The ziggurat normal generator and the seeded streams (assembly/rng.ts).
import { describe, expect, it } from "vitest";
import { loadKernels } from "../src/engine/kernels.js";
import { meanWithSE, withinSE } from "./helpers/stats.js";

const N = 1_000_000;

async function gaussians(seed: number, stream: number, walker: number, n = N, flavour: "simd" | "scalar" = "scalar") {
  const k = await (await loadKernels(undefined, { flavour })).instantiate();
  const base = k.heapBase();
  const rng = base;
  const out = base + 32;
  const need = out + n * 8;
  if (need > k.memory.buffer.byteLength) k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / 65536));
  k.seedStream(rng, 0, seed, stream, walker);
  k.fillGauss(rng, out, n);
  return new Float64Array(k.memory.buffer, out, n).slice();
}

function normCdf(x: number): number {
  // An implementation independent of the kernel's: Numerical Recipes' erfc (fractional error < 1.2e-7),
  // ample for a KS test on 2e5 samples.
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - 0.5 * r : 0.5 * r;
}

describe("ziggurat N(0, 1) generator", () => {
  it("moments: mean 0, variance 1, fourth moment 3, sixth moment 15 (5 SE)", async () => {
    const g = await gaussians(7, 0, 0);
    for (const [k, expected] of [
      [1, 0],
      [2, 1],
      [4, 3],
      [6, 15],
    ] as const) {
      const r = meanWithSE(g, (x) => x ** k);
      const w = withinSE(r.mean, expected, r.se);
      expect(w.ok, `moment ${k}: ${w.text}`).toBe(true);
    }
  });

  it("tail mass beyond the ziggurat's base R = 3.654 (drawn by the tail algorithm) is 2 (1 - Phi(R))", async () => {
    const g = await gaussians(8, 0, 0);
    const R = 3.6541528853610088;
    const p = 2 * (1 - normCdf(R));
    const r = meanWithSE(g, (x) => (Math.abs(x) > R ? 1 : 0));
    const w = withinSE(r.mean, p, Math.sqrt((p * (1 - p)) / g.length));
    expect(w.ok, w.text).toBe(true);
  });

  it("Kolmogorov-Smirnov distance to Phi is below the 1% critical value 1.63 / sqrt(n)", async () => {
    const g = (await gaussians(9, 0, 0, 200_000)).sort();
    let dmax = 0;
    for (let i = 0; i < g.length; i++) {
      const F = normCdf(g[i]);
      dmax = Math.max(dmax, Math.abs(F - i / g.length), Math.abs(F - (i + 1) / g.length));
    }
    expect(dmax).toBeLessThan(1.63 / Math.sqrt(g.length));
  });

  it("streams differ by seed, stream id and walker, and repeat exactly for the same triple", async () => {
    const a = await gaussians(1, 2, 3, 1000);
    expect(await gaussians(1, 2, 3, 1000)).toEqual(a);
    for (const other of [
      await gaussians(2, 2, 3, 1000),
      await gaussians(1, 1, 3, 1000),
      await gaussians(1, 2, 4, 1000),
    ]) {
      let same = 0;
      for (let i = 0; i < 1000; i++) if (other[i] === a[i]) same++;
      expect(same).toBe(0);
    }
  });

  it("the SIMD and scalar builds draw bit-identical normals", async () => {
    const a = await gaussians(5, 2, 0, 10_000, "scalar");
    const b = await gaussians(5, 2, 0, 10_000, "simd");
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
  });
});
