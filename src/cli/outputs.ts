/**
 * The end of a checkpointed training command (images, diffusion): a run stopped by a signal exits
 * through Interrupted with the command that continues it; a finished one writes its result and plots.
 */
import { join } from "node:path";
import type { Command } from "commander";
import { writeFileAtomic } from "../io/atomic.js";
import { type Build, stamp } from "../io/stamp.js";
import { Interrupted } from "./errors.js";
import { pngWriter } from "./optional.js";
import { addOutputOptions } from "./options.js";
import type { StopSignals } from "./signals.js";

/** Where a training command writes and how it was stopped. */
export interface TrainingRun {
  /** The command's name, for the resume hint. */
  command: string;
  outDir: string;
  resultFile: string;
  stop: StopSignals;
  /** --json: print the result on stdout. */
  json: boolean;
  /** The result file's schema ("mcm.diffusion/1"). */
  schema: string;
}

/**
 * Ends a training run: throws Interrupted (the checkpoint is written) unless it completed; otherwise writes
 * the result as JSON and each plot as NAME.svg and NAME.png, and with --json prints the result and returns
 * true (the caller prints nothing else).
 */
export async function finishTraining<
  R extends { complete: boolean; build: { flavour: Build } },
  P extends { [K in keyof P]: string | null },
>(run: TrainingRun, result: R, plotsOf: (result: R) => Promise<P>): Promise<boolean> {
  const { command, outDir, stop } = run;
  if (!result.complete) {
    const signal = stop.caught() ?? "SIGINT";
    throw new Interrupted(
      signal,
      `interrupted by ${signal}; checkpoint written\ncontinue with: mcm ${command} --resume ${outDir}`,
    );
  }
  // The result's own build record ({ flavour, hash }) is kept as `kernel` beside the header's build.
  const { build, ...rest } = result;
  const text = `${JSON.stringify(stamp(run.schema, build.flavour, { ...rest, kernel: build }), null, 1)}\n`;
  writeFileAtomic(join(outDir, run.resultFile), text);
  const plots = await plotsOf(result);
  const png = await pngWriter();
  for (const [name, svg] of Object.entries(plots) as [string, string | null][]) {
    if (!svg) continue;
    writeFileAtomic(join(outDir, `${name}.svg`), svg);
    if (png) writeFileAtomic(join(outDir, `${name}.png`), png(svg));
  }
  if (run.json) process.stdout.write(text);
  return run.json;
}

/** The flags of a checkpointed training command besides its options: --resume, --out, --force, --json, -q
 * and, given its help and default, --checkpoint-every (otherwise the command's schema has it). */
export function addTrainingRunOptions(cmd: Command, name: string, checkpointEvery?: [string, string]): Command {
  if (checkpointEvery) cmd.option("--checkpoint-every <steps>", ...checkpointEvery);
  cmd
    .option("--resume <dir>", "continue the run stored in DIR (its options are read from DIR)")
    .option("--out <dir>", `output directory (default: ./mcm-output/${name}-<UTC timestamp>)`)
    .option("--force", `replace a finished ${name} run or another run's files in --out`);
  return addOutputOptions(cmd, "the result");
}
