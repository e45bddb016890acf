/**
 * `mcm generate`: sample from the oracle denoiser and from a family of trained denoisers (one run per
 * noise level) after n samples per level, and compare the generated samples' statistics along u and v
 * with the data law's (docs/model.md section 11). Writes generate.json, stats.svg/.png and histograms.svg/.png;
 * state.json holds the progress that --resume continues.
 */
import { type Command, Option } from "commander";
import { z } from "zod";
import { ConfigError } from "../../config/errors.js";
import { int, parseSeed, resolveConfig } from "../../config/schema.js";
import { type KernelFlavour, loadKernels } from "../../engine/kernels.js";
import { repellingWarning } from "../../generate/attraction.js";
import {
  GENERATE_CONFIG_DEFAULTS,
  type GeneratePlan,
  type GenerateResult,
  type GenerateState,
  runGenerate,
  validatePlan,
} from "../../generate/experiment.js";
import { snapshotSteps } from "../../generate/family.js";
import { parseLevels, STAT_NAMES } from "../../generate/law.js";
import type { FamilyInterval } from "../../generate/reach.js";
import { SAMPLERS, type SamplerName } from "../../generate/sampler.js";
import { checkHeader } from "../../io/envelope.js";
import { stamp, unstamp } from "../../io/stamp.js";
import { generateHistogramSpec, generateStatsSpec } from "../../report/generate-plots.js";
import { renderSvg } from "../../report/plots.js";
import { checkOptions, header, readEnvelope, readJsonFile, sameOptions, writeEnvelope } from "../envelopes.js";
import { Interrupted, UsageError } from "../errors.js";
import {
  addFlagOptions,
  addModelOptions,
  addOutputOptions,
  addSchemaOptions,
  helpAfter,
  MODEL_FLAGS,
  parseFlags,
  RUN_FLAGS,
  readConfigFile,
  resolveRunOptions,
} from "../options.js";
import { writeDirPlots } from "../outputs.js";
import { createReporter } from "../progress.js";
import { RunDir, type RunDirSpec, refuseResumeFlags } from "../rundir.js";
import { catchStopSignals } from "../signals.js";
import { defaultOutDir } from "./run.js";

export const GENERATE_FILES = {
  plan: "generate-plan.json",
  result: "generate.json",
  state: "state.json",
  stats: "stats.svg",
  statsPng: "stats.png",
  histograms: "histograms.svg",
  histogramsPng: "histograms.png",
} as const;
/** generate's directory (src/cli/rundir.ts): state.json is its checkpoint; other content is refused. */
const GENERATE_DIR: RunDirSpec = {
  command: "generate",
  files: Object.values(GENERATE_FILES),
  checkpoint: GENERATE_FILES.state,
  checkpointOnly: true,
  strict: true,
};

/** Schema of generate.json (docs/outputs.md); state.json is a checkpoint envelope (docs/reliability.md). */
const GENERATE_SCHEMAS = { result: "mcm.generate/1", plan: "mcm.generate-plan/1" } as const;

/** GENERATE_CONFIG_DEFAULTS as the flag values commander would hand over (flag attribute -> text). */
const GENERATE_DEFAULTS: Record<string, string | boolean> = Object.fromEntries(
  Object.entries(GENERATE_CONFIG_DEFAULTS).map(([field, v]) => [
    MODEL_FLAGS.find((f) => f.field === field)?.attr as string,
    typeof v === "boolean" ? v : String(v),
  ]),
);

/** generate's own flags beside the model's and the run's, their help and validation. */
export const generateSchema = z
  .object({
    samples: int(2, 10_000_000)
      .default(4000)
      .meta({ flag: "--samples", placeholder: "n", help: "generated samples per snapshot" }),
    snapshots: int(1, 100)
      .default(10)
      .meta({ flag: "--snapshots", placeholder: "n", help: "log-spaced snapshots of n from steps/1000 to steps" }),
  })
  .strict();

/** The plan from the flags (generate's defaults below the file and the flags). */
function planFromFlags(opts: Record<string, unknown>): GeneratePlan {
  const file = typeof opts.config === "string" ? readConfigFile(opts.config) : {};
  const withDefaults: Record<string, unknown> = { ...opts };
  for (const [attr, value] of Object.entries(GENERATE_DEFAULTS)) {
    const field = MODEL_FLAGS.find((f) => f.attr === attr)?.field as string;
    if (withDefaults[attr] === undefined && !(field in file)) withDefaults[attr] = value;
  }
  const run = resolveRunOptions(withDefaults);
  const levels = parseLevels(String(opts.levels ?? "24"), run.config.process);
  const { samples, snapshots: count } = parseFlags(generateSchema, opts);
  return {
    config: run.config,
    seed: run.seed,
    levels,
    sampler: (opts.sampler ?? "heun") as SamplerName,
    samples,
    snapshots: snapshotSteps(run.steps, count),
  };
}

/** A plan read from a file, checked as a new run's: the config by its schema, then seed, levels, sampler,
 * samples and snapshots as the flags are (a ConfigError names the field). */
function resolvePlan(raw: unknown): GeneratePlan {
  const p = (raw ?? {}) as Record<string, unknown>;
  const config = resolveConfig(p.config);
  const seed = parseSeed(p.seed);
  if (seed === null)
    throw new ConfigError("seed", `got ${JSON.stringify(p.seed)}, expected an integer in [0, 2^64 - 1]`);
  if (!Array.isArray(p.levels) || !p.levels.every((t) => typeof t === "number")) {
    throw new ConfigError("levels", `got ${JSON.stringify(p.levels)}, expected a list of t`);
  }
  const levels = parseLevels(p.levels.join(","), config.process, "levels");
  if (!SAMPLERS.includes(p.sampler as SamplerName)) {
    throw new ConfigError("sampler", `got ${JSON.stringify(p.sampler)}, expected one of ${SAMPLERS.join(", ")}`);
  }
  const snapshots = p.snapshots;
  const ok =
    Array.isArray(snapshots) &&
    snapshots.length >= 1 &&
    snapshots.length <= 100 &&
    snapshots.every((n, i) => Number.isSafeInteger(n) && n >= 1 && (i === 0 || n > snapshots[i - 1]));
  if (!ok) {
    throw new ConfigError("snapshots", `got ${JSON.stringify(snapshots)}, expected 1 to 100 increasing step counts`);
  }
  const plan: GeneratePlan = {
    config,
    seed,
    levels,
    sampler: p.sampler as SamplerName,
    samples: p.samples as number,
    snapshots: snapshots as number[],
  };
  validatePlan(plan);
  return plan;
}

function fmt(x: number, se: number | null): string {
  return se === null ? x.toFixed(3) : `${x.toFixed(3)} ± ${se.toFixed(3)}`;
}

function printTable(result: GenerateResult): void {
  const { d } = result.config;
  const head = ["", ...STAT_NAMES].map((s) => s.padEnd(16)).join("");
  const lines = [
    `sampler ${result.sampler}, ${result.grid.length - 1} levels, ${result.samples} samples; statistic ± SE`,
    head,
    ["data", ...STAT_NAMES.map((k) => result.data[k].toFixed(3))].map((s) => s.padEnd(16)).join(""),
    ["oracle", ...STAT_NAMES.map((k) => fmt(result.oracle[k], result.oracle.se[k]))].map((s) => s.padEnd(16)).join(""),
    ...(result.controls
      ? [
          [
            "wiener",
            ...STAT_NAMES.map((k) => fmt(result.controls?.wiener[k] ?? 0, result.controls?.wiener.se[k] ?? null)),
          ]
            .map((s) => s.padEnd(16))
            .join(""),
          [
            "unit at u",
            ...STAT_NAMES.map((k) => fmt(result.controls?.unitAtU[k] ?? 0, result.controls?.unitAtU.se[k] ?? null)),
          ]
            .map((s) => s.padEnd(16))
            .join(""),
        ]
      : []),
    ...result.snapshots.map((s) =>
      [`n/d=${s.nOverD.toPrecision(3)}`, ...STAT_NAMES.map((k) => fmt(s[k], s.se[k]))]
        .map((x) => x.padEnd(16))
        .join(""),
    ),
  ];
  const span = (x: FamilyInterval | null) => {
    if (x === null) return "-";
    if (x.median === null) return `not (${x.censored}/${x.perFamily.length})`;
    const hi = x.hi === null ? "censored" : (x.hi / d).toPrecision(3);
    return `${(x.median / d).toPrecision(3)} [${x.lo === null ? "?" : (x.lo / d).toPrecision(3)}, ${hi}]`;
  };
  lines.push(
    "n/d at which each statistic covers a fraction f of the way to the oracle (median over families [95 % CI]; not: censored/families never got there; -: nothing to learn):",
  );
  for (const row of result.reach) {
    lines.push([`f=${row.fraction}`, ...STAT_NAMES.map((k) => span(row.stats[k]))].map((s) => s.padEnd(22)).join(""));
  }
  lines.push(
    `median over levels of the overlaps' hitting n/d: |w.u| ${span(result.hitMedian.u)}, |w.v| ${span(result.hitMedian.v)}`,
  );
  process.stdout.write(`${lines.join("\n")}\n`);
}

export function registerGenerate(program: Command): Command {
  const cmd = program
    .command("generate")
    .description(
      "Train one denoiser per noise level (the engine, same config except t), sample from the family by the reverse process after n samples per level, and compare the samples' statistics along u and v with the data law and with the oracle (Bayes-optimal) denoiser on the same grid.",
    );
  addModelOptions(cmd);
  addFlagOptions(
    cmd,
    RUN_FLAGS.filter((f) => f.field === "seed"),
    { seed: "drawn at random and recorded" },
  );
  cmd
    .option("--steps <expr>", "training samples n per level (the last snapshot), a number or an expression in d")
    .option(
      "--levels <list>",
      "noise levels: a count (spaced evenly in atan(sigma/alpha), sigma/alpha from e^4 to 0.01) or a comma-separated list of t (default: 24)",
    )
    .addOption(
      new Option(
        "--sampler <name>",
        "reverse process: heun (deterministic, second order, two denoiser calls per step; the default), ddim (deterministic, first order) or ddpm (ancestral)",
      ).choices(SAMPLERS),
    );
  addSchemaOptions(cmd, generateSchema)
    .option("--out <dir>", "output directory (default: ./mcm-output/<UTC timestamp>-<seed>)")
    .option("--force", "replace the outputs of an earlier generate run in --out")
    .option("--resume", "continue the run in --out (what it generated is kept)")
    .addOption(new Option("--kernel <flavour>", "WASM build").choices(["auto", "simd", "scalar"]));
  addOutputOptions(cmd, "generate.json without histograms")
    .addHelpText(
      "after",
      helpAfter(
        [
          [
            "Defaults differ from `mcm run` where a family needs it: --units 2 --train-skip --train-amplitude --walkers 1 --lr 0.1",
            "(each walker is one family; their samples are pooled). --t is ignored: --levels sets the t of each level.",
            "Writes to --out DIR: generate.json (data, oracle, snapshots with statistics and SEs, levels with hitting",
            "times), stats.svg/.png, histograms.svg/.png, generate-plan.json (the plan: config, seed, levels, sampler, samples,",
            "snapshots) and state.json (progress, a checksummed checkpoint; `mcm resume DIR` continues from it).",
            "A level whose training diverges stops the run (exit 1) naming the level; what was done is kept.",
          ],
        ],
        ["mcm generate --d 64 --lr 0.1 --steps '400*d*log(d)' --levels 24 --seed 1 --out runs/gen"],
      ),
    )
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      await generateAction(opts, cmd);
    });
  return cmd;
}

async function generateAction(opts: Record<string, unknown>, cmd: Command): Promise<void> {
  if (opts.resume === true) {
    if (typeof opts.out !== "string") throw new UsageError("--resume: needs --out DIR, the run to continue");
    refuseResumeFlags(cmd, ["resume", "out", "json", "quiet"], opts.out);
    const dir = RunDir.open(GENERATE_DIR, "--out", opts.out);
    await dir.around(async () => {
      if (!dir.has(GENERATE_FILES.state)) {
        throw new UsageError(
          `--resume: ${dir.dir} holds no ${GENERATE_FILES.state} to continue (a run stopped before its first checkpoint is started again with the same command)`,
        );
      }
      const file = dir.path(GENERATE_FILES.state);
      const { header: head, options: plan, payload } = readEnvelope(dir, GENERATE_FILES.state, "generate", resolvePlan);
      const state = JSON.parse(new TextDecoder().decode(payload)) as GenerateState;
      const build = head.build;
      const flavour = build?.flavour === "simd" || build?.flavour === "scalar" ? build.flavour : undefined;
      const kernels = await loadKernels(undefined, { flavour });
      checkHeader(file, head, { build: { flavour: kernels.flavour, hash: kernels.buildHash } });
      sameOptions(file, plan, `its progress`, state.plan);
      if (dir.has(GENERATE_FILES.plan)) {
        // The plan recorded beside it must be this run's: a state.json of another run is refused.
        const path = dir.path(GENERATE_FILES.plan);
        sameOptions(
          file,
          plan,
          path,
          checkOptions(path, unstamp(path, readJsonFile(path), GENERATE_SCHEMAS.plan), resolvePlan),
        );
      }
      await generate(dir, state, kernels, opts);
    });
    return;
  }
  const plan = planFromFlags(opts);
  const dir = RunDir.create(
    GENERATE_DIR,
    "--out",
    typeof opts.out === "string" ? opts.out : defaultOutDir(plan.seed),
    opts.force === true,
  );
  await dir.around(async () => {
    const warning = repellingWarning(plan.config, plan.levels);
    if (warning) process.stderr.write(`mcm: ${warning}\n`);
    const flavour = opts.kernel === "simd" || opts.kernel === "scalar" ? (opts.kernel as KernelFlavour) : undefined;
    const kernels = await loadKernels(undefined, { flavour });
    dir.write(GENERATE_FILES.plan, `${JSON.stringify(stamp(GENERATE_SCHEMAS.plan, null, plan), null, 2)}\n`);
    await generate(dir, { plan, levels: [], snapshots: [] }, kernels, opts);
  });
}

async function generate(
  dir: RunDir,
  state: GenerateState,
  kernels: Awaited<ReturnType<typeof loadKernels>>,
  opts: Record<string, unknown>,
): Promise<void> {
  const reporter = createReporter({ quiet: opts.quiet === true });
  const { plan } = state;
  const build = { flavour: kernels.flavour, hash: kernels.buildHash };
  // The first save is the first checkpoint (the oracle's statistics): a run refused or failed before it
  // leaves nothing, a run killed before it has nothing to resume.
  const save = (s: GenerateState) =>
    writeEnvelope(dir, GENERATE_FILES.state, "generate", header(plan, plan.seed, build), JSON.stringify(s));
  let writing = false;
  const stop = catchStopSignals(() =>
    writing
      ? `the outputs being written are incomplete: \`mcm resume ${dir.dir}\` writes them again`
      : "the unit of work in progress is lost (what state.json holds is kept)",
  );
  try {
    let result: GenerateResult;
    try {
      result = await runGenerate(state, { kernels, save, onStep: (t) => reporter.info(t), signal: stop.signal });
    } catch (e) {
      const caught = stop.caught();
      if (caught) {
        throw new Interrupted(
          caught,
          dir.has(GENERATE_FILES.state)
            ? `interrupted; continue with \`mcm resume ${dir.dir}\` (or mcm generate --resume --out ${dir.dir})`
            : "interrupted before the first checkpoint: nothing to resume; run the same command again",
        );
      }
      throw e;
    }
    writing = true;
    // generate.json last: it marks the run as finished; the plots before it are rebuilt by a resume.
    // Each figure as SVG and PNG (the PNG in the bundled font: the same pixels on any machine).
    await writeDirPlots(dir, {
      stats: await renderSvg(generateStatsSpec(result)),
      histograms: await renderSvg(generateHistogramSpec(result)),
    });
    dir.write(
      GENERATE_FILES.result,
      `${JSON.stringify(stamp(GENERATE_SCHEMAS.result, kernels.flavour, result), null, 1)}\n`,
    );
    const late = stop.caught();
    if (late) {
      throw new Interrupted(late, `interrupted by ${late} while writing the outputs; they are complete in ${dir.dir}`);
    }
    if (opts.json === true) {
      const strip = <T extends { histogram: unknown }>({ histogram: _, ...rest }: T) => rest;
      const doc = { ...result, oracle: strip(result.oracle), snapshots: result.snapshots.map(strip) };
      process.stdout.write(`${JSON.stringify(stamp(GENERATE_SCHEMAS.result, kernels.flavour, doc))}\n`);
    } else {
      printTable(result);
      reporter.info(`wrote ${dir.dir}`);
    }
  } finally {
    stop.release();
  }
}
