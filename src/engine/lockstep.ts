/**
 * The lockstep run loop shared by the backends: every walker advances chunk by chunk, so that all of them
 * are at the same step whenever the host looks (log points, progress reports, checkpoints).
 */

import { DIRECTIONS, type Direction } from "../config/directions.js";
import { nextGridStep } from "./grid.js";
import type { RunOptions, Simulation } from "./types.js";

/** What a backend gives the loop. */
export interface LockstepDriver {
  /** The common step count of all walkers. */
  step(): number;
  /** Advances every walker by n >= 1 steps (throws DivergenceError). */
  advance(n: number): void;
  /** Appends the current state to the log. */
  record(): void;
  /** Steps per walker in one chunk (about 10 ms of work unless options.chunkWork says otherwise). */
  chunkSteps(chunkWork: number): number;
  /** Walkers frozen by options.stopWhenHit: advance() skips them. runLockstep clears it at the start. */
  frozen: Uint8Array;
  /** Live views of the first-hitting steps [walkers, K, 3] (-1: not yet) and of each walker's step count. */
  hitsView(): Float64Array;
  stepsView(): Float64Array;
}

/** Freezes each walker whose listed directions have all been hit (by some unit) and whose step count has
 * reached `factor` times the last of those hits; returns true when every walker is frozen. */
export function freezeHit(driver: LockstepDriver, K: number, dirs: readonly Direction[], factor: number): boolean {
  const hits = driver.hitsView();
  const steps = driver.stepsView();
  const { frozen } = driver;
  let all = true;
  for (let w = 0; w < frozen.length; w++) {
    if (!frozen[w]) {
      let last = 0;
      for (const dir of dirs) {
        const j = DIRECTIONS.indexOf(dir);
        let first = -1;
        for (let k = 0; k < K; k++) {
          const h = hits[(w * K + k) * 3 + j];
          if (h >= 0 && (first < 0 || h < first)) first = h;
        }
        last = first < 0 || last < 0 ? -1 : Math.max(last, first);
      }
      frozen[w] = last >= 0 && steps[w] >= factor * last ? 1 : 0;
    }
    if (!frozen[w]) all = false;
  }
  return all;
}

/** Advances every walker of `sim` to `total` steps, logging on the log grid and at `total`, reporting
 * progress, calling onChunk, yielding to the event loop about every 50 ms, stopping early on abort. */
export async function runLockstep(
  sim: Simulation,
  driver: LockstepDriver,
  total: number,
  options: RunOptions = {},
): Promise<void> {
  if (!Number.isSafeInteger(total) || total < 0) {
    throw new RangeError(`steps: got ${total}, expected a whole number in [0, 2^53 - 1]`);
  }
  const startStep = driver.step();
  if (total < startStep) {
    throw new RangeError(`steps: got ${total}, but the simulation is already at step ${startStep}`);
  }
  const chunk = Math.max(1, Math.floor(driver.chunkSteps(options.chunkWork ?? 2e6)));
  const started = performance.now();
  let lastYield = started;
  let step = startStep;
  driver.frozen.fill(0);
  const stopDirs = options.stopWhenHit ?? [];
  while (step < total) {
    if (options.signal?.aborted) return;
    if (stopDirs.length > 0 && freezeHit(driver, sim.config.K, stopDirs, options.stopAfterHit ?? 1)) return;
    const gridNext = nextGridStep(step, sim.config.logPerDecade);
    const next = Math.min(total, gridNext, step + chunk);
    driver.advance(next - step);
    step = driver.step();
    if (step === gridNext || step === total) driver.record();
    const now = performance.now();
    options.onProgress?.({
      step,
      total,
      stepsPerSecond: ((step - startStep) * 1000) / Math.max(now - started, 1e-3),
    });
    if (options.onChunk) await options.onChunk(sim);
    if (now - lastYield > 50) {
      // Let timers and signal handlers run between chunks.
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
      lastYield = performance.now();
    }
  }
}
