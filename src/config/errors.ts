/**
 * Errors about what a user gave: a config field, a flag's value, a file. Each carries the path of the field
 * it is about (`d`, `levels`, `steps`, `queue`; dotted for nested fields) and a kind; its `detail` says what
 * is wrong without naming the field ("got 0, expected an integer in [1, 1048576]"), and its message is
 * `field: detail`. Library code throws these and never names a command-line flag: a front end says where
 * the field came from in its own terms (the CLI's translator in src/cli/errors.ts names the flag typed or
 * the config file's field; the page marks its form field). This module imports nothing, so that the CLI
 * can recognise these errors without loading what throws them.
 */

/** What is wrong with the input. */
export type InputErrorKind =
  /** A value outside what the field accepts. */
  | "invalid"
  /** A field that does not exist. */
  | "unknown"
  /** Fields that contradict each other. */
  | "conflict"
  /** A file that cannot be read or parsed. */
  | "unreadable"
  /** A file or state of another run, config or build than the one it should continue. */
  | "mismatch"
  /** A valid value that this computation does not cover (e.g. the limit theory for K > 1). */
  | "not-covered";

/** Something the user gave is wrong: a usage error, never a runtime failure. */
export class InputError extends Error {
  readonly field: string;
  readonly kind: InputErrorKind;
  /** What is wrong, without the field: the message is `${field}: ${detail}`. */
  readonly detail: string;
  constructor(field: string, detail: string, kind: InputErrorKind = "invalid") {
    super(`${field}: ${detail}`);
    this.name = "InputError";
    this.field = field;
    this.kind = kind;
    this.detail = detail;
  }
}

/** An invalid configuration value (a config field, or an option of an experiment or command). */
export class ConfigError extends InputError {
  constructor(field: string, detail: string, kind: InputErrorKind = "invalid") {
    super(field, detail, kind);
    this.name = "ConfigError";
  }
}
