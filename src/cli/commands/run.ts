/**
 * `mcm run`: parse the model flags, validate them with the config schema, then run the engine and write
 * config.json, series.csv, summary.json and checkpoint.npz to --out.
 */
import { join } from "node:path";
import { type Command, Option } from "commander";
import { activationTableRecord } from "../../config/model.js";
import { DEFAULT_STEPS } from "../../config/steps.js";
import type { KernelFlavour } from "../../engine/kernels.js";
import { packageVersion } from "../../io/stamp.js";
import {
  addFlagOptions,
  addModelOptions,
  addOutputOptions,
  DEFAULT_CHECKPOINT_EVERY,
  type ModelFlagValues,
  RUN_FLAGS,
  type RunFlags,
  resolveRunOptions,
} from "../options.js";
import { utcStamp } from "../paths.js";
import { createReporter } from "../progress.js";
import { checkpointEveryText, FILES, RUN_DIR, type RunRecord, runRecordText } from "../run-record.js";
import { RunDir } from "../rundir.js";

/** ./mcm-output/<UTC timestamp>-<seed> */
export function defaultOutDir(seed: string, now = new Date()): string {
  return join("mcm-output", `${utcStamp(now)}-${seed}`);
}

export function registerRun(program: Command): Command {
  const cmd = program
    .command("run")
    .description("Train walkers of the tied denoiser on the mixed cumulant model with online spherical SGD.");
  addModelOptions(cmd);
  addFlagOptions(cmd, RUN_FLAGS, {
    seed: "drawn at random and recorded",
    steps: DEFAULT_STEPS,
    checkpointEvery: DEFAULT_CHECKPOINT_EVERY,
  });
  cmd
    .option("--out <dir>", "output directory (default: ./mcm-output/<UTC timestamp>-<seed>)")
    .option("--force", "replace the outputs of an earlier run in --out")
    .addOption(
      new Option("--kernel <flavour>", "WASM build: auto picks simd where supported").choices([
        "auto",
        "simd",
        "scalar",
      ]),
    );
  addOutputOptions(cmd, "the summary")
    .addHelpText(
      "after",
      [
        "",
        "Writes to --out DIR:",
        "  config.json     the resolved config, seed, steps, package version, WASM build hash, kernel flavour",
        "  series.csv      step, walker, unit, overlap with each direction (u, v; m when --beta-m > 0), a, b,",
        "                  on a log grid of steps (--log-per-decade) plus the last step",
        "  summary.json    per direction: final |overlap| over walkers (median, IQR), fraction of walkers that",
        "                  reached --threshold, median hitting step (and / d, / d ln d, / d^3), hit step per walker",
        "  checkpoint.npz  the full state; numpy reads it with np.load(path, allow_pickle=False)",
        "For K > 1 a walker's overlap is the max over its units, its hitting step the earliest over its units.",
        "stdout gets a human summary (or, with --json, exactly one JSON document); progress goes to stderr.",
        "",
        "The same seed, config and build give bit-identical results. Ctrl-C (SIGINT) or SIGTERM writes a",
        "checkpoint and exits 130 or 143; `mcm resume DIR` then continues exactly where the run stopped.",
        "Flags override --config; a config.json written by an earlier run is a valid --config (it repeats that run).",
        "Exit codes: 0 done, 1 runtime failure, 2 usage error, 130/143 interrupted (checkpoint written).",
        "",
        "Examples:",
        "  mcm run                                        # the defaults of docs/model.md section 9",
        "  mcm run --d 64 --walkers 16 --seed 1 --steps '100*d' --out runs/a",
        "  mcm run --beta-u 0 --lr-exponent 2 --steps '30*d^3' --d 32 --checkpoint-every 5m",
        "  mcm resume runs/a --steps '200*d'              # continue a stopped run, or extend a finished one",
      ].join("\n"),
    )
    .action(async (opts: RunFlags & ModelFlagValues) => {
      await runAction(opts);
    });
  return cmd;
}

async function runAction(opts: RunFlags & ModelFlagValues): Promise<void> {
  const plan = resolveRunOptions(opts);
  const outText = typeof opts.out === "string" ? opts.out : defaultOutDir(plan.seed);
  // A run that fails (diverges, cannot load its kernels) leaves nothing behind: a config.json alone would
  // send the user to a resume that fails the same way. A killed run keeps config.json (resume starts it again).
  const dir = RunDir.create(RUN_DIR, "--out", outText, opts.force === true);
  await dir.around(() => startRun(plan, dir, opts));
}

async function startRun(plan: ReturnType<typeof resolveRunOptions>, dir: RunDir, opts: RunFlags): Promise<void> {
  const outDir = dir.dir;
  // The engine loads only when a run starts (not for `mcm run --help`).
  const [{ loadKernels }, { createSimulation }, { runSession }] = await Promise.all([
    import("../../engine/kernels.js"),
    import("../../engine/simulation.js"),
    import("../session.js"),
  ]);
  const reporter = createReporter({ quiet: opts.quiet === true });
  if (plan.seedDrawn) reporter.info(`seed ${plan.seed} (drawn; pass --seed ${plan.seed} to repeat this run)`);

  const flavour: KernelFlavour | undefined = opts.kernel === "auto" ? undefined : opts.kernel;
  const kernels = await reporter.phase(
    "compiling WASM kernels",
    () => loadKernels(undefined, { flavour }),
    (k, s) => `compiled ${k.flavour} kernels (build ${k.buildHash}) in ${s.toFixed(2)}s`,
  );
  // config.json before the walkers start: a kill from here on can be resumed, and nothing slow (an fsync)
  // stands between "initialised" and the signal handlers of the session.
  // The kernel instance first: a formula activation's table is built here, and a refused formula stops the run
  // before anything is written.
  const sim = await createSimulation(plan.config, { kernels });
  const record: RunRecord = {
    config: plan.config,
    seed: plan.seed,
    steps: plan.steps,
    stepsExpression: plan.stepsExpression,
    checkpointEvery: checkpointEveryText(plan.checkpointEvery),
    version: packageVersion(),
    buildHash: kernels.buildHash,
    kernel: kernels.flavour,
    createdAt: new Date().toISOString(),
    ...(sim.model.table ? { activationTable: activationTableRecord(sim.model.table) } : {}),
  };
  dir.write(FILES.config, runRecordText(record));
  await reporter.phase(
    "initialising walkers",
    async () => {
      sim.init(plan.seed);
      return sim;
    },
    () => `initialised ${plan.config.walkers} walkers, d = ${plan.config.d}, K = ${plan.config.K}, seed ${plan.seed}`,
  );
  await runSession({
    sim,
    dir,
    outDir,
    steps: plan.steps,
    stepsExpression: plan.stepsExpression,
    checkpointEvery: plan.checkpointEvery,
    reporter,
    json: opts.json === true,
  });
}
