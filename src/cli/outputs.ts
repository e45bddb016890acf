/**
 * The end of a checkpointed training command (images, diffusion): a run stopped by a signal exits
 * through Interrupted with the command that continues it; a finished one writes its plots and then its
 * result, the file that marks it finished: a kill between them leaves the final checkpoint, from which a
 * resume computes the result again, and a resume of a finished run rebuilds missing plots from the result.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { type Build, stamp, unstamp } from "../io/stamp.js";
import { Interrupted } from "./errors.js";
import { pngWriter } from "./optional.js";
import { addOutputOptions } from "./options.js";
import type { RunDir } from "./rundir.js";
import type { StopSignals } from "./signals.js";

/** Where a training command writes and how it was stopped. */
export interface TrainingRun {
  /** The command's name, for the resume hint. */
  command: string;
  dir: RunDir;
  resultFile: string;
  stop: StopSignals;
  /** --json: print the result on stdout. */
  json: boolean;
  /** The result file's schema ("mcm.diffusion/1"). */
  schema: string;
}

/**
 * Ends a training run: throws Interrupted (the checkpoint is written) unless it completed; otherwise writes
 * each plot as NAME.svg and NAME.png, then the result as JSON (last: it marks the run finished), and with
 * --json prints the result and returns true (the caller prints nothing else).
 */
export async function finishTraining<
  R extends { complete: boolean; build: { flavour: Build } },
  P extends { [K in keyof P]: string | null },
>(run: TrainingRun, result: R, plotsOf: (result: R) => Promise<P>): Promise<boolean> {
  const { command, dir, stop } = run;
  if (!result.complete) {
    const signal = stop.caught() ?? "SIGINT";
    throw new Interrupted(
      signal,
      `interrupted by ${signal}; checkpoint written\ncontinue with: mcm resume ${dir.dir} (or mcm ${command} --resume ${dir.dir})`,
    );
  }
  await writeDirPlots(dir, await plotsOf(result));
  // The result's own build record ({ flavour, hash }) is kept as `kernel` beside the header's build.
  const { build, ...rest } = result;
  const text = `${JSON.stringify(stamp(run.schema, build.flavour, { ...rest, kernel: build }), null, 1)}\n`;
  dir.write(run.resultFile, text);
  const late = stop.caught();
  if (late !== null) {
    throw new Interrupted(
      late,
      `interrupted by ${late} while writing the outputs; they are complete: the run is finished in ${dir.dir}`,
    );
  }
  if (run.json) process.stdout.write(text);
  return run.json;
}

/** Each figure as NAME.svg and, where resvg loads, NAME.png in the run directory. */
export async function writeDirPlots(dir: RunDir, plots: Record<string, string | null>): Promise<void> {
  const png = await pngWriter();
  for (const [name, svg] of Object.entries(plots)) {
    if (!svg) continue;
    dir.write(`${name}.svg`, svg);
    if (png) dir.write(`${name}.png`, png(svg));
  }
}

/**
 * A resume of a finished training run: its plots rebuilt from the result (a kill may have cut them short),
 * the result printed again with --json. Returns the result, and whether it was printed.
 */
export async function reportFinished<R, P extends { [K in keyof P]: string | null }>(
  dir: RunDir,
  resultFile: string,
  schema: string,
  plotsOf: (result: R) => Promise<P>,
  json: boolean,
): Promise<{ result: R; printed: boolean }> {
  const path = dir.path(resultFile);
  let result: R;
  try {
    // Written stamped, its build record as `kernel` (finishTraining): the result as the command made it.
    const doc = unstamp(path, JSON.parse(readFileSync(path, "utf8")), schema) as Record<string, unknown>;
    const { kernel, ...rest } = doc;
    result = (kernel === undefined ? doc : { ...rest, build: kernel }) as R;
  } catch (e) {
    throw new Error(`${path}: not a readable result (${(e as Error).message}); remove it to compute it again`);
  }
  await writeDirPlots(dir, await plotsOf(result));
  process.stderr.write(`mcm: the run in ${dir.dir} is finished; its plots were written again from ${resultFile}\n`);
  if (json) process.stdout.write(readFileSync(path, "utf8"));
  return { result, printed: json };
}

/** The flags of a checkpointed training command besides its options: --checkpoint-every (given its help and
 * default; otherwise the command's schema has it), --resume, --out, --force, --json and -q. */
export function addTrainingRunOptions(cmd: Command, name: string, checkpointEvery?: [string, string]): Command {
  if (checkpointEvery) cmd.option("--checkpoint-every <steps>", ...checkpointEvery);
  cmd
    .option("--resume <dir>", "continue the run stored in DIR (its options are read from DIR)")
    .option("--out <dir>", `output directory (default: ./mcm-output/${name}-<UTC timestamp>)`)
    .option("--force", `replace a finished ${name} run or another run's files in --out`);
  return addOutputOptions(cmd, "the result");
}
