/**
 * One unit of sweep work: a chunk of walkers of one grid point, run to its step budget. Pure function
 * of its input (the walkers' streams come from walkerOffset), so results do not depend on which thread
 * or machine runs it, or on how a point's walkers are chunked.
 */

import type { Direction } from "../config/directions.js";
import type { Config } from "../config/schema.js";
import { type Kernels, loadKernels } from "../engine/kernels.js";
import { createSimulation } from "../engine/simulation.js";

export interface SweepTask {
  /** Resolved config of the point, with walkers = the chunk's walker count. */
  config: Config;
  seed: string;
  walkerOffset: number;
  steps: number;
  stopWhenHit: Direction[];
  /** Keep walkers running to this multiple of their hitting step (1: freeze at the hit). */
  stopAfterHit: number;
}

export interface TaskResult {
  /** [walkers, K, 3] first-hitting steps, -1 when not reached. */
  hits: number[];
  /** [walkers] steps taken (less than steps for walkers frozen at their hit). */
  walkerSteps: number[];
  /** [walkers, K, 3] overlaps at the end. */
  overlaps: number[];
  logSteps: number[];
  /** Per log row: [walkers, K, 3]. */
  logOverlaps: number[][];
}

let cached: Promise<Kernels> | null = null;

export async function runTask(task: SweepTask, kernels?: Kernels): Promise<TaskResult> {
  if (!kernels) {
    cached ??= loadKernels();
    kernels = await cached;
  }
  const sim = await createSimulation(task.config, { kernels, walkerOffset: task.walkerOffset });
  sim.init(task.seed);
  await sim.run(task.steps, { stopWhenHit: task.stopWhenHit, stopAfterHit: task.stopAfterHit });
  return {
    hits: [...sim.hits()],
    walkerSteps: [...sim.walkerSteps()],
    overlaps: [...sim.overlaps()],
    logSteps: sim.log.map((e) => e.step),
    logOverlaps: sim.log.map((e) => [...e.overlaps]),
  };
}

/** The worker-thread entry (piscina calls the default export). */
export default runTask;
