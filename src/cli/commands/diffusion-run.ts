/**
 * The pieces of `mcm diffusion` shared by a single run (./diffusion.ts) and the seeds loop
 * (./diffusion-seeds.ts): the flags from the options' schema, their checks, and one run in its run directory
 * (src/cli/rundir.ts: lock, --force aside, undo on failure) with its files (options, the checkpoint in its
 * envelope, samples, timing, result and plots).
 */
import {
  CHECKPOINT_EVERY_TEXT,
  type CheckpointEvery,
  decimalNumber,
  parseCheckpointEvery,
} from "../../config/schema.js";
import {
  DIFFUSION_FIELDS,
  type DiffusionOptions,
  diffusionSchema,
  resolveDiffusionOptions,
} from "../../diffusion/options.js";
import type { DiffusionCheckpoint, DiffusionImages, DiffusionResult } from "../../diffusion/run.js";
import { NpyError } from "../../images/npy.js";
import { stamp, unstamp } from "../../io/stamp.js";
import { checkOptions, header, readEnvelope, readJsonFile, sameOptions, writeEnvelope } from "../envelopes.js";
import { Interrupted, UsageError } from "../errors.js";
import { pngWriter } from "../optional.js";
import { flagsOf, readFlags } from "../options.js";
import { finishTraining, reportFinished } from "../outputs.js";
import { createReporter } from "../progress.js";
import { RunDir, type RunDirSpec } from "../rundir.js";
import { catchStopSignals } from "../signals.js";

export const DIFFUSION_FILES = {
  options: "diffusion-options.json",
  checkpoint: "diffusion-checkpoint.bin",
  result: "result.json",
  samples: "samples.json",
  timing: "timing.json",
};
const FILES = DIFFUSION_FILES;
/** Every file a diffusion run writes (src/cli/rundir.ts): the checkpoint marks it as worth keeping. */
export const DIFFUSION_DIR: RunDirSpec = {
  command: "diffusion",
  files: [
    ...Object.values(FILES),
    ...["twin", "distances", "frechet", "shape", "spectrum"].flatMap((p) => [`${p}.svg`, `${p}.png`]),
    ...["samples", "reference"].flatMap((p) => [`${p}.png`, `${p}.svg`]),
  ],
  checkpoint: FILES.checkpoint,
  checkpointOnly: true,
};
/** The flags a resume accepts: the run's options are its checkpoint's. */
export const RESUME_FLAGS = ["resume", "threads", "checkpointEvery", "json", "quiet"];
/** Schemas of the JSON files (docs/outputs.md). */
export const DIFFUSION_SCHEMAS = {
  options: "mcm.diffusion-options/1",
  result: "mcm.diffusion/2",
  samples: "mcm.diffusion-samples/1",
  dsb: "mcm.diffusion-dsb/1",
  dsbOptions: "mcm.diffusion-dsb-options/1",
} as const;
const SCHEMAS = DIFFUSION_SCHEMAS;
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
/** A JSON file of mcm's with its header checked and removed. */
export function readStamped<T>(path: string, schema: string): T {
  return unstamp(path, readJsonFile(path), schema) as T;
}
export const DIFFUSION_FLAGS = flagsOf(diffusionSchema.shape);
const FLAG_OF = new Map(DIFFUSION_FLAGS.map((f) => [f.field as string, f.flag]));
export const DIFFUSION_CHECKPOINT_EVERY = "2m";

/** The options the user typed, validated; errors name the flag. */
export function optionsFromFlags(opts: Record<string, unknown>, extra: Record<string, unknown> = {}): DiffusionOptions {
  // A ConfigError names the field; the CLI's translator (src/cli/errors.ts) names the flag typed.
  const { values } = readFlags(DIFFUSION_FLAGS, opts);
  return resolveDiffusionOptions({ ...values, ...extra });
}

/** --checkpoint-every and --threads, checked. */
export function runFlags(opts: Record<string, unknown>): { every: CheckpointEvery; threads: number } {
  const text = opts.checkpointEvery ?? DIFFUSION_CHECKPOINT_EVERY;
  const every = parseCheckpointEvery(text);
  if (!every) {
    throw new UsageError(`--checkpoint-every: got ${JSON.stringify(text)}, expected ${CHECKPOINT_EVERY_TEXT}`);
  }
  const threads = decimalNumber(opts.threads ?? 1);
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= 256)) {
    throw new UsageError(`--threads: got ${JSON.stringify(opts.threads)}, expected a whole number in [1, 256]`);
  }
  return { every, threads };
}

/** A field's name at the start of a library error becomes the flag the user typed. */
function flagError(e: Error): UsageError {
  const m = /^([a-zA-Z0-9]+):/.exec(e.message);
  const flag = m && DIFFUSION_FIELDS.includes(m[1] as keyof DiffusionOptions) ? FLAG_OF.get(m[1]) : undefined;
  return new UsageError(flag ? `${flag}:${e.message.slice(m?.[0].length)}` : e.message);
}

/** How a run is carried out: --checkpoint-every, --threads, the output flags, and the progress label. */
export interface RunFlagsOf {
  every: CheckpointEvery;
  threads: number;
  quiet: boolean;
  json: boolean;
  label?: string;
}

/**
 * A new run in `outText` (the value of `flag`) through the run-directory lifecycle (src/cli/rundir.ts):
 * refused if it holds a diffusion run unless `force`, which moves that aside until the first checkpoint lands.
 */
export async function startRun(
  options: DiffusionOptions,
  flag: string,
  outText: string,
  force: boolean,
  flags: RunFlagsOf,
): Promise<{ result: DiffusionResult; printed: boolean; dir: string }> {
  const dir = RunDir.create(DIFFUSION_DIR, flag, outText, force);
  return dir.around(async () => {
    dir.write(FILES.options, `${JSON.stringify(stamp(SCHEMAS.options, null, options), null, 2)}\n`);
    const { result, printed } = await train(dir, options, undefined, [], flags);
    return { result, printed, dir: dir.dir };
  });
}

/** Continues the run in `dirText`, or (finished) rebuilds its plots from result.json and reports it again. */
export async function resumeRun(
  flag: string,
  dirText: string,
  flags: RunFlagsOf,
): Promise<{ result: DiffusionResult; printed: boolean; dir: string }> {
  const dir = RunDir.open(DIFFUSION_DIR, flag, dirText);
  return dir.around(async () => {
    const { result, printed } = await resumeIn(dir, flag, flags);
    return { result, printed, dir: dir.dir };
  });
}

async function resumeIn(
  dir: RunDir,
  flag: string,
  flags: RunFlagsOf,
): Promise<{ result: DiffusionResult; printed: boolean }> {
  const { decodeDiffusionCheckpoint } = await import("../../diffusion/checkpoint.js");
  const { diffusionPlots } = await import("../../report/diffusion.js");
  if (dir.has(FILES.result)) {
    // Finished: the plots are rebuilt from result.json (a kill may have cut them short), never recomputed.
    return reportFinished<DiffusionResult, Record<string, string>>(
      dir,
      FILES.result,
      SCHEMAS.result,
      diffusionPlots,
      flags.json,
    );
  }
  if (!dir.has(FILES.checkpoint)) {
    throw new UsageError(
      `${flag}: ${dir.dir} holds no diffusion run (${FILES.checkpoint} expected); a run stopped before its first checkpoint is started again with the same command`,
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
  // samples.json may hold rows written after this checkpoint (a kill between them): only the checkpoint's
  // snapshots are kept ("R 100", "G 100"), so that the resumed run writes those rows once.
  const steps = new Set(resume.snapshots.map((s) => String(s.step)));
  const rows = dir.has(FILES.samples)
    ? samplesRows(dir.path(FILES.samples)).filter((r) => steps.has(r.label.split(" ").pop() ?? ""))
    : [];
  return train(dir, options, resume, rows, flags);
}

/** Runs (or continues) one run in its directory and writes its files; printed: the result went to stdout. */
async function train(
  dir: RunDir,
  options: DiffusionOptions,
  resume: DiffusionCheckpoint | undefined,
  rows: SampleRows,
  flags: RunFlagsOf,
): Promise<{ result: DiffusionResult; printed: boolean }> {
  const { encodeDiffusionCheckpoint } = await import("../../diffusion/checkpoint.js");
  const { diffusionPlots, samplesGrid } = await import("../../report/diffusion.js");
  const { DivergedError, runDiffusion, StoppedBeforeTraining } = await import("../../diffusion/run.js");
  const outDir = dir.dir;
  const png = await pngWriter();
  // Without resvg's native binding (an optional dependency) the grids are written as SVG.
  const writeGrid = (name: string, title: string, r: SampleRows) =>
    png
      ? dir.write(name, png(samplesGrid(title, r)))
      : dir.write(name.replace(/\.png$/, ".svg"), samplesGrid(title, r));
  const before =
    resume && dir.has(FILES.timing)
      ? (readJsonFile(dir.path(FILES.timing)) as { wallSeconds: number; cpuSeconds: number })
      : { wallSeconds: 0, cpuSeconds: 0 };
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const writeTiming = () => {
    const c = process.cpuUsage(cpu0);
    const t = {
      wallSeconds: before.wallSeconds + (performance.now() - wall0) / 1000,
      cpuSeconds: before.cpuSeconds + (c.user + c.system) / 1e6,
      note: "CPU seconds of the process (user + system, all threads), summed over resumes",
    };
    dir.write(FILES.timing, `${JSON.stringify(t, null, 1)}\n`);
  };
  const reporter = createReporter({ quiet: flags.quiet });
  let lastStep = resume?.state.step ?? 0;
  const stop = catchStopSignals(() =>
    lastStep > 0 || resume
      ? `the steps since the last checkpoint (step ${lastStep}) are lost`
      : "nothing is kept yet: run the same command again",
  );
  const bar = reporter.bar(flags.label ?? "train", options.steps);
  try {
    let result: DiffusionResult;
    try {
      result = await runDiffusion(options, {
        resume,
        signal: stop.signal,
        checkpointEvery: flags.every,
        threads: flags.threads,
        onCheckpoint: (c) => {
          writeEnvelope(
            dir,
            FILES.checkpoint,
            "diffusion",
            header(options, options.seed, null),
            encodeDiffusionCheckpoint(c),
          );
          lastStep = c.state.step;
          writeTiming();
        },
        onSamples: (step, sets) => {
          if (step < 0) {
            writeGrid("reference.png", `${options.dataset}: training images and Wiener diffusion samples`, sets);
            return;
          }
          const round = (p: Float64Array) =>
            Array.from(p, (v) => Math.round(v * 1000) / 1000) as unknown as Float64Array;
          rows.push(...sets.map((s) => ({ label: s.label, images: { ...s.images, pixels: round(s.images.pixels) } })));
          dir.write(FILES.samples, JSON.stringify(stamp(SCHEMAS.samples, null, { rows })));
          writeGrid(
            "samples.png",
            `${options.dataset}: samples of R and G from the same noise over training (${options.sampler}, ${options.sampleSteps} steps)`,
            rows,
          );
        },
        onProgress: (p) => {
          if (p.phase === "train") {
            const s = (performance.now() - wall0) / 1000;
            bar.update(p.step, s > 0 ? p.step / s : 0);
          } else reporter.info(p.message);
        },
      });
    } catch (e) {
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
      if (e instanceof RangeError || e instanceof NpyError) throw flagError(e);
      throw e;
    }
    bar.done();
    writeTiming();
    const run = {
      command: "diffusion",
      dir,
      resultFile: FILES.result,
      schema: SCHEMAS.result,
      stop,
      json: flags.json,
    };
    const printed = await finishTraining(run, result, diffusionPlots);
    return { result, printed };
  } finally {
    stop.release();
  }
}

/** A few lines on a finished run. */
export function describeResult(result: DiffusionResult): string {
  const r = result.reference;
  const last = result.snapshots[result.snapshots.length - 1];
  const lines = [
    `${result.dataset.name}: ${result.dataset.C} x ${result.dataset.H} x ${result.dataset.W}, ${result.dataset.nTrain} training and ${result.dataset.nTest} test images; ${result.dataset.preprocessing}`,
    `${result.network.arch}: ${result.network.parameters} parameters${result.twin ? " (x 3: R, G, G')" : ""}; ${result.options.steps} steps of batch ${result.options.batch}`,
    `Frechet distance per pixel: R ${last.samples.gaussianFrechet.toPrecision(3)} at step ${last.step}${last.twinSamples ? `, G ${last.twinSamples.G.gaussianFrechet.toPrecision(3)}` : ""}, Wiener samples ${r.wiener.gaussianFrechet.toPrecision(3)}, data floor ${r.data.gaussianFrechet.toPrecision(3)}`,
    `standardised-marginal W1: R ${last.samples.shapeW1.toPrecision(3)}${last.twinSamples ? `, G ${last.twinSamples.G.shapeW1.toPrecision(3)}` : ""}, clone samples ${r.clone.shapeW1.toPrecision(3)}, data floor ${r.data.shapeW1.toPrecision(3)}`,
    `filter kurtosis per position: R ${last.samples.filterKurtosis.toPrecision(3)}, Wiener samples ${r.wiener.filterKurtosis.toPrecision(3)}, test images ${r.dataKurtosis.toPrecision(3)}`,
    result.summary.text,
  ];
  return lines.join("\n");
}
