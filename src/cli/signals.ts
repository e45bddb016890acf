/**
 * SIGINT and SIGTERM turned into an AbortSignal for the commands that checkpoint and stop (images,
 * diffusion, generate, sweep): the work sees `signal`, the command asks `caught()` which signal stopped it and
 * calls `release()` when done. (`mcm run` has its own handling in ./session.ts: a second signal there
 * leaves at once.)
 */
export type StopSignal = "SIGINT" | "SIGTERM";

export interface StopSignals {
  readonly signal: AbortSignal;
  caught(): StopSignal | null;
  release(): void;
}

export function catchStopSignals(): StopSignals {
  const controller = new AbortController();
  let caught: StopSignal | null = null;
  const on = (s: StopSignal) => () => {
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
