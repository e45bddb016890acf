/**
 * The one progress wrapper of the CLI, always on stderr (stdout is for results): ora spinners for phases
 * (compile, init, checkpoint), a progress bar for SGD steps with steps/s and ETA when stderr is a terminal,
 * and a plain line every few seconds when it is not (logs, CI). `quiet` silences everything.
 */

export interface ProgressBar {
  /** Reports that the run is at `step` of `total`, at `rate` steps per second. */
  update(step: number, rate: number): void;
  /** Clears the bar (TTY) or prints a last line (plain). */
  done(message?: string): void;
}

export interface Reporter {
  readonly quiet: boolean;
  readonly tty: boolean;
  /** Runs fn under a spinner: "text" while it runs, then the success text (or the error). */
  phase<T>(text: string, fn: () => T | Promise<T>, succeed?: (result: T, seconds: number) => string): Promise<T>;
  /** A bar over `total` units (default "steps"); update() then takes units done and units per second. */
  bar(label: string, total: number, unit?: string): ProgressBar;
  /** A plain line on stderr. */
  info(text: string): void;
}

export interface ReporterOptions {
  quiet?: boolean;
  stream?: NodeJS.WriteStream;
  /** Milliseconds between plain progress lines when stderr is not a terminal. */
  plainInterval?: number;
}

/** 1234567 -> "1.23e6", 12345 -> "12345". */
export function compact(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1e5 ? x.toExponential(2).replace("e+", "e") : String(Math.round(x));
}

/** Seconds as "42s", "3m05s", "2h07m". */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

export function createReporter(options: ReporterOptions = {}): Reporter {
  const stream = options.stream ?? process.stderr;
  const quiet = options.quiet ?? false;
  // A terminal of zero columns (e.g. a pty nobody sized) would make ora clear lines forever: treat it as plain.
  const tty = Boolean(stream.isTTY) && (stream.columns ?? 0) > 0;
  const plainInterval = options.plainInterval ?? 5000;
  const write = (text: string) => {
    if (!quiet) stream.write(text);
  };

  return {
    quiet,
    tty,
    async phase(text, fn, succeed) {
      if (!tty) {
        // Logs and CI: one plain line per phase, once it is done (no spinner frames, no colour codes).
        const t0 = performance.now();
        try {
          const result = await fn();
          write(`${succeed ? succeed(result, (performance.now() - t0) / 1000) : text}\n`);
          return result;
        } catch (e) {
          write(`${text}: failed\n`);
          throw e;
        }
      }
      // ora only when there is a terminal to spin on (it is also the slowest import of the CLI).
      const { default: ora } = await import("ora");
      const spinner = ora({ text, stream, isSilent: quiet, discardStdin: false });
      spinner.start();
      const t0 = performance.now();
      try {
        const result = await fn();
        const seconds = (performance.now() - t0) / 1000;
        spinner.succeed(succeed ? succeed(result, seconds) : text);
        return result;
      } catch (e) {
        spinner.fail(text);
        throw e;
      }
    },
    bar(label, total, unit = "steps") {
      // The first line waits one interval, so the rate and ETA it shows are not those of a single chunk.
      let last = performance.now();
      let shown = false;
      const line = (step: number, rate: number) => {
        const fraction = total > 0 ? step / total : 1;
        const eta = rate > 0 ? (total - step) / rate : Number.NaN;
        return `${(100 * fraction).toFixed(0).padStart(3)}%  ${compact(step)}/${compact(total)} ${unit}  ${compact(rate)} ${unit}/s  ETA ${duration(eta)}`;
      };
      return {
        update(step, rate) {
          if (quiet) return;
          const now = performance.now();
          if (tty) {
            if (now - last < 100 && step < total) return;
            last = now;
            const width = 24;
            const filled = Math.min(width, Math.round((width * step) / Math.max(total, 1)));
            stream.write(`\r\x1b[2K${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${line(step, rate)}`);
            shown = true;
          } else {
            if (now - last < plainInterval) return;
            last = now;
            stream.write(`${label}: ${line(step, rate)}\n`);
          }
        },
        done(message) {
          if (quiet) return;
          if (tty && shown) stream.write("\r\x1b[2K");
          if (message) stream.write(`${message}\n`);
        },
      };
    },
    info(text) {
      write(`${text}\n`);
    },
  };
}
