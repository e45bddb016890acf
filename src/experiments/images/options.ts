/**
 * Options of the images experiment with their defaults: the settings under which MNIST shows
 * both phases within about ten minutes on a 2-core machine (docs/images.md has the measurements).
 * Invalid values raise ConfigError naming the field, the value and the accepted range.
 */
import { z } from "zod";
import { ConfigError } from "../../config/errors.js";
import { ACT_CODE } from "../../config/model.js";
import { alphaSigma, PROCESSES, type ProcessName, T_RANGE } from "../../config/process.js";
import { bool, choice, int, num, ranged, seedField, show, toConfigError } from "../../config/schema.js";

/** Activations the images denoiser accepts (codes as in ACTIVATIONS; "sign" has no gradient). */
export const IMAGE_ACTIVATIONS = ["tanh", "erf", "relu", "linear", "he3"] as const;
export const ACTIVATION_CODE: Record<(typeof IMAGE_ACTIVATIONS)[number], number> = ACT_CODE;
export const OPTIMIZERS = ["sgd", "adam"] as const;

const pos = (text = "a finite number > 0") =>
  ranged(
    num(text).refine((x) => x > 0, { error: text }),
    text,
  );
const unitInterval = (text = "a number in [0, 1)") =>
  ranged(
    num(text).refine((x) => x >= 0 && x < 1, { error: text }),
    text,
  );
const nonneg = (text = "a finite number >= 0") =>
  ranged(
    num(text).refine((x) => x >= 0, { error: text }),
    text,
  );
// Each field carries its flag of `mcm images` (src/cli/options.ts generates the flags from this metadata).
const DATASET_TEXT = '"mnist" or the path of a .npy file of shape [N, d] (float32 or float64)';

export const imagesSchema = z
  .object({
    /** "mnist" or a .npy path. */
    dataset: z
      .string({ error: DATASET_TEXT })
      .refine((s) => s === "mnist" || s.toLowerCase().endsWith(".npy"), { error: DATASET_TEXT })
      .default("mnist")
      .meta({
        flag: "--dataset",
        placeholder: "name|file",
        help: '"mnist" or a .npy file of shape [N, d] (float32 or float64)',
      }),
    /** Average-pools square images by this factor per side before anything else (1: off). */
    pool: int(1, 8)
      .default(1)
      .meta({ flag: "--pool", placeholder: "n", help: "average-pool square images by this factor per side" }),
    /** Test images (evaluation set); the rest, up to nTrain, are the training set. */
    nTest: int(10, 1_000_000)
      .default(2000)
      .meta({ flag: "--n-test", placeholder: "n", help: "test images (the evaluation set)" }),
    /** Training images; 0 takes all that remain after the test split. */
    nTrain: int(0, 10_000_000)
      .default(0)
      .meta({ flag: "--n-train", placeholder: "n", help: "training images (0: all that remain)" }),
    seed: seedField()
      .default(1)
      .meta({ flag: "--seed", placeholder: "n", help: "seed of the split, the initial weights and the noise" }),
    process: choice(PROCESSES)
      .default("vp")
      .meta({ flag: "--process", placeholder: "name", help: "forward process: vp, ve or linear" }),
    t: num("a finite number")
      .default(1)
      .meta({ flag: "--t", placeholder: "t", help: "diffusion time of training and evaluation" }),
    K: int(1, 4096)
      .default(256)
      .meta({ flag: "--units", placeholder: "K", help: "hidden units K", aliases: ["--k"] }),
    tied: bool().default(false).meta({ flag: "--tied", help: "tie decoder to encoder weights" }),
    activation: choice(IMAGE_ACTIVATIONS)
      .default("relu")
      .meta({ flag: "--activation", placeholder: "g", help: "tanh, erf, relu, linear or he3" }),
    optimizer: choice(OPTIMIZERS)
      .default("adam")
      .meta({ flag: "--optimizer", placeholder: "name", help: "sgd or adam" }),
    lr: pos().default(1e-3).meta({ flag: "--lr", placeholder: "x", help: "learning rate" }),
    batch: int(1, 4096).default(64).meta({ flag: "--batch", placeholder: "n", help: "minibatch size" }),
    steps: int(1, 100_000_000)
      .default(4000)
      .meta({ flag: "--steps", placeholder: "n", help: "training steps (minibatches)" }),
    /** Train the skip b (otherwise it stays at b0). */
    trainSkip: bool()
      .default(true)
      .meta({ flag: "--train-skip", help: "train the skip b (--no-train-skip: fixed at b0)" }),
    b0: num("a finite number").default(0).meta({ flag: "--b0", placeholder: "b", help: "initial skip b" }),
    /** Initial encoder rows N(0, initW^2 / d); decoder rows N(0, initV^2 / K). */
    initW: nonneg()
      .default(1)
      .meta({ flag: "--init-w", placeholder: "x", help: "encoder rows start as N(0, initW^2 / d)" }),
    initV: nonneg()
      .default(0.1)
      .meta({ flag: "--init-v", placeholder: "x", help: "decoder rows start as N(0, initV^2 / K)" }),
    beta1: unitInterval().default(0.9).meta({ flag: "--beta1", placeholder: "x", help: "Adam's first-moment decay" }),
    beta2: unitInterval()
      .default(0.999)
      .meta({ flag: "--beta2", placeholder: "x", help: "Adam's second-moment decay" }),
    /** "real": train on the training images; "clone": on as many samples of their Gaussian clone. */
    trainOn: choice(["real", "clone"] as const)
      .default("real")
      .meta({
        flag: "--train-on",
        placeholder: "real|clone",
        help: "real (the images) or clone (their Gaussian clone: the control)",
      }),
    /** Evaluation points per decade of steps. */
    perDecade: int(1, 100)
      .default(6)
      .meta({ flag: "--per-decade", placeholder: "n", help: "evaluation points per decade of steps" }),
    /** The first step below Wiener is where the paired gap is below -seMultiplier standard errors. */
    seMultiplier: pos()
      .default(1)
      .meta({ flag: "--se-multiplier", placeholder: "x", help: "below Wiener means a gap below -x standard errors" }),
    /** Test digits kept for the picture (clean, noisy, Wiener, network). */
    nDigits: int(0, 64).default(6).meta({ flag: "--n-digits", placeholder: "n", help: "test digits in the picture" }),
  })
  .strict();

export type ImagesOptionsInput = z.input<typeof imagesSchema>;
export type ImagesOptions = z.output<typeof imagesSchema> & {
  process: ProcessName;
  activation: (typeof IMAGE_ACTIVATIONS)[number];
  optimizer: (typeof OPTIMIZERS)[number];
  trainOn: "real" | "clone";
};

export const IMAGES_FIELDS = Object.keys(imagesSchema.shape);

/** Validates options and fills the defaults. */
export function resolveImagesOptions(input: unknown = {}): ImagesOptions {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new ConfigError("options", `got ${show(input)}, expected an object`);
  }
  const result = imagesSchema.safeParse(input);
  if (!result.success) throw toConfigError(result.error.issues[0], input as Record<string, unknown>, IMAGES_FIELDS);
  const o = result.data as ImagesOptions;
  const range = T_RANGE[o.process];
  const { alpha, sigma } = alphaSigma(o.process, o.t);
  if (!(o.t >= range.min && o.t <= range.max) || !(alpha > 0 && sigma > 0)) {
    const open = o.process === "linear" ? "a number in (0, 1)" : "a finite number > 0";
    throw new ConfigError(
      "t",
      `got ${show(o.t)}, expected ${open} for process "${o.process}" (alpha > 0 and sigma > 0)`,
    );
  }
  return o;
}
