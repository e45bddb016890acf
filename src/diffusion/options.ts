/**
 * Options of `mcm diffusion`: one zod schema whose fields carry their flag, placeholder and help as
 * metadata (src/cli/options.ts makes the flags from it, as for `mcm images`). resolveDiffusionOptions()
 * fills the defaults and throws a ConfigError naming the field, the value found and what is accepted; the
 * CLI turns the field into the flag the user typed. The library never names a flag.
 */
import { z } from "zod";
import { ConfigError } from "../config/errors.js";
import { bool, choice, int, num, parseSeed, ranged, SEED_TEXT, show, toConfigError } from "../config/schema.js";
import type { Arch } from "./net.js";
import type { SamplerName } from "./sample.js";

const DATASET_TEXT = '"mnist", "fashion-mnist" or a .npy file';
const between = (lo: number, hi: number, open = false) => {
  const text = `a number in ${open ? "(" : "["}${lo}, ${hi}]`;
  return ranged(
    num(text).refine((x) => x <= hi && (open ? x > lo : x >= lo), { error: text }),
    text,
  );
};
const T_LIST_TEXT = "a comma-separated list of times t in [t-min, t-max]";
/** A list of times as a JS array or the text "0.1,0.5" (the flag's form). */
const timeList = ranged(
  z.union([z.string(), z.array(z.number())], { error: T_LIST_TEXT }).transform((v, ctx) => {
    const list = typeof v === "string" ? v.split(",").map((s) => (s.trim() === "" ? Number.NaN : Number(s))) : v;
    if (list.length === 0 || list.some((t) => !(Number.isFinite(t) && t > 0))) {
      ctx.addIssue({ code: "custom", message: T_LIST_TEXT });
      return z.NEVER;
    }
    return list;
  }),
  T_LIST_TEXT,
);
const seedField = ranged(
  z
    .union([z.string(), z.number()], { error: SEED_TEXT })
    .refine((s) => parseSeed(s) !== null, { error: SEED_TEXT })
    // Canonical: a number when it is safe, else its decimal text.
    .transform((s) => {
      const text = parseSeed(s) as string;
      return Number.isSafeInteger(Number(text)) ? Number(text) : text;
    }),
  SEED_TEXT,
);

export const diffusionSchema = z
  .object({
    dataset: z
      .string({ error: DATASET_TEXT })
      .refine((s) => s === "mnist" || s === "fashion-mnist" || s.toLowerCase().endsWith(".npy"), {
        error: DATASET_TEXT,
      })
      .default("mnist")
      .meta({
        flag: "--dataset",
        placeholder: "name|file",
        help: "mnist, fashion-mnist or a .npy file [N, H, W] or [N, C, H, W] (float32 or float64)",
      }),
    /** Average pooling factor per side (1: full resolution). */
    pool: int(1, 14)
      .default(2)
      .meta({ flag: "--pool", placeholder: "n", help: "average-pool single-channel images by this factor per side" }),
    nTest: int(2, 1_000_000)
      .default(2000)
      .meta({ flag: "--n-test", placeholder: "n", help: "test images (the data side of every distance)" }),
    /** 0: every image not in the test set. */
    nTrain: int(0, 10_000_000)
      .default(0)
      .meta({ flag: "--n-train", placeholder: "n", help: "training images (0: all that remain)" }),
    seed: seedField.default(1).meta({
      flag: "--seed",
      placeholder: "n",
      help: "seed of the split, the weights, the training noise and the sampling noise",
    }),
    arch: choice(["unet", "mlp"] as const)
      .default("unet")
      .meta({ flag: "--arch", placeholder: "name", help: "unet or mlp" }),
    /** U-Net channels at full resolution (twice at half) or MLP hidden units; 0: the architecture's default. */
    width: int(0, 1024).default(0).meta({
      flag: "--width",
      placeholder: "n",
      help: "U-Net channels at full resolution (twice at half) or MLP hidden units (0: 16 for unet, 512 for mlp)",
    }),
    groups: int(1, 256).default(4).meta({ flag: "--groups", placeholder: "n", help: "GroupNorm groups" }),
    tdim: int(2, 1024).default(64).meta({ flag: "--tdim", placeholder: "n", help: "width of the time embedding" }),
    batch: int(1, 4096).default(32).meta({ flag: "--batch", placeholder: "n", help: "minibatch size" }),
    /** The minibatch is cut into this many shards whose gradients are summed in shard order (./shards.ts):
     * the unit of data parallelism, fixed by the options so that results do not depend on the thread count. */
    shards: int(1, 4096).default(4).meta({
      flag: "--shards",
      placeholder: "n",
      help: "shards of the minibatch whose gradients are summed in order (the unit of --threads; fixes the results)",
    }),
    steps: int(0, 100_000_000)
      .default(3000)
      .meta({ flag: "--steps", placeholder: "n", help: "training steps (minibatches)" }),
    /** 0: the architecture's default (2e-3 for unet, 1e-3 for mlp). */
    lr: between(0, 1000).default(0).meta({
      flag: "--lr",
      placeholder: "x",
      help: "Adam learning rate (0: 2e-3 for unet, 1e-3 for mlp)",
    }),
    beta1: between(0, 0.999999)
      .default(0.9)
      .meta({ flag: "--beta1", placeholder: "x", help: "Adam's first-moment decay" }),
    beta2: between(0, 0.99999999)
      .default(0.999)
      .meta({ flag: "--beta2", placeholder: "x", help: "Adam's second-moment decay" }),
    ema: between(0, 0.999999).default(0.995).meta({
      flag: "--ema",
      placeholder: "x",
      help: "EMA decay of the weights used for evaluation and sampling (0: none)",
    }),
    /** Training draws t uniformly on [tMin, tMax] (VP process). */
    tMin: between(0, 20, true).default(0.002).meta({
      flag: "--t-min",
      placeholder: "t",
      help: "smallest diffusion time (VP process, alpha = exp(-t))",
    }),
    tMax: between(0, 20, true).default(4).meta({ flag: "--t-max", placeholder: "t", help: "largest diffusion time" }),
    sampler: choice(["ddim", "ancestral"] as const)
      .default("ddim")
      .meta({ flag: "--sampler", placeholder: "name", help: "ddim or ancestral" }),
    sampleSteps: int(2, 10_000)
      .default(20)
      .meta({ flag: "--sample-steps", placeholder: "n", help: "network evaluations per sample" }),
    nSamples: int(4, 100_000).default(256).meta({
      flag: "--n-samples",
      placeholder: "n",
      help: "samples per snapshot (the same noise at every snapshot, for every network)",
    }),
    /** Noise levels of the per-t measurements. */
    evalT: timeList.default([0.05, 0.1, 0.25, 0.5, 1, 2]).meta({
      flag: "--eval-t",
      placeholder: "t,t,...",
      help: "noise levels t of the per-t measurements",
    }),
    nEval: int(2, 100_000)
      .default(256)
      .meta({ flag: "--n-eval", placeholder: "n", help: "test images per noise level (fixed noise)" }),
    /** Training images whose covariance defines the Gaussian clone and the Wiener denoiser (0: all). */
    nRef: int(0, 10_000_000).default(10_000).meta({
      flag: "--n-ref",
      placeholder: "n",
      help: "training images whose covariance defines the Gaussian clone (0: all)",
    }),
    perDecade: int(1, 100)
      .default(3)
      .meta({ flag: "--per-decade", placeholder: "n", help: "snapshots per decade of steps" }),
    /** Train the Gaussian twins G and G' beside the network R (docs/diffusion.md). */
    twin: bool().default(true).meta({
      flag: "--twin",
      help: "train the Gaussian twins G, G' beside the network (same weights, draws and noise; --no-twin: one network)",
    }),
  })
  .strict();

export type DiffusionOptions = Omit<z.output<typeof diffusionSchema>, "arch" | "sampler"> & {
  arch: Arch;
  sampler: SamplerName;
};

export const DIFFUSION_FIELDS = Object.keys(diffusionSchema.shape) as (keyof DiffusionOptions)[];

/** The MLP's own defaults. Width: more hidden units than pooled MNIST's 196 pixels (16, the U-Net's
 * channels, made a rank-16 bottleneck); lr: 1e-3 trained more steadily than 2e-3 at that width. */
export const MLP_DEFAULTS = { width: 512, lr: 1e-3 } as const;
export const UNET_DEFAULTS = { width: 16, lr: 2e-3 } as const;

/** The defaults as resolved for the U-Net. */
export const DIFFUSION_DEFAULTS: DiffusionOptions = resolveDiffusionOptions({});

/** Defaults filled in and every field checked; errors are ConfigErrors naming the field. */
export function resolveDiffusionOptions(input: unknown = {}): DiffusionOptions {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new ConfigError("options", `got ${show(input)}, expected an object`);
  }
  const record = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const parsed = diffusionSchema.safeParse(record);
  if (!parsed.success) throw toConfigError(parsed.error.issues[0], record, DIFFUSION_FIELDS);
  const r = parsed.data as DiffusionOptions;
  const defaults = r.arch === "mlp" ? MLP_DEFAULTS : UNET_DEFAULTS;
  if (r.width === 0) r.width = defaults.width;
  if (r.lr === 0) r.lr = defaults.lr;
  const fail = (field: string, message: string): never => {
    throw new ConfigError(field, message);
  };
  if (r.width < 2) fail("width", `got ${r.width}, expected an integer in [2, 1024] (or 0 for the default)`);
  if (r.arch === "unet" && r.width % r.groups !== 0) {
    fail("width", `got ${r.width}, expected a multiple of groups ${r.groups} (GroupNorm splits the channels)`);
  }
  if (r.shards > r.batch) fail("shards", `got ${r.shards}, expected an integer in [1, batch ${r.batch}]`);
  if (r.tdim % 2 !== 0) fail("tdim", `got ${r.tdim}, expected an even number (sine and cosine pairs)`);
  if (r.tMax <= r.tMin) fail("tMax", `got ${r.tMax}, expected more than tMin ${r.tMin}`);
  const outside = r.evalT.find((t) => t < r.tMin || t > r.tMax);
  if (outside !== undefined) {
    fail("evalT", `got ${outside}, expected times in the process's range [tMin ${r.tMin}, tMax ${r.tMax}]`);
  }
  return r;
}

/** The options of two runs that differ (the fields, in schema order): what a seeds directory refuses. */
export function differingOptions(
  a: DiffusionOptions,
  b: DiffusionOptions,
  ignore: string[] = [],
): (keyof DiffusionOptions)[] {
  return DIFFUSION_FIELDS.filter((f) => !ignore.includes(f) && JSON.stringify(a[f]) !== JSON.stringify(b[f]));
}
