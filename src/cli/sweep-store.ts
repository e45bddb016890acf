/**
 * The state store of a local sweep: sweep-spec.json (the sweep as given) and sweep-state.json (every
 * finished task's result, written atomically after each task), so that `mcm sweep --resume DIR` reruns only
 * what is missing. A state written for another spec is refused.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fingerprint } from "../engine/kernels.js";
import { canonicalJson } from "../experiments/sweep.js";
import type { SweepFile } from "../experiments/sweep-file.js";
import type { TaskResult } from "../experiments/sweep-task.js";
import { writeFileAtomic } from "../io/atomic.js";

export const SWEEP_FILES = { spec: "sweep-spec.json", state: "sweep-state.json", json: "sweep.json", csv: "sweep.csv" };
const STATE_VERSION = 1;

interface SweepState {
  version: number;
  specHash: string;
  tasks: Record<string, TaskResult>;
}

/** The identity of a sweep: FNV-1a 64 of its canonical JSON. */
export const specHash = (s: SweepFile) => fingerprint(new TextEncoder().encode(canonicalJson(s)));

/** The finished tasks stored in DIR for this sweep (none when there is no state yet). */
export function readSweepState(dir: string, sweep: SweepFile): Map<string, TaskResult> {
  const path = join(dir, SWEEP_FILES.state);
  if (!existsSync(path)) return new Map();
  let state: SweepState;
  try {
    state = JSON.parse(readFileSync(path, "utf8")) as SweepState;
  } catch (e) {
    throw new Error(`${path}: not a readable sweep state (${(e as Error).message}); remove it to start over`);
  }
  if (state.version !== STATE_VERSION) {
    throw new Error(`${path}: state version: expected ${STATE_VERSION}, found ${state.version}`);
  }
  if (state.specHash !== specHash(sweep)) {
    throw new Error(
      `${path}: spec hash: expected ${specHash(sweep)} (this sweep), found ${state.specHash} (another sweep)`,
    );
  }
  return new Map(Object.entries(state.tasks));
}

/** Writes the finished tasks (atomically). */
export function saveSweepState(dir: string, sweep: SweepFile, tasks: Record<string, TaskResult>): void {
  const state: SweepState = { version: STATE_VERSION, specHash: specHash(sweep), tasks };
  writeFileAtomic(join(dir, SWEEP_FILES.state), JSON.stringify(state));
}
