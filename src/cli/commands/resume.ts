/**
 * `mcm resume DIR`: continue a stopped run from DIR/checkpoint.npz, bit-identically to a run that was
 * never stopped, or extend a finished run with a larger --steps.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { inflateRawSync } from "node:zlib";
import type { Command } from "commander";
import { ConfigError } from "../../config/errors.js";
import {
  CHECKPOINT_EVERY_TEXT,
  type CheckpointEvery,
  type Config,
  parseCheckpointEvery,
  parseSeed,
  resolveConfig,
  SEED_TEXT,
} from "../../config/schema.js";
import { parseSteps } from "../../config/steps.js";
import { CheckpointError, checkpointFromArrays } from "../../engine/checkpoint.js";
import { type KernelFlavour, loadKernels } from "../../engine/kernels.js";
import { decodeNpz, NpzError } from "../../engine/npz.js";
import { createSimulation } from "../../engine/simulation.js";
import { verifyZip } from "../../io/envelope.js";
import { unstamp } from "../../io/stamp.js";
import { summarize } from "../../report/summary.js";
import { UsageError } from "../errors.js";
import type { RunFlags } from "../options.js";

/** The parsed flags of `mcm resume`. */
type ResumeFlags = Pick<RunFlags, "steps" | "checkpointEvery" | "json" | "quiet"> & { threads?: string };

import { createReporter, type Reporter } from "../progress.js";
import { checkpointEveryText, FILES, RUN_DIR, RUN_SCHEMAS, type RunRecord, runRecordText } from "../run-record.js";
import { RunDir } from "../rundir.js";
import { printSummary, repairOutputs, runSession } from "../session.js";
import { SWEEP_FILES } from "../sweep-store.js";
import { GENERATE_FILES } from "./generate.js";

/**
 * The other kinds of run `mcm resume DIR` continues, told apart by the files in DIR: the command line of
 * their own resume (the per-command forms stay as aliases) and the resume flags each accepts.
 */
const KINDS: { command: string; marks: string[]; argv: (dir: string) => string[]; accepts: string[] }[] = [
  { command: "sweep", marks: ["sweep-spec.json"], argv: (d) => ["sweep", "--resume", d], accepts: ["threads"] },
  {
    command: "generate",
    marks: ["state.json", "generate.json", "generate-plan.json"],
    argv: (d) => ["generate", "--resume", "--out", d],
    accepts: [],
  },
  {
    command: "images",
    marks: ["images-checkpoint.bin", "images-options.json"],
    argv: (d) => ["images", "--resume", d],
    accepts: ["checkpointEvery"],
  },
  {
    command: "diffusion",
    marks: ["diffusion-checkpoint.bin", "diffusion-options.json"],
    argv: (d) => ["diffusion", "--resume", d],
    accepts: ["threads", "checkpointEvery"],
  },
];
const FLAG_OF: Record<string, string> = {
  steps: "--steps",
  threads: "--threads",
  checkpointEvery: "--checkpoint-every",
};

export function registerResume(program: Command): Command {
  return program
    .command("resume")
    .description(
      "Continue the run in DIR (of `mcm run`, `sweep`, `generate`, `images` or `diffusion`) from its checkpoint, bit-identically to a run never stopped.",
    )
    .argument("<dir>", "the run directory (the --out of the command that made it)")
    .option("--steps <expr>", "`mcm run` only: new total step count (a number or an expression in d)")
    .option("--checkpoint-every <when>", "checkpoint period (run, images, diffusion; default: the run's own)")
    .option("--threads <n>", "sweep and diffusion: worker threads (the results do not depend on it)")
    .option("--json", "print exactly one JSON document (the summary) on stdout")
    .option("-q, --quiet", "no progress output on stderr")
    .addHelpText(
      "after",
      [
        "",
        "DIR/checkpoint.npz is written periodically (--checkpoint-every), on Ctrl-C or SIGTERM, and at the end.",
        "It must come from the same WASM build and match DIR/config.json's seed and config; anything else is",
        "refused with what differs (expected vs found, field by field). A run killed before its first checkpoint",
        "starts again from step 0 with config.json's seed and config; a missing config.json is rewritten from",
        "the checkpoint. --steps beyond the run's own count extends a finished run; a finished run without",
        "--steps just prints its summary again. Outputs are rewritten in DIR. See docs/reliability.md.",
        "A directory of `mcm sweep`, `generate`, `images` or `diffusion` is continued by that command's own",
        "resume; a flag that kind of run does not accept is refused, naming it.",
      ].join("\n"),
    )
    .action(async (dir: string, opts: ResumeFlags, cmd: Command) => {
      const kind = typeof dir === "string" && dir.trim() !== "" ? kindOf(dir) : undefined;
      if (kind) {
        const refused = Object.keys(FLAG_OF).filter(
          (k) => opts[k as keyof ResumeFlags] !== undefined && !kind.accepts.includes(k),
        );
        if (refused.length > 0) {
          throw new UsageError(
            `${refused.map((k) => FLAG_OF[k]).join(", ")}: not accepted when resuming a ${kind.command} run (${dir}); it accepts ${["--json", "-q", ...kind.accepts.map((k) => FLAG_OF[k])].join(", ")}`,
          );
        }
        const extra = kind.accepts.flatMap((k) => {
          const v = opts[k as keyof ResumeFlags];
          return typeof v === "string" ? [FLAG_OF[k], v] : [];
        });
        if (opts.json) extra.push("--json");
        if (opts.quiet) extra.push("-q");
        await (cmd.parent as Command).parseAsync([...kind.argv(dir), ...extra], { from: "user" });
        return;
      }
      if (opts.threads !== undefined) {
        throw new UsageError("--threads: not accepted when resuming an `mcm run` (a run uses one thread)");
      }
      await resumeAction(dir, opts);
    });
}

/** The kind of a run directory that is not `mcm run`'s (undefined for a run, or when DIR is not a directory). */
function kindOf(dir: string): (typeof KINDS)[number] | undefined {
  try {
    if (!statSync(dir).isDirectory()) return undefined;
  } catch {
    return undefined;
  }
  if (existsSync(join(dir, FILES.checkpoint)) || existsSync(join(dir, FILES.config))) return undefined;
  return KINDS.find((k) => k.marks.some((f) => existsSync(join(dir, f))));
}

function readRecord(path: string): RunRecord | null {
  if (!existsSync(path)) return null;
  if (statSync(path).isDirectory())
    throw new UsageError(`resume: ${path} is a directory, expected the run's config.json`);
  let record: RunRecord;
  try {
    record = JSON.parse(readFileSync(path, "utf8")) as RunRecord;
  } catch (e) {
    throw new CheckpointError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return unstamp(path, record, RUN_SCHEMAS.config, true);
}

/** The record's config and seed, validated (a hand-edited config.json is refused naming the field). */
function recordIdentity(record: RunRecord, recordPath: string): { config: Config; seed: string } {
  let config: Config;
  try {
    config = resolveConfig(record.config);
  } catch (e) {
    if (e instanceof ConfigError) throw new CheckpointError(`${recordPath}: ${e.message}`);
    throw e;
  }
  const seed = parseSeed(record.seed);
  if (seed === null) {
    throw new CheckpointError(`${recordPath}: seed: got ${JSON.stringify(record.seed)}, expected ${SEED_TEXT}`);
  }
  return { config, seed };
}

/** The step count and checkpoint period of a resumed run: the run's own unless --steps / --checkpoint-every. */
function runLength(
  opts: ResumeFlags,
  run: { d: number; steps: number; stepsExpression: string; checkpointEvery?: string; atLeast: number },
): { steps: number; stepsExpression: string; checkpointEvery: CheckpointEvery } {
  let steps = run.steps;
  let stepsExpression = run.stepsExpression;
  if (typeof opts.steps === "string") {
    steps = parseSteps(opts.steps).at(run.d);
    stepsExpression = opts.steps;
    if (steps < run.atLeast) {
      throw new UsageError(
        `--steps: got ${opts.steps} = ${steps} steps, expected at least ${run.atLeast} (the checkpoint's step)`,
      );
    }
  }
  let checkpointEvery: CheckpointEvery =
    parseCheckpointEvery(run.checkpointEvery ?? "30s") ?? (parseCheckpointEvery("30s") as CheckpointEvery);
  if (opts.checkpointEvery !== undefined) {
    const parsed = parseCheckpointEvery(opts.checkpointEvery);
    if (!parsed) {
      throw new UsageError(
        `--checkpoint-every: got ${JSON.stringify(opts.checkpointEvery)}, expected ${CHECKPOINT_EVERY_TEXT}`,
      );
    }
    checkpointEvery = parsed;
  }
  return { steps, stepsExpression, checkpointEvery };
}

/** A run killed before its first checkpoint: start it again from config.json (same seed, config, steps). */
async function restartFromRecord(
  rd: RunDir,
  record: RunRecord,
  identity: { config: Config; seed: string },
  opts: ResumeFlags,
  reporter: Reporter,
): Promise<void> {
  let recordSteps: number;
  try {
    recordSteps = parseSteps(String(record.stepsExpression ?? record.steps)).at(identity.config.d);
  } catch (e) {
    throw new CheckpointError(`${rd.path(FILES.config)}: stepsExpression: ${(e as Error).message}`);
  }
  const { steps, stepsExpression, checkpointEvery } = runLength(opts, {
    d: identity.config.d,
    steps: recordSteps,
    stepsExpression: String(record.stepsExpression ?? record.steps),
    checkpointEvery: record.checkpointEvery,
    atLeast: 1,
  });
  const flavour: KernelFlavour | undefined =
    record.kernel === "simd" || record.kernel === "scalar" ? record.kernel : undefined;
  const kernels = await reporter.phase(
    "compiling WASM kernels",
    () => loadKernels(undefined, { flavour }),
    (k, s) => `compiled ${k.flavour} kernels (build ${k.buildHash}) in ${s.toFixed(2)}s`,
  );
  const sim = await createSimulation(identity.config, { kernels });
  sim.init(identity.seed);
  const updated: RunRecord = {
    ...record,
    steps,
    stepsExpression,
    buildHash: kernels.buildHash,
    kernel: kernels.flavour,
  };
  rd.write(FILES.config, runRecordText(updated));
  await runSession({
    sim,
    dir: rd,
    outDir: rd.dir,
    steps,
    stepsExpression,
    checkpointEvery,
    reporter,
    json: opts.json === true,
  });
}

/** The other resumable commands, each known by a file only it writes in its output directory. */
const OTHER_RUNS = [
  [SWEEP_FILES.spec, "mcm sweep"],
  [GENERATE_FILES.state, "mcm generate"],
  ["diffusion-options.json", "mcm diffusion"],
  ["images-options.json", "mcm images"],
] as const;

async function resumeAction(dirArg: string, opts: ResumeFlags): Promise<void> {
  if (dirArg.trim() === "") throw new UsageError(`resume: got "", expected the output directory of \`mcm run\``);
  const dir = resolve(dirArg);
  if (!existsSync(dir)) throw new UsageError(`resume: ${dirArg} does not exist`);
  if (!statSync(dir).isDirectory())
    throw new UsageError(`resume: ${dirArg} is a file, expected the output directory of \`mcm run\``);
  const rd = RunDir.open(RUN_DIR, "resume", dirArg);
  await rd.around(() => continueRun(rd, dirArg, opts));
}

async function continueRun(rd: RunDir, dirArg: string, opts: ResumeFlags): Promise<void> {
  const { dir } = rd;
  const path = rd.path(FILES.checkpoint);
  const hasCheckpoint = existsSync(path);
  if (hasCheckpoint && statSync(path).isDirectory()) {
    throw new UsageError(`resume: ${path} is a directory, expected the checkpoint file`);
  }
  const recordPath = rd.path(FILES.config);
  const record = readRecord(recordPath);
  if (!hasCheckpoint && !record) {
    if (existsSync(join(dir, "dsb-options.json"))) {
      throw new UsageError(
        `resume: ${dirArg} holds dsb-options.json, the runs of \`mcm diffusion --seeds\`: continue them by running the same command again (each seed-N in it is a run \`mcm resume\` continues)`,
      );
    }
    const other = OTHER_RUNS.find(([file]) => existsSync(join(dir, file)));
    if (other) {
      throw new UsageError(
        `resume: ${dirArg} holds ${other[0]}, the output of \`${other[1]}\`, not of \`mcm run\`: continue it with \`${other[1]} --resume ${dirArg}\``,
      );
    }
    throw new UsageError(
      `resume: ${dirArg} has no ${FILES.checkpoint} (expected the output directory of \`mcm run\`; a run stopped before writing config.json is started again with \`mcm run --out ${dirArg}\`)`,
    );
  }
  const reporter = createReporter({ quiet: opts.quiet === true });

  // The record in config.json fixes the config and seed the checkpoint must match.
  const identity = record ? recordIdentity(record, recordPath) : null;
  if (!hasCheckpoint && record && identity) {
    // Killed before its first checkpoint: config.json holds all that is needed to start it again.
    reporter.info(`no ${FILES.checkpoint} yet: starting the run of ${recordPath} again from step 0`);
    return restartFromRecord(rd, record, identity, opts, reporter);
  }
  if (!record) reporter.info(`warning: ${recordPath} is missing; it is rewritten from the checkpoint`);

  const bytes = new Uint8Array(readFileSync(path));
  verifyZip(bytes, path);
  let arrays: ReturnType<typeof decodeNpz>;
  try {
    arrays = decodeNpz(bytes, { name: path, inflateRaw: (b) => new Uint8Array(inflateRawSync(b)) });
  } catch (e) {
    if (e instanceof NpzError) throw new CheckpointError(e.message);
    throw e;
  }
  // Continue with the flavour that wrote the checkpoint; its build hash is checked below.
  const stored = arrays.kernel;
  const flavour: KernelFlavour | undefined =
    stored?.dtype === "<U" && (stored.data === "simd" || stored.data === "scalar") ? stored.data : undefined;
  const kernels = await reporter.phase(
    "compiling WASM kernels",
    () => loadKernels(undefined, { flavour }),
    (k, s) => `compiled ${k.flavour} kernels (build ${k.buildHash}) in ${s.toFixed(2)}s`,
  );
  const { state, meta } = checkpointFromArrays(
    arrays,
    {
      buildHash: kernels.buildHash,
      buildSource: `this build's ${kernels.flavour} kernels`,
      config: identity?.config,
      seed: identity?.seed,
      configSource: recordPath,
    },
    path,
  );

  // config.json is rewritten before a run or an extension starts, the checkpoint only at its next save: an
  // extension (`--steps`) killed before its first new checkpoint is recorded in config.json alone.
  const extended = record !== null && typeof record.steps === "number" && record.steps > meta.stepsTotal;
  const { steps, stepsExpression, checkpointEvery } = runLength(opts, {
    d: meta.config.d,
    steps: extended ? record.steps : meta.stepsTotal,
    stepsExpression: extended ? String(record.stepsExpression ?? record.steps) : meta.stepsExpression,
    checkpointEvery: record?.checkpointEvery,
    atLeast: state.step,
  });

  const sim = await reporter.phase(
    "restoring walkers",
    async () => {
      const sim = await createSimulation(meta.config, { kernels });
      sim.restore(state);
      return sim;
    },
    () => `restored ${meta.config.walkers} walkers at step ${state.step} of ${steps}, seed ${state.seed}`,
  );

  if (!record) {
    const rebuilt: RunRecord = {
      config: meta.config,
      seed: state.seed,
      steps,
      stepsExpression,
      checkpointEvery: checkpointEveryText(checkpointEvery),
      version: meta.packageVersion,
      buildHash: meta.buildHash,
      kernel: meta.kernel,
      createdAt: new Date().toISOString(),
    };
    rd.write(FILES.config, runRecordText(rebuilt));
  } else if (steps !== record.steps || stepsExpression !== record.stepsExpression) {
    rd.write(FILES.config, runRecordText({ ...record, steps, stepsExpression }));
  }
  if (sim.step >= steps) {
    // Nothing left to run: report the finished run again, first restoring any output a kill left missing.
    const summary = summarize({
      config: sim.config,
      seed: sim.seed,
      steps,
      stepsExpression,
      completedSteps: sim.step,
      overlaps: sim.overlaps(),
      hits: sim.hits(),
      seconds: 0,
      stepsDone: 0,
      version: meta.packageVersion,
      buildHash: meta.buildHash,
      kernel: meta.kernel,
      outDir: dir,
    });
    const written = repairOutputs(rd, sim, summary);
    if (written.length > 0) reporter.info(`rewrote ${written.join(", ")} from ${FILES.checkpoint}`);
    printSummary(summary, opts.json === true);
    reporter.info(`the run is already at step ${sim.step}; pass --steps to extend it`);
    return;
  }
  await runSession({
    sim,
    dir: rd,
    outDir: dir,
    steps,
    stepsExpression,
    checkpointEvery,
    reporter,
    json: opts.json === true,
  });
}
