/**
 * The model flags shared by every command that takes a configuration (run, and later exponent and sweep):
 * one kebab-case flag per config field, `--config FILE.json` underneath (flags override the file), and
 * the translation of flags into the input of resolveRun (src/config/schema.ts), so that flags and files
 * are validated by the same schema and errors name the flag the user typed.
 */
import { readFileSync } from "node:fs";
import { type Command, Option } from "commander";
import type { z } from "zod";
import {
  type CheckpointEvery,
  type Config,
  ConfigError,
  configSchema,
  fieldMeta,
  parseCheckpointEvery,
  type RunInput,
  rangeOf,
  resolveRun,
} from "../config/schema.js";
import { DEFAULT_STEPS, parseSteps, StepsError } from "../config/steps.js";
import { unstamp } from "../io/stamp.js";
import { UsageError } from "./errors.js";

export interface ModelFlag {
  /** The config field (docs/model.md symbol). */
  field: keyof Config;
  /** The long flag, e.g. "--units". */
  flag: string;
  /** The commander attribute name of the flag. */
  attr: string;
  /** How the text of the flag becomes a value: numbers are converted, everything else stays text. */
  type: FlagType;
  placeholder?: string;
  /** The help phrase and, after a colon, what the field accepts (the text its errors print). */
  help: string;
}

export type FlagType = "number" | "text" | "bool";

/** commander's attribute name for a flag: --lr-exponent -> lrExponent. */
export const attrOf = (flag: string) =>
  flag.replace(/^--/, "").replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The kind of value a field's validator takes (through its default or optional wrapper). */
export function flagType(schema: z.ZodType): FlagType {
  const kind = (s: z.ZodType): string[] => {
    const def = s.def as { type: string; innerType?: z.ZodType; options?: z.ZodType[] };
    if (def.innerType) return kind(def.innerType);
    if (def.options) return def.options.flatMap(kind);
    return [def.type];
  };
  const kinds = kind(schema);
  return kinds.includes("boolean") ? "bool" : kinds.includes("number") ? "number" : "text";
}

/** The flags of a schema's fields that carry flag metadata (src/config/schema.ts), in the schema's order. */
export function flagsOf<K extends string>(shape: Record<K, z.ZodType>): (Omit<ModelFlag, "field"> & { field: K })[] {
  const out: (Omit<ModelFlag, "field"> & { field: K })[] = [];
  for (const field of Object.keys(shape) as K[]) {
    const meta = fieldMeta(shape[field]);
    if (!meta) continue;
    const type = flagType(shape[field]);
    const range = rangeOf(shape[field]);
    out.push({
      field,
      flag: meta.flag,
      attr: attrOf(meta.flag),
      type,
      placeholder: meta.placeholder,
      help: type === "bool" || !range ? meta.help : `${meta.help}: ${range}`,
    });
  }
  return out;
}

/** What commander hands a command for the model flags: the text typed, or a boolean for a switch (read through coerceFlagValue). */
export type ModelFlagValues = { [attr: string]: unknown };

/** The output flags every command that prints a result shares. */
export interface OutputFlags {
  json?: boolean;
  quiet?: boolean;
}

/** The parsed flags of `mcm run` (and the model and run flags of other commands). */
export interface RunFlags extends OutputFlags {
  config?: string;
  seed?: string;
  steps?: string;
  checkpointEvery?: string;
  out?: string;
  force?: boolean;
  kernel?: "auto" | "simd" | "scalar";
}

/** Every config field as a flag, generated from the schema's metadata. Kept in the order of `mcm run --help`. */
export const MODEL_FLAGS: readonly ModelFlag[] = flagsOf(configSchema.shape as Record<keyof Config, z.ZodType>);

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

/** A flag and its negation on one command line contradict each other: refused instead of "the last wins". */
export function refuseBoth(cmd: Command, flag: string, negated: string): void {
  const seen = new Set<string>();
  for (const [name, other] of [
    [flag, negated],
    [negated, flag],
  ]) {
    cmd.on(`option:${name.slice(2)}`, () => {
      if (seen.has(other)) throw new UsageError(`${flag}: given together with ${negated}; expected one of them`);
      seen.add(name);
    });
  }
}

/** Adds a schema's flags to a command: a switch and its hidden negation for a boolean (refused together),
 * `--flag <placeholder>` otherwise; the help shows the default where there is one. No commander defaults:
 * absent means "from the file or the default". */
export function addFlagOptions<K extends string>(
  cmd: Command,
  flags: readonly (Omit<ModelFlag, "field"> & { field: K })[],
  defaults: Partial<Record<K, unknown>>,
): Command {
  for (const f of flags) {
    const def = defaults[f.field];
    const help = def === undefined ? f.help : `${f.help} (default: ${Array.isArray(def) ? def.join(",") : def})`;
    if (f.type === "bool") {
      cmd.addOption(new Option(f.flag, help));
      cmd.addOption(new Option(f.flag.replace("--", "--no-")).hideHelp());
      refuseBoth(cmd, f.flag, f.flag.replace("--", "--no-"));
    } else {
      cmd.addOption(new Option(`${f.flag} <${f.placeholder}>`, help));
    }
  }
  return cmd;
}

/** The values of a schema's flags that the user typed (numbers converted), with the flag of each field. */
export function readFlags<K extends string>(
  flags: readonly (Omit<ModelFlag, "field"> & { field: K })[],
  opts: ModelFlagValues,
): { values: Partial<Record<K, unknown>>; flagOf: Map<string, string> } {
  const values: Partial<Record<K, unknown>> = {};
  const flagOf = new Map<string, string>();
  for (const f of flags) {
    const v = opts[f.attr];
    if (v === undefined) continue;
    values[f.field] = coerceFlagValue(f, v as string | boolean);
    flagOf.set(f.field, f.flag);
  }
  return { values, flagOf };
}

/** Adds every model flag and --config to a command. */
export function addModelOptions(cmd: Command): Command {
  cmd.option("--config <file>", "a JSON file of config fields (and seed, steps); flags override it");
  return addFlagOptions(cmd, MODEL_FLAGS, DEFAULTS);
}

/** Adds --json (printing exactly one JSON document: `what`) and -q/--quiet. */
export function addOutputOptions(cmd: Command, what: string): Command {
  return cmd
    .option("--json", `print exactly one JSON document (${what}) on stdout`)
    .option("-q, --quiet", "no progress output on stderr");
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
  const record = unstamp(`--config: ${path}`, value as Record<string, unknown>, "mcm.run-config/1", true);
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
export function flagValues(opts: ModelFlagValues): {
  values: Record<string, unknown>;
  flagOf: Map<string, string>;
} {
  const { values, flagOf } = readFlags(MODEL_FLAGS, opts);
  for (const f of RUN_FLAGS) {
    const v = opts[f.attr];
    if (v === undefined) continue;
    (values as Record<string, unknown>)[f.field] = v;
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
export function resolveRunOptions(opts: RunFlags & ModelFlagValues): ResolvedRun {
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

/** The help after a command's options: paragraphs of lines, then "Examples:" with one command a line. */
export function helpAfter(paragraphs: string[][], examples: string[]): string {
  return [
    "",
    ...paragraphs.flatMap((p) => [...p, ""]),
    examples.length > 1 ? "Examples:" : "Example:",
    ...examples.map((e) => `  ${e}`),
  ].join("\n");
}
