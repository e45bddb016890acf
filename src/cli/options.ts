/**
 * The model flags shared by every command that takes a configuration (run, and later exponent and sweep):
 * one kebab-case flag per config field, `--config FILE.json` underneath (flags override the file), and
 * the translation of flags into the input of resolveRun (src/config/schema.ts), so that flags and files
 * are validated by the same schema and errors name the flag the user typed.
 */
import { readFileSync } from "node:fs";
import { type Command, Option } from "commander";
import type { z } from "zod";
import { type FieldType, fieldHelp, schemaFields, valueOfText } from "../config/fields.js";
import {
  type CheckpointEvery,
  type Config,
  configSchema,
  parseCheckpointEvery,
  type RunInput,
  resolveRun,
  runSchema,
  toConfigError,
} from "../config/schema.js";
import { DEFAULT_STEPS, parseSteps } from "../config/steps.js";
import { duplicateJsonKey } from "../io/json.js";
import { unstamp } from "../io/stamp.js";
import { noteConfigFile, tagField, UsageError } from "./errors.js";

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
  required?: boolean;
  aliases?: string[];
}

/** How a flag's text becomes a value (../config/fields.ts). */
export type FlagType = FieldType;

/** commander's attribute name for a flag: --lr-exponent -> lrExponent. */
export const attrOf = (flag: string) =>
  flag.replace(/^--/, "").replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The flags of a schema's fields that carry flag metadata (src/config/fields.ts), in the schema's order. */
export function flagsOf<K extends string>(shape: Record<K, z.ZodType>): (Omit<ModelFlag, "field"> & { field: K })[] {
  return schemaFields(shape).map((f) => ({
    field: f.name,
    flag: f.flag,
    attr: attrOf(f.flag),
    type: f.type,
    placeholder: f.placeholder,
    help: fieldHelp(f),
    required: f.required,
    aliases: f.aliases,
  }));
}

/** What commander hands a command for the model flags: the text typed, or a boolean for a switch (read through valueOfText). */
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

/** The run-level flags that resolveRun validates beside the config (seed, steps, checkpointEvery), from the
 * run schema's metadata. */
export const RUN_FLAGS = flagsOf(runSchema.shape as Record<string, z.ZodType>).filter(
  (f) => !Object.hasOwn(configSchema.shape, f.field),
);

export const DEFAULTS: Config = configSchema.parse({}) as Config;

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

/**
 * A flag given no value takes the next word as its value: `run --d --out X` set d to "--out" and then
 * complained about X. A value that is one of the command's own flags (alone or as --flag=...) is refused,
 * naming both, for every option that takes a value on every command (after all are registered).
 */
export function refuseFlagsAsValues(cmd: Command): void {
  const flags = new Set(cmd.options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f)));
  flags.add("--help").add("-h");
  for (const o of cmd.options) {
    if (!o.required && !o.optional) continue;
    cmd.on(`option:${o.name()}`, (value: unknown) => {
      if (typeof value === "string" && flags.has(value.split("=")[0])) {
        throw new UsageError(`${o.long ?? o.short}: got the flag ${value.split("=")[0]} where a value was expected`);
      }
    });
  }
  for (const sub of cmd.commands) refuseFlagsAsValues(sub);
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
    const help =
      def === undefined || (Array.isArray(def) && def.length === 0)
        ? f.help
        : `${f.help} (default: ${Array.isArray(def) ? def.join(",") : def})`;
    if (f.type === "bool") {
      cmd.addOption(tagField(new Option(f.flag, help), f.field));
      cmd.addOption(tagField(new Option(f.flag.replace("--", "--no-")).hideHelp(), f.field));
      refuseBoth(cmd, f.flag, f.flag.replace("--", "--no-"));
    } else if (f.type === "list") {
      const option = new Option(`${f.flag} <${f.placeholder}>`, `${f.help} (repeatable)`);
      cmd.addOption(
        tagField(
          option.argParser((v: string, prev: string[] = []) => [...prev, v]),
          f.field,
        ),
      );
    } else {
      const option = new Option(`${f.flag} <${f.placeholder}>`, help);
      cmd.addOption(tagField(f.required ? option.makeOptionMandatory() : option, f.field));
      // An old spelling: a hidden option of the same field (readFlags reads it when the flag is absent).
      for (const alias of f.aliases ?? [])
        cmd.addOption(tagField(new Option(`${alias} <${f.placeholder}>`).hideHelp(), f.field));
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
    const v = opts[f.attr] ?? f.aliases?.map((a) => opts[attrOf(a)]).find((x) => x !== undefined);
    if (v === undefined) continue;
    values[f.field] = valueOfText(f, v as string | boolean);
    flagOf.set(f.field, f.flag);
  }
  return { values, flagOf };
}

/** Adds the flags of a schema whose fields carry flag metadata, with the schema's defaults in the help. */
export function addSchemaOptions(cmd: Command, schema: z.ZodObject): Command {
  const shape = schema.shape as Record<string, z.ZodType>;
  const defaults = Object.fromEntries(schemaFields(shape).map((f) => [f.name, f.default]));
  return addFlagOptions(cmd, flagsOf(shape), defaults);
}

/** The flags of a schema that the user typed, validated by the schema (its defaults filled in). An error
 * names the field; the CLI's translator names the flag. */
export function parseFlags<S extends z.ZodObject>(schema: S, opts: ModelFlagValues): z.output<S> {
  const { values } = readFlags(flagsOf(schema.shape as Record<string, z.ZodType>), opts);
  const result = schema.safeParse(values);
  if (!result.success) throw toConfigError(result.error.issues[0], values, Object.keys(schema.shape));
  return result.data;
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
  // A UTF-8 byte order mark (some Windows editors write one) is not part of the JSON: accepted and skipped.
  if (text.startsWith("\uFEFF")) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--config: ${path} is not valid JSON (${(e as Error).message})`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UsageError(`--config: ${path} must hold a JSON object of config fields, found ${JSON.stringify(value)}`);
  }
  const twice = duplicateJsonKey(text);
  if (twice !== null) {
    throw new UsageError(`--config: ${path}: ${twice}: given twice (JSON keeps only the last); give each field once`);
  }
  const raw = value as Record<string, unknown>;
  // JSON.parse makes "__proto__" an own key; copied by assignment it would become the prototype of the
  // copy and its fields would be read as if given (sweep did so). No config has such a field.
  for (const object of [raw, raw.config]) {
    if (object !== null && typeof object === "object" && Object.hasOwn(object, "__proto__")) {
      const where = object === raw ? "" : "config.";
      throw new UsageError(`--config: ${path}: ${where}__proto__: unknown field`);
    }
  }
  const record = unstamp(`--config: ${path}`, raw, "mcm.run-config/1", true);
  const fields = readRecord(path, record);
  noteConfigFile(path, Object.keys(fields));
  return fields;
}

/** The fields of a --config document: the document itself, or the config, seed and steps of a run record. */
function readRecord(path: string, record: Record<string, unknown>): Record<string, unknown> {
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
  "activationTable",
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
  const model = readFlags(MODEL_FLAGS, opts);
  const run = readFlags(RUN_FLAGS, opts);
  return { values: { ...model.values, ...run.values }, flagOf: new Map([...model.flagOf, ...run.flagOf]) };
}

/** Turns the parsed flags (and --config) into a validated run, translating errors to name the flag typed. */
export function resolveRunOptions(opts: RunFlags & ModelFlagValues): ResolvedRun {
  const path = typeof opts.config === "string" ? opts.config : undefined;
  const file = path ? readConfigFile(path) : {};
  const { values } = flagValues(opts);
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
