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
  shardRange,
  shardsInline,
} from "./shards.js";

export interface TrainerState {
  step: number;
  w: Float32Array;
  m: Float32Array;
  v: Float32Array;
  ema: Float32Array;
  /** The xoshiro256** state of the training stream (a twin's: its clone stream). */
  rng: Uint8Array;
  /** The Gaussian twins' states (G, then G'), when the run trains them. */
  twins?: TrainerState[];
}

/** Fresh samples of the Gaussian clone: x0 [n, d] = mean + L z for standard normals z [n, d]. */
export interface CloneSource {
  draw(z: Float32Array, n: number): Float64Array;
}

export type TrainerOptions = Pick<
  DiffusionOptions,
  "batch" | "shards" | "lr" | "beta1" | "beta2" | "ema" | "tMin" | "tMax"
>;

export class Trainer {
  step = 0;
  /** The last step's loss per network (R, then the twins). */
  losses: number[] = [];
  private twins: Network[] = [];
  private clone: CloneSource | null = null;
  /** Per network, the shard gradients of trainStep (reused at every step). */
  private readonly keep: Float32Array[][] = [];
  constructor(
    readonly net: Network,
    /** [nTrain, d] preprocessed training images. */
    readonly train: Float32Array,
    readonly nTrain: number,
    readonly o: TrainerOptions,
  ) {}

  /** R, then the twins. */
  get nets(): Network[] {
    return [this.net, ...this.twins];
  }

  /** Trains `nets` beside R on fresh samples of `clone` (call before init or restore). */
  addTwins(nets: Network[], clone: CloneSource): void {
    for (const t of nets) {
      if (t.size !== this.net.size) throw new RangeError("addTwins: a twin of another architecture");
    }
    this.twins = nets;
    this.clone = clone;
  }

  /** R's initial weights from initStream, its draws from trainStream; each twin starts from R's weights and
   * draws its clone samples from its own stream of `cloneStreams`. */
  init(seedHi: number, seedLo: number, initStream: number, trainStream: number, cloneStreams: number[] = []): void {
    this.net.init(seedHi, seedLo, initStream);
    this.net.k.seedStream(this.net.rng, seedHi, seedLo, trainStream, 0);
    if (cloneStreams.length !== this.twins.length) {
      throw new RangeError(`init: ${cloneStreams.length} clone streams for ${this.twins.length} twins`);
    }
    this.twins.forEach((twin, i) => {
      for (const p of ["w", "m", "v", "ema"] as const) {
        twin.heap.f32(twin[p], twin.size).set(this.net.heap.f32(this.net[p], this.net.size));
      }
      twin.k.seedStream(twin.rng, seedHi, seedLo, cloneStreams[i], 0);
    });
    this.step = 0;
  }

  /**
   * Draws the minibatch (indices, t, noise: in this order from the training stream) and cuts it into the
   * shards of ./shards.ts, one set per network: R's images are the training images at the drawn positions;
   * each twin's are fresh clone samples (mean + L z, z from the twin's own stream), with the same t and noise.
   */
  private drawShards(): ShardInput[][] {
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
    const tt = new Float32Array(N);
    const coef = ts.map((t, s) => {
      tt[s] = t / o.tMax;
      return alphaSigma("vp", t);
    });
    const noisy = (x0: (s: number) => ArrayLike<number>): ShardInput[] => {
      const x = new Float32Array(N * d);
      for (let s = 0; s < N; s++) {
        const { alpha, sigma } = coef[s];
        const src = x0(s);
        for (let j = 0; j < d; j++) x[s * d + j] = alpha * src[j] + sigma * eps[s * d + j];
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
    };
    const sets = [noisy((s) => this.train.subarray(idx[s] * d, (idx[s] + 1) * d))];
    for (const twin of this.twins) {
      const clone = this.clone as CloneSource;
      twin.k.fillGaussF32(twin.rng, twin.target, N * d);
      const x0 = clone.draw(twin.heap.f32(twin.target, N * d), N);
      sets.push(noisy((s) => x0.subarray(s * d, (s + 1) * d)));
    }
    return sets;
  }

  /** Adam on the summed gradient (in net.g), then the EMA; returns the loss per pixel. */
  private apply(net: Network, outs: ShardOutput[], t: number): number {
    const { o } = this;
    const { k, heap, d } = net;
    const loss = reduceShards(outs, heap.f32(net.g, net.size));
    const decay = o.ema > 0 ? Math.min(o.ema, (1 + t) / (10 + t)) : 0; // 0: the EMA is the weights
    k.adamEmaStep(
      net.w,
      net.g,
      net.m,
      net.v,
      net.ema,
      net.size,
      o.lr,
      o.beta1,
      o.beta2,
      1e-8,
      1 / (1 - o.beta1 ** t),
      1 / (1 - o.beta2 ** t),
      decay,
    );
    return loss / (o.batch * d);
  }

  /** Runs one step with the shards inline; returns R's minibatch loss (noise MSE per pixel). */
  trainStep(): number {
    const sets = this.drawShards();
    const nets = this.nets;
    this.step++;
    this.losses = sets.map((shards, i) => {
      this.keep[i] ??= [];
      return this.apply(nets[i], shardsInline(nets[i], shards, this.o.batch, this.keep[i]), this.step);
    });
    return this.losses[0];
  }

  /** Runs one step with the shards on `runners` (one per network, or one for all: inline or worker threads):
   * the same bits as trainStep(). Returns R's loss; every network's is in `losses`. */
  async trainStepWith(runners: ShardRunner | ShardRunner[]): Promise<number> {
    const sets = this.drawShards();
    const nets = this.nets;
    this.step++;
    const losses: number[] = [];
    for (let i = 0; i < sets.length; i++) {
      const runner = Array.isArray(runners) ? runners[i] : runners;
      const outs = await runner.run(nets[i].heap.f32(nets[i].w, nets[i].size), sets[i], this.o.batch);
      losses.push(this.apply(nets[i], outs, this.step));
    }
    this.losses = losses;
    return losses[0];
  }

  /** R's state, with the twins' states (the same step) when there are twins. */
  save(): TrainerState {
    const states = this.nets.map((net) => {
      const { heap, size } = net;
      return {
        step: this.step,
        w: heap.f32(net.w, size).slice(),
        m: heap.f32(net.m, size).slice(),
        v: heap.f32(net.v, size).slice(),
        ema: heap.f32(net.ema, size).slice(),
        rng: new Uint8Array(net.k.memory.buffer, net.rng, 32).slice(),
      };
    });
    return this.twins.length > 0 ? { ...states[0], twins: states.slice(1) } : states[0];
  }

  restore(s: TrainerState): void {
    const twinStates = s.twins ?? [];
    if (twinStates.length !== this.twins.length) {
      throw new RangeError(`checkpoint: ${twinStates.length} twin networks, expected ${this.twins.length}`);
    }
    [s, ...twinStates].forEach((st, i) => {
      const net = this.nets[i];
      const { heap, size } = net;
      for (const [name, arr] of [
        ["w", st.w],
        ["m", st.m],
        ["v", st.v],
        ["ema", st.ema],
      ] as const) {
        if (arr.length !== size)
          throw new RangeError(`checkpoint: ${name} has ${arr.length} parameters, expected ${size}`);
      }
      heap.f32(net.w, size).set(st.w);
      heap.f32(net.m, size).set(st.m);
      heap.f32(net.v, size).set(st.v);
      heap.f32(net.ema, size).set(st.ema);
      new Uint8Array(net.k.memory.buffer, net.rng, 32).set(st.rng);
    });
    this.step = s.step;
  }
}
