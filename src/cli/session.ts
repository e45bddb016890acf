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
import { writeFileAtomic } from "../io/atomic.js";
import { packageVersion } from "../io/stamp.js";
import { formatSummary, type RunSummary, seriesCsv, summarize } from "../report/summary.js";
import { Interrupted } from "./errors.js";
import type { Reporter } from "./progress.js";
import { compact, duration } from "./progress.js";
import { FILES, summaryText } from "./run-record.js";

/** Reads a checkpoint file with exact messages (inflating deflated members if any). */
export function readCheckpoint(path: string, expect: CheckpointExpectation = {}): DecodedCheckpoint {
  const bytes = new Uint8Array(readFileSync(path));
  return decodeCheckpoint(bytes, expect, { name: path, inflateRaw: (b) => new Uint8Array(inflateRawSync(b)) });
}

export interface SessionOptions {
  sim: Simulation;
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
  const saveCheckpoint = () => writeFileAtomic(checkpointPath, encodeCheckpoint(sim.state(), meta));

  const controller = new AbortController();
  let caught: "SIGINT" | "SIGTERM" | null = null;
  const onSignal = (signal: "SIGINT" | "SIGTERM") => {
    if (caught !== null) {
      // A second signal: the user insists; leave without a checkpoint.
      process.exit(signal === "SIGINT" ? 130 : 143);
    }
    caught = signal;
    controller.abort();
  };
  const onInt = () => onSignal("SIGINT");
  const onTerm = () => onSignal("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);

  const startStep = sim.step;
  let lastSaveTime = performance.now();
  let lastSaveStep = sim.step;
  const every = o.checkpointEvery;
  const bar = reporter.bar("SGD", o.steps);
  const t0 = performance.now();
  try {
    await sim.run(o.steps, {
      signal: controller.signal,
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
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  }
  // From here on only files are written, in milliseconds: a signal must not cut that short.
  const ignore = () => {};
  process.on("SIGINT", ignore);
  process.on("SIGTERM", ignore);
  try {
    return await finish();
  } finally {
    process.off("SIGINT", ignore);
    process.off("SIGTERM", ignore);
  }

  async function finish(): Promise<RunSummary> {
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
        writeOutputs(outDir, sim, summary);
        saveCheckpoint();
      },
      () => `outputs written to ${outDir}`,
    );
    printSummary(summary, o.json);
    return summary;
  }
}

/** Writes series.csv and summary.json of a finished simulation. */
function writeOutputs(outDir: string, sim: Simulation, summary: RunSummary): void {
  writeFileAtomic(join(outDir, FILES.series), seriesCsv(sim.config, sim.log));
  writeFileAtomic(join(outDir, FILES.summary), summaryText(summary));
}

/**
 * For `mcm resume` of a finished run: rewrites series.csv and summary.json from the checkpoint when they are
 * missing or belong to another step count (a run killed between its final checkpoint and its outputs, as
 * builds that wrote the checkpoint first could leave it). Returns the files it wrote.
 */
export function repairOutputs(outDir: string, sim: Simulation, summary: RunSummary): string[] {
  const written: string[] = [];
  const seriesPath = join(outDir, FILES.series);
  const series = seriesCsv(sim.config, sim.log);
  if (!existsSync(seriesPath) || readFileSync(seriesPath, "utf8") !== series) {
    writeFileAtomic(seriesPath, series);
    written.push(FILES.series);
  }
  const summaryPath = join(outDir, FILES.summary);
  let held: Partial<RunSummary> | null = null;
  try {
    held = JSON.parse(readFileSync(summaryPath, "utf8")) as Partial<RunSummary>;
  } catch {
    held = null; // missing or unreadable
  }
  if (held?.completedSteps !== summary.completedSteps || held?.steps !== summary.steps) {
    writeFileAtomic(summaryPath, summaryText(summary));
    written.push(FILES.summary);
  }
  return written;
}

export function printSummary(summary: RunSummary, json: boolean): void {
  process.stdout.write(json ? summaryText(summary) : formatSummary(summary));
}
