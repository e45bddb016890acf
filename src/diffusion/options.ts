/**
 * Options of `mcm diffusion` with their defaults and accepted ranges. resolveDiffusionOptions() fills
 * defaults and throws a RangeError naming the flag, the value found and what is accepted.
 */
import { decimalNumber } from "../config/schema.js";
import type { Arch } from "./net.js";
import type { SamplerName } from "./sample.js";

export interface DiffusionOptions {
  /** "mnist", "fashion-mnist" or a .npy path. */
  dataset: string;
  /** Average pooling factor per side (1: full resolution). */
  pool: number;
  nTest: number;
  /** 0: every image not in the test set. */
  nTrain: number;
  seed: number;
  arch: Arch;
  /** U-Net channels at full resolution (twice at half) or MLP hidden units. */
  width: number;
  groups: number;
  tdim: number;
  batch: number;
  /** The minibatch is cut into this many shards whose gradients are summed in shard order (./shards.ts):
   * the unit of data parallelism, fixed by the options so that results do not depend on --threads. */
  shards: number;
  steps: number;
  lr: number;
  beta1: number;
  beta2: number;
  /** EMA decay of the weights used for evaluation and sampling (0: no EMA). */
  ema: number;
  /** Training draws t uniformly on [tMin, tMax] (VP process). */
  tMin: number;
  tMax: number;
  sampler: SamplerName;
  sampleSteps: number;
  nSamples: number;
  /** Noise levels of the per-t measurements. */
  evalT: number[];
  nEval: number;
  /** Training images whose covariance defines the Gaussian clone and the Wiener denoiser (0: all). */
  nRef: number;
  perDecade: number;
}

export const DIFFUSION_DEFAULTS: DiffusionOptions = {
  dataset: "mnist",
  pool: 2,
  nTest: 2000,
  nTrain: 0,
  seed: 1,
  arch: "unet",
  width: 16,
  groups: 4,
  tdim: 64,
  batch: 32,
  shards: 4,
  steps: 3000,
  lr: 2e-3,
  beta1: 0.9,
  beta2: 0.999,
  ema: 0.995,
  tMin: 0.002,
  tMax: 4,
  sampler: "ddim",
  sampleSteps: 20,
  nSamples: 256,
  evalT: [0.1, 0.5, 1.5],
  nEval: 256,
  nRef: 10000,
  perDecade: 3,
};

/** The MLP's own defaults. Width: more hidden units than pooled MNIST's 196 pixels (16, the U-Net's
 * channels, made a rank-16 bottleneck); lr: 1e-3 trained more steadily than 2e-3 at that width. */
export const MLP_DEFAULTS = { width: 512, lr: 1e-3 } as const;

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function int(key: keyof DiffusionOptions, v: unknown, lo: number, hi: number): number {
  const x = decimalNumber(v);
  if (!Number.isInteger(x) || x < lo || x > hi) {
    throw new RangeError(`--${kebab(key)}: got ${JSON.stringify(v)}, expected a whole number in [${lo}, ${hi}]`);
  }
  return x;
}

function num(key: keyof DiffusionOptions, v: unknown, lo: number, hi: number, open = false): number {
  const x = decimalNumber(v);
  if (!Number.isFinite(x) || x > hi || (open ? x <= lo : x < lo)) {
    throw new RangeError(
      `--${kebab(key)}: got ${JSON.stringify(v)}, expected a number in ${open ? "(" : "["}${lo}, ${hi}]`,
    );
  }
  return x;
}

function oneOf<T extends string>(key: keyof DiffusionOptions, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) {
    throw new RangeError(`--${kebab(key)}: got ${JSON.stringify(v)}, expected one of ${allowed.join(", ")}`);
  }
  return v as T;
}

/** Defaults filled in and every field checked. */
export function resolveDiffusionOptions(input: Partial<Record<keyof DiffusionOptions, unknown>>): DiffusionOptions {
  const o = { ...DIFFUSION_DEFAULTS, ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) };
  if (o.arch === "mlp") {
    if (input.width === undefined) o.width = MLP_DEFAULTS.width;
    if (input.lr === undefined) o.lr = MLP_DEFAULTS.lr;
  }
  const ev = o.evalT as unknown;
  const evalT = typeof ev === "string" ? ev.split(",").map(decimalNumber) : (ev as number[]);
  if (!Array.isArray(evalT) || evalT.length === 0 || evalT.some((t) => !(t > 0 && t <= 20))) {
    throw new RangeError(
      `--eval-t: got ${JSON.stringify(o.evalT)}, expected a comma-separated list of times in (0, 20]`,
    );
  }
  const r: DiffusionOptions = {
    dataset: String(o.dataset),
    pool: int("pool", o.pool, 1, 14),
    nTest: int("nTest", o.nTest, 2, 1e6),
    nTrain: int("nTrain", o.nTrain, 0, 1e7),
    seed: int("seed", o.seed, 0, 2 ** 31 - 1),
    arch: oneOf("arch", o.arch, ["unet", "mlp"] as const),
    width: int("width", o.width, 2, 1024),
    groups: int("groups", o.groups, 1, 256),
    tdim: int("tdim", o.tdim, 2, 1024),
    batch: int("batch", o.batch, 1, 4096),
    shards: int("shards", o.shards, 1, 4096),
    steps: int("steps", o.steps, 0, 1e8),
    lr: num("lr", o.lr, 0, 1000, true),
    beta1: num("beta1", o.beta1, 0, 0.999999),
    beta2: num("beta2", o.beta2, 0, 0.99999999),
    ema: num("ema", o.ema, 0, 0.999999),
    tMin: num("tMin", o.tMin, 0, 20, true),
    tMax: num("tMax", o.tMax, 0, 20, true),
    sampler: oneOf("sampler", o.sampler, ["ddim", "ancestral"] as const),
    sampleSteps: int("sampleSteps", o.sampleSteps, 2, 10000),
    nSamples: int("nSamples", o.nSamples, 4, 100000),
    evalT,
    nEval: int("nEval", o.nEval, 2, 100000),
    nRef: int("nRef", o.nRef, 0, 1e7),
    perDecade: int("perDecade", o.perDecade, 1, 100),
  };
  if (r.arch === "unet" && r.width % r.groups !== 0) {
    throw new RangeError(
      `--width ${r.width} is not a multiple of --groups ${r.groups} (GroupNorm splits the channels into groups)`,
    );
  }
  if (r.shards > r.batch) {
    throw new RangeError(`--shards: got ${r.shards}, expected a whole number in [1, --batch ${r.batch}]`);
  }
  if (r.tdim % 2 !== 0) throw new RangeError(`--tdim: got ${r.tdim}, expected an even number (sine and cosine pairs)`);
  if (r.tMax <= r.tMin) throw new RangeError(`--t-max: got ${r.tMax}, expected more than --t-min ${r.tMin}`);
  if (!/^(mnist|fashion-mnist)$/.test(r.dataset) && !r.dataset.endsWith(".npy")) {
    throw new RangeError(`--dataset: got ${JSON.stringify(r.dataset)}, expected mnist, fashion-mnist or a .npy file`);
  }
  return r;
}
