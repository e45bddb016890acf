/**
 * One training step of the standard diffusion objective, for the VP process: a minibatch of training
 * images x0, t uniform on [tMin, tMax] and eps ~ N(0, I) per sample, xt = alpha x0 + sigma eps, loss the
 * mean squared error of the predicted noise; Adam, then the EMA of the weights (decay min(ema, (1 + s) /
 * (10 + s)) at step s, the usual warm-up). All draws come from one stream in a fixed order, so the state
 * (weights, moments, EMA, stream, step) determines the rest of the run: checkpoints resume bit-identically.
 * The gradient is the sum of `shards` shard gradients in shard order (./shards.ts), computed inline or on
 * worker threads (./workers.ts) with the same bits.
 */
import { alphaSigma } from "../config/process.js";
import type { Network } from "./net.js";
import type { DiffusionOptions } from "./options.js";
import {
  reduceShards,
  type ShardInput,
  type ShardOutput,
  type ShardRunner,
  shardGradient,
  shardRange,
} from "./shards.js";

export interface TrainerState {
  step: number;
  w: Float32Array;
  m: Float32Array;
  v: Float32Array;
  ema: Float32Array;
  /** The xoshiro256** state of the training stream. */
  rng: Uint8Array;
}

export type TrainerOptions = Pick<
  DiffusionOptions,
  "batch" | "shards" | "lr" | "beta1" | "beta2" | "ema" | "tMin" | "tMax"
>;

export class Trainer {
  step = 0;
  constructor(
    readonly net: Network,
    /** [nTrain, d] preprocessed training images. */
    readonly train: Float32Array,
    readonly nTrain: number,
    readonly o: TrainerOptions,
  ) {}

  init(seedHi: number, seedLo: number, initStream: number, trainStream: number): void {
    this.net.init(seedHi, seedLo, initStream);
    this.net.k.seedStream(this.net.rng, seedHi, seedLo, trainStream, 0);
    this.step = 0;
  }

  /**
   * Draws the minibatch (indices, t, noise: in this order from the training stream) and cuts it into the
   * shards of ./shards.ts.
   */
  private drawShards(): ShardInput[] {
    const { net, o } = this;
    const { k, heap, d } = net;
    const N = o.batch;
    const u = new Float64Array(k.memory.buffer, net.scratch64, N);
    k.fillUniform(net.rng, net.scratch64, N);
    const idx = Array.from(u, (v) => Math.min(this.nTrain - 1, Math.floor(v * this.nTrain)));
    k.fillUniform(net.rng, net.scratch64, N);
    const ts = Array.from(new Float64Array(k.memory.buffer, net.scratch64, N), (v) => o.tMin + (o.tMax - o.tMin) * v);
    k.fillGaussF32(net.rng, net.target, N * d);
    const eps = heap.f32(net.target, N * d).slice();
    const x = new Float32Array(N * d);
    const tt = new Float32Array(N);
    for (let s = 0; s < N; s++) {
      const { alpha, sigma } = alphaSigma("vp", ts[s]);
      tt[s] = ts[s] / o.tMax;
      const src = idx[s] * d;
      for (let j = 0; j < d; j++) x[s * d + j] = alpha * this.train[src + j] + sigma * eps[s * d + j];
    }
    return Array.from({ length: o.shards }, (_, index) => {
      const [lo, hi] = shardRange(index, o.shards, N);
      return {
        index,
        n: hi - lo,
        x: x.subarray(lo * d, hi * d),
        t: tt.subarray(lo, hi),
        eps: eps.subarray(lo * d, hi * d),
      };
    });
  }

  /** Adam on the summed gradient (in net.g), then the EMA; returns the loss per pixel. */
  private apply(outs: ShardOutput[]): number {
    const { net, o } = this;
    const { k, heap, d } = net;
    const loss = reduceShards(outs, heap.f32(net.g, net.size));
    this.step++;
    const t = this.step;
    k.adamStep(
      net.w,
      net.g,
      net.m,
      net.v,
      net.size,
      o.lr,
      o.beta1,
      o.beta2,
      1e-8,
      1 / (1 - o.beta1 ** t),
      1 / (1 - o.beta2 ** t),
    );
    if (o.ema > 0) k.emaStep(net.ema, net.w, net.size, Math.min(o.ema, (1 + t) / (10 + t)));
    else heap.f32(net.ema, net.size).set(heap.f32(net.w, net.size));
    return loss / (o.batch * d);
  }

  /** Runs one step with the shards inline; returns the minibatch loss (noise MSE per pixel). */
  trainStep(): number {
    const { net, o } = this;
    const shards = this.drawShards();
    const outs = shards.map((s) => {
      const { loss, g } = shardGradient(net, s, o.batch);
      return { index: s.index, loss, g: g.slice() };
    });
    return this.apply(outs);
  }

  /** Runs one step with the shards on `runner` (inline or worker threads): the same bits as trainStep(). */
  async trainStepWith(runner: ShardRunner): Promise<number> {
    const shards = this.drawShards();
    const outs = await runner.run(this.net.heap.f32(this.net.w, this.net.size), shards, this.o.batch);
    return this.apply(outs);
  }

  save(): TrainerState {
    const { heap, size } = this.net;
    const rng = new Uint8Array(this.net.k.memory.buffer, this.net.rng, 32).slice();
    return {
      step: this.step,
      w: heap.f32(this.net.w, size).slice(),
      m: heap.f32(this.net.m, size).slice(),
      v: heap.f32(this.net.v, size).slice(),
      ema: heap.f32(this.net.ema, size).slice(),
      rng,
    };
  }

  restore(s: TrainerState): void {
    const { heap, size } = this.net;
    for (const [name, arr] of [
      ["w", s.w],
      ["m", s.m],
      ["v", s.v],
      ["ema", s.ema],
    ] as const) {
      if (arr.length !== size)
        throw new RangeError(`checkpoint: ${name} has ${arr.length} parameters, expected ${size}`);
    }
    heap.f32(this.net.w, size).set(s.w);
    heap.f32(this.net.m, size).set(s.m);
    heap.f32(this.net.v, size).set(s.v);
    heap.f32(this.net.ema, size).set(s.ema);
    new Uint8Array(this.net.k.memory.buffer, this.net.rng, 32).set(s.rng);
    this.step = s.step;
  }
}
