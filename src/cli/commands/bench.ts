/** `mcm bench` (also `npm run bench`): kernels and full SGD steps of four implementations, side by side. */
import type { Command } from "commander";
import { z } from "zod";
import { bool, int, num, ranged } from "../../config/schema.js";
import { stamp } from "../../io/stamp.js";
import { addOutputOptions, addSchemaOptions, type OutputFlags, parseFlags } from "../options.js";
import { createReporter } from "../progress.js";

const SECONDS_TEXT = "a number in (0, 60]";

/** The flags of `mcm bench`, their help and validation. */
export const benchSchema = z
  .object({
    quick: bool().default(false).meta({ flag: "--quick", help: "short measurements, 3 repetitions (about 15 s)" }),
    native: bool()
      .default(true)
      .meta({ flag: "--native", help: "the native C column where gcc exists (--no-native: skip it)" }),
    reps: int(1, 1000).optional().meta({ flag: "--reps", placeholder: "n", help: "interleaved repetitions per case" }),
    seconds: ranged(
      num(SECONDS_TEXT).refine((x) => x > 0 && x <= 60, { error: SECONDS_TEXT }),
      SECONDS_TEXT,
    )
      .optional()
      .meta({ flag: "--seconds", placeholder: "s", help: "target CPU seconds per measurement" }),
  })
  .strict();

export function registerBench(program: Command): Command {
  const cmd = program
    .command("bench")
    .description(
      "Measure Gaussian generation, dot and axpy, and a full SGD step (d = 100, 1000, 10000; K = 1, 4) for the SIMD and scalar WASM builds, a plain TypeScript step and a native C step compiled now with gcc -O3 -march=native (skipped without gcc); repetitions interleaved, medians with min-max, ratios from the same run; then the CLI's start-up time beside bare node. bench/RESULTS.md holds a full run.",
    );
  return addOutputOptions(addSchemaOptions(cmd, benchSchema), "the results").action(
    async (opts: OutputFlags & Record<string, unknown>) => {
      const { quick, native, reps, seconds } = parseFlags(benchSchema, opts);
      const reporter = createReporter({ quiet: opts.quiet === true });
      const { formatBench, runBench } = await import("../../bench/index.js");
      const result = await runBench({
        quick,
        native,
        repetitions: reps,
        seconds,
        onProgress: (m) => reporter.info(`bench: ${m}`),
      });
      const { formatConvBench, runConvBench } = await import("../../bench/conv.js");
      const diffusion = await runConvBench({
        quick,
        onProgress: (m) => reporter.info(`bench: ${m}`),
      });
      reporter.info("bench: CLI start-up beside bare node");
      const { formatStartupBench, runStartupBench } = await import("../../bench/startup.js");
      const startup = runStartupBench({ quick });
      process.stdout.write(
        opts.json
          ? `${JSON.stringify(stamp("mcm.bench/1", null, { ...result, diffusion, startup }), null, 2)}\n`
          : `${formatBench(result)}\n${formatConvBench(diffusion)}\n${formatStartupBench(startup)}\n`,
      );
    },
  );
}
