/**
 * `mcm generate`: sample from the oracle denoiser and from a family of trained denoisers (one run per
 * noise level) after n samples per level, and compare the generated samples' statistics along u and v
 * with the data law's (docs/model.md section 11). Writes generate.json, stats.svg/.png and histograms.svg/.png;
 * state.json holds the progress that --resume continues.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Command, Option } from "commander";
import { type KernelFlavour, loadKernels } from "../../engine/kernels.js";
import { repellingWarning } from "../../generate/attraction.js";
import {
  GENERATE_CONFIG_DEFAULTS,
  type GeneratePlan,
  type GenerateResult,
  type GenerateState,
  runGenerate,
} from "../../generate/experiment.js";
import { snapshotSteps } from "../../generate/family.js";
import { parseLevels, STAT_NAMES } from "../../generate/law.js";
import type { FamilyInterval } from "../../generate/reach.js";
import { SAMPLERS, type SamplerName } from "../../generate/sampler.js";
import { writeFileAtomic } from "../../io/atomic.js";
import { stamp, unstamp } from "../../io/stamp.js";
import { generateHistogramSpec, generateStatsSpec } from "../../report/generate-plots.js";
import { Interrupted, UsageError } from "../errors.js";
import {
  addModelOptions,
  addOutputOptions,
  flagValues,
  helpAfter,
  MODEL_FLAGS,
  readConfigFile,
  resolveRunOptions,
} from "../options.js";
import { createReporter } from "../progress.js";
import { readJsonFile } from "../read-json.js";
import { catchStopSignals } from "../signals.js";
import { writePlots } from "../sweep-output.js";
import { defaultOutDir } from "./run.js";

export const GENERATE_FILES = {
  result: "generate.json",
  state: "state.json",
  stats: "stats.svg",
  statsPng: "stats.png",
  histograms: "histograms.svg",
  histogramsPng: "histograms.png",
} as const;
/** Schemas of generate.json and state.json (docs/outputs.md). */
const GENERATE_SCHEMAS = { result: "mcm.generate/1", state: "mcm.generate-state/1" } as const;

/** GENERATE_CONFIG_DEFAULTS as the flag values commander would hand over (flag attribute -> text). */
const GENERATE_DEFAULTS: Record<string, string | boolean> = Object.fromEntries(
  Object.entries(GENERATE_CONFIG_DEFAULTS).map(([field, v]) => [
    MODEL_FLAGS.find((f) => f.field === field)?.attr as string,
    typeof v === "boolean" ? v : String(v),
  ]),
);

function wholeNumber(flag: string, value: unknown, min: number, max: number): number {
  const n = typeof value === "string" && /^[0-9]+(e[0-9]+)?$/i.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag}: got ${JSON.stringify(value)}, expected a whole number in [${min}, ${max}]`);
  }
  return n;
}

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
  const samples = wholeNumber("--samples", opts.samples ?? "4000", 2, 10_000_000);
  const count = wholeNumber("--snapshots", opts.snapshots ?? "10", 1, 100);
  return {
    config: run.config,
    seed: run.seed,
    levels,
    sampler: (opts.sampler ?? "heun") as SamplerName,
    samples,
    snapshots: snapshotSteps(run.steps, count),
  };
}

/** --resume: the saved plan; a flag that would change it is refused, naming the flag (a family's
 * levels may differ only in t, and its samples and grid are part of what was generated). */
function resumePlan(dir: string, opts: Record<string, unknown>): GenerateState {
  const path = join(dir, GENERATE_FILES.state);
  if (!existsSync(path)) throw new UsageError(`--resume: ${dir} holds no ${GENERATE_FILES.state} to continue`);
  const state = unstamp(path, readJsonFile(path, "the saved generate state") as GenerateState, GENERATE_SCHEMAS.state);
  const { values, flagOf } = flagValues(opts);
  for (const [field, value] of Object.entries(values)) {
    if (field === "t" || field === "checkpointEvery") continue;
    const saved = field === "seed" ? state.plan.seed : (state.plan.config as unknown as Record<string, unknown>)[field];
    if (field === "steps") continue;
    if (String(saved) !== String(value)) {
      throw new UsageError(
        `${flagOf.get(field)}: got ${JSON.stringify(value)}, but the family in ${dir} has ${field} = ${JSON.stringify(saved)}; its levels may differ only in t (start a new --out to change it)`,
      );
    }
  }
  for (const flag of ["levels", "samples", "sampler", "snapshots", "steps"]) {
    if (opts[flag] !== undefined) {
      throw new UsageError(`--${flag}: cannot be changed on --resume (the run in ${dir} records its own)`);
    }
  }
  return state;
}

function prepareDir(dir: string, force: boolean): void {
  if (existsSync(dir)) {
    const held = Object.values(GENERATE_FILES).filter((f) => existsSync(join(dir, f)));
    if (held.length > 0 && !force) {
      throw new UsageError(
        `--out: ${dir} already holds a generate run (${held.join(", ")}); continue it with --resume, choose another directory, or pass --force`,
      );
    }
    for (const f of held) rmSync(join(dir, f));
    if (held.length === 0 && readdirSync(dir).length > 0 && !force) {
      throw new UsageError(`--out: ${dir} exists and is not empty; choose another directory or pass --force`);
    }
  }
  mkdirSync(dir, { recursive: true });
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
  cmd
    .option("--seed <n>", "master seed, integer in [0, 2^64 - 1] (default: drawn at random and recorded)")
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
    )
    .option("--samples <n>", "generated samples per snapshot, >= 2 (default: 4000)")
    .option("--snapshots <n>", "log-spaced snapshots of n from steps/1000 to steps (default: 10)")
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
            "times), stats.svg/.png, histograms.svg/.png, and state.json (progress; --resume continues from it).",
            "A level whose training diverges stops the run (exit 1) naming the level; what was done is kept.",
          ],
        ],
        ["mcm generate --d 64 --lr 0.1 --steps '400*d*log(d)' --levels 24 --seed 1 --out runs/gen"],
      ),
    )
    .action(async (opts: Record<string, unknown>) => {
      await generateAction(opts);
    });
  return cmd;
}

async function generateAction(opts: Record<string, unknown>): Promise<void> {
  let state: GenerateState;
  let outDir: string;
  if (opts.resume === true) {
    if (typeof opts.out !== "string") throw new UsageError("--resume: needs --out DIR, the run to continue");
    outDir = resolve(opts.out);
    state = resumePlan(outDir, opts);
  } else {
    const plan = planFromFlags(opts);
    outDir = resolve(typeof opts.out === "string" ? opts.out : defaultOutDir(plan.seed));
    prepareDir(outDir, opts.force === true);
    state = { plan, levels: [], snapshots: [] };
    const warning = repellingWarning(plan.config, plan.levels);
    if (warning) process.stderr.write(`mcm: ${warning}\n`);
  }
  const reporter = createReporter({ quiet: opts.quiet === true });
  const flavour = opts.kernel === "simd" || opts.kernel === "scalar" ? (opts.kernel as KernelFlavour) : undefined;
  const kernels = await loadKernels(undefined, { flavour });
  const statePath = join(outDir, GENERATE_FILES.state);
  const save = (s: GenerateState) =>
    writeFileAtomic(statePath, JSON.stringify(stamp(GENERATE_SCHEMAS.state, kernels.flavour, s)));
  save(state);
  const stop = catchStopSignals();
  let result: GenerateResult;
  try {
    result = await runGenerate(state, { kernels, save, onStep: (t) => reporter.info(t), signal: stop.signal });
  } catch (e) {
    const caught = stop.caught();
    if (caught) throw new Interrupted(caught, `interrupted; continue with \`mcm generate --resume --out ${outDir}\``);
    throw e;
  } finally {
    stop.release();
  }
  writeFileAtomic(
    join(outDir, GENERATE_FILES.result),
    `${JSON.stringify(stamp(GENERATE_SCHEMAS.result, kernels.flavour, result), null, 1)}\n`,
  );
  // Each figure as SVG and PNG (the PNG in the bundled font: the same pixels on any machine).
  await writePlots(outDir, { stats: generateStatsSpec(result), histograms: generateHistogramSpec(result) });
  if (opts.json === true) {
    const strip = <T extends { histogram: unknown }>({ histogram: _, ...rest }: T) => rest;
    const doc = { ...result, oracle: strip(result.oracle), snapshots: result.snapshots.map(strip) };
    process.stdout.write(`${JSON.stringify(stamp(GENERATE_SCHEMAS.result, kernels.flavour, doc))}\n`);
  } else {
    printTable(result);
    reporter.info(`wrote ${outDir}`);
  }
}
