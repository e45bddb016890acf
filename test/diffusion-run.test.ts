import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodeDiffusionCheckpoint, encodeDiffusionCheckpoint } from "../src/diffusion/checkpoint.js";
import { parseImageNpy } from "../src/diffusion/data.js";
import { frechet, wasserstein1 } from "../src/diffusion/metrics.js";
import { resolveDiffusionOptions } from "../src/diffusion/options.js";
import { type DiffusionCheckpoint, runDiffusion, StoppedBeforeTraining } from "../src/diffusion/run.js";
import { sample, timeGrid, wienerEps } from "../src/diffusion/sample.js";
import { arenaFor } from "../src/experiments/images/layout.js";
import { createDense, referenceFromMoments } from "../src/images/gaussian.js";
import { loadImagesKernels } from "../src/images/kernels.js";
import { encodeNpy } from "../src/images/npy.js";
import { toyImages, toyRunOptions } from "./helpers/diffusion.js";

const tmp = mkdtempSync(join(tmpdir(), "mcm-diffusion-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function dense() {
  const ex = await (await loadImagesKernels("scalar")).instantiate();
  return createDense(ex, arenaFor(ex), ex.heapBase());
}

describe("sample metrics", () => {
  it("Frechet distance: 0 for equal Gaussians, the closed form for commuting covariances", async () => {
    const D = await dense();
    const d = 3;
    const mean = new Float64Array([0.5, -1, 2]);
    const cov = new Float64Array([2, 0.3, 0, 0.3, 1, 0.1, 0, 0.1, 0.5]);
    const ref = referenceFromMoments(mean, cov, d);
    expect(frechet(D, ref, mean, cov)).toBeLessThan(1e-10);
    // diag(1, 4, 9) against diag(4, 1, 1) with means 1 apart in one coordinate: 1 + sum (sqrt a - sqrt b)^2.
    const r2 = referenceFromMoments(new Float64Array(3), new Float64Array([1, 0, 0, 0, 4, 0, 0, 0, 9]), d);
    const got = frechet(D, r2, new Float64Array([1, 0, 0]), new Float64Array([4, 0, 0, 0, 1, 0, 0, 0, 1]));
    expect(got * d).toBeCloseTo(1 + 1 + 1 + 4, 9);
  });
  it("W1 between empirical marginals: a shift by c gives c, unequal sizes integrate the quantile functions", () => {
    const a = Float64Array.from([0, 1, 2, 3]);
    expect(
      wasserstein1(
        a,
        a.map((v) => v + 0.25),
      ),
    ).toBeCloseTo(0.25, 12);
    // {0, 1} against {0, 0, 1, 1, 1, 1}: F^-1 differ on u in (1/3, 1/2] by 1 -> 1/6.
    expect(wasserstein1(Float64Array.from([0, 1]), Float64Array.from([0, 0, 1, 1, 1, 1]))).toBeCloseTo(1 / 6, 12);
  });
});

describe("samplers with the Wiener denoiser", () => {
  // With the exact score of N(m, C), both samplers map noise to samples of N(m, C) up to the time
  // discretisation; 4000 samples give variances to ~ sqrt(2 / 4000) = 2.2% (1 SE): tolerance 5 SE.
  for (const sampler of ["ddim", "ancestral"] as const) {
    it(`${sampler}: per-coordinate variances and means of Wiener-diffusion samples match the Gaussian (5 SE)`, async () => {
      const D = await dense();
      const d = 4;
      const mean = new Float64Array([1, -0.5, 0, 2]);
      const cov = new Float64Array([3, 0.5, 0, 0, 0.5, 1, 0.2, 0, 0, 0.2, 0.3, 0, 0, 0, 0, 0.05]);
      const ref = referenceFromMoments(mean, cov, d);
      const n = 4000;
      const ts = timeGrid(0.001, 6, 200);
      const z = D.normals(0, 3, 1, n * d);
      const noise = D.normals(0, 3, 2, (ts.length - 1) * n * d);
      const x = sample(wienerEps(D, ref), sampler, z, noise, n, d, ts);
      for (let j = 0; j < d; j++) {
        let m = 0;
        for (let s = 0; s < n; s++) m += x[s * d + j] / n;
        let v = 0;
        for (let s = 0; s < n; s++) v += (x[s * d + j] - m) ** 2 / (n - 1);
        const c = cov[j * d + j];
        expect(Math.abs(m - mean[j]), `mean ${j}`).toBeLessThan(5 * Math.sqrt(c / n));
        expect(Math.abs(v / c - 1), `variance ${j}`).toBeLessThan(5 * Math.sqrt(2 / n));
      }
    });
  }
});

describe("options", () => {
  it("out-of-range values name the field, the value and the accepted range (never a flag)", () => {
    expect(() => resolveDiffusionOptions({ batch: "0" })).toThrow(
      /^batch: got "0", expected an integer in \[1, 4096\]$/,
    );
    expect(() => resolveDiffusionOptions({ width: 6, groups: 4 })).toThrow(
      /^width: got 6, expected a multiple of groups 4/,
    );
    expect(() => resolveDiffusionOptions({ tMin: 2, tMax: 1 })).toThrow(/^tMax: got 1, expected more than tMin 2/);
    expect(() => resolveDiffusionOptions({ evalT: "0.1,x" })).toThrow(/^evalT: /);
    expect(() => resolveDiffusionOptions({ evalT: "0.001,1" })).toThrow(
      /^evalT: got 0.001, expected times in the process's range \[tMin 0.002, tMax 4\]/,
    );
    expect(() => resolveDiffusionOptions({ seed: -1 })).toThrow(
      /^seed: got -1, expected an integer in \[0, 2\^64 - 1\]/,
    );
    expect(resolveDiffusionOptions({ seed: "18446744073709551615" }).seed).toBe("18446744073709551615");
    expect(resolveDiffusionOptions({ evalT: "0.2,1" }).evalT).toEqual([0.2, 1]);
    expect(resolveDiffusionOptions({}).evalT).toEqual([0.05, 0.1, 0.25, 0.5, 1, 2]);
    expect(resolveDiffusionOptions({}).twin).toBe(true);
  });
});

describe("runDiffusion on a toy .npy", () => {
  const file = toyImages(join(tmp, "toy.npy"));
  const opts = { ...toyRunOptions(file), flavour: undefined };
  it("the same seed gives the same snapshots, and a resumed run the same as an uninterrupted one", async () => {
    const a = await runDiffusion(opts);
    expect(a.snapshots.map((s) => s.step)).toEqual([0, 1, 4, 10, 12]);
    for (const s of a.snapshots) {
      expect(Number.isFinite(s.samples.gaussianFrechet) && Number.isFinite(s.samples.shapeW1)).toBe(true);
      expect(Object.keys(s.wienerDistance)).toEqual(["0.3", "1.0"]);
    }
    // The twins start from R's weights: at step 0 the three networks are one, so h and the floor are 0 and
    // G's distance to Wiener is R's; after a step they differ.
    const tw = a.twin?.snapshots ?? [];
    expect(tw.map((p) => p.step)).toEqual([0, 1, 4, 10, 12]);
    expect([tw[0].h["0.3"], tw[0].floor["0.3"], tw[0].eG["0.3"] - tw[0].dR["0.3"]]).toEqual([0, 0, 0]);
    expect(tw[4].floor["0.3"]).toBeGreaterThan(0);
    expect(a.decision?.["0.3"].tauH).toBeDefined();
    const b = await runDiffusion(opts);
    const strip = (r: typeof a) => JSON.stringify([r.snapshots.map(({ seconds: _, ...s }) => s), r.twin]);
    expect(strip(b)).toBe(strip(a));
    let mid: DiffusionCheckpoint | undefined;
    await runDiffusion(opts, {
      onCheckpoint: (c) => {
        if (c.state.step === 4) mid = decodeDiffusionCheckpoint(encodeDiffusionCheckpoint(c));
      },
    });
    expect(mid).toBeDefined();
    expect(mid?.state.twins?.length).toBe(2);
    const c = await runDiffusion(opts, { resume: mid });
    expect(strip(c)).toBe(strip(a));
  });
  it("a stop signal before training (here: already raised) stops in the first phase, before any checkpoint or sample is written", async () => {
    const stop = new AbortController();
    stop.abort();
    let written = 0;
    const run = runDiffusion(opts, {
      signal: stop.signal,
      onCheckpoint: () => written++,
      onSamples: () => written++,
    });
    await expect(run).rejects.toThrow(StoppedBeforeTraining);
    await expect(run).rejects.toThrow(/stopped while loading .*toy\.npy, before training/);
    expect(written).toBe(0);
  });
  it("--arch mlp: samples of the untrained and briefly trained MLP stay at the data's scale (Frechet per pixel < 10; it was ~3000 without the sigma(t) xt skip) and the test loss falls at every t", async () => {
    expect(resolveDiffusionOptions({ arch: "mlp" })).toMatchObject({ width: 512, lr: 1e-3 });
    const r = await runDiffusion({ ...opts, arch: "mlp", width: 64, steps: 30, perDecade: 1, twin: false });
    expect(r.twin).toBeNull();
    expect(r.network.arch).toBe("mlp");
    expect(r.snapshots.map((s) => s.step)).toEqual([0, 1, 10, 30]);
    for (const s of r.snapshots) expect(s.samples.gaussianFrechet, `step ${s.step}`).toBeLessThan(10);
    // The fixed evaluation set's noise MSE at every t: lower after 30 steps than at the start.
    const [first, last] = [r.snapshots[0], r.snapshots[3]];
    for (const t of Object.keys(first.lossReal)) expect(last.lossReal[t], `t = ${t}`).toBeLessThan(first.lossReal[t]);
  });
  it("a .npy of rank 2 or of 3 x 3 images is refused naming the shape found", async () => {
    expect(() => parseImageNpy(encodeNpy(new Float64Array(8), 2, 4), "flat.npy")).toThrow(
      /shape \(2, 4\).*expected \[N, H, W\]/,
    );
    const odd = join(tmp, "odd.npy");
    const bytes = new TextDecoder("latin1").decode(
      encodeNpy(
        new Float64Array(40 * 9).map((_, i) => Math.sin(i)),
        40,
        9,
      ),
    );
    writeFileSync(
      odd,
      Uint8Array.from(bytes.replace("(40, 9)", "(40, 3, 3)".padEnd(7, " ")), (ch) => ch.charCodeAt(0)),
    );
    await expect(runDiffusion({ ...opts, dataset: odd, nTest: 10 })).rejects.toThrow(/even image sides, found 3 x 3/);
  });
});
