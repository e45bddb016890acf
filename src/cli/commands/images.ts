/**
 * `mcm images`: denoisers trained on real images (MNIST from the mnist package, or a .npy [N, d]) set
 * against the Gaussian-optimal (Wiener) denoiser and a Gaussian clone of the data (docs/images.md).
 * One flag per option of src/experiments/images/options.ts; progress, checkpoints and resume like `mcm run`.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { type CheckpointEvery, checkpointEveryField, parseCheckpointEvery } from "../../config/schema.js";
import { decodeImagesCheckpoint, encodeImagesCheckpoint } from "../../experiments/images/checkpoint.js";
import { type ImagesOptions, imagesSchema, resolveImagesOptions } from "../../experiments/images/options.js";
import { type ImagesCheckpoint, runImages } from "../../experiments/images/run.js";
import { NpyError } from "../../images/npy.js";
import { writeFileAtomic } from "../../io/atomic.js";
import { stamp, unstamp } from "../../io/stamp.js";
import { imagesPlots } from "../../report/images.js";
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
import { addTrainingRunOptions, finishTraining } from "../outputs.js";
import { checkOutDir, Leftovers, makeOutDir, utcStamp } from "../paths.js";
import { createReporter } from "../progress.js";
import { readJsonFile } from "../read-json.js";
import { catchStopSignals } from "../signals.js";

const FILES = { options: "images-options.json", checkpoint: "images-checkpoint.bin", result: "result.json" };
/** The plots a finished images run writes beside FILES. */
const IMAGE_OUTPUTS = ["curves.svg", "curves.png", "gaps.svg", "gaps.png", "digits.svg", "digits.png"];
const OPTIONS_SCHEMA = "mcm.images-options/1";
const IMAGES_FLAGS = flagsOf(imagesSchema.shape);

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

async function imagesAction(opts: ImagesFlags): Promise<void> {
  let options: ImagesOptions;
  let outDir: string;
  let resume: ImagesCheckpoint | undefined;
  let outText: string | null = null;
  if (typeof opts.resume === "string") {
    outDir = resolve(opts.resume);
    const optionsPath = join(outDir, FILES.options);
    const checkpointPath = join(outDir, FILES.checkpoint);
    if (!existsSync(optionsPath) || !existsSync(checkpointPath)) {
      throw new UsageError(
        `--resume: ${outDir} holds no images run (${FILES.options} and ${FILES.checkpoint} expected)`,
      );
    }
    options = resolveImagesOptions(
      unstamp(optionsPath, readJsonFile(optionsPath, "the run's options"), OPTIONS_SCHEMA),
    );
    resume = decodeImagesCheckpoint(new Uint8Array(readFileSync(checkpointPath)));
  } else {
    options = optionsFromFlags(opts);
    const stamp = utcStamp();
    outText = typeof opts.out === "string" ? opts.out : join("mcm-output", `images-${stamp}`);
    outDir = checkOutDir("--out", outText);
    const held = [...Object.values(FILES), ...IMAGE_OUTPUTS].filter((f) => existsSync(join(outDir, f)));
    if (held.length > 0 && opts.force !== true) {
      throw new UsageError(
        `--out: ${outDir} already holds an images run (${held.join(", ")}); continue it with \`mcm images --resume ${outDir}\`, choose another directory, or pass --force to replace it`,
      );
    }
    for (const f of held) rmSync(join(outDir, f), { force: true });
  }
  const every = parseCheckpointEvery(parseFlags(imagesRunSchema, opts).checkpointEvery) as CheckpointEvery;
  // A fresh run that fails before its first checkpoint leaves nothing behind (not even its options file).
  const leftovers = new Leftovers();
  if (outText !== null) {
    leftovers.dirsCreated(makeOutDir("--out", outText).created);
    leftovers.file(join(outDir, FILES.options));
    writeFileAtomic(join(outDir, FILES.options), `${JSON.stringify(stamp(OPTIONS_SCHEMA, null, options), null, 2)}\n`);
  }
  await leftovers.around(() => trainAndReport(options, outDir, resume, every, opts, () => leftovers.keep()));
}

async function trainAndReport(
  options: ImagesOptions,
  outDir: string,
  resume: ImagesCheckpoint | undefined,
  every: CheckpointEvery,
  opts: ImagesFlags,
  onCheckpoint: () => void,
): Promise<void> {
  const reporter = createReporter({ quiet: opts.quiet === true });
  const stop = catchStopSignals();
  const bar = reporter.bar("train", options.steps);
  const t0 = performance.now();
  let lastPhase = "";
  let result: Awaited<ReturnType<typeof runImages>>;
  try {
    result = await runImages(options, {
      resume,
      signal: stop.signal,
      checkpointEvery: every,
      onCheckpoint: (c) => {
        writeFileAtomic(join(outDir, FILES.checkpoint), encodeImagesCheckpoint(c));
        onCheckpoint();
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
  bar.done();
  const run = {
    command: "images",
    outDir,
    resultFile: FILES.result,
    schema: "mcm.images/1",
    stop,
    json: opts.json === true,
  };
  if (await finishTraining(run, result, imagesPlots)) return;
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
