/**
 * The end of a checkpointed training command (images, diffusion): a run stopped by a signal exits
 * through Interrupted with the command that continues it; a finished one writes its result and plots.
 */
import { join } from "node:path";
import type { Command } from "commander";
import { writeFileAtomic } from "../io/atomic.js";
import { Interrupted } from "./errors.js";
import { addOutputOptions } from "./options.js";
import type { StopSignals } from "./signals.js";

/** Throws Interrupted (the checkpoint is written) unless the run completed. */
export function throwIfInterrupted(complete: boolean, stop: StopSignals, command: string, outDir: string): void {
  if (complete) return;
  const signal = stop.caught() ?? "SIGINT";
  throw new Interrupted(
    signal,
    `interrupted by ${signal}; checkpoint written\ncontinue with: mcm ${command} --resume ${outDir}`,
  );
}

/** Writes the result as JSON to `resultFile` in outDir and each plot as NAME.svg and NAME.png; with `json`
 * also prints the result on stdout and returns true (the caller prints nothing else). */
export async function writeResultAndPlots<P extends { [K in keyof P]: string | null }>(
  outDir: string,
  resultFile: string,
  result: unknown,
  plots: P,
  json: boolean,
): Promise<boolean> {
  writeFileAtomic(join(outDir, resultFile), `${JSON.stringify(result, null, 1)}\n`);
  const { svgToPng } = await import("../report/png.js");
  for (const [name, svg] of Object.entries(plots) as [string, string | null][]) {
    if (!svg) continue;
    writeFileAtomic(join(outDir, `${name}.svg`), svg);
    writeFileAtomic(join(outDir, `${name}.png`), svgToPng(svg));
  }
  if (json) process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
  return json;
}

/** The flags of a checkpointed training command besides its options: --checkpoint-every (its help and
 * default), --resume, --out, --force, --json and -q. */
export function addTrainingRunOptions(cmd: Command, name: string, checkpointEvery: [string, string]): Command {
  cmd
    .option("--checkpoint-every <steps>", ...checkpointEvery)
    .option("--resume <dir>", "continue the run stored in DIR (its options are read from DIR)")
    .option("--out <dir>", `output directory (default: ./mcm-output/${name}-<UTC timestamp>)`)
    .option("--force", `replace a finished ${name} run or another run's files in --out`);
  return addOutputOptions(cmd, "the result");
}
