/**
 * The CLI's error kinds and exit codes: usage errors (bad flags, values, config files) exit 2, runtime
 * failures 1, an interrupted run 130 (SIGINT) or 143 (SIGTERM) after writing its checkpoint.
 */

export const EXIT = { ok: 0, failure: 1, usage: 2, sigint: 130, sigterm: 143 } as const;

/** Something the user typed or pointed at is wrong: exit code 2. */
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
