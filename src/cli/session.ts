/**
 * The part of `mcm run` and `mcm resume` that is the same: drive a simulation to its final step with a
 * progress bar, periodic checkpoints and signal handling, then write series.csv, summary.json and the
 * final checkpoint, and print the summary (human on stdout, or one JSON document with --json).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { inflateRawSync } from "node:zlib";
import { activationTableRecord } from "../config/model.js";
import type { CheckpointEvery } from "../config/schema.js";
import {
  type CheckpointExpectation,
  type CheckpointMeta,
  type DecodedCheckpoint,
  decodeCheckpoint,
  encodeCheckpoint,
} from "../engine/checkpoint.js";
import type { Simulation } from "../engine/types.js";
import { sealZip, verifyZip } from "../io/envelope.js";
import { packageVersion } from "../io/stamp.js";
import { formatSummary, type RunSummary, seriesCsv, summarize } from "../report/summary.js";
import { Interrupted } from "./errors.js";
import type { Reporter } from "./progress.js";
import { compact, duration } from "./progress.js";
import { FILES, summaryText } from "./run-record.js";
import type { RunDir } from "./rundir.js";
import { catchStopSignals } from "./signals.js";

/** Reads a checkpoint file with exact messages: its SHA-256 first (src/io/envelope.ts), then every member. */
export function readCheckpoint(path: string, expect: CheckpointExpectation = {}): DecodedCheckpoint {
  const bytes = new Uint8Array(readFileSync(path));
  verifyZip(bytes, path);
  return decodeCheckpoint(bytes, expect, { name: path, inflateRaw: (b) => new Uint8Array(inflateRawSync(b)) });
}

export interface SessionOptions {
  sim: Simulation;
  /** The locked run directory every file goes through. */
  dir: RunDir;
  outDir: string;
  steps: number;
  stepsExpression: string;
  checkpointEvery: CheckpointEvery;
  reporter: Reporter;
  json: boolean;
}

/** Runs to `steps`, handling SIGINT/SIGTERM (checkpoint, then Interrupted), and writes every output. */
export async function runSession(o: SessionOptions): Promise<RunSummary> {
  const { sim, outDir, reporter } = o;
  const meta: CheckpointMeta = {
    config: sim.config,
    buildHash: sim.kernels.buildHash,
    kernel: sim.kernels.flavour,
    packageVersion: packageVersion(),
    stepsTotal: o.steps,
    stepsExpression: o.stepsExpression,
    ...(sim.model.table ? { activationTable: activationTableRecord(sim.model.table) } : {}),
  };
  const checkpointPath = join(outDir, FILES.checkpoint);
  const startStep = sim.step;
  let lastSaveTime = performance.now();
  let lastSaveStep = sim.step;
  let writing = false;
  const saveCheckpoint = () => {
    o.dir.write(FILES.checkpoint, sealZip(encodeCheckpoint(sim.state(), meta)));
    // A failed run still leaves nothing (config.json would send the user to a resume that fails the same way).
    o.dir.landed(false);
  };
  // A second signal leaves at once, without a checkpoint.
  const stop = catchStopSignals(() =>
    writing
      ? `the outputs being written are incomplete: \`mcm resume ${outDir}\` writes them again`
      : `the steps since the last checkpoint (step ${lastSaveStep}) are lost`,
  );

  const every = o.checkpointEvery;
  const bar = reporter.bar("SGD", o.steps);
  const t0 = performance.now();
  try {
    await sim.run(o.steps, {
      signal: stop.signal,
      onProgress: (p) => bar.update(p.step, p.stepsPerSecond),
      onChunk: () => {
        const now = performance.now();
        const due =
          every.unit === "seconds"
            ? now - lastSaveTime >= every.every * 1000
            : every.unit === "steps" && sim.step - lastSaveStep >= every.every;
        if (due && sim.step < o.steps) {
          saveCheckpoint();
          lastSaveTime = performance.now();
          lastSaveStep = sim.step;
        }
      },
    });
  } catch (e) {
    stop.release();
    throw e;
  }
  // From here on only files are written, in milliseconds: a signal lets them finish, then exits 130/143.
  writing = true;
  const caughtInRun = stop.caught();
  try {
    const summary = await finish(caughtInRun);
    const late = stop.caught();
    if (late !== null) {
      throw new Interrupted(
        late,
        `interrupted by ${late} while writing the outputs; they are complete: the run is finished in ${outDir}`,
      );
    }
    return summary;
  } finally {
    stop.release();
  }

  async function finish(caught: "SIGINT" | "SIGTERM" | null): Promise<RunSummary> {
    const seconds = (performance.now() - t0) / 1000;
    const rate = seconds > 0 ? (sim.step - startStep) / seconds : 0;
    bar.done();

    if (caught !== null || sim.step < o.steps) {
      const signal = caught ?? "SIGINT";
      await reporter.phase("writing checkpoint", saveCheckpoint, () => `checkpoint written at step ${sim.step}`);
      throw new Interrupted(
        signal,
        `interrupted by ${signal} at step ${sim.step} of ${o.steps}; checkpoint written to ${checkpointPath}\ncontinue with: mcm resume ${outDir}`,
      );
    }
    reporter.info(`SGD: ${compact(o.steps - startStep)} steps in ${duration(seconds)} (${compact(rate)} steps/s)`);

    const summary = summarize({
      config: sim.config,
      seed: sim.seed,
      steps: o.steps,
      stepsExpression: o.stepsExpression,
      completedSteps: sim.step,
      overlaps: sim.overlaps(),
      hits: sim.hits(),
      seconds,
      stepsDone: sim.step - startStep,
      version: meta.packageVersion,
      buildHash: meta.buildHash,
      kernel: meta.kernel,
      outDir,
      activationTable: meta.activationTable,
    });
    await reporter.phase(
      "writing outputs",
      () => {
        // The final checkpoint last: it is what tells `mcm resume` the run is finished, so a kill before it
        // leaves an earlier checkpoint (or none) and the resume runs to the end and writes everything again.
        writeOutputs(o.dir, sim, summary);
        saveCheckpoint();
      },
      () => `outputs written to ${outDir}`,
    );
    printSummary(summary, o.json);
    return summary;
  }
}

/** Writes series.csv and summary.json of a finished simulation. */
function writeOutputs(dir: RunDir, sim: Simulation, summary: RunSummary): void {
  dir.write(FILES.series, seriesCsv(sim.config, sim.log));
  dir.write(FILES.summary, summaryText(summary));
}

/**
 * For `mcm resume` of a finished run: rewrites series.csv and summary.json from the checkpoint when they are
 * missing or belong to another step count (a run killed between its final checkpoint and its outputs, as
 * builds that wrote the checkpoint first could leave it). Returns the files it wrote.
 */
export function repairOutputs(dir: RunDir, sim: Simulation, summary: RunSummary): string[] {
  const written: string[] = [];
  const seriesPath = dir.path(FILES.series);
  const series = seriesCsv(sim.config, sim.log);
  if (!existsSync(seriesPath) || readFileSync(seriesPath, "utf8") !== series) {
    dir.write(FILES.series, series);
    written.push(FILES.series);
  }
  const summaryPath = dir.path(FILES.summary);
  let held: Partial<RunSummary> | null = null;
  try {
    held = JSON.parse(readFileSync(summaryPath, "utf8")) as Partial<RunSummary>;
  } catch {
    held = null; // missing or unreadable
  }
  if (held?.completedSteps !== summary.completedSteps || held?.steps !== summary.steps) {
    dir.write(FILES.summary, summaryText(summary));
    written.push(FILES.summary);
  }
  return written;
}

export function printSummary(summary: RunSummary, json: boolean): void {
  process.stdout.write(json ? summaryText(summary) : formatSummary(summary));
}
