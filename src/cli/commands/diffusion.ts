/**
 * `mcm diffusion`: a small U-Net (or MLP) diffusion model trained over all noise levels on MNIST,
 * Fashion-MNIST or a .npy of images, its samples measured at the covariance level and beyond against the
 * Wiener diffusion of the data's Gaussian clone (docs/diffusion.md). Checkpoints and --resume like
 * `mcm images`; a finished run is never overwritten without --force.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { decimalNumber } from "../../config/schema.js";
import { DIFFUSION_DEFAULTS, type DiffusionOptions, resolveDiffusionOptions } from "../../diffusion/options.js";
import type { DiffusionCheckpoint, DiffusionImages } from "../../diffusion/run.js";
import { NpyError } from "../../images/npy.js";
import { writeFileAtomic } from "../../io/atomic.js";
import { stamp, unstamp } from "../../io/stamp.js";
import { Interrupted, UsageError } from "../errors.js";
import { pngWriter } from "../optional.js";
import { helpAfter } from "../options.js";
import { addTrainingRunOptions, finishTraining } from "../outputs.js";
import { utcStamp } from "../paths.js";
import { createReporter } from "../progress.js";
import { readJsonFile } from "../read-json.js";
import { catchStopSignals } from "../signals.js";

const FILES = {
  options: "diffusion-options.json",
  checkpoint: "diffusion-checkpoint.bin",
  result: "result.json",
  samples: "samples.json",
};
/** Schemas of the JSON files (docs/outputs.md). */
const SCHEMAS = {
  options: "mcm.diffusion-options/1",
  result: "mcm.diffusion/1",
  samples: "mcm.diffusion-samples/1",
} as const;
/** The sample rows of samples.json; a file written before the header existed is the bare list. */
type SampleRows = { label: string; images: DiffusionImages }[];
function samplesRows(path: string): SampleRows {
  const doc = unstamp(
    path,
    readJsonFile(path, "the samples so far") as SampleRows | { rows: SampleRows },
    SCHEMAS.samples,
  );
  return Array.isArray(doc) ? doc : doc.rows;
}
const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const HELP: Record<keyof DiffusionOptions, string> = {
  dataset: "mnist, fashion-mnist or a .npy file [N, H, W] or [N, C, H, W] (float32 or float64)",
  pool: "average-pool single-channel images by this factor per side",
  nTest: "test images (the data side of every distance)",
  nTrain: "training images (0: all that remain)",
  seed: "seed of the split, the weights, the training noise and the sampling noise",
  arch: "unet or mlp",
  width: "U-Net channels at full resolution (twice at half), or MLP hidden units (512 by default with --arch mlp)",
  groups: "GroupNorm groups",
  tdim: "width of the time embedding",
  batch: "minibatch size",
  shards: "shards of the minibatch whose gradients are summed in order (the unit of --threads; fixes the results)",
  steps: "training steps (minibatches)",
  lr: "Adam learning rate (1e-3 by default with --arch mlp)",
  beta1: "Adam's first-moment decay",
  beta2: "Adam's second-moment decay",
  ema: "EMA decay of the weights used for evaluation and sampling (0: none)",
  tMin: "smallest diffusion time (VP process, alpha = exp(-t))",
  tMax: "largest diffusion time",
  sampler: "ddim or ancestral",
  sampleSteps: "network evaluations per sample",
  nSamples: "samples per snapshot (the same noise at every snapshot)",
  evalT: "comma-separated noise levels t of the per-t measurements",
  nEval: "test images per noise level",
  nRef: "training images whose covariance defines the Gaussian clone (0: all)",
  perDecade: "snapshots per decade of steps",
};

export function registerDiffusion(program: Command): Command {
  const cmd = program
    .command("diffusion")
    .description(
      "Train a small U-Net (or an MLP) to predict the noise at all noise levels of the VP process on MNIST, " +
        "Fashion-MNIST or your .npy images, and on a log grid of steps measure its distance to the Wiener " +
        "(Gaussian-optimal) denoiser per t, its test loss on real images and on the Gaussian clone, and what it " +
        "generates from fixed noise: the Frechet distance of Gaussian fits (covariance level) and the pixel-" +
        "marginal W1 (higher order), against the samples of the Wiener diffusion.",
    );
  for (const key of Object.keys(DIFFUSION_DEFAULTS) as (keyof DiffusionOptions)[]) {
    const def = DIFFUSION_DEFAULTS[key];
    cmd.option(`--${kebab(key)} <value>`, `${HELP[key]} (default: ${Array.isArray(def) ? def.join(",") : def})`);
  }
  addTrainingRunOptions(cmd, "diffusion", ["steps between checkpoints besides every snapshot (0: snapshots only)", "0"])
    .option(
      "--threads <n>",
      "worker threads computing the shards' gradients (1: inline); the results do not depend on it",
      "1",
    )
    .addHelpText(
      "after",
      helpAfter(
        [
          [
            "Writes result.json (snapshots = [{step, gaussianFrechet, higherOrder, wienerDistance: {t: value}, ...}]),",
            "curves.svg/.png, wiener.svg/.png, spectrum.svg/.png, samples.png (a row per snapshot), reference.png",
            "(training images and Wiener diffusion samples) and diffusion-checkpoint.bin.",
          ],
        ],
        [
          "mcm diffusion --out runs/mnist                     # pooled MNIST, the defaults (docs/diffusion.md)",
          "mcm diffusion --dataset fashion-mnist --out runs/fashion",
          "mcm diffusion --dataset my-images.npy --pool 1 --arch mlp",
          "mcm diffusion --resume runs/mnist",
        ],
      ),
    )
    .action(async (opts: Record<string, unknown>) => {
      await diffusionAction(opts);
    });
  return cmd;
}

function flagOptions(opts: Record<string, unknown>): DiffusionOptions {
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(DIFFUSION_DEFAULTS)) {
    const v = opts[key];
    if (v === undefined) continue;
    input[key] = v; // resolveDiffusionOptions parses and checks the text
  }
  try {
    return resolveDiffusionOptions(input);
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
}

async function diffusionAction(opts: Record<string, unknown>): Promise<void> {
  // Loaded here, not at start-up: every other command stays as quick to start as before.
  const { decodeDiffusionCheckpoint, encodeDiffusionCheckpoint } = await import("../../diffusion/checkpoint.js");
  const { diffusionPlots, samplesGrid } = await import("../../report/diffusion.js");
  const { DivergedError, runDiffusion, StoppedBeforeTraining } = await import("../../diffusion/run.js");
  let options: DiffusionOptions;
  let outDir: string;
  let resume: DiffusionCheckpoint | undefined;
  if (typeof opts.resume === "string") {
    outDir = resolve(opts.resume);
    const cp = join(outDir, FILES.checkpoint);
    if (!existsSync(cp))
      throw new UsageError(`--resume: ${outDir} holds no diffusion run (${FILES.checkpoint} expected)`);
    if (existsSync(join(outDir, FILES.result)))
      throw new UsageError(`--resume: the run in ${outDir} is finished (result.json exists)`);
    try {
      resume = decodeDiffusionCheckpoint(new Uint8Array(readFileSync(cp)));
    } catch (e) {
      throw new UsageError(`--resume: ${cp}: ${(e as Error).message}`);
    }
    options = resume.options;
  } else {
    options = flagOptions(opts);
    const stamp = utcStamp();
    outDir = resolve(typeof opts.out === "string" ? opts.out : join("mcm-output", `diffusion-${stamp}`));
    if (!opts.force) {
      if (existsSync(join(outDir, FILES.result))) {
        throw new UsageError(`--out: ${outDir} holds a finished run (result.json); pass --force to overwrite it`);
      }
      if (existsSync(join(outDir, FILES.checkpoint))) {
        throw new UsageError(
          `--out: ${outDir} holds an unfinished run; continue it with --resume ${outDir} or pass --force`,
        );
      }
    }
  }
  const every = decimalNumber(opts.checkpointEvery ?? 0);
  if (!(Number.isInteger(every) && every >= 0)) {
    throw new UsageError(
      `--checkpoint-every: got ${JSON.stringify(opts.checkpointEvery)}, expected a whole number of steps >= 0`,
    );
  }
  const threads = decimalNumber(opts.threads ?? 1);
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= 256)) {
    throw new UsageError(`--threads: got ${JSON.stringify(opts.threads)}, expected a whole number in [1, 256]`);
  }
  mkdirSync(outDir, { recursive: true });
  writeFileAtomic(join(outDir, FILES.options), `${JSON.stringify(stamp(SCHEMAS.options, null, options), null, 2)}\n`);
  const samplesPath = join(outDir, FILES.samples);
  const rows: { label: string; images: DiffusionImages }[] =
    resume && existsSync(samplesPath) ? samplesRows(samplesPath) : [];
  const png = await pngWriter();
  // Without resvg's native binding (an optional dependency) the grids are written as SVG.
  const writeGrid = (name: string, title: string, r: typeof rows) =>
    png
      ? writeFileAtomic(join(outDir, name), png(samplesGrid(title, r)))
      : writeFileAtomic(join(outDir, name.replace(/\.png$/, ".svg")), samplesGrid(title, r));

  const reporter = createReporter({ quiet: opts.quiet === true });
  const stop = catchStopSignals();
  const bar = reporter.bar("train", options.steps);
  const t0 = performance.now();
  let result: Awaited<ReturnType<typeof runDiffusion>>;
  try {
    result = await runDiffusion(options, {
      resume,
      signal: stop.signal,
      checkpointEvery: every,
      threads,
      onCheckpoint: (c) => writeFileAtomic(join(outDir, FILES.checkpoint), encodeDiffusionCheckpoint(c)),
      onSamples: (step, sets) => {
        if (step < 0) {
          writeGrid("reference.png", `${options.dataset}: training images and Wiener diffusion samples`, sets);
          return;
        }
        rows.push(
          ...sets.map((s) => ({
            label: s.label,
            images: {
              ...s.images,
              pixels: Array.from(s.images.pixels, (v) => Math.round(v * 1000) / 1000) as unknown as Float64Array,
            },
          })),
        );
        writeFileAtomic(samplesPath, JSON.stringify(stamp(SCHEMAS.samples, null, { rows })));
        writeGrid(
          "samples.png",
          `${options.dataset}: samples from the same noise over training (${options.sampler}, ${options.sampleSteps} steps)`,
          rows,
        );
      },
      onProgress: (p) => {
        if (p.phase === "train") {
          const s = (performance.now() - t0) / 1000;
          bar.update(p.step, s > 0 ? p.step / s : 0);
        } else reporter.info(p.message);
      },
    });
  } catch (e) {
    if (e instanceof RangeError || e instanceof NpyError) {
      // The shared preprocessing names its fields; the user typed flags.
      throw new UsageError(e.message.replace(/^(nTest|nTrain|pool):/, (_, f: string) => `--${kebab(f)}:`));
    }
    if (e instanceof DivergedError) throw new Error(`${e.message}: ${join(outDir, FILES.checkpoint)}`);
    const caught = stop.caught();
    if (e instanceof StoppedBeforeTraining && caught) {
      throw new Interrupted(
        caught,
        resume
          ? `interrupted while ${e.phase}; the checkpoint at step ${resume.state.step} is kept: continue with \`mcm diffusion --resume ${outDir}\``
          : `interrupted while ${e.phase}, before training started: nothing to resume; run the same command again`,
      );
    }
    throw e;
  } finally {
    stop.release();
  }
  bar.done();
  const run = {
    command: "diffusion",
    outDir,
    resultFile: FILES.result,
    schema: SCHEMAS.result,
    stop,
    json: opts.json === true,
  };
  if (await finishTraining(run, result, diffusionPlots)) return;
  const r = result.reference;
  const last = result.snapshots[result.snapshots.length - 1];
  process.stdout.write(
    [
      `${result.dataset.name}: ${result.dataset.C} x ${result.dataset.H} x ${result.dataset.W}, ${result.dataset.nTrain} training and ${result.dataset.nTest} test images; ${result.dataset.preprocessing}`,
      `${result.network.arch}: ${result.network.parameters} parameters; ${result.options.steps} steps of batch ${result.options.batch}`,
      `Frechet distance per pixel: network ${last.gaussianFrechet.toPrecision(3)} at step ${last.step}, Wiener samples ${r.wiener.gaussianFrechet.toPrecision(3)}, data floor ${r.data.gaussianFrechet.toPrecision(3)}`,
      `pixel-marginal W1: network ${last.higherOrder.toPrecision(3)}, Wiener samples ${r.wiener.pixelW1.toPrecision(3)}, data floor ${r.data.pixelW1.toPrecision(3)}`,
      `filter kurtosis (horizontal differences): network ${last.filterKurtosis.toPrecision(3)}, Wiener samples ${r.wiener.filterKurtosis.toPrecision(3)}, test images ${r.dataKurtosis.toPrecision(3)}`,
      `${result.summary.text}; both phases in order: ${result.summary.bothPhases ? "yes" : "no"}`,
      `outputs: ${outDir}`,
      "",
    ].join("\n"),
  );
}
