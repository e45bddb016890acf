/**
 * `mcm sweep`: a grid over config fields (comma lists in any model flag), `--seeds` walkers per point, a
 * step budget per point, in parallel on worker threads; medians of first-hitting times with bootstrap
 * intervals, the fitted exponent of n*(d), the phase-transition summary and plots. Finished tasks are
 * checkpointed in --out, so an interrupted sweep resumes where it stopped (`--resume DIR`).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { activationHelp } from "../../config/activation-formulas.js";
import type { Direction } from "../../config/directions.js";
import { valueOfText } from "../../config/fields.js";
import { parseSeed } from "../../config/schema.js";
import { DEFAULT_STEPS, parseSteps } from "../../config/steps.js";
import { addControlAxis, attachControls, CONTROL_ACTIVATION } from "../../experiments/controls.js";
import { formatPhaseTable, phaseRows } from "../../experiments/phase.js";
import { thresholdProblem } from "../../experiments/plateau.js";
import { predictFromTheory, predictMedianFromLimit } from "../../experiments/predict.js";
import { expandGrid, runSweep, type SweepResult } from "../../experiments/sweep.js";
import { type SweepFile, toSweepSpec } from "../../experiments/sweep-file.js";
import type { TaskResult } from "../../experiments/sweep-task.js";
import { writeFileAtomic } from "../../io/atomic.js";
import { stamp, unstamp } from "../../io/stamp.js";
import type { QueueProgress } from "../../queue/index.js";
import { checkOptions } from "../envelopes.js";
import { Interrupted, UsageError } from "../errors.js";
import { importOptional, QUEUE_PACKAGES } from "../optional.js";
import {
  addModelOptions,
  addOutputOptions,
  drawSeed,
  MODEL_FLAGS,
  type ModelFlagValues,
  type RunFlags,
  readConfigFile,
} from "../options.js";
import { checkOutDir, makeOutDir, utcStamp } from "../paths.js";
import { createReporter } from "../progress.js";
import { RunDir, refuseResumeFlags } from "../rundir.js";
import { catchStopSignals } from "../signals.js";
import { addSweepOptions, parseSweepFlags, refuseConflicts, type SweepFlags } from "../sweep-options.js";
import { formatPoints, groupRegimes, noFitReason, sweepCsv, sweepJson, writePlots } from "../sweep-output.js";
import {
  localBuild,
  readSweepSpec,
  readSweepState,
  SWEEP_DIR,
  SWEEP_FILES,
  SWEEP_SCHEMAS,
  saveSweepState,
  specHash,
  sweepSpecText,
} from "../sweep-store.js";

/** The parsed flags of `mcm sweep`: the model and sweep-only flags (texts, comma lists for grid axes) and these. */
export interface SweepCommandFlags extends Omit<RunFlags, "checkpointEvery" | "force" | "kernel">, ModelFlagValues {
  control?: string;
  resume?: string;
  queue?: string;
  sweepId?: string;
  /** false with --no-wait. */
  wait?: boolean;
}

export function registerSweep(program: Command): Command {
  const cmd = program
    .command("sweep")
    .description(
      "Run a grid of configs (any model flag takes a comma list, e.g. --d 32,64,128 --correlation independent,sign), " +
        "--seeds walkers per point, each up to --steps; report per point and direction the median first-hitting " +
        "step with a 95% bootstrap interval and the censored count, the exponent of n*(d) with its interval, and " +
        "the phase-transition summary beside the theory. Bit-identical whatever --threads.",
    );
  addModelOptions(cmd);
  addSweepOptions(cmd);
  cmd
    .option("--steps <expr>", `step budget per point, a number or an expression in d (default: ${DEFAULT_STEPS})`)
    .option("--seed <n>", "master seed (default: drawn and recorded)")
    .option(
      "--control <g>",
      "also run every point with this activation (linear: the second-order control) and label each row by it",
    )
    .option("--out <dir>", "output directory (default: ./mcm-output/sweep-<UTC timestamp>-<seed>)")
    .option(
      "--resume <dir|id>",
      "continue the sweep stored in DIR (its flags are read from DIR/sweep-spec.json); with --queue, the sweep with this id",
    )
    .option(
      "--queue <url>",
      "run on a Redis job queue (redis://[[user]:password@]host[:port][/db]; password also from MCM_REDIS_PASSWORD) with `mcm worker` processes anywhere",
    )
    .option("--sweep-id <id>", "with --queue: the sweep's id (default: generated and printed)")
    .option("--no-wait", "with --queue: enqueue and exit; collect later with --resume ID");
  addOutputOptions(cmd, "sweep results and phase summary")
    .addHelpText(
      "after",
      [
        "",
        "A walker that does not reach --threshold within the budget is censored: it counts as n* > steps in the",
        "medians and fits, never dropped; a fit with half or more censored walkers at some d says so instead of",
        "giving a number. Writes sweep-spec.json (`--config DIR/sweep-spec.json` runs the same sweep again,",
        "flags overriding it), sweep-state.json (finished tasks, for --resume), sweep.json, sweep.csv (a column",
        "per grid field, d always), overlaps.svg/.png, collapse.svg/.png and hitting-times.svg/.png to --out.",
        "A sweep runs --seeds walkers per grid point: --walkers is refused, as is any flag that defines the sweep",
        "beside --resume.",
        "",
        "--control linear adds the activation linear to the grid (an --activation list that includes linear does the",
        "same): a linear denoiser sees the data only through their covariance, so a direction it also learns is",
        "labelled covariance-mediated in the summary; a direction the calculator says it cannot learn is still run",
        'and reported as "not learned (predicted)". A --threshold above the plateau the exponent calculator predicts',
        "for a measured direction (K = 1) is refused, naming the plateau.",
        "",
        "Activations (--activation), h = w . xt:",
        ...activationHelp(),
        "",
        "Examples:",
        "  mcm sweep --d 64,128,256,512 --seeds 16 --steps '20*d*log(d)' --directions u",
        "  mcm sweep --d 128,256,512 --correlation independent,sign --threshold 0.25 --directions v --steps 100*d",
        "  mcm sweep --backend reduced --d 1024,2048,4096 --correlation uncorrelated --activation relu --control linear \\",
        "    --threshold 0.095 --directions v --steps 100*d      # C2 of the demo beside its linear control",
        "  mcm sweep --backend reduced --d 32,64,128,256 --beta-u 0 --lr-exponent 2 --directions v --steps '400*d^3'",
        "  mcm sweep --resume mcm-output/sweep-2026-11-29T10-00-00Z-42",
      ].join("\n"),
    )
    .action(async (opts: SweepCommandFlags, cmd: Command) => {
      refuseConflicts({ opts, sourceOf: (attr) => cmd.getOptionValueSource(attr) });
      await sweepAction(opts, cmd);
    });
  return cmd;
}

/** A comma list split at its top-level commas: a formula's own commas (expr:max(x, 0)) stay inside. */
export function splitList(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")") depth--;
    else if (text[i] === "," && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

/** Builds the serialisable sweep from flags: comma lists become grid axes, single values the base. */
export function sweepFileFromFlags(opts: SweepCommandFlags): SweepFile {
  const path = typeof opts.config === "string" ? opts.config : undefined;
  // A sweep-spec.json written by an earlier sweep: its values sit below the flags, like a config file's.
  const raw = path ? sweepSpecOrNull(path) : null;
  const spec = path && raw ? flattenSweepSpec(path, raw) : null;
  const file = spec ? spec.fields : path ? readConfigFile(path) : {};
  if (spec) {
    for (const [attr, value] of Object.entries(spec.sweep))
      if (opts[attr] === undefined) opts = { ...opts, [attr]: value };
  }
  const base: Record<string, unknown> = {};
  const grid: Record<string, unknown[]> = {};
  for (const [key, value] of Object.entries(file)) {
    if (key === "seed" || key === "steps" || key === "checkpointEvery") continue;
    if (Array.isArray(value)) grid[key] = value;
    else base[key] = value;
  }
  for (const f of MODEL_FLAGS) {
    const v = opts[f.attr];
    if (v === undefined) continue;
    delete base[f.field];
    delete grid[f.field];
    const values = typeof v === "string" ? splitList(v).map((x) => valueOfText(f, x.trim())) : [v];
    if (values.length > 1) grid[f.field] = values;
    else base[f.field] = values[0];
  }
  if (opts.control !== undefined) {
    if (opts.control !== CONTROL_ACTIVATION) {
      throw new UsageError(`--control: got ${JSON.stringify(opts.control)}, expected "${CONTROL_ACTIVATION}"`);
    }
    addControlAxis(base, grid);
  }
  const { seeds, directions, stopAfterHit } = parseSweepFlags(opts);
  const steps = typeof opts.steps === "string" ? opts.steps : String(file.steps ?? DEFAULT_STEPS);
  parseSteps(steps);
  let seed = drawSeed();
  const seedText = opts.seed ?? file.seed;
  if (seedText !== undefined) {
    const parsed = parseSeed(seedText);
    if (parsed === null)
      throw new UsageError(`--seed: got ${JSON.stringify(seedText)}, expected an integer in [0, 2^64 - 1]`);
    seed = parsed;
  }
  const sweep: SweepFile = {
    base,
    grid,
    seeds,
    steps,
    seed,
    directions: directions.split(",").map((d) => d.trim()) as Direction[],
    stopAfterHit,
  };
  // Validate every point now, so that a bad value fails before any work, naming the flag.
  const points = expandGrid(toSweepSpec(sweep));
  checkThresholds(sweep, points, "--threshold");
  return sweep;
}

/** A threshold above the plateau the calculator predicts for a measured direction measures nothing. */
function checkThresholds(sweep: SweepFile, points: ReturnType<typeof expandGrid>, field: string): void {
  for (const p of points) {
    for (const d of sweep.directions ?? []) {
      const problem = thresholdProblem(p.config, d);
      if (problem) throw new UsageError(`${field}: ${problem}`);
    }
  }
}

/** A sweep read from a file (sweep-spec.json, a state's header), checked as a new sweep is. */
export function checkStoredSweep(raw: unknown): SweepFile {
  const s = raw as SweepFile;
  if (s === null || typeof s !== "object" || typeof s.base !== "object" || typeof s.grid !== "object") {
    throw new Error("expected an object with base and grid");
  }
  if (parseSeed(s.seed) === null)
    throw new Error(`seed: got ${JSON.stringify(s.seed)}, expected an integer in [0, 2^64 - 1]`);
  if (!Number.isSafeInteger(s.seeds) || s.seeds < 1)
    throw new Error(`seeds: got ${JSON.stringify(s.seeds)}, expected a whole number >= 1`);
  parseSteps(String(s.steps));
  checkThresholds(s, expandGrid(toSweepSpec(s)), "threshold");
  return s;
}

/** Fields a sweep spec may carry besides the sweep itself: ignored on reading. */
const SPEC_META = new Set(["preset"]);
const SPEC_KEYS = ["base", "grid", "seeds", "steps", "seed", "directions", "stopAfterHit"];

/** A --config file that is a sweep's spec (sweep-spec.json: its schema says so, or it has base and grid), or
 * null for anything else (a config file, or a file readConfigFile will refuse with its own message). */
function sweepSpecOrNull(path: string): Record<string, unknown> | null {
  let record: unknown;
  try {
    record = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return null;
  }
  const object = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === "object" && !Array.isArray(x);
  if (!object(record)) return null;
  const kind = typeof record.schema === "string" && record.schema.startsWith(`${SWEEP_SCHEMAS.spec.split("/")[0]}/`);
  return kind || (object(record.base) && object(record.grid)) ? record : null;
}

/** A sweep spec as config fields (grid fields as lists, seed and steps beside them) and sweep-only flags. */
function flattenSweepSpec(
  path: string,
  record: Record<string, unknown>,
): { fields: Record<string, unknown>; sweep: Record<string, string> } {
  // The header (tool, version, build, schema) checked and removed: another kind of file or a newer format is refused.
  record = unstamp(`--config: ${path}`, record, SWEEP_SCHEMAS.spec);
  const extra = Object.keys(record).filter((k) => !SPEC_KEYS.includes(k) && !SPEC_META.has(k));
  if (extra.length > 0) {
    throw new UsageError(
      `--config: ${path}: unknown field ${extra[0]} in a sweep spec (accepted: ${SPEC_KEYS.join(", ")})`,
    );
  }
  const fields: Record<string, unknown> = { ...(record.base as Record<string, unknown>) };
  for (const [key, values] of Object.entries(record.grid as Record<string, unknown>)) {
    if (!Array.isArray(values)) throw new UsageError(`--config: ${path}: grid.${key}: expected a list of values`);
    fields[key] = values;
  }
  if (record.seed !== undefined) fields.seed = record.seed;
  if (record.steps !== undefined) fields.steps = record.steps;
  const sweep: Record<string, string> = {};
  if (record.seeds !== undefined) sweep.seeds = String(record.seeds);
  if (Array.isArray(record.directions)) sweep.directions = record.directions.join(",");
  if (record.stopAfterHit !== undefined) sweep.stopAfterHit = String(record.stopAfterHit);
  return { fields, sweep };
}

/** The flags that only mean something with --queue refused without it, --threads and --chunk validated. */
function checkRunFlags(opts: SweepCommandFlags): Pick<SweepFlags, "threads" | "chunk"> {
  if (typeof opts.queue !== "string") {
    const queueOnly = [
      ["--chunk", opts.chunk !== undefined],
      ["--sweep-id", opts.sweepId !== undefined],
      ["--no-wait", opts.wait === false],
    ] as const;
    for (const [flag, given] of queueOnly) {
      if (given) throw new UsageError(`${flag}: only with --queue URL (a local sweep has no job queue)`);
    }
  }
  const { threads, chunk } = parseSweepFlags({ threads: opts.threads, chunk: opts.chunk });
  return { threads, chunk };
}

async function sweepAction(opts: SweepCommandFlags, cmd: Command): Promise<void> {
  const { threads } = checkRunFlags(opts);
  if (typeof opts.queue === "string") return queueSweepAction(opts, opts.queue);
  let sweep: SweepFile;
  let dir: RunDir;
  if (typeof opts.resume === "string") {
    refuseResumeFlags(cmd, ["resume", "threads", "json", "quiet"], opts.resume);
    dir = RunDir.open(SWEEP_DIR, "--resume", opts.resume);
    const specPath = dir.path(SWEEP_FILES.spec);
    try {
      if (!existsSync(specPath) || statSync(specPath).isDirectory())
        throw new UsageError(`--resume: ${specPath} not found (is ${dir.dir} a sweep directory?)`);
      sweep = checkOptions(specPath, readSweepSpec(specPath), checkStoredSweep);
    } catch (e) {
      dir.release();
      throw e;
    }
  } else {
    sweep = sweepFileFromFlags(opts);
    const outText = typeof opts.out === "string" ? opts.out : join("mcm-output", `sweep-${utcStamp()}-${sweep.seed}`);
    const outDir = checkOutDir("--out", outText);
    const specPath = join(outDir, SWEEP_FILES.spec);
    // The same sweep in --out continues; another one there is refused (RunDir.create names its files).
    const same = existsSync(specPath) && specHash(readSweepSpec(specPath)) === specHash(sweep);
    dir = same ? RunDir.open(SWEEP_DIR, "--out", outText) : RunDir.create(SWEEP_DIR, "--out", outText, false);
  }
  await dir.around(async () => {
    const finished = readSweepState(dir, sweep, checkStoredSweep);
    // A sweep that fails before its first finished task leaves nothing behind: a stale sweep-spec.json would
    // refuse the corrected sweep and make --resume run the failed one.
    dir.write(SWEEP_FILES.spec, sweepSpecText(sweep));
    await runLocalSweep(sweep, dir, finished, threads, opts);
  });
}

async function runLocalSweep(
  sweep: SweepFile,
  dir: RunDir,
  stored: ReturnType<typeof readSweepState>,
  threads: number | undefined,
  opts: SweepCommandFlags,
): Promise<void> {
  const outDir = dir.dir;
  const finished = stored.tasks;
  const os = await import("node:os");
  const chunk =
    stored.chunk ?? Math.max(1, Math.ceil(sweep.seeds / (2 * Math.max(1, threads ?? os.availableParallelism()))));
  const reporter = createReporter({ quiet: opts.quiet === true });
  if (finished.size > 0) reporter.info(`resuming: ${finished.size} finished tasks found in ${outDir}`);
  reporter.info(`sweep seed ${sweep.seed}; outputs in ${outDir}`);

  const tasks: Record<string, TaskResult> = Object.fromEntries(finished);
  const saveState = () => saveSweepState(dir, sweep, tasks, chunk);
  let writing = false;
  const stop = catchStopSignals(() =>
    writing
      ? `the outputs being written are incomplete: \`mcm resume ${outDir}\` writes them again`
      : `the tasks in progress are lost (${Object.keys(tasks).length} finished tasks are saved)`,
  );
  let bar: ReturnType<typeof reporter.bar> | null = null;
  const t0 = performance.now();
  let result: SweepResult;
  try {
    result = await runSweep(toSweepSpec(sweep), {
      threads,
      chunk,
      finished,
      signal: stop.signal,
      onTask: (key, r) => {
        tasks[key] = r;
        saveState();
      },
      onProgress: (p) => {
        bar ??= reporter.bar("sweep", p.workTotal / 1e6, "Mwork");
        const seconds = (performance.now() - t0) / 1000;
        bar.update(p.work / 1e6, seconds > 0 ? p.work / 1e6 / seconds : 0);
      },
    });
  } catch (e) {
    const caught = stop.caught();
    if (caught !== null) {
      throw new Interrupted(
        caught,
        `sweep interrupted by ${caught}; ${Object.keys(tasks).length} finished tasks saved in ${outDir}\ncontinue with: mcm resume ${outDir} (or mcm sweep --resume ${outDir})`,
      );
    }
    stop.release();
    throw e;
  }
  (bar as ReturnType<typeof reporter.bar> | null)?.done();
  writing = true;
  try {
    await writeSweepOutputs(outDir, result, sweep.steps, opts, reporter);
  } finally {
    stop.release();
  }
  const late = stop.caught();
  if (late) {
    throw new Interrupted(late, `interrupted by ${late} while writing the outputs; they are complete in ${outDir}`);
  }
}

/** sweep.json, sweep.csv, plots, and the printed summary: the same for local and queued sweeps. */
async function writeSweepOutputs(
  outDir: string,
  result: SweepResult,
  steps: string | number,
  opts: SweepCommandFlags,
  reporter: ReturnType<typeof createReporter>,
  extra: Record<string, unknown> = {},
): Promise<void> {
  makeOutDir("--out", outDir);
  const rows = attachControls(phaseRows(result, predictFromTheory, undefined, predictMedianFromLimit), result);
  // A queued sweep's tasks ran on the workers' builds (their hashes are in extra.builds).
  const build = extra.builds === undefined ? localBuild() : null;
  writeFileAtomic(join(outDir, SWEEP_FILES.csv), sweepCsv(result));
  const regimes = groupRegimes(result, rows);
  const { collapseSpec, hittingTimesSpec, overlapCurvesSpec } = await import("../../report/plots.js");
  const { predictedBands, predictedCurves } = await import("../../report/bands.js");
  await reporter.phase(
    "drawing plots",
    () =>
      writePlots(outDir, {
        overlaps: overlapCurvesSpec(regimes, undefined, predictedCurves(regimes)),
        collapse: collapseSpec(regimes),
        "hitting-times": hittingTimesSpec(regimes, undefined, predictedBands(regimes)),
      }),
    (files) => `plots written: ${files.map((f) => f.slice(outDir.length + 1)).join(", ")}`,
  );
  // sweep.json last: the file that says the sweep is finished (a resume writes every output again).
  writeFileAtomic(join(outDir, SWEEP_FILES.json), sweepJson(result, rows, { steps, ...extra }, build));
  if (opts.json) {
    process.stdout.write(sweepJson(result, rows, { steps, ...extra, outDir }, build));
    return;
  }
  process.stdout.write(
    `${formatPoints(result)}\n\nPhase-transition summary\n${rows.length > 0 ? formatPhaseTable(rows) : noFitReason(result)}\n\noutputs: ${outDir}\n`,
  );
}

/** `mcm sweep --queue URL`: submit (or --resume ID) and wait for workers; outputs as for a local sweep. */
async function queueSweepAction(opts: SweepCommandFlags, url: string): Promise<void> {
  if (typeof opts.out === "string") checkOutDir("--out", opts.out);
  const q = await importOptional("--queue", QUEUE_PACKAGES, () => import("../../queue/index.js"));
  const reporter = createReporter({ quiet: opts.quiet === true });
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let bar: ReturnType<typeof reporter.bar> | null = null;
  const t0 = performance.now();
  let warnedNoWorkers = false;
  const waitOptions = {
    url,
    signal: controller.signal,
    onConnection: (e: { state: "lost" | "back"; message: string }) =>
      reporter.info(
        e.state === "lost"
          ? `lost the connection: ${e.message}; waiting for Redis to come back (jobs and results stay in Redis; Ctrl-C stops waiting)`
          : e.message,
      ),
    onSubmitted: (info: { sweepId: string; total: number; enqueued: number; done: number }) =>
      reporter.info(
        `sweep id ${info.sweepId}: ${info.total} jobs (${info.enqueued} enqueued, ${info.done} already done) at ${q.redact(url)}\ncollect later with: mcm sweep --queue URL --resume ${info.sweepId}`,
      ),
    onProgress: (p: QueueProgress) => {
      if (p.workers === 0 && !warnedNoWorkers) {
        reporter.info("no worker is connected to the queue yet: start `mcm worker --queue URL` somewhere");
        warnedNoWorkers = true;
      }
      bar ??= reporter.bar("sweep", p.workTotal / 1e6, "Mwork");
      const seconds = (performance.now() - t0) / 1000;
      bar.update(p.work / 1e6, seconds > 0 ? p.work / 1e6 / seconds : 0);
    },
  };
  let res: Awaited<ReturnType<typeof q.submitSweep>>;
  let stepsText: string | number;
  try {
    if (typeof opts.resume === "string") {
      res = await q.resumeSweep(opts.resume, waitOptions);
      stepsText = "stored";
    } else {
      const sweep = sweepFileFromFlags(opts);
      stepsText = sweep.steps;
      const { chunk } = checkRunFlags(opts);
      const { steps, ...rest } = toSweepSpec(sweep);
      void steps;
      res = await q.submitSweep(
        { ...rest, steps: sweep.steps },
        {
          ...waitOptions,
          sweepId: typeof opts.sweepId === "string" ? opts.sweepId : undefined,
          chunk,
          wait: opts.wait !== false,
          stepsFor: (expression, config) => parseSteps(expression).at(config.d),
        },
      );
    }
  } catch (e) {
    if (e instanceof q.SweepDetachedError) {
      throw new Interrupted("SIGINT", e.message);
    }
    throw e;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  (bar as ReturnType<typeof reporter.bar> | null)?.done();
  if (res.result === null) {
    reporter.info(`sweep ${res.sweepId} enqueued; collect it with: mcm sweep --queue URL --resume ${res.sweepId}`);
    if (opts.json)
      process.stdout.write(`${JSON.stringify(stamp("mcm.sweep-enqueued/1", null, { sweepId: res.sweepId }))}\n`);
    return;
  }
  if (Object.keys(res.builds).length > 1) {
    reporter.info(
      `warning: results came from ${Object.keys(res.builds).length} different kernel builds: ${JSON.stringify(res.builds)}`,
    );
  }
  const outDir = resolve(typeof opts.out === "string" ? opts.out : join("mcm-output", `sweep-${res.sweepId}`));
  await writeSweepOutputs(outDir, res.result, stepsText, opts, reporter, { sweepId: res.sweepId, builds: res.builds });
}
