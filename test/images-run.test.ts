import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/config/errors.js";
import { gridSteps } from "../src/engine/grid.js";
import { decodeImagesCheckpoint, encodeImagesCheckpoint } from "../src/experiments/images/checkpoint.js";
import { resolveImagesOptions } from "../src/experiments/images/options.js";
import { type ImagesCheckpoint, runImages } from "../src/experiments/images/run.js";
import { encodeNpy } from "../src/images/npy.js";
import { imagesPlotSpecs, imagesPlots } from "../src/report/images.js";

// MNIST pooled 2 x 2 (d = 196) keeps these runs to seconds.
const SMALL = { pool: 2, nTest: 500, K: 64, batch: 32, perDecade: 4, nDigits: 3 } as const;

describe("images experiment", () => {
  it("a short MNIST run produces all four curves on the log grid, the reference line and the digit panel", async () => {
    const steps = 300;
    const r = await runImages({ ...SMALL, steps });
    expect(r.complete).toBe(true);
    expect(r.dataset.d).toBe(196);
    expect(r.dataset.nTrain).toBe(9500);
    // Preprocessing: average per-pixel variance of the training set is 1.
    expect(Math.abs(r.reference.averageVariance - 1)).toBeLessThan(1e-9);
    expect(r.dataset.preprocessing.statement).toMatch(/average per-pixel variance of the training set is 1/);
    expect(r.curve.map((p) => p.step)).toEqual(gridSteps(steps, 4));
    for (const p of r.curve) {
      for (const v of [p.mseReal, p.mseClone, p.wienerDistance, p.gapReal, p.gapClone])
        expect(Number.isFinite(v)).toBe(true);
    }
    // Wiener beats the constant denoiser; training lowers the real-image MSE.
    expect(r.reference.wienerMseReal).toBeLessThan(r.reference.meanDenoiserMse);
    const first = r.curve[0];
    const last = r.curve[r.curve.length - 1];
    expect(last.mseReal).toBeLessThan(first.mseReal - 10 * first.mseRealSe);
    expect(last.wienerDistance).toBeLessThan(first.wienerDistance);
    // Three curves (vega-lite's line layer) and the Wiener reference line (its rule layer, in the legend).
    const lines = (imagesPlotSpecs(r).curves as { layer: { data: { values: { name: string }[] } }[] }).layer[1];
    expect(new Set(lines.data.values.map((row) => row.name)).size).toBe(3);
    const plots = await imagesPlots(r);
    expect(plots.curves).toContain("Wiener MSE, real images");
    expect(plots.digits?.match(/<image /g)?.length).toBe(4 * 3);
    expect(JSON.parse(JSON.stringify(r)).curve.length).toBe(r.curve.length);
  });

  it("control: trained on Gaussian-clone samples the network never beats the Wiener MSE on the clone (gap > -5 SE at every step), while trained on real images it beats Wiener on real images (gap < -5 SE)", async () => {
    const steps = 1500;
    const clone = await runImages({ ...SMALL, steps, trainOn: "clone", nDigits: 0 });
    for (const p of clone.curve) expect(p.gapClone).toBeGreaterThan(-5 * p.gapCloneSe);
    expect(clone.summary.cloneNotBelowWiener).toBe(true);
    const real = await runImages({ ...SMALL, steps, nDigits: 0 });
    const last = real.curve[real.curve.length - 1];
    expect(last.gapReal).toBeLessThan(-5 * last.gapRealSe);
    expect(real.summary.firstBelowWiener).not.toBe("never");
  });

  it("resuming from a checkpoint (through its byte encoding) gives a bit-identical curve", async () => {
    const opts = { ...SMALL, K: 16, nTest: 100, steps: 120, nDigits: 0 };
    const full = await runImages(opts);
    let saved: ImagesCheckpoint | null = null;
    await runImages(opts, {
      checkpointEvery: { unit: "steps", every: 50 },
      onCheckpoint: (c) => {
        if (c.step === 50) saved = c;
      },
    });
    expect(saved).not.toBeNull();
    const restored = decodeImagesCheckpoint(encodeImagesCheckpoint(saved as unknown as ImagesCheckpoint));
    const resumed = await runImages(opts, { resume: restored });
    expect(resumed.curve).toEqual(full.curve);
    await expect(runImages({ ...opts, lr: 2e-3 }, { resume: restored })).rejects.toThrow(
      /resume: the checkpoint was made with other options/,
    );
  });

  it("runs on a user's .npy file (non-square d = 12, values in [0, 255]): min-max to [0, 1], unit average variance, no digit panel", async () => {
    const n = 300;
    const d = 12;
    const data = new Float64Array(n * d);
    for (let s = 0; s < n; s++)
      for (let j = 0; j < d; j++) data[s * d + j] = 127.5 + 100 * Math.sin(0.37 * s * (j + 1) + j);
    const dir = mkdtempSync(join(tmpdir(), "images-"));
    const path = join(dir, "data.npy");
    writeFileSync(path, encodeNpy(data, n, d, "<f4"));
    const r = await runImages({ dataset: path, nTest: 50, K: 8, batch: 16, steps: 30, perDecade: 2 });
    expect(r.dataset.d).toBe(12);
    expect(r.dataset.nTrain).toBe(250);
    expect(r.dataset.preprocessing.pixelRange).toMatch(/^mapped to \[0, 1\] by the global minimum/);
    expect(Math.abs(r.reference.averageVariance - 1)).toBeLessThan(1e-9);
    expect(r.digits).toBeNull();
    expect(r.curve.every((p) => Number.isFinite(p.mseReal) && Number.isFinite(p.wienerDistance))).toBe(true);
  });

  it("stops early on an aborted signal and reports complete = false", async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await runImages({ ...SMALL, K: 8, nTest: 50, steps: 100, nDigits: 0 }, { signal: ac.signal });
    expect(r.complete).toBe(false);
    expect(r.curve.length).toBe(1);
  });

  it("bad options are refused naming the field, the value and the accepted range", () => {
    expect(() => resolveImagesOptions({ K: 0 })).toThrow(ConfigError);
    expect(() => resolveImagesOptions({ K: 0 })).toThrow("K: got 0, expected an integer in [1, 4096]");
    expect(() => resolveImagesOptions({ activation: "sign" })).toThrow('activation: got "sign", expected one of');
    expect(() => resolveImagesOptions({ dataset: "x.csv" })).toThrow(
      'dataset: got "x.csv", expected "mnist" or the path of a .npy file',
    );
    expect(() => resolveImagesOptions({ t: 0 })).toThrow('t: got 0, expected a finite number > 0 for process "vp"');
    expect(() => resolveImagesOptions({ foo: 1 })).toThrow("foo: unknown field");
  });
});
