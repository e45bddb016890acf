/**
 * The page's fields and their validation, apart from the DOM so that Node tests can check them. Field
 * names are the config's (docs/model.md symbols) plus the run's own `steps` and `seed`. Errors are values
 * ({ field, message }) for the page to show next to the field, never thrown.
 */

import { ConfigError } from "../config/errors.js";
import { SHORTCUTS } from "../config/expr.js";
import {
  ACTIVATIONS,
  type Config,
  type ConfigInput,
  configSchema,
  decimalNumber,
  parseSeed,
  resolveConfig,
  SEED_TEXT,
  show,
} from "../config/schema.js";

export interface FieldSpec {
  name: string;
  label: string;
  kind: "int" | "number" | "select" | "text";
  options?: readonly string[];
  /** Suggestions for free text fields (a datalist). */
  suggestions?: readonly string[];
  initial: string;
  title: string;
}

/** The fields in page order, with the page's starting values (docs/model.md section 9 defaults, a short run). */
export const FIELDS: readonly FieldSpec[] = [
  { name: "d", label: "d", kind: "int", initial: "128", title: "dimension" },
  { name: "K", label: "K", kind: "int", initial: "1", title: "hidden units" },
  {
    name: "process",
    label: "process",
    kind: "select",
    options: ["vp", "ve", "linear"],
    initial: "vp",
    title: "forward process",
  },
  { name: "t", label: "t", kind: "number", initial: "0.5", title: "diffusion time" },
  { name: "betaU", label: "βu", kind: "number", initial: "5", title: "covariance spike strength" },
  { name: "betaV", label: "βv", kind: "number", initial: "5", title: "cumulant spike strength" },
  { name: "betaM", label: "βm", kind: "number", initial: "0", title: "mean spike strength" },
  {
    name: "latent",
    label: "latent ν",
    kind: "text",
    suggestions: ["rademacher", "uniform", "skewed:0.3"],
    initial: "rademacher",
    title: 'law of the non-Gaussian latent: "rademacher", "uniform" or "skewed:P"',
  },
  {
    name: "correlation",
    label: "correlation",
    kind: "text",
    suggestions: ["independent", "sign", "uncorrelated", "mixed:0.5"],
    initial: "independent",
    title: 'correlation of the latents: "independent", "sign", "uncorrelated" or "mixed:P"',
  },
  {
    name: "activation",
    label: "activation g",
    kind: "text",
    suggestions: [...ACTIVATIONS, ...Object.keys(SHORTCUTS), "expr:x*sigmoid(1.702*x)", "expr:tanh(x) + 0.2*(x^2 - 1)"],
    initial: "tanh",
    title:
      'a built-in (tanh, erf, relu, sign, linear, he3), gelu, silu, softplus, or "expr:FORMULA" in x: + - * / ^, pi, e, exp, log, sqrt, abs, tanh, sinh, cosh, sin, cos, erf, sigmoid, softplus, max, min, sign, step',
  },
  { name: "delta", label: "δ", kind: "number", initial: "0.5", title: "learning rate eta = delta d^-p" },
  {
    name: "lrExponent",
    label: "p",
    kind: "number",
    initial: "1",
    title: "learning-rate exponent p in eta = delta d^-p",
  },
  { name: "steps", label: "steps", kind: "text", initial: "12800", title: "SGD steps (samples) per walker, e.g. 1e5" },
  { name: "walkers", label: "walkers", kind: "int", initial: "16", title: "independent runs" },
  { name: "seed", label: "seed", kind: "text", initial: "1", title: "master seed, an integer in [0, 2^64 - 1]" },
];

/** Fields that are not part of the config. */
const RUN_FIELDS = new Set(["steps", "seed"]);

/** Config values the page fixes (not shown as fields). */
export const PAGE_CONFIG: ConfigInput = { logPerDecade: 20 };

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

/** A number when the text is one ("1e5", " 3 "), else the text itself so that the message shows it. */
function numeric(text: string): number | string {
  const s = text.trim();
  if (s === "") return s;
  const x = decimalNumber(s);
  return Number.isNaN(x) ? text : x;
}

export function readStepsField(text: string): number | FieldError {
  const x = numeric(text);
  if (typeof x !== "number" || !Number.isInteger(x) || x < 1 || x > MAX_STEPS) {
    return { field: "steps", message: `steps: got ${show(x)}, expected an integer in [1, 1e12]` };
  }
  return x;
}

/** The seed's text as the config's seed field reads it (the one range of every --seed), or its error. */
export function readSeed(text: string): string | FieldError {
  return parseSeed(text.trim()) ?? { field: "seed", message: `seed: got ${show(text)}, expected ${SEED_TEXT}` };
}

/** Reads the field texts into a config and run settings, or every error found, each naming its field.
 * `extra` holds config fields the form does not show (a preset's target, skip, backend, threshold). */
export function readForm(values: Readonly<Record<string, string>>, extra: ConfigInput = {}): FormResult {
  const errors: FieldError[] = [];
  const input: Record<string, unknown> = { ...PAGE_CONFIG, ...extra };
  for (const spec of FIELDS) {
    if (RUN_FIELDS.has(spec.name)) continue;
    const text = values[spec.name] ?? "";
    input[spec.name] = spec.kind === "int" || spec.kind === "number" ? numeric(text) : text.trim();
  }
  const steps = readStepsField(values.steps ?? "");
  if (typeof steps !== "number") errors.push(steps);
  const seed = readSeed(values.seed ?? "");
  if (typeof seed !== "string") errors.push(seed);

  // Every schema issue at once, in resolveConfig's words; then resolveConfig's cross-field checks (such as
  // t's range for the process) on the other fields, with the invalid ones left at their defaults.
  const parsed = configSchema.safeParse(input);
  const rest = { ...input };
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path.join(".");
      delete rest[field];
      if (errors.some((e) => e.field === field)) continue;
      errors.push({ field, message: `${field}: got ${show(input[field])}, expected ${issue.message}` });
    }
  }
  let config: Config | null = null;
  try {
    config = resolveConfig(rest);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    if (!errors.some((x) => x.field === e.field)) errors.push({ field: e.field, message: e.message });
  }
  if (errors.length > 0 || !config || typeof steps !== "number" || typeof seed !== "string") {
    return { ok: false, errors };
  }
  return { ok: true, run: { config, seed, steps } };
}
