/** `mcm bench` (also `npm run bench`): kernels and full SGD steps of four implementations, side by side. */
import type { Command } from "commander";
import { stamp } from "../../io/stamp.js";
import { UsageError } from "../errors.js";
import { createReporter } from "../progress.js";

export function registerBench(program: Command): Command {
  return program
    .command("bench")
    .summary("measure throughput: SIMD and scalar WASM against plain TypeScript and native C")
    .description(
      "Measure Gaussian generation, dot and axpy, and a full SGD step (d = 100, 1000, 10000; K = 1, 4) for the SIMD and scalar WASM builds, a plain TypeScript step and a native C step compiled now with gcc -O3 -march=native (skipped without gcc); repetitions interleaved, medians with min-max, ratios from the same run. bench/RESULTS.md holds a full run.",
    )
    .option("--quick", "short measurements, 3 repetitions (about 15 s)")
    .option("--no-native", "skip the native C column")
    .option("--reps <n>", "interleaved repetitions per case")
    .option("--seconds <s>", "target CPU seconds per measurement")
    .option("--json", "print exactly one JSON document on stdout")
    .option("-q, --quiet", "no progress output on stderr")
    .action(
      async (opts: {
        quick?: boolean;
        native: boolean;
        reps?: string;
        seconds?: string;
        json?: boolean;
        quiet?: boolean;
      }) => {
        const reps = opts.reps === undefined ? undefined : Number(opts.reps);
        if (reps !== undefined && !(Number.isInteger(reps) && reps >= 1 && reps <= 1000)) {
          throw new UsageError(`--reps: got ${JSON.stringify(opts.reps)}, expected an integer in [1, 1000]`);
        }
        const seconds = opts.seconds === undefined ? undefined : Number(opts.seconds);
        if (seconds !== undefined && !(seconds > 0 && seconds <= 60)) {
          throw new UsageError(`--seconds: got ${JSON.stringify(opts.seconds)}, expected a number in (0, 60]`);
        }
        const reporter = createReporter({ quiet: opts.quiet === true });
        const { formatBench, runBench } = await import("../../bench/index.js");
        const result = await runBench({
          quick: opts.quick === true,
          native: opts.native,
          repetitions: reps,
          seconds,
          onProgress: (m) => reporter.info(`bench: ${m}`),
        });
        const { formatConvBench, runConvBench } = await import("../../bench/conv.js");
        const diffusion = await runConvBench({
          quick: opts.quick === true,
          onProgress: (m) => reporter.info(`bench: ${m}`),
        });
        process.stdout.write(
          opts.json
            ? `${JSON.stringify(stamp("mcm.bench/1", null, { ...result, diffusion }), null, 2)}\n`
            : `${formatBench(result)}\n${formatConvBench(diffusion)}\n`,
        );
      },
    );
}
