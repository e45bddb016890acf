/**
 * The CLI's error kinds, exit codes and its one translator of errors into what the user sees. Usage errors
 * (bad flags, values, config files: an InputError from any layer, or a UsageError of the CLI's own) exit 2,
 * runtime failures 1, an interrupted run 130 (SIGINT) or 143 (SIGTERM) after writing its checkpoint.
 * Library code names fields, never flags: `translate` names the flag the user typed for a field, or the
 * config file and field it came from. This module loads nothing heavy (the CLI reads it on every call).
 */
import type { Command, Option } from "commander";
import { InputError } from "../config/errors.js";
import { EnvelopeMismatchError } from "../io/envelope.js";
import { StampError } from "../io/stamp.js";

export const EXIT = { ok: 0, failure: 1, usage: 2, sigint: 130, sigterm: 143 } as const;

/** Something the user typed or pointed at is wrong, found by the CLI itself (its message names the flag): exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The run was stopped by a signal after writing its checkpoint. */
export class Interrupted extends Error {
  readonly signal: "SIGINT" | "SIGTERM";
  constructor(signal: "SIGINT" | "SIGTERM", message: string) {
    super(message);
    this.name = "Interrupted";
    this.signal = signal;
  }
  get exitCode(): number {
    return this.signal === "SIGINT" ? EXIT.sigint : EXIT.sigterm;
  }
}

/** The field behind each option made from a schema's metadata (--units is K); other options are their attribute. */
const FIELD_OF = new WeakMap<Option, string>();

/** Marks an option as the flag of a schema field, for the translator. */
export function tagField(option: Option, field: string): Option {
  FIELD_OF.set(option, field);
  return option;
}

/** The --config file this command line read and its fields (one command runs per process). */
let configFile: { path: string; fields: Set<string> } | null = null;

/** Notes the fields a --config file gave, so that an error in one names the file and the field. */
export function noteConfigFile(path: string, fields: Iterable<string>): void {
  configFile = { path, fields: new Set(fields) };
}

/** Where a field's value came from on this command line: the flag typed, else the config file's field,
 * else the flag that would set it, else the field itself. */
export function originOf(field: string, cmd?: Command): string {
  const commands = cmd ? [cmd, ...cmd.commands] : [];
  const optionsOf = (c: Command) => c.options.filter((o) => (FIELD_OF.get(o) ?? o.attributeName()) === field);
  for (const c of commands) {
    const typed = optionsOf(c).find((o) => c.getOptionValueSource(o.attributeName()) === "cli");
    if (typed?.long) return typed.long;
  }
  if (configFile?.fields.has(field)) return `${configFile.path}: ${field}`;
  for (const c of commands) {
    const option = optionsOf(c)[0];
    if (option?.long) return option.long;
  }
  return field;
}

/** The one translation of an error into an exit code and the line the user sees (commander's own errors,
 * already printed by commander, are handled by the caller). `cmd` is the command that ran. */
export function translate(e: unknown, cmd?: Command): { code: number; message: string } {
  if (e instanceof Interrupted) return { code: e.exitCode, message: e.message };
  if (e instanceof InputError) return { code: EXIT.usage, message: `${originOf(e.field, cmd)}: ${e.detail}` };
  // A file of another kind or a newer format where a run record or spec was expected; a sound checkpoint
  // of another command or run, or one whose header a new run would refuse (src/io/envelope.ts).
  if (e instanceof UsageError || e instanceof StampError || e instanceof EnvelopeMismatchError)
    return { code: EXIT.usage, message: e.message };
  return { code: EXIT.failure, message: e instanceof Error ? e.message : String(e) };
}
