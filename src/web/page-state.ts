/**
 * The page's presets and its state in the URL, apart from the DOM so that Node tests can check them.
 *
 * A page preset is a preset of src/experiments/presets.ts seen as one run: its config at one d (the
 * preset's `page` entry) with a few walkers and its step budget evaluated at that d. Form fields take the
 * preset's values (every other field its initial value); config fields the form does not show (target,
 * skip, amplitude, backend, threshold) travel beside the form as `extra`, named on the page.
 *
 * The URL holds the preset's name and every field whose value differs from the preset's (or, without a
 * preset, from the field's initial value): `?preset=C2&walkers=32`. Reading it back gives the same form.
 */
import type { z } from "zod";
import { type SchemaField, schemaFields, valueOfText } from "../config/fields.js";
import { type ConfigInput, configSchema } from "../config/schema.js";
import { parseSteps } from "../config/steps.js";
import { PRESETS, type Preset, presetArgs } from "../experiments/presets.js";
import { FIELDS } from "./form.js";

export interface PagePreset {
  name: string;
  description: string;
  /** Every form field's text. */
  values: Record<string, string>;
  /** Config fields the form does not show. */
  extra: ConfigInput;
}

const FORM_FIELDS = new Set(FIELDS.map((f) => f.name));

/** The form's initial texts. */
export const INITIAL_VALUES: Readonly<Record<string, string>> = Object.fromEntries(
  FIELDS.map((f) => [f.name, f.initial]),
);

/** flag -> config field, from the schema's metadata. */
const FIELD_OF_FLAG = new Map<string, SchemaField>(
  schemaFields(configSchema.shape as Record<string, z.ZodType>).map((f) => [f.flag, f]),
);

/** A preset as one run on the page; null when the preset has no page view. */
export function pagePreset(preset: Preset): PagePreset | null {
  if (!preset.page) return null;
  const args = presetArgs(preset);
  const values: Record<string, string> = { ...INITIAL_VALUES };
  const extra: Record<string, unknown> = {};
  for (const [flag, value] of Object.entries(args)) {
    const negated = flag.startsWith("--no-") && FIELD_OF_FLAG.has(flag.replace("--no-", "--"));
    const spec = FIELD_OF_FLAG.get(negated ? flag.replace("--no-", "--") : flag);
    const field = spec?.name;
    if (spec === undefined || field === "d" || field === "walkers") continue;
    const v: string | boolean = value === true ? !negated : value;
    if (FORM_FIELDS.has(spec.name)) values[spec.name] = String(v);
    else extra[spec.name] = valueOfText(spec, v);
  }
  const { d, walkers } = preset.page;
  values.d = String(d);
  values.walkers = String(walkers);
  if (typeof args["--seed"] === "string") values.seed = args["--seed"];
  if (typeof args["--steps"] === "string") values.steps = String(parseSteps(args["--steps"]).at(d));
  return { name: preset.name, description: preset.description, values, extra: extra as ConfigInput };
}

/** The presets the page offers (name and description), in the order of `mcm presets`. */
export const PAGE_PRESET_NAMES: readonly { name: string; description: string }[] = PRESETS.filter((p) => p.page).map(
  (p) => ({ name: p.name, description: p.description }),
);

const cache = new Map<string, PagePreset>();

/** A page preset by name, computed on first use (C2's threshold comes from the calculator's plateau). */
export function findPagePreset(name: string | null): PagePreset | null {
  if (name === null) return null;
  const hit = cache.get(name);
  if (hit) return hit;
  const preset = PRESETS.find((p) => p.name === name && p.page);
  const page = preset ? pagePreset(preset) : null;
  if (page) cache.set(name, page);
  return page;
}

/** The extra config fields of a preset as one line for the page, e.g. "target noise, skip 1". */
export function extraText(extra: ConfigInput): string {
  return Object.entries(extra)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}

export interface PageState {
  preset: string | null;
  values: Record<string, string>;
}

/** The texts a state starts from: its preset's values, or the initial ones. */
export function baseValues(preset: string | null): Readonly<Record<string, string>> {
  return findPagePreset(preset)?.values ?? INITIAL_VALUES;
}

/** The query string of a state: the preset and the fields that differ from its base (no leading "?"). */
export function toQuery(state: PageState, keep: Readonly<Record<string, string>> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(keep)) q.set(k, v);
  const preset = findPagePreset(state.preset);
  if (preset) q.set("preset", preset.name);
  const base = baseValues(preset?.name ?? null);
  for (const f of FIELDS) {
    const v = state.values[f.name];
    if (v !== undefined && v !== base[f.name]) q.set(f.name, v);
  }
  return q.toString();
}

/** The state a query string stands for: an unknown preset is ignored, unknown parameters too. */
export function fromQuery(search: string): PageState {
  const q = new URLSearchParams(search);
  const preset = findPagePreset(q.get("preset"))?.name ?? null;
  const values: Record<string, string> = { ...baseValues(preset) };
  for (const f of FIELDS) {
    const v = q.get(f.name);
    if (v !== null) values[f.name] = v;
  }
  return { preset, values };
}
