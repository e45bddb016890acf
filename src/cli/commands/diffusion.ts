/**
 * `mcm diffusion`: a small U-Net (or MLP) diffusion model trained over all noise levels on MNIST,
 * Fashion-MNIST or a .npy of images, its samples measured at the covariance level and beyond against the
 * Wiener diffusion of the data's Gaussian clone (docs/diffusion.md). Checkpoints and --resume like
 * `mcm images`; a finished run is never overwritten without --force.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { decimalNumber } from "../../config/schema.js";
import { DIFFUSION_DEFAULTS, type DiffusionOptions, resolveDiffusionOptions } from "../../diffusion/options.js";
import type { DiffusionCheckpoint, DiffusionImages, DiffusionResult } from "../../diffusion/run.js";
import { NpyError } from "../../images/npy.js";
import { stamp, unstamp } from "../../io/stamp.js";
import { checkOptions, header, readEnvelope, readJsonFile, sameOptions, writeEnvelope } from "../envelopes.js";
import { Interrupted, UsageError } from "../errors.js";
import { pngWriter } from "../optional.js";
import { helpAfter } from "../options.js";
import { addTrainingRunOptions, finishTraining, reportFinished } from "../outputs.js";
import { utcStamp } from "../paths.js";
import { createReporter } from "../progress.js";
import { RunDir, type RunDirSpec, refuseResumeFlags } from "../rundir.js";
import { catchStopSignals } from "../signals.js";

const FILES = {
  options: "diffusion-options.json",
  checkpoint: "diffusion-checkpoint.bin",
  result: "result.json",
  samples: "samples.json",
};
/** Every file a diffusion run writes (src/cli/rundir.ts): the checkpoint marks it as worth keeping. */
const DIFFUSION_DIR: RunDirSpec = {
  command: "diffusion",
  files: [
    ...Object.values(FILES),
    ...["curves", "wiener", "spectrum"].flatMap((p) => [`${p}.svg`, `${p}.png`]),
    "samples.png",
    "reference.png",
  ],
  checkpoint: FILES.checkpoint,
  checkpointOnly: true,
};
/** The flags a resume accepts: the run's options are its checkpoint's. */
const RESUME_FLAGS = ["resume", "threads", "checkpointEvery", "json", "quiet"];
type Row = { label: string; images: DiffusionImages };
/** Schemas of the JSON files (docs/outputs.md). */
const SCHEMAS = {
  options: "mcm.diffusion-options/1",
  result: "mcm.diffusion/1",
  samples: "mcm.diffusion-samples/1",
} as const;
/** The sample rows of samples.json; a file written before the header existed is the bare list. */
function samplesRows(path: string): Row[] {
  const doc = unstamp(path, JSON.parse(readFileSync(path, "utf8")), SCHEMAS.samples);
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
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      await diffusionAction(opts, cmd);
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

async function diffusionAction(opts: Record<string, unknown>, cmd: Command): Promise<void> {
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
  if (typeof opts.resume === "string") {
    refuseResumeFlags(cmd, RESUME_FLAGS, opts.resume);
    const dir = RunDir.open(DIFFUSION_DIR, "--resume", opts.resume);
    await dir.around(() => resumeDiffusion(dir, every, threads, opts));
    return;
  }
  const options = flagOptions(opts);
  const outText = typeof opts.out === "string" ? opts.out : join("mcm-output", `diffusion-${utcStamp()}`);
  const dir = RunDir.create(DIFFUSION_DIR, "--out", outText, opts.force === true);
  await dir.around(async () => {
    dir.write(FILES.options, `${JSON.stringify(stamp(SCHEMAS.options, null, options), null, 2)}\n`);
    await train(dir, options, undefined, [], every, threads, opts);
  });
}

async function resumeDiffusion(dir: RunDir, every: number, threads: number, opts: Record<string, unknown>) {
  const { decodeDiffusionCheckpoint } = await import("../../diffusion/checkpoint.js");
  const { diffusionPlots } = await import("../../report/diffusion.js");
  if (dir.has(FILES.result)) {
    // Finished: the plots are rebuilt from result.json (a kill may have cut them short), never recomputed.
    const { result, printed } = await reportFinished(
      dir,
      FILES.result,
      SCHEMAS.result,
      diffusionPlots,
      opts.json === true,
    );
    if (!printed) printDiffusion(result as DiffusionResult, dir.dir);
    return;
  }
  if (!dir.has(FILES.checkpoint)) {
    throw new UsageError(
      `--resume: ${dir.dir} holds no diffusion run (${FILES.checkpoint} expected); a run stopped before its first checkpoint is started again with the same command`,
    );
  }
  const file = dir.path(FILES.checkpoint);
  const { options, payload } = readEnvelope(dir, FILES.checkpoint, "diffusion", (raw) =>
    resolveDiffusionOptions(raw as Record<string, unknown>),
  );
  let resume: DiffusionCheckpoint;
  try {
    resume = decodeDiffusionCheckpoint(payload);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  checkOptions(file, resume.options, () => options);
  if (dir.has(FILES.options)) {
    // The options file beside it must be this run's: a checkpoint of another run is refused, naming the field.
    const path = dir.path(FILES.options);
    const checked = checkOptions(path, unstamp(path, readJsonFile(path), SCHEMAS.options), (raw) =>
      resolveDiffusionOptions(raw as Record<string, unknown>),
    );
    sameOptions(file, options, path, checked);
  }
  // samples.json may hold a row written after this checkpoint (a kill between them): only the checkpoint's
  // snapshots are kept, so that the resumed run writes that row once.
  const steps = new Set(resume.snapshots.map((s) => `step ${s.step}`));
  const path = dir.path(FILES.samples);
  const rows = dir.has(FILES.samples) ? samplesRows(path).filter((r) => steps.has(r.label)) : [];
  await train(dir, options, resume, rows, every, threads, opts);
}

// Loaded in here, not at start-up: every other command stays as quick to start as before.
async function train(
  dir: RunDir,
  options: DiffusionOptions,
  resume: DiffusionCheckpoint | undefined,
  rows: Row[],
  every: number,
  threads: number,
  opts: Record<string, unknown>,
): Promise<void> {
  const { encodeDiffusionCheckpoint } = await import("../../diffusion/checkpoint.js");
  const { diffusionPlots, samplesGrid } = await import("../../report/diffusion.js");
  const { DivergedError, runDiffusion, StoppedBeforeTraining } = await import("../../diffusion/run.js");
  const outDir = dir.dir;
  const png = await pngWriter();
  // Without resvg's native binding (an optional dependency) the grids are written as SVG.
  const writeGrid = (name: string, title: string, r: Row[]) =>
    png
      ? dir.write(name, png(samplesGrid(title, r)))
      : dir.write(name.replace(/\.png$/, ".svg"), samplesGrid(title, r));
  const samplesTitle = `${options.dataset}: samples from the same noise over training (${options.sampler}, ${options.sampleSteps} steps)`;
  const reporter = createReporter({ quiet: opts.quiet === true });
  let lastStep = resume?.state.step ?? 0;
  const stop = catchStopSignals(() =>
    lastStep > 0 || resume
      ? `the steps since the last checkpoint (step ${lastStep}) are lost`
      : "nothing is kept yet: run the same command again",
  );
  const bar = reporter.bar("train", options.steps);
  const t0 = performance.now();
  try {
    let result: Awaited<ReturnType<typeof runDiffusion>>;
    try {
      result = await runDiffusion(options, {
        resume,
        signal: stop.signal,
        checkpointEvery: every,
        threads,
        onCheckpoint: (c) => {
          writeEnvelope(
            dir,
            FILES.checkpoint,
            "diffusion",
            header(options, options.seed, null),
            encodeDiffusionCheckpoint(c),
          );
          lastStep = c.state.step;
        },
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
          dir.write(FILES.samples, JSON.stringify(stamp(SCHEMAS.samples, null, { rows })));
          writeGrid("samples.png", samplesTitle, rows);
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
      if (e instanceof DivergedError) throw new Error(`${e.message}: ${dir.path(FILES.checkpoint)}`);
      const caught = stop.caught();
      if (e instanceof StoppedBeforeTraining && caught) {
        throw new Interrupted(
          caught,
          resume
            ? `interrupted while ${e.phase}; the checkpoint at step ${resume.state.step} is kept: continue with \`mcm resume ${outDir}\``
            : `interrupted while ${e.phase}, before training started: nothing to resume; run the same command again`,
        );
      }
      throw e;
    }
    bar.done();
    const run = {
      command: "diffusion",
      dir,
      resultFile: FILES.result,
      schema: SCHEMAS.result,
      stop,
      json: opts.json === true,
    };
    if (await finishTraining(run, result, diffusionPlots)) return;
    printDiffusion(result, outDir);
  } finally {
    stop.release();
  }
}

function printDiffusion(result: DiffusionResult, outDir: string): void {
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
