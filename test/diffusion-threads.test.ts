// Data-parallel training (src/diffusion/shards.ts, workers.ts): the minibatch's shards are fixed by the
// options, their gradients summed in shard order, so the weights and losses are bit-identical for any
// number of worker threads, and a run resumed on another thread count continues the same bits. Uses the
// built worker (dist/diffusion/worker.js).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodeDiffusionCheckpoint, encodeDiffusionCheckpoint } from "../src/diffusion/checkpoint.js";
import { loadDiffusionKernels } from "../src/diffusion/kernels.js";
import { type NetSpec, Network } from "../src/diffusion/net.js";
import { type DiffusionCheckpoint, runDiffusion } from "../src/diffusion/run.js";
import { reduceShards, shardGradient, shardRange } from "../src/diffusion/shards.js";
import { Trainer } from "../src/diffusion/train.js";
import { threadRunner } from "../src/diffusion/workers.js";
import { toyImages, toyRunOptions } from "./helpers/diffusion.js";

const tmp = mkdtempSync(join(tmpdir(), "mcm-diffusion-threads-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const spec: NetSpec = { arch: "unet", C: 1, H: 6, W: 6, width: 4, groups: 2, tdim: 8 };
const data = new Float32Array(20 * 36).map((_, i) => Math.sin(0.37 * i) + 0.3 * Math.cos(1.9 * i));
const opts = { batch: 7, shards: 3, lr: 3e-3, beta1: 0.9, beta2: 0.999, ema: 0.99, tMin: 0.01, tMax: 3 };
const fresh = async () =>
  new Trainer(new Network(await (await loadDiffusionKernels("simd")).instantiate(), spec, 7), data, 20, opts);
const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe("shards", () => {
  it("split [0, B) into contiguous ranges that do not depend on the thread count (7 into 3: 2, 2, 3)", () => {
    expect([0, 1, 2].map((i) => shardRange(i, 3, 7))).toEqual([
      [0, 2],
      [2, 4],
      [4, 7],
    ]);
  });
  it("the shard gradients summed in order equal the whole batch's gradient to f32 rounding (relative 1e-5)", async () => {
    const t = await fresh();
    t.init(0, 9, 1, 2);
    const net = t.net;
    const N = 7;
    const d = net.d;
    const x = new Float32Array(N * d).map((_, i) => Math.sin(0.11 * i));
    const eps = new Float32Array(N * d).map((_, i) => Math.cos(0.23 * i));
    const tt = new Float32Array(N).map((_, i) => 0.1 + 0.12 * i);
    const whole = shardGradient(net, { index: 0, n: N, x, t: tt, eps }, N);
    const gWhole = whole.g.slice();
    const outs = [0, 1, 2].map((index) => {
      const [lo, hi] = shardRange(index, 3, N);
      const r = shardGradient(
        net,
        { index, n: hi - lo, x: x.subarray(lo * d, hi * d), t: tt.subarray(lo, hi), eps: eps.subarray(lo * d, hi * d) },
        N,
      );
      return { index, loss: r.loss, g: r.g.slice() };
    });
    const sum = new Float32Array(net.size);
    const loss = reduceShards(outs.reverse(), sum);
    expect(loss).toBeCloseTo(whole.loss, 3);
    let diff = 0;
    let norm = 0;
    for (let i = 0; i < sum.length; i++) {
      diff += (sum[i] - gWhole[i]) ** 2;
      norm += gWhole[i] ** 2;
    }
    expect(norm).toBeGreaterThan(0);
    expect(Math.sqrt(diff / norm)).toBeLessThan(1e-5);
  });
});

describe("worker threads", () => {
  it("3 training steps inline, on 2 and on 3 worker threads give bit-identical losses, weights, moments and EMA", async () => {
    const inline = await fresh();
    inline.init(0, 5, 1, 2);
    const losses: number[][] = [[]];
    for (let s = 0; s < 3; s++) losses[0].push(inline.trainStep());
    const ref = inline.save();
    for (const threads of [2, 3]) {
      const t = await fresh();
      t.init(0, 5, 1, 2);
      const runner = await threadRunner(threads, "simd", spec, 3);
      const l: number[] = [];
      try {
        for (let s = 0; s < 3; s++) l.push(await t.trainStepWith(runner));
      } finally {
        await runner.close();
      }
      losses.push(l);
      const st = t.save();
      expect(bits(st.w).equals(bits(ref.w)), `weights, ${threads} threads`).toBe(true);
      expect(bits(st.m).equals(bits(ref.m)), `first moments, ${threads} threads`).toBe(true);
      expect(bits(st.v).equals(bits(ref.v)), `second moments, ${threads} threads`).toBe(true);
      expect(bits(st.ema).equals(bits(ref.ema)), `EMA, ${threads} threads`).toBe(true);
    }
    expect(losses[1]).toEqual(losses[0]);
    expect(losses[2]).toEqual(losses[0]);
  });

  it("runDiffusion with twins on 1 and 2 threads gives the same snapshots and twin measurements, and a run resumed on 2 threads from step 4 the same as both", async () => {
    const file = toyImages(join(tmp, "toy.npy"));
    const o = { ...toyRunOptions(file), steps: 10, shards: 4 };
    const strip = (r: Awaited<ReturnType<typeof runDiffusion>>) =>
      JSON.stringify([r.snapshots.map(({ seconds: _, ...s }) => s), r.twin]);
    let mid: DiffusionCheckpoint | undefined;
    const one = await runDiffusion(o, { threads: 1 });
    const two = await runDiffusion(o, {
      threads: 2,
      onCheckpoint: (c) => {
        if (c.state.step === 4) mid = decodeDiffusionCheckpoint(encodeDiffusionCheckpoint(c));
      },
    });
    expect(one.snapshots.map((s) => s.step)).toEqual([0, 1, 4, 10]);
    expect(one.twin?.snapshots.map((p) => p.step)).toEqual([0, 1, 4, 10]);
    expect(strip(two)).toBe(strip(one));
    expect(mid).toBeDefined();
    const resumed = await runDiffusion(o, { resume: mid, threads: 2 });
    expect(strip(resumed)).toBe(strip(one));
  });
});
