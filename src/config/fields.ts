/**
 * A schema's fields as a front end shows them, read from the validators and their metadata
 * (./schema.ts): the flag, what the field is, the range it accepts (the text its errors print), its
 * choices, its default, how a form labels it, and how a typed text becomes its value. The CLI's flags
 * (src/cli/options.ts) and the page's form (src/web/form.ts) are both built from these, so that help,
 * ranges and validation are written once. Browser-safe: zod only.
 */
import type { z } from "zod";
import { choicesOf, DECIMAL, fieldMeta, rangeOf } from "./schema.js";

/** How a field's text becomes a value: a number, the text, a switch, or every text of a repeated flag. */
export type FieldType = "number" | "text" | "bool" | "list";

export interface SchemaField<K extends string = string> {
  /** The schema's key (the docs/model.md symbol for a config field). */
  name: K;
  /** The long flag, e.g. "--units". */
  flag: string;
  placeholder?: string;
  /** What the field is, e.g. "hidden units K". */
  help: string;
  /** What the field accepts, as its errors state it. */
  range?: string;
  type: FieldType;
  /** The values of a field that takes one of a list. */
  choices?: readonly string[];
  /** The schema's default, when it has one. */
  default?: unknown;
  required?: boolean;
  aliases?: string[];
  /** How a form labels the field. */
  label: string;
  /** Typical values of a free-text field. */
  examples?: readonly string[];
}

/** The kind of value a field's validator takes (through its default or optional wrapper). */
export function fieldType(schema: z.ZodType): FieldType {
  const kind = (s: z.ZodType): string[] => {
    const def = s.def as { type: string; innerType?: z.ZodType; options?: z.ZodType[] };
    if (def.innerType) return kind(def.innerType);
    if (def.options) return def.options.flatMap(kind);
    return [def.type];
  };
  const kinds = kind(schema);
  if (kinds.includes("boolean")) return "bool";
  if (kinds.includes("array")) return "list";
  // A field that takes text or a number (a seed, a steps expression) keeps the text: 2^64 - 1 is no double.
  return kinds.includes("number") && !kinds.includes("string") ? "number" : "text";
}

/** The fields of a schema that carry flag metadata, in the schema's order. */
export function schemaFields<K extends string>(shape: Record<K, z.ZodType>): SchemaField<K>[] {
  const out: SchemaField<K>[] = [];
  for (const name of Object.keys(shape) as K[]) {
    const validator = shape[name];
    const meta = fieldMeta(validator);
    if (!meta) continue;
    const empty = validator.safeParse(undefined);
    out.push({
      name,
      flag: meta.flag,
      placeholder: meta.placeholder,
      help: meta.help,
      range: rangeOf(validator),
      type: fieldType(validator),
      choices: choicesOf(validator),
      default: empty.success ? empty.data : undefined,
      required: meta.required,
      aliases: meta.aliases,
      label: meta.label ?? name,
      examples: meta.examples,
    });
  }
  return out;
}

/** What a field is and, after a colon, what it accepts: the text of --help and of the page's tooltip. */
export function fieldHelp(field: Pick<SchemaField, "help" | "range" | "type">): string {
  return field.type === "bool" || !field.range ? field.help : `${field.help}: ${field.range}`;
}

/** The value a typed text stands for: a number for a numeric field when the text is a decimal number,
 * else the text (so that the error shows it); a switch's boolean passes through. */
export function valueOfText(field: Pick<SchemaField, "type">, text: string | boolean): unknown {
  if (typeof text === "boolean") return text;
  if (field.type === "number" && DECIMAL.test(text.trim())) return Number(text);
  return text;
}
