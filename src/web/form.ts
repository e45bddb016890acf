/**
 * The page's fields and their validation, apart from the DOM so that Node tests can check them. Field
 * names are the config's (docs/model.md symbols) plus the run's own `steps` and `seed`; their labels,
 * help, ranges and choices come from the run schema's metadata (src/config/fields.ts, as the CLI's flags
 * do), and the schema validates them, so that an error names the field and the range as `mcm run` does.
 * Errors are values ({ field, message }) for the page to show next to the field, never thrown.
 */
import type { z } from "zod";
import { ConfigError, InputError } from "../config/errors.js";
import { fieldHelp, type SchemaField, schemaFields, valueOfText } from "../config/fields.js";
import {
  type Config,
  type ConfigInput,
  RUN_FIELDS,
  type RunInput,
  resolveRun,
  runSchema,
  toConfigError,
} from "../config/schema.js";
import { parseSteps } from "../config/steps.js";

export interface FieldSpec {
  name: string;
  label: string;
  kind: "number" | "select" | "text";
  options?: readonly string[];
  /** Suggestions for free text fields (a datalist). */
  suggestions?: readonly string[];
  initial: string;
  /** What the field is and accepts, as `--help` says it. */
  title: string;
}

/** The run's fields the page shows, in page order. */
const PAGE_FIELDS = [
  "d",
  "K",
  "process",
  "t",
  "betaU",
  "betaV",
  "betaM",
  "latent",
  "correlation",
  "activation",
  "delta",
  "lrExponent",
  "steps",
  "walkers",
  "seed",
] as const;

/** The page's starting values where they are not the schema's defaults (a short run, a fixed seed). */
const PAGE_START: Readonly<Record<string, string>> = { steps: "12800", walkers: "16", seed: "1" };

const SCHEMA_FIELDS = new Map<string, SchemaField>(
  schemaFields(runSchema.shape as Record<string, z.ZodType>).map((f) => [f.name, f]),
);

function pageField(name: string): FieldSpec {
  const f = SCHEMA_FIELDS.get(name);
  if (!f) throw new Error(`form: ${name} is not a field of the run schema with metadata`);
  return {
    name,
    label: f.label,
    kind: f.choices ? "select" : f.type === "number" ? "number" : "text",
    options: f.choices,
    suggestions: f.examples,
    initial: PAGE_START[name] ?? String(f.default),
    title: fieldHelp(f),
  };
}

/** The fields in page order, from the run schema's metadata (labels, help, ranges, choices), with the page's
 * starting values (docs/model.md section 9 defaults, a short run). */
export const FIELDS: readonly FieldSpec[] = PAGE_FIELDS.map(pageField);

/** Config values the page fixes (not shown as fields). */
export const PAGE_CONFIG: ConfigInput = { logPerDecade: 20 };

/** The page's own cap on the steps of a run (a browser tab, not a batch job). */
export const MAX_STEPS = 1e12;

export interface FieldError {
  field: string;
  message: string;
}

export interface RunSettings {
  config: Config;
  seed: string;
  steps: number;
}

export type FormResult = { ok: true; run: RunSettings } | { ok: false; errors: FieldError[] };

/**
 * The errors the page shows: the form's own, plus the last run's failure (its field, or "" for the form's
 * line) until the person edits the form (the page re-validates after every run, so a failure kept only until
 * then would vanish before anyone could read it). A field the form flags keeps the form's message.
 */
export function shownErrors(form: readonly FieldError[], failure: FieldError | null): FieldError[] {
  if (!failure || form.some((e) => e.field === failure.field && failure.field !== "")) return [...form];
  return [...form, failure];
}

/** The field texts as the run schema reads them (trimmed; numbers where the field takes numbers). */
function inputOf(values: Readonly<Record<string, string>>, extra: ConfigInput): Record<string, unknown> {
  const input: Record<string, unknown> = { ...PAGE_CONFIG, ...extra };
  for (const name of PAGE_FIELDS) {
    input[name] = valueOfText(SCHEMA_FIELDS.get(name) as SchemaField, (values[name] ?? "").trim());
  }
  return input;
}

/** The step count at dimension d (unknown while d is invalid: only the expression's syntax is checked),
 * or its error in the words of `mcm run --steps`. */
function stepsOf(text: string, d: number | null): number | FieldError | null {
  try {
    const expression = parseSteps(text);
    if (d === null) return null;
    const steps = expression.at(d);
    if (steps <= MAX_STEPS) return steps;
    return { field: "steps", message: `steps: got ${steps} at d = ${d}, expected at most 1e12 steps on the page` };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return { field: e.field, message: e.message };
  }
}

/** Reads the field texts into a config and run settings, or every error found, each naming its field and
 * the accepted range as the CLI's errors do. `extra` holds config fields the form does not show (a
 * preset's target, skip, backend, threshold). */
export function readForm(values: Readonly<Record<string, string>>, extra: ConfigInput = {}): FormResult {
  const errors: FieldError[] = [];
  const input = inputOf(values, extra);
  // Every schema issue at once, in resolveRun's words; then resolveRun's cross-field checks (such as t's
  // range for the process) on the other fields, with the invalid ones left at their defaults.
  const parsed = runSchema.safeParse(input);
  const rest = { ...input };
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const e = toConfigError(issue, input, RUN_FIELDS);
      delete rest[e.field];
      if (!errors.some((x) => x.field === e.field)) errors.push({ field: e.field, message: e.message });
    }
  }
  let run: RunInput | null = null;
  try {
    run = resolveRun(rest);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    if (!errors.some((x) => x.field === e.field)) errors.push({ field: e.field, message: e.message });
  }
  const steps = typeof rest.steps === "string" ? stepsOf(rest.steps, run?.config.d ?? null) : null;
  if (steps !== null && typeof steps !== "number") errors.push(steps);
  if (errors.length > 0 || !run || run.seed === undefined || typeof steps !== "number") return { ok: false, errors };
  return { ok: true, run: { config: run.config, seed: run.seed, steps } };
}
