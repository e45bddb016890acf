/**
 * The model flags shared by every command that takes a configuration (run, and later exponent and sweep):
 * one kebab-case flag per config field, `--config FILE.json` underneath (flags override the file), and
 * the translation of flags into the input of resolveRun (src/config/schema.ts), so that flags and files
 * are validated by the same schema and errors name the flag the user typed.
 */
import { readFileSync } from "node:fs";
import { type Command, Option } from "commander";
import {
  type CheckpointEvery,
  type Config,
  ConfigError,
  configSchema,
  parseCheckpointEvery,
  type RunInput,
  resolveRun,
} from "../config/schema.js";
import { DEFAULT_STEPS, parseSteps, StepsError } from "../config/steps.js";
import { UsageError } from "./errors.js";

export interface ModelFlag {
  /** The config field (docs/model.md symbol). */
  field: keyof Config;
  /** The long flag, e.g. "--units". */
  flag: string;
  /** The commander attribute name of the flag. */
  attr: string;
  /** How the text of the flag becomes a value: numbers are converted, everything else stays text. */
  type: "number" | "text" | "bool";
  placeholder?: string;
  help: string;
}

/** Every config field as a flag. Kept in the order of `mcm run --help`. */
export const MODEL_FLAGS: readonly ModelFlag[] = [
  { field: "d", flag: "--d", attr: "d", type: "number", placeholder: "n", help: "dimension d, integer in [2, 1e6]" },
  {
    field: "K",
    flag: "--units",
    attr: "units",
    type: "number",
    placeholder: "K",
    help: "hidden units K, in [1, 1024]",
  },
  {
    field: "process",
    flag: "--process",
    attr: "process",
    type: "text",
    placeholder: "name",
    help: "forward process: vp, ve or linear",
  },
  { field: "t", flag: "--t", attr: "t", type: "number", placeholder: "t", help: "diffusion time (linear: in [0, 1])" },
  {
    field: "betaU",
    flag: "--beta-u",
    attr: "betaU",
    type: "number",
    placeholder: "x",
    help: "covariance spike strength, >= 0",
  },
  {
    field: "betaV",
    flag: "--beta-v",
    attr: "betaV",
    type: "number",
    placeholder: "x",
    help: "cumulant spike strength, >= 0",
  },
  {
    field: "betaM",
    flag: "--beta-m",
    attr: "betaM",
    type: "number",
    placeholder: "x",
    help: "mean spike strength, >= 0 (0 = off)",
  },
  {
    field: "latent",
    flag: "--latent",
    attr: "latent",
    type: "text",
    placeholder: "law",
    help: "law of nu: rademacher, uniform, skewed:P",
  },
  {
    field: "correlation",
    flag: "--correlation",
    attr: "correlation",
    type: "text",
    placeholder: "law",
    help: "latent law: independent, sign, uncorrelated, mixed:P",
  },
  {
    field: "activation",
    flag: "--activation",
    attr: "activation",
    type: "text",
    placeholder: "g",
    help: "tanh, erf, relu, sign, linear or he3",
  },
  {
    field: "target",
    flag: "--target",
    attr: "target",
    type: "text",
    placeholder: "x0|noise",
    help: "what the denoiser predicts",
  },
  {
    field: "delta",
    flag: "--lr",
    attr: "lr",
    type: "number",
    placeholder: "delta",
    help: "learning-rate prefactor delta > 0 (eta = delta d^-p)",
  },
  {
    field: "lrExponent",
    flag: "--lr-exponent",
    attr: "lrExponent",
    type: "number",
    placeholder: "p",
    help: "learning-rate exponent p in [0, 4]",
  },
  {
    field: "skip",
    flag: "--skip",
    attr: "skip",
    type: "number",
    placeholder: "b",
    help: 'initial skip b: "optimal" or a number',
  },
  {
    field: "trainSkip",
    flag: "--train-skip",
    attr: "trainSkip",
    type: "bool",
    help: "train the skip b (--no-train-skip: fixed)",
  },
  {
    field: "amplitude",
    flag: "--amplitude",
    attr: "amplitude",
    type: "number",
    placeholder: "a",
    help: "initial amplitude a_k",
  },
  {
    field: "trainAmplitude",
    flag: "--train-amplitude",
    attr: "trainAmplitude",
    type: "bool",
    help: "train the amplitudes a_k (--no-train-amplitude: fixed)",
  },
  {
    field: "threshold",
    flag: "--threshold",
    attr: "threshold",
    type: "number",
    placeholder: "x",
    help: "hitting threshold on |overlap|, in (0, 1]",
  },
  {
    field: "spikes",
    flag: "--spikes",
    attr: "spikes",
    type: "text",
    placeholder: "random|basis",
    help: "spikes drawn from the seed or the first basis vectors",
  },
  {
    field: "walkers",
    flag: "--walkers",
    attr: "walkers",
    type: "number",
    placeholder: "n",
    help: "independent runs in lockstep, in [1, 65536]",
  },
  {
    field: "logPerDecade",
    flag: "--log-per-decade",
    attr: "logPerDecade",
    type: "number",
    placeholder: "n",
    help: "log points per decade of steps, in [1, 1000]",
  },
  {
    field: "backend",
    flag: "--backend",
    attr: "backend",
    type: "text",
    placeholder: "full|reduced",
    help: "simulation backend",
  },
];

/** The run-level flags that resolveRun validates beside the config (seed, steps, checkpointEvery). */
const RUN_FLAGS = [
  { field: "seed", flag: "--seed", attr: "seed" },
  { field: "steps", flag: "--steps", attr: "steps" },
  { field: "checkpointEvery", flag: "--checkpoint-every", attr: "checkpointEvery" },
] as const;

export const DEFAULTS: Config = configSchema.parse({}) as Config;

const NUMBER = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?$/i;

/** The value a flag's text stands for: numbers for numeric fields when the text is a number, else the text. */
export function coerceFlagValue(spec: Pick<ModelFlag, "type">, text: string | boolean): unknown {
  if (typeof text === "boolean") return text;
  if (spec.type === "number" && NUMBER.test(text.trim())) return Number(text);
  return text;
}

/** Adds every model flag and --config to a command (no commander defaults: absent means "from the file or the default"). */
export function addModelOptions(cmd: Command): Command {
  cmd.option("--config <file>", "a JSON file of config fields (and seed, steps); flags override it");
  for (const f of MODEL_FLAGS) {
    const def = DEFAULTS[f.field];
    if (f.type === "bool") {
      cmd.addOption(new Option(f.flag, `${f.help} (default: ${def})`));
      cmd.addOption(new Option(f.flag.replace("--", "--no-")).hideHelp());
    } else {
      cmd.addOption(new Option(`${f.flag} <${f.placeholder}>`, `${f.help} (default: ${def})`));
    }
  }
  return cmd;
}

/** Reads a --config file: config fields plus optional seed and steps, or a config.json written by `mcm run`. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`--config: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--config: ${path} is not valid JSON (${(e as Error).message})`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UsageError(`--config: ${path} must hold a JSON object of config fields, found ${JSON.stringify(value)}`);
  }
  const record = value as Record<string, unknown>;
  if (record.config !== null && typeof record.config === "object" && !Array.isArray(record.config)) {
    // A run record (config.json of an earlier run): repeat that run.
    const known = new Set(RUN_RECORD_KEYS);
    const extra = Object.keys(record).filter((k) => !known.has(k));
    if (extra.length > 0) {
      throw new UsageError(
        `--config: ${path}: unknown field ${extra[0]} in a run record (accepted: ${RUN_RECORD_KEYS.join(", ")})`,
      );
    }
    const out: Record<string, unknown> = { ...(record.config as Record<string, unknown>) };
    if (record.seed !== undefined) out.seed = record.seed;
    const steps = record.stepsExpression ?? record.steps;
    if (steps !== undefined) out.steps = steps;
    return out;
  }
  return record;
}

/** The keys of the config.json that `mcm run` writes. */
export const RUN_RECORD_KEYS = [
  "config",
  "seed",
  "steps",
  "stepsExpression",
  "checkpointEvery",
  "version",
  "buildHash",
  "kernel",
  "createdAt",
];

export interface ResolvedRun {
  config: Config;
  seed: string;
  seedDrawn: boolean;
  steps: number;
  stepsExpression: string;
  checkpointEvery: CheckpointEvery;
}

/** A fresh master seed from the platform's CSPRNG, below 2^53 so that it is also exact as a JSON number. */
export function drawSeed(): string {
  const [hi, lo] = crypto.getRandomValues(new Uint32Array(2));
  return ((BigInt(hi & 0x1fffff) << 32n) | BigInt(lo)).toString();
}

export const DEFAULT_CHECKPOINT_EVERY = "30s";

/** The config and run fields the user typed as flags (raw texts, numbers converted), with the flag of each. */
export function flagValues(opts: Record<string, unknown>): {
  values: Record<string, unknown>;
  flagOf: Map<string, string>;
} {
  const values: Record<string, unknown> = {};
  const flagOf = new Map<string, string>();
  for (const f of MODEL_FLAGS) {
    const v = opts[f.attr];
    if (v === undefined) continue;
    values[f.field] = coerceFlagValue(f, v as string | boolean);
    flagOf.set(f.field, f.flag);
  }
  for (const f of RUN_FLAGS) {
    const v = opts[f.attr];
    if (v === undefined) continue;
    values[f.field] = v;
    flagOf.set(f.field, f.flag);
  }
  return { values, flagOf };
}

/**
 * Rewrites a ConfigError or StepsError so that it names what the user typed: the flag ("--units: got 0, ...")
 * or the config file and field ("a.json: d: got ..."). Other errors pass through.
 */
export function translateError(
  e: unknown,
  flagOf: Map<string, string>,
  file?: { path: string; values: Record<string, unknown> },
): unknown {
  const where = (field: string) =>
    flagOf.get(field) ?? (file && field in file.values ? `${file.path}: ${field}` : field);
  if (e instanceof ConfigError) {
    const prefix = `${e.field}:`;
    const rest = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : ` ${e.message}`;
    return new UsageError(`${where(e.field)}:${rest}`);
  }
  if (e instanceof StepsError) return new UsageError(e.message.replace(/^steps:/, `${where("steps")}:`));
  return e;
}

/** Turns the parsed flags (and --config) into a validated run, translating errors to name the flag typed. */
export function resolveRunOptions(opts: Record<string, unknown>): ResolvedRun {
  const path = typeof opts.config === "string" ? opts.config : undefined;
  const file = path ? readConfigFile(path) : {};
  const { values, flagOf } = flagValues(opts);
  const source = path ? { path, values: file } : undefined;
  try {
    const run: RunInput = resolveRun({ ...file, ...values });
    const stepsExpression = run.steps ?? DEFAULT_STEPS;
    const steps = parseSteps(stepsExpression).at(run.config.d);
    return {
      config: run.config,
      seed: run.seed ?? drawSeed(),
      seedDrawn: run.seed === undefined,
      steps,
      stepsExpression,
      checkpointEvery: run.checkpointEvery ?? (parseCheckpointEvery(DEFAULT_CHECKPOINT_EVERY) as CheckpointEvery),
    };
  } catch (e) {
    throw translateError(e, flagOf, source);
  }
}
