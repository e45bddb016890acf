/**
 * SIGINT and SIGTERM for every long command (run, resume, sweep, generate, images, diffusion, demo): the
 * first signal aborts `signal`, and the command stops at its next safe point (a checkpoint, or the end of the
 * output file it is writing) and exits 130 or 143 with its usual message; `caught()` says which signal came.
 * A second signal stops at once (exit 130/143), saying on stderr what is lost: `lost()` as the command
 * states it at that moment. `release()` when the command is done.
 */
export type StopSignal = "SIGINT" | "SIGTERM";

export interface StopSignals {
  readonly signal: AbortSignal;
  caught(): StopSignal | null;
  release(): void;
}

export const signalExitCode = (s: StopSignal) => (s === "SIGINT" ? 130 : 143);

export function catchStopSignals(lost: () => string = () => "the work since the last checkpoint is lost"): StopSignals {
  const controller = new AbortController();
  let caught: StopSignal | null = null;
  const on = (s: StopSignal) => () => {
    if (caught !== null) {
      process.stderr.write(`\nmcm: ${s} again: stopping at once; ${lost()}\n`);
      process.exit(signalExitCode(s));
    }
    caught = s;
    controller.abort();
  };
  const onInt = on("SIGINT");
  const onTerm = on("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  return {
    signal: controller.signal,
    caught: () => caught,
    release() {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
    },
  };
}
