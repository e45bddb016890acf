import { join } from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { type CheckpointEvery, checkpointEveryField, parseCheckpointEvery } from "../../config/schema.js";
import { decodeImagesCheckpoint, encodeImagesCheckpoint } from "../../experiments/images/checkpoint.js";
import { type ImagesOptions, imagesSchema, resolveImagesOptions } from "../../experiments/images/options.js";
import { type ImagesCheckpoint, type ImagesResult, runImages } from "../../experiments/images/run.js";
import { NpyError } from "../../images/npy.js";
import { stamp, unstamp } from "../../io/stamp.js";
import { imagesPlots } from "../../report/images.js";
import { checkOptions, header, readEnvelope, readJsonFile, sameOptions, writeEnvelope } from "../envelopes.js";
import { UsageError } from "../errors.js";
import {
  addFlagOptions,
  addSchemaOptions,
  flagsOf,
  helpAfter,
  type ModelFlagValues,
  type OutputFlags,
  parseFlags,
  readFlags,
} from "../options.js";
import { addTrainingRunOptions, finishTraining, reportFinished } from "../outputs.js";
import { utcStamp } from "../paths.js";
import { createReporter } from "../progress.js";
import { RunDir, type RunDirSpec, refuseResumeFlags } from "../rundir.js";
import { catchStopSignals } from "../signals.js";

const FILES = { options: "images-options.json", checkpoint: "images-checkpoint.bin", result: "result.json" };
/** The plots a finished images run writes beside FILES. */
const IMAGE_OUTPUTS = ["curves.svg", "curves.png", "gaps.svg", "gaps.png", "digits.svg", "digits.png"];
const OPTIONS_SCHEMA = "mcm.images-options/1";
const RESULT_SCHEMA = "mcm.images/1";
const IMAGES_FLAGS = flagsOf(imagesSchema.shape);
const IMAGES_DIR: RunDirSpec = {
  command: "images",
  files: [...Object.values(FILES), ...IMAGE_OUTPUTS],
  checkpoint: FILES.checkpoint,
  checkpointOnly: true,
};
/** The flags a resume accepts (the others are the run's own options, kept from its checkpoint). */
const RESUME_FLAGS = ["resume", "checkpointEvery", "json", "quiet"];

/** The parsed flags of `mcm images`: the options' flags (IMAGES_FLAGS) and these. */
export interface ImagesFlags extends OutputFlags, ModelFlagValues {
  resume?: string;
  out?: string;
  force?: boolean;
}

/** The run-level flags of `mcm images` (not stored with its options): how often to checkpoint. */
const imagesRunSchema = z
  .object({
    checkpointEvery: checkpointEveryField().default("500steps").meta({
      flag: "--checkpoint-every",
      placeholder: "when",
      help: "checkpoint period (also at the end and on Ctrl-C)",
    }),
  })
  .strict();

export function registerImages(program: Command): Command {
  const cmd = program
    .command("images")
    .description(
      "Train a two-layer denoiser on real images with fresh noise at a fixed t and measure, on a log grid of " +
        "steps, its test MSE on real images and on Gaussian-clone samples, its distance to the Wiener denoiser " +
        "(the best that uses only the mean and covariance) and the Wiener MSE: first the network approaches " +
        "Wiener, later it beats it on real data while staying no better than Wiener on the clone.",
    );
  addFlagOptions(cmd, IMAGES_FLAGS, resolveImagesOptions({}));
  addSchemaOptions(cmd, imagesRunSchema);
  addTrainingRunOptions(cmd, "images")
    .addHelpText(
      "after",
      helpAfter(
        [
          [
            "Writes result.json, curves.svg/.png (the four curves), gaps.svg/.png (network minus Wiener MSE, real and",
            "clone, with standard errors), digits.svg (clean, noisy, Wiener, network) and images-checkpoint.bin.",
            "The defaults are the measured settings under which MNIST shows both phases in a few minutes on 2 cores",
            "(docs/images.md). Preprocessing: pixels to [0, 1], mean removed, one global scale for unit average variance.",
          ],
        ],
        [
          "mcm images                                        # MNIST, the defaults",
          "mcm images --steps 1000 --units 128 --out runs/img",
          "mcm images --dataset my-data.npy --t 0.5",
          "mcm images --train-on clone                       # the control: no better than Wiener",
        ],
      ),
    )
    .action(imagesAction);
  return cmd;
}

function optionsFromFlags(opts: ImagesFlags): ImagesOptions {
  return resolveImagesOptions(readFlags(IMAGES_FLAGS, opts).values);
}

async function imagesAction(opts: ImagesFlags, cmd: Command): Promise<void> {
  const every = parseCheckpointEvery(parseFlags(imagesRunSchema, opts).checkpointEvery) as CheckpointEvery;
  if (typeof opts.resume === "string") {
    refuseResumeFlags(cmd, RESUME_FLAGS, opts.resume);
    const dir = RunDir.open(IMAGES_DIR, "--resume", opts.resume);
    await dir.around(async () => {
      if (dir.has(FILES.result)) {
        const { result, printed } = await reportFinished(
          dir,
          FILES.result,
          RESULT_SCHEMA,
          imagesPlots,
          opts.json === true,
        );
        if (!printed) printImages(result as ImagesResult, dir.dir);
        return;
      }
      if (!dir.has(FILES.checkpoint)) {
        throw new UsageError(
          `--resume: ${dir.dir} holds no images checkpoint (${FILES.checkpoint}); a run stopped before its first checkpoint is started again with the same command`,
        );
      }
      const { options, payload } = readEnvelope(dir, FILES.checkpoint, "images", resolveImagesOptions);
      if (dir.has(FILES.options)) {
        const recorded = checkOptions(
          dir.path(FILES.options),
          unstamp(dir.path(FILES.options), readJsonFile(dir.path(FILES.options)), OPTIONS_SCHEMA),
          resolveImagesOptions,
        );
        sameOptions(dir.path(FILES.checkpoint), options, dir.path(FILES.options), recorded);
      }
      const resume = decodeImagesCheckpoint(payload);
      await trainAndReport(options, dir, resume, every, opts);
    });
    return;
  }
  const options = optionsFromFlags(opts);
  const outText = typeof opts.out === "string" ? opts.out : join("mcm-output", `images-${utcStamp()}`);
  // A fresh run that fails before its first checkpoint leaves nothing behind (not even its options file).
  const dir = RunDir.create(IMAGES_DIR, "--out", outText, opts.force === true);
  await dir.around(async () => {
    dir.write(FILES.options, `${JSON.stringify(stamp(OPTIONS_SCHEMA, null, options), null, 2)}\n`);
    await trainAndReport(options, dir, undefined, every, opts);
  });
}

async function trainAndReport(
  options: ImagesOptions,
  dir: RunDir,
  resume: ImagesCheckpoint | undefined,
  every: CheckpointEvery,
  opts: ImagesFlags,
): Promise<void> {
  const reporter = createReporter({ quiet: opts.quiet === true });
  let lastStep = resume?.step ?? 0;
  const stop = catchStopSignals(() => `the steps since the last checkpoint (step ${lastStep}) are lost`);
  const bar = reporter.bar("train", options.steps);
  const t0 = performance.now();
  let lastPhase = "";
  try {
    const result = await runImages(options, {
      resume,
      signal: stop.signal,
      checkpointEvery: every,
      onCheckpoint: (c) => {
        const build = { flavour: "images", hash: c.buildHash };
        writeEnvelope(dir, FILES.checkpoint, "images", header(options, options.seed, build), encodeImagesCheckpoint(c));
        lastStep = c.step;
      },
      onProgress: (p) => {
        if (p.phase !== "train") {
          if (p.message !== lastPhase) reporter.info(p.message);
          lastPhase = p.message;
          return;
        }
        const seconds = (performance.now() - t0) / 1000;
        bar.update(p.step, seconds > 0 ? p.step / seconds : 0);
      },
    });
    bar.done();
    const run = {
      command: "images",
      dir,
      resultFile: FILES.result,
      schema: RESULT_SCHEMA,
      stop,
      json: opts.json === true,
    };
    if (await finishTraining(run, result, imagesPlots)) return;
    printImages(result, dir.dir);
  } catch (e) {
    // A data set that cannot be used is a usage error (exit 2), as for `mcm diffusion`; the shared
    // preprocessing names its fields, the user typed flags.
    if (e instanceof NpyError) throw new UsageError(e.message);
    if (e instanceof RangeError && /^(nTest|nTrain|pool):/.test(e.message)) {
      const flag = (f: string) => `--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}:`;
      throw new UsageError(e.message.replace(/^(nTest|nTrain|pool):/, (_, f: string) => flag(f)));
    }
    throw e;
  } finally {
    stop.release();
  }
}

function printImages(result: ImagesResult, outDir: string): void {
  const s = result.summary;
  const r = result.reference;
  process.stdout.write(
    [
      `${result.dataset.name}: d = ${result.dataset.d}, ${result.dataset.nTrain} training and ${result.dataset.nTest} test images; ${result.dataset.preprocessing.statement}`,
      `Wiener MSE on real test images ${r.wienerMseReal.toFixed(4)} ± ${r.wienerMseRealSe.toFixed(4)} (clone ${r.wienerMseClone.toFixed(4)})`,
      `closest to Wiener at step ${s.closestStep} (relative distance ${s.closestDistance.toFixed(3)})`,
      `first below Wiener on real images: ${s.firstBelowWiener === "never" ? "never" : `step ${s.firstBelowWiener}`}`,
      `final gap to Wiener: real ${s.finalGapReal.toFixed(4)} ± ${s.finalGapRealSe.toFixed(4)}, clone ${s.finalGapClone.toFixed(4)} ± ${s.finalGapCloneSe.toFixed(4)}`,
      `both phases: ${s.bothPhases ? "yes" : "no"}. ${s.text}`,
      `outputs: ${outDir}`,
      "",
    ].join("\n"),
  );
}
