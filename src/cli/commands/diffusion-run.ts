/**
 * The pieces of `mcm diffusion` shared by a single run (./diffusion.ts) and the seeds loop
 * (./diffusion-seeds.ts): the flags from the options' schema, their checks, and one run in a directory with
 * its files (options, checkpoint, samples, timing, result and plots).
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
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
import { writeFileAtomic } from "../../io/atomic.js";
import { stamp, unstamp } from "../../io/stamp.js";
import { Interrupted, UsageError } from "../errors.js";
import { pngWriter } from "../optional.js";
import { flagsOf, readFlags, translateError } from "../options.js";
import { finishTraining } from "../outputs.js";
import { createReporter } from "../progress.js";
import { readJsonFile } from "../read-json.js";
import { catchStopSignals } from "../signals.js";

export const DIFFUSION_FILES = {
  options: "diffusion-options.json",
  checkpoint: "diffusion-checkpoint.bin",
  result: "result.json",
  samples: "samples.json",
  timing: "timing.json",
};
const FILES = DIFFUSION_FILES;
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
  return unstamp(path, JSON.parse(readFileSync(path, "utf8")), schema) as T;
}
export const DIFFUSION_FLAGS = flagsOf(diffusionSchema.shape);
const FLAG_OF = new Map(DIFFUSION_FLAGS.map((f) => [f.field as string, f.flag]));
export const DEFAULT_CHECKPOINT_EVERY = "2m";

/** The options the user typed, validated; errors name the flag. */
export function optionsFromFlags(opts: Record<string, unknown>, extra: Record<string, unknown> = {}): DiffusionOptions {
  const { values, flagOf } = readFlags(DIFFUSION_FLAGS, opts);
  try {
    return resolveDiffusionOptions({ ...values, ...extra });
  } catch (e) {
    throw translateError(e, flagOf);
  }
}

/** --checkpoint-every and --threads, checked. */
export function runFlags(opts: Record<string, unknown>): { every: CheckpointEvery; threads: number } {
  const text = opts.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
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

/** Reads the checkpoint of an unfinished run in dir, or refuses. */
export async function readResume(dir: string, flag: string): Promise<DiffusionCheckpoint> {
  const { decodeDiffusionCheckpoint } = await import("../../diffusion/checkpoint.js");
  const cp = join(dir, FILES.checkpoint);
  if (!existsSync(cp)) throw new UsageError(`${flag}: ${dir} holds no diffusion run (${FILES.checkpoint} expected)`);
  if (existsSync(join(dir, FILES.result)))
    throw new UsageError(`${flag}: the run in ${dir} is finished (result.json exists)`);
  try {
    return decodeDiffusionCheckpoint(new Uint8Array(readFileSync(cp)));
  } catch (e) {
    throw new UsageError(`${flag}: ${cp}: ${(e as Error).message}`);
  }
}

/** Runs (or continues) one run in outDir and writes its files; returns the result, or null after --json. */
export async function runInDir(
  options: DiffusionOptions,
  outDir: string,
  resume: DiffusionCheckpoint | undefined,
  flags: { every: CheckpointEvery; threads: number; quiet: boolean; json: boolean; label?: string },
): Promise<DiffusionResult> {
  const { encodeDiffusionCheckpoint } = await import("../../diffusion/checkpoint.js");
  const { diffusionPlots, samplesGrid } = await import("../../report/diffusion.js");
  const { DivergedError, runDiffusion, StoppedBeforeTraining } = await import("../../diffusion/run.js");
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
  const timingPath = join(outDir, FILES.timing);
  const before =
    resume && existsSync(timingPath)
      ? (JSON.parse(readFileSync(timingPath, "utf8")) as { wallSeconds: number; cpuSeconds: number })
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
    writeFileAtomic(timingPath, `${JSON.stringify(t, null, 1)}\n`);
  };
  const reporter = createReporter({ quiet: flags.quiet });
  const stop = catchStopSignals();
  const bar = reporter.bar(flags.label ?? "train", options.steps);
  let result: DiffusionResult;
  try {
    result = await runDiffusion(options, {
      resume,
      signal: stop.signal,
      checkpointEvery: flags.every,
      threads: flags.threads,
      onCheckpoint: (c) => {
        writeFileAtomic(join(outDir, FILES.checkpoint), encodeDiffusionCheckpoint(c));
        writeTiming();
      },
      onSamples: (step, sets) => {
        if (step < 0) {
          writeGrid("reference.png", `${options.dataset}: training images and Wiener diffusion samples`, sets);
          return;
        }
        const round = (p: Float64Array) => Array.from(p, (v) => Math.round(v * 1000) / 1000) as unknown as Float64Array;
        rows.push(...sets.map((s) => ({ label: s.label, images: { ...s.images, pixels: round(s.images.pixels) } })));
        writeFileAtomic(samplesPath, JSON.stringify(stamp(SCHEMAS.samples, null, { rows })));
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
    if (e instanceof RangeError || e instanceof NpyError) throw flagError(e);
    throw e;
  } finally {
    stop.release();
  }
  bar.done();
  writeTiming();
  const run = {
    command: "diffusion",
    outDir,
    resultFile: FILES.result,
    schema: SCHEMAS.result,
    stop,
    json: flags.json,
  };
  await finishTraining(run, result, diffusionPlots);
  return result;
}

/** Refuses an --out that holds a run unless --force. */
export function checkFresh(outDir: string, force: boolean, flag = "--out"): void {
  if (force) return;
  if (existsSync(join(outDir, FILES.result))) {
    throw new UsageError(`${flag}: ${outDir} holds a finished run (result.json); pass --force to overwrite it`);
  }
  if (existsSync(join(outDir, FILES.checkpoint))) {
    throw new UsageError(
      `${flag}: ${outDir} holds an unfinished run; continue it with --resume ${outDir} or pass --force`,
    );
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
