/**
 * What both backends share: an ensemble of walkers with its seed, common step, overlap log and the
 * walkers frozen by stopWhenHit; init and run in lockstep (lockstep.ts). A backend supplies its kernel
 * call per walker and its per-walker initialisation.
 */
import type { Arena } from "./arena.js";
import type { Layout } from "./layout.js";
import { seedWords } from "./layout.js";
import { runLockstep } from "./lockstep.js";
import { copyLogEntry, DivergenceError, type LogEntry, type RunOptions, type Simulation } from "./types.js";

export interface EnsembleSpec {
  arena: Arena;
  layout: Layout;
  walkers: number;
  K: number;
  eta: number;
  /** Index of the first walker's streams (SimulationOptions.walkerOffset). */
  walkerOffset?: number;
  /** Runs n steps of walker w in the kernel: n, or -s when a non-finite value appeared at step s. */
  runWalker(w: number, n: number): number;
  /** Optionally runs the listed walkers (an even number, at most groupSize) together for up to n steps,
   * with the same results as runWalker on each; returns the steps done (runWalker finishes the rest, e.g.
   * a step that diverges). */
  runGroup?(ws: readonly number[], n: number): number;
  /** The most walkers runGroup takes. */
  groupSize?: number;
  /** Steps per walker in a chunk of `work` coordinate-steps of the full backend. */
  chunkSteps(work: number): number;
}

export class Ensemble {
  seedText: string | null = null;
  step = 0;
  log: LogEntry[] = [];
  readonly nOvl: number;
  readonly walkerOffset: number;
  private readonly frozen: Uint8Array;

  constructor(private readonly spec: EnsembleSpec) {
    const { walkers } = spec;
    const offset = spec.walkerOffset ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + walkers > 2 ** 32) {
      throw new RangeError(`walkerOffset: got ${offset}, expected an integer in [0, 2^32 - walkers]`);
    }
    this.walkerOffset = offset;
    this.nOvl = walkers * spec.K * 3;
    this.frozen = new Uint8Array(walkers);
  }

  requireInit(what: string): void {
    if (this.seedText === null) throw new Error(`${what}() called before init()`);
  }

  snapshot(): LogEntry {
    const { arena, layout, walkers, K } = this.spec;
    return {
      step: this.step,
      overlaps: arena.readF64(layout.ovl, this.nOvl),
      a: arena.readF64(layout.a, walkers * K),
      b: arena.readF64(layout.b, walkers),
    };
  }

  /** Seeds the master seed's streams: `initWalker(w, id, hi, lo)` for each walker w (streams of walker id). */
  start(
    seed: number | bigint | string,
    initWalker: (w: number, id: number, hi: number, lo: number) => void,
  ): { hi: number; lo: number } {
    const { hi, lo, text } = seedWords(seed);
    for (let w = 0; w < this.spec.walkers; w++) initWalker(w, this.walkerOffset + w, hi, lo);
    this.seedText = text;
    this.step = 0;
    this.log = [this.snapshot()];
    return { hi, lo };
  }

  /** Advances every walker not frozen by n steps: in groups of up to groupSize with runGroup (an even
   * number each; an odd one out runs alone, after its group), or one by one. */
  advanceAll(n: number): void {
    const { runGroup, walkers } = this.spec;
    const live: number[] = [];
    for (let w = 0; w < walkers; w++) if (!this.frozen[w]) live.push(w);
    if (!runGroup) {
      for (const w of live) this.runOne(w, n);
    } else {
      const size = this.spec.groupSize ?? 2;
      for (let i = 0; i < live.length; i += size) {
        const ws = live.slice(i, i + size);
        const odd = ws.length % 2 === 1 ? (ws.pop() as number) : -1;
        if (ws.length > 0) {
          const done = runGroup(ws, n);
          if (done < n) for (const w of ws) this.runOne(w, n - done);
        }
        if (odd >= 0) this.runOne(odd, n);
      }
    }
    this.step += n;
  }

  private runOne(w: number, n: number): void {
    const r = this.spec.runWalker(w, n);
    if (r < 0) throw new DivergenceError(-r, w, this.spec.eta);
  }

  advance(n: number): void {
    this.requireInit("advance");
    if (!Number.isSafeInteger(n) || n < 0)
      throw new RangeError(`advance: got ${n}, expected a whole number of steps >= 0`);
    if (n > 0) this.advanceAll(n);
  }

  async run(sim: Simulation, total: number, options: RunOptions = {}): Promise<void> {
    this.requireInit("run");
    const { arena, layout, walkers } = this.spec;
    await runLockstep(
      sim,
      {
        step: () => this.step,
        advance: (n) => this.advanceAll(n),
        record: () => this.log.push(this.snapshot()),
        chunkSteps: this.spec.chunkSteps,
        frozen: this.frozen,
        hitsView: () => arena.f64(layout.hit, this.nOvl),
        stepsView: () => arena.f64(layout.step, walkers),
      },
      total,
      options,
    );
  }

  /** Takes seed, step and log from a saved state (the backend restores its arrays). */
  restore(s: { seed: string; step: number; log: LogEntry[] }): void {
    this.seedText = s.seed;
    this.step = s.step;
    this.log = s.log.map(copyLogEntry);
  }
}
