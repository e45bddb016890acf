/**
 * Data-parallel gradients with a fixed reduction order. A minibatch of B samples is cut into `shards`
 * contiguous shards (shard i holds samples [floor(i B / S), floor((i + 1) B / S))), a split that depends on
 * the options only, never on the thread count. Each shard's gradient of the batch loss (the noise MSE
 * divided by B d, so the shard gradients add up to the batch's) is computed on its own, from zero, by the
 * same kernels; the host adds them in shard order in f32. So the summed gradient, and with it the whole
 * run, is bit-identical whether the shards run inline (one thread) or on any number of worker threads
 * (./workers.ts): every shard is the same computation on the same inputs wherever it runs.
 */
import type { Network } from "./net.js";

/** One shard's inputs: noisy images [n, d], times [n] (as t / tMax) and the noise (the target) [n, d]. */
export interface ShardInput {
  index: number;
  n: number;
  x: Float32Array;
  t: Float32Array;
  eps: Float32Array;
}

export interface ShardOutput {
  index: number;
  /** Sum over the shard of the squared noise error. */
  loss: number;
  /** The shard's gradient of the batch loss (length: the network's parameter count). */
  g: Float32Array;
}

/** Sample range [lo, hi) of shard i of S over a batch of B. */
export function shardRange(i: number, S: number, B: number): [number, number] {
  return [Math.floor((i * B) / S), Math.floor(((i + 1) * B) / S)];
}

/**
 * The gradient of one shard with the network's current weights: forward, the squared error with gradient
 * scale 2 / (batch d), the parameter gradient from zero. Returns the loss sum; the gradient is left in
 * net.g (a live view is returned).
 */
export function shardGradient(net: Network, s: ShardInput, batch: number): { loss: number; g: Float32Array } {
  const { heap, d, k } = net;
  heap.f32(net.x, s.n * d).set(s.x);
  heap.f32(net.t, s.n).set(s.t);
  heap.f32(net.target, s.n * d).set(s.eps);
  const out = net.forward(s.n);
  const loss = k.squaredError(out, net.target, net.dout, s.n * d, 2 / (batch * d));
  heap.f32(net.g, net.size).fill(0);
  net.backward(s.n);
  return { loss, g: heap.f32(net.g, net.size) };
}

/**
 * Every shard's gradient on `net`, one after the other, each copied into its slot of `keep` (allocated on
 * first use and reused at every step, so a step allocates no gradient buffers).
 */
export function shardsInline(net: Network, shards: ShardInput[], batch: number, keep: Float32Array[]): ShardOutput[] {
  return shards.map((s) => {
    const { loss, g } = shardGradient(net, s, batch);
    if (keep[s.index]?.length !== g.length) keep[s.index] = new Float32Array(g.length);
    keep[s.index].set(g);
    return { index: s.index, loss, g: keep[s.index] };
  });
}

/** Sums shard outputs in shard order into `into` (f32); returns the summed loss (f64, same order). */
export function reduceShards(outs: ShardOutput[], into: Float32Array): number {
  const sorted = [...outs].sort((a, b) => a.index - b.index);
  into.fill(0);
  let loss = 0;
  for (const o of sorted) {
    const g = o.g;
    for (let i = 0; i < into.length; i++) into[i] += g[i];
    loss += o.loss;
  }
  return loss;
}

/** Where shards are computed: inline on the trainer's own network, or on worker threads. */
export interface ShardRunner {
  /** Computes every shard's gradient with the weights w; outputs in any order. */
  run(w: Float32Array, shards: ShardInput[], batch: number): Promise<ShardOutput[]>;
  close(): Promise<void>;
}
