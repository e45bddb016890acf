/**
 * A trained family of denoisers (docs/model.md section 11): one run of the engine per noise level, with the
 * same config except t, the same sample budget n per level, and its own random streams: level i's walkers
 * draw from the streams of walkers i * walkers .. (i + 1) * walkers - 1 of the master seed
 * (SimulationOptions.walkerOffset), while the spikes, drawn from the seed alone, are shared by every
 * level. Snapshots of the weights at log-spaced n give the family after n samples per level.
 */
import type { Config } from "../config/schema.js";
import type { Kernels } from "../engine/kernels.js";
import { createSimulation, DivergenceError } from "../engine/simulation.js";

/** Walker w's denoiser at n samples: its weights [K, d] etc. are slices of these [walkers, ...] arrays. */
export interface LevelSnapshot {
  n: number;
  /** [walkers, K, d] */
  w: number[];
  /** [walkers, K] */
  a: number[];
  /** [walkers] */
  b: number[];
  /** [walkers, K, 3] overlaps with u, v, m */
  overlaps: number[];
}

export interface LevelRun {
  t: number;
  snapshots: LevelSnapshot[];
  /** [walkers, K, 3]: first step with |overlap| >= threshold, -1 if not reached by the last snapshot. */
  hits: number[];
}

/** Thrown when a level's training diverges: names the level. */
export class LevelDivergence extends Error {
  readonly level: number;
  constructor(level: number, t: number, cause: DivergenceError) {
    super(`level ${level} (t = ${t}) diverged: ${cause.message}`);
    this.name = "LevelDivergence";
    this.level = level;
  }
}

/** n log-spaced from steps / 1000 (at least 1) to steps, `count` values, distinct and increasing. */
export function snapshotSteps(steps: number, count: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < count; j++) {
    const n = Math.max(1, Math.round(steps * 10 ** (-3 * (1 - j / Math.max(1, count - 1)))));
    if (out.length === 0 || n > out[out.length - 1]) out.push(n);
  }
  if (out[out.length - 1] !== steps) out.push(steps);
  return out;
}

/** Trains level `level` at diffusion time t and records the weights at each of `steps` (increasing). */
export async function trainLevel(
  config: Config,
  seed: string,
  level: number,
  t: number,
  steps: readonly number[],
  options: { kernels?: Kernels; signal?: AbortSignal; tableRange?: number } = {},
): Promise<LevelRun> {
  const sim = await createSimulation(
    { ...config, t },
    { kernels: options.kernels, walkerOffset: level * config.walkers, tableRange: options.tableRange },
  );
  sim.init(seed);
  const snapshots: LevelSnapshot[] = [];
  for (const n of steps) {
    try {
      await sim.run(n, { signal: options.signal });
    } catch (e) {
      if (e instanceof DivergenceError) throw new LevelDivergence(level, t, e);
      throw e;
    }
    if (sim.step < n) throw new Error("interrupted");
    snapshots.push({
      n,
      w: Array.from(sim.weights()),
      a: Array.from(sim.amplitudes()),
      b: Array.from(sim.skips()),
      overlaps: Array.from(sim.overlaps()),
    });
  }
  return { t, snapshots, hits: Array.from(sim.hits()) };
}
