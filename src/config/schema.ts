/**
 * The model and training configuration (docs/model.md sections 2 to 5 and 9): one schema for config files,
 * CLI flags, the library and the page. Field names are the symbols of docs/model.md.
 */
import { z } from "zod";
import { ConfigError } from "./errors.js";
import { isExpressionActivation, parseExpressionActivation, SHORTCUTS } from "./expr.js";
import { PROCESSES, type ProcessName, T_RANGE } from "./process.js";

/** The kernels' built-in activations. */
export const ACTIVATIONS = ["tanh", "erf", "relu", "sign", "linear", "he3"] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** What the activation field accepts: a built-in, a named expression (gelu, silu, softplus) or "expr:FORMULA". */
export const ACTIVATION_TEXT = `one of ${[...ACTIVATIONS, ...Object.keys(SHORTCUTS)].map((v) => `"${v}"`).join(", ")} or "expr:FORMULA" with a formula in x (docs/activations.md)`;

/** True for a built-in activation's name. */
export function isBuiltinActivation(s: string): s is Activation {
  return (ACTIVATIONS as readonly string[]).includes(s);
}

const LATENT_TEXT = '"rademacher", "uniform" or "skewed:P" with 0 < P < 1';
const CORRELATION_TEXT = '"independent", "sign", "uncorrelated" or "mixed:P" with 0 <= P <= 1';

/*
 * Every field's validator is registered with the text of what it accepts (the text its errors print), and
 * every field carries its CLI flag, placeholder and help phrase as zod metadata: src/cli/options.ts makes
 * the flags and their help from these, so that help and validation cannot drift apart.
 */

/** What the CLI needs to make a flag of a field. The accepted range comes from the validator (rangeOf). */
export interface FieldMeta {
  /** The long flag, e.g. "--units". */
  flag: string;
  /** The value's placeholder in --help, e.g. "K"; absent for a boolean (a switch with a --no- form). */
  placeholder?: string;
  /** What the field is, e.g. "hidden units K". */
  help: string;
  /** The flag must be given (commander refuses its absence before any validation). */
  required?: boolean;
  /** Other spellings of the flag that commander accepts, e.g. "--k" beside "--units". */
  aliases?: string[];
  /** How a form labels the field (its docs/model.md symbol), when not the field's name: "βu". */
  label?: string;
  /** Typical values a form suggests for a free-text field. */
  examples?: readonly string[];
}

const RANGES = new WeakMap<object, string>();
const CHOICES = new WeakMap<object, readonly string[]>();

/** A decimal number as typed (42, -1.5, .5, 1e-3): the only text a numeric flag or field accepts. */
export const DECIMAL = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?$/i;

/** The number a flag's text stands for: NaN unless it is a decimal number (Number() reads "" and " " as 0,
 * "0x8" as 8, "0b11" as 3). Numbers pass through, so stored options and typed flags check alike. */
export function decimalNumber(value: unknown): number {
  if (typeof value === "number") return value;
  return typeof value === "string" && DECIMAL.test(value.trim()) ? Number(value) : Number.NaN;
}

/** Registers the text of what a validator accepts (the same text its errors print). */
export function ranged<T extends z.ZodType>(schema: T, text: string): T {
  RANGES.set(schema, text);
  return schema;
}

/** What `registry` holds for a validator, looked up through its default or optional wrappers. */
function registered<T>(registry: WeakMap<object, T>, schema: z.ZodType): T | undefined {
  let at: z.ZodType = schema;
  for (let i = 0; i < 4 && !registry.has(at); i++) {
    const inner = (at as { def?: { innerType?: z.ZodType } }).def?.innerType;
    if (!inner) break;
    at = inner;
  }
  return registry.get(at);
}

/** The accepted range of a field (through its default or optional wrapper), as its errors state it. */
export function rangeOf(schema: z.ZodType): string | undefined {
  return registered(RANGES, schema);
}

/** The values of a field made by `choice` (through its default or optional wrapper), else undefined. */
export function choicesOf(schema: z.ZodType): readonly string[] | undefined {
  return registered(CHOICES, schema);
}

/** The flag metadata of a field, or undefined when it has none. */
export function fieldMeta(schema: z.ZodType): FieldMeta | undefined {
  const meta = schema.meta() as Partial<FieldMeta> | undefined;
  return meta?.flag && meta.help ? (meta as FieldMeta) : undefined;
}

export const num = (text: string) => ranged(z.number({ error: text }).refine(Number.isFinite, { error: text }), text);
export const int = (min: number, max: number) => {
  const text = `an integer in [${min}, ${max}]`;
  return ranged(z.int({ error: text }).min(min, { error: text }).max(max, { error: text }), text);
};
const nonneg = (text = "a finite number >= 0") =>
  ranged(
    num(text).refine((x) => x >= 0, { error: text }),
    text,
  );
export const choice = <T extends string>(values: readonly T[]) => {
  const text = `one of ${values.map((v) => `"${v}"`).join(", ")}`;
  const schema = ranged(
    z.string({ error: text }).refine((s): s is T => (values as readonly string[]).includes(s), { error: text }),
    text,
  );
  CHOICES.set(schema, values);
  return schema;
};
export const bool = () => ranged(z.boolean({ error: "true or false" }), "true or false");
const between = (text: string, ok: (x: number) => boolean) => ranged(num(text).refine(ok, { error: text }), text);

/** "skewed:P" and "mixed:P" carry a probability; these parse the part after the colon. */
function parameterised(s: string, name: string, lo: number, hi: number, open: boolean): number | null {
  if (!s.startsWith(`${name}:`)) return null;
  const text = s.slice(name.length + 1);
  if (!/^[0-9]*\.?[0-9]+(e-?[0-9]+)?$/i.test(text)) return Number.NaN;
  const p = Number(text);
  const ok = open ? p > lo && p < hi : p >= lo && p <= hi;
  return ok ? p : Number.NaN;
}

/**
 * The law of the non-Gaussian latent nu (docs/model.md section 2), standardised (mean 0, variance 1):
 * two-point with P(nu = hi) = p and P(nu = lo) = 1 - p ("rademacher": p = 1/2; "skewed:P"), or uniform
 * on [-sqrt 3, sqrt 3] ("uniform"; p = 1/2 and hi, lo unused). The one parsed form of the latent field:
 * the model, the kernels' codes and the theory's quadrature read it.
 */
export interface LatentLaw {
  kind: "two-point" | "uniform";
  p: number;
  /** sqrt((1 - p) / p). */
  hi: number;
  /** -sqrt(p / (1 - p)). */
  lo: number;
}

/** How the latents lambda and nu are coupled (docs/model.md section 2); mixed: p is the probability of the
 * sign coupling (sign: 1, otherwise 0). The one parsed form of the correlation field. */
export interface CorrelationLaw {
  kind: "independent" | "sign" | "mixed" | "uncorrelated";
  p: number;
}

/** The latent field's law, or null when the text is not one. */
export function parseLatent(s: string): LatentLaw | null {
  const p = s === "rademacher" || s === "uniform" ? 0.5 : parameterised(s, "skewed", 0, 1, true);
  if (p === null || Number.isNaN(p)) return null;
  return {
    kind: s === "uniform" ? "uniform" : "two-point",
    p,
    hi: Math.sqrt((1 - p) / p),
    lo: -Math.sqrt(p / (1 - p)),
  };
}

/** The correlation field's law, or null when the text is not one. */
export function parseCorrelation(s: string): CorrelationLaw | null {
  if (s === "independent" || s === "sign" || s === "uncorrelated") return { kind: s, p: s === "sign" ? 1 : 0 };
  const p = parameterised(s, "mixed", 0, 1, false);
  return p === null || Number.isNaN(p) ? null : { kind: "mixed", p };
}

export const configSchema = z
  .object({
    d: int(2, 1_000_000).default(128).meta({ flag: "--d", placeholder: "n", help: "dimension d" }),
    K: int(1, 1024).default(1).meta({ flag: "--units", placeholder: "K", help: "hidden units K" }),
    process: choice(PROCESSES).default("vp").meta({ flag: "--process", placeholder: "name", help: "forward process" }),
    t: num("a finite number")
      .default(0.5)
      .meta({ flag: "--t", placeholder: "t", help: "diffusion time (linear: in [0, 1]; vp, ve: >= 0)" }),
    betaU: nonneg()
      .default(5)
      .meta({ flag: "--beta-u", placeholder: "x", help: "covariance spike strength", label: "βu" }),
    betaV: nonneg()
      .default(5)
      .meta({ flag: "--beta-v", placeholder: "x", help: "cumulant spike strength", label: "βv" }),
    betaM: nonneg()
      .default(0)
      .meta({ flag: "--beta-m", placeholder: "x", help: "mean spike strength (0 = off)", label: "βm" }),
    latent: ranged(
      z.string({ error: LATENT_TEXT }).refine((s) => parseLatent(s) !== null, { error: LATENT_TEXT }),
      LATENT_TEXT,
    )
      .default("rademacher")
      .meta({
        flag: "--latent",
        placeholder: "law",
        help: "law of nu",
        label: "latent ν",
        examples: ["rademacher", "uniform", "skewed:0.3"],
      }),
    correlation: ranged(
      z.string({ error: CORRELATION_TEXT }).refine((s) => parseCorrelation(s) !== null, { error: CORRELATION_TEXT }),
      CORRELATION_TEXT,
    )
      .default("independent")
      .meta({
        flag: "--correlation",
        placeholder: "law",
        help: "latent law",
        examples: ["independent", "sign", "uncorrelated", "mixed:0.5"],
      }),
    activation: ranged(
      z
        .string({ error: ACTIVATION_TEXT })
        .refine((s) => isBuiltinActivation(s) || isExpressionActivation(s), { error: ACTIVATION_TEXT }),
      ACTIVATION_TEXT,
    )
      .default("tanh")
      .meta({
        flag: "--activation",
        placeholder: "g",
        help: "activation",
        label: "activation g",
        examples: [
          ...ACTIVATIONS,
          ...Object.keys(SHORTCUTS),
          "expr:x*sigmoid(1.702*x)",
          "expr:tanh(x) + 0.2*(x^2 - 1)",
        ],
      }),
    target: choice(["x0", "noise"] as const)
      .default("x0")
      .meta({ flag: "--target", placeholder: "x0|noise", help: "what the denoiser predicts" }),
    delta: between("a finite number > 0", (x) => x > 0)
      .default(0.5)
      .meta({
        flag: "--lr",
        placeholder: "delta",
        help: "learning-rate prefactor delta (eta = delta d^-p)",
        label: "δ",
      }),
    lrExponent: between("a number in [0, 4]", (x) => x >= 0 && x <= 4)
      .default(1)
      .meta({ flag: "--lr-exponent", placeholder: "p", help: "learning-rate exponent p", label: "p" }),
    skip: ranged(
      z.union([z.literal("optimal"), num('"optimal" or a finite number')], { error: '"optimal" or a finite number' }),
      '"optimal" or a finite number',
    )
      .default("optimal")
      .meta({ flag: "--skip", placeholder: "b", help: "initial skip b" }),
    trainSkip: bool().default(false).meta({ flag: "--train-skip", help: "train the skip b (--no-train-skip: fixed)" }),
    amplitude: num("a finite number")
      .default(1)
      .meta({ flag: "--amplitude", placeholder: "a", help: "initial amplitude a_k" }),
    trainAmplitude: bool()
      .default(false)
      .meta({ flag: "--train-amplitude", help: "train the amplitudes a_k (--no-train-amplitude: fixed)" }),
    threshold: between("a number in (0, 1]", (x) => x > 0 && x <= 1)
      .default(0.5)
      .meta({ flag: "--threshold", placeholder: "x", help: "hitting threshold on |overlap|" }),
    spikes: choice(["random", "basis"] as const)
      .default("random")
      .meta({
        flag: "--spikes",
        placeholder: "random|basis",
        help: "spikes drawn from the seed or the first basis vectors",
      }),
    walkers: int(1, 65536)
      .default(8)
      .meta({ flag: "--walkers", placeholder: "n", help: "independent runs in lockstep" }),
    logPerDecade: int(1, 1000)
      .default(10)
      .meta({ flag: "--log-per-decade", placeholder: "n", help: "log points per decade of steps" }),
    backend: choice(["full", "reduced"] as const)
      .default("full")
      .meta({ flag: "--backend", placeholder: "full|reduced", help: "simulation backend" }),
  })
  .strict();

/** A value as an error message shows it: JSON, with non-finite numbers spelled out. */
export function show(value: unknown): string {
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value) ?? String(value);
}

/** The first zod issue as a ConfigError naming the field, the value and the accepted range. */
export function toConfigError(
  issue: z.core.$ZodIssue,
  input: Record<string, unknown>,
  fields: readonly string[],
): ConfigError {
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0];
    return new ConfigError(key, `unknown field (accepted fields: ${fields.join(", ")})`, "unknown");
  }
  const field = issue.path.join(".");
  return new ConfigError(field, `got ${show(input[field])}, expected ${issue.message}`);
}

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema> & { process: ProcessName };

export const CONFIG_FIELDS = Object.keys(configSchema.shape) as (keyof Config)[];

/** Validates a partial config, fills the defaults of docs/model.md section 9, and checks cross-field ranges. */
export function resolveConfig(input: unknown = {}): Config {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new ConfigError("config", `got ${show(input)}, expected an object`);
  }
  const result = configSchema.safeParse(input);
  if (!result.success) throw toConfigError(result.error.issues[0], input as Record<string, unknown>, CONFIG_FIELDS);
  // A formula's syntax errors name their position (the schema only checks the prefix).
  if (isExpressionActivation(result.data.activation)) parseExpressionActivation(result.data.activation);
  const config = result.data as Config;
  const range = T_RANGE[config.process];
  if (!(config.t >= range.min && config.t <= range.max)) {
    throw new ConfigError("t", `got ${show(config.t)}, expected ${range.text} for process "${config.process}"`);
  }
  if (config.betaM > 0 && config.d < 3) {
    throw new ConfigError(
      "betaM",
      `got ${config.betaM} with d = ${config.d}, expected betaM = 0 when d < 3 (the mean spike needs a third direction)`,
    );
  }
  const q = config.betaM > 0 ? 3 : 2; // spikeCount of ./model.ts (which imports this file)
  if (config.backend === "reduced" && config.d - q - config.K < 2) {
    throw new ConfigError(
      "d",
      `got ${config.d} with K = ${config.K} and ${q} spikes, the reduced backend needs d - ${q} - K >= 2`,
    );
  }
  return config;
}

/*
 * A run: a config plus what a run adds (the master seed, the number of steps, how often to checkpoint).
 * Config files (`mcm run --config FILE.json`) and CLI flags are both validated by runSchema.
 */

export const SEED_TEXT = "an integer in [0, 2^64 - 1] (write seeds above 2^53 - 1 as strings)";
const SEED_MAX = (1n << 64n) - 1n;

/** The canonical decimal text of a seed, or null if it is not an integer in [0, 2^64 - 1]. */
export function parseSeed(value: unknown): string | null {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? String(value) : null;
  if (typeof value !== "string" || !/^[0-9]{1,20}$/.test(value)) return null;
  const s = BigInt(value);
  return s <= SEED_MAX ? s.toString() : null;
}

/** A master seed: an integer in [0, 2^64 - 1], as a number or (above 2^53 - 1) a decimal string. The one
 * range of every command's --seed. */
export const seedField = () =>
  ranged(
    z.union([z.string(), z.number()], { error: SEED_TEXT }).refine((s) => parseSeed(s) !== null, { error: SEED_TEXT }),
    SEED_TEXT,
  );

export const STEPS_TEXT = "a whole number of steps or an expression in d such as 30*d^3 or 50*d*log(d)";
export const CHECKPOINT_EVERY_TEXT =
  'a duration ("30s", "5m", "1h"; a bare number is seconds), a step count ("1e6steps"), or 0 for only at the end';

export type CheckpointEvery = { unit: "seconds" | "steps"; every: number } | { unit: "off" };

/** Parses --checkpoint-every: "30s", "5m", "1h", "90" (seconds), "1e6steps", or "0" (off). Null if invalid. */
export function parseCheckpointEvery(value: unknown): CheckpointEvery | null {
  const text = typeof value === "number" ? String(value) : value;
  if (typeof text !== "string") return null;
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*(ms|s|m|h|steps?)?\s*$/i.exec(text);
  if (!m) return null;
  const x = Number(m[1]);
  if (!Number.isFinite(x) || x < 0) return null;
  if (x === 0) return { unit: "off" };
  const unit = (m[2] ?? "s").toLowerCase();
  if (unit.startsWith("step")) return Number.isSafeInteger(x) ? { unit: "steps", every: x } : null;
  const seconds = x * { ms: 0.001, s: 1, m: 60, h: 3600 }[unit as "ms" | "s" | "m" | "h"];
  return { unit: "seconds", every: seconds };
}

/** How often a training command checkpoints: the one form of every command's --checkpoint-every. */
export const checkpointEveryField = () =>
  ranged(
    z
      .union([z.string(), z.number()], { error: CHECKPOINT_EVERY_TEXT })
      .refine((s) => parseCheckpointEvery(s) !== null, { error: CHECKPOINT_EVERY_TEXT }),
    CHECKPOINT_EVERY_TEXT,
  );

export const runSchema = configSchema
  .extend({
    seed: seedField().optional().meta({ flag: "--seed", placeholder: "n", help: "master seed" }),
    steps: ranged(
      z
        .union([z.string(), z.number()], { error: STEPS_TEXT })
        .refine((s) => typeof s === "string" || (Number.isSafeInteger(s) && s >= 1), { error: STEPS_TEXT }),
      STEPS_TEXT,
    )
      .optional()
      .meta({
        flag: "--steps",
        placeholder: "expr",
        help: "SGD steps (= samples) per walker, written with numbers, d, + - * / ^, log (natural), sqrt and parentheses",
      }),
    checkpointEvery: checkpointEveryField()
      .optional()
      .meta({ flag: "--checkpoint-every", placeholder: "when", help: "checkpoint period" }),
  })
  .strict();

export const RUN_FIELDS = Object.keys(runSchema.shape) as string[];

export interface RunInput {
  config: Config;
  /** Canonical decimal text, absent when not given. */
  seed?: string;
  /** The steps expression as written (a number becomes its decimal text); evaluate with parseSteps. */
  steps?: string;
  checkpointEvery?: CheckpointEvery;
}

/** Validates a run file or the merged CLI flags: config fields (defaults filled) plus seed, steps, checkpointEvery. */
export function resolveRun(input: unknown = {}): RunInput {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new ConfigError("config", `got ${show(input)}, expected an object`);
  }
  const record = input as Record<string, unknown>;
  const result = runSchema.safeParse(record);
  if (!result.success) throw toConfigError(result.error.issues[0], record, RUN_FIELDS);
  const { seed, steps, checkpointEvery, ...rest } = record;
  const out: RunInput = { config: resolveConfig(rest) };
  if (seed !== undefined) out.seed = parseSeed(seed) as string;
  if (steps !== undefined) out.steps = String(steps);
  if (checkpointEvery !== undefined) out.checkpointEvery = parseCheckpointEvery(checkpointEvery) as CheckpointEvery;
  return out;
}
