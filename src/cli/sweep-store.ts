/**
 * The state store of a local sweep: sweep-spec.json (the sweep as given) and sweep-state.json (every
 * finished task's result, written atomically after each task), so that `mcm sweep --resume DIR` reruns only
 * what is missing. A state written for another spec is refused.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fingerprint, simdSupported } from "../engine/kernels.js";
import { canonicalJson } from "../experiments/sweep.js";
import type { SweepFile } from "../experiments/sweep-file.js";
import type { TaskResult } from "../experiments/sweep-task.js";
import { writeFileAtomic } from "../io/atomic.js";
import { type Build, stamp, unstamp } from "../io/stamp.js";

export const SWEEP_FILES = { spec: "sweep-spec.json", state: "sweep-state.json", json: "sweep.json", csv: "sweep.csv" };
/** Schemas of the files a sweep reads back (docs/outputs.md); a state written before the header existed
 * carries `version: 1` instead. */
export const SWEEP_SCHEMAS = { spec: "mcm.sweep-spec/1", state: "mcm.sweep-state/1", json: "mcm.sweep/1" } as const;
const STATE_VERSION = 1;

interface SweepState {
  version?: number | string;
  schema?: string;
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
  if (state.schema === undefined && state.version !== STATE_VERSION) {
    throw new Error(`${path}: state version: expected ${STATE_VERSION}, found ${state.version}`);
  }
  state = unstamp(path, state, SWEEP_SCHEMAS.state);
  if (state.specHash !== specHash(sweep)) {
    throw new Error(
      `${path}: spec hash: expected ${specHash(sweep)} (this sweep), found ${state.specHash} (another sweep)`,
    );
  }
  return new Map(Object.entries(state.tasks));
}

/** Writes the finished tasks (atomically). */
export function saveSweepState(dir: string, sweep: SweepFile, tasks: Record<string, TaskResult>): void {
  const state = stamp(SWEEP_SCHEMAS.state, localBuild(), { specHash: specHash(sweep), tasks });
  writeFileAtomic(join(dir, SWEEP_FILES.state), JSON.stringify(state));
}

/** The build a local sweep's tasks load (loadKernels' default on this host). */
export const localBuild = (): Build => (simdSupported() ? "simd" : "scalar");

/** A sweep-spec.json read back: its header checked and removed, so that the spec hash is the sweep's. */
export function readSweepSpec(path: string): SweepFile {
  return unstamp(path, JSON.parse(readFileSync(path, "utf8")) as SweepFile, SWEEP_SCHEMAS.spec);
}

/** The text of sweep-spec.json. */
export const sweepSpecText = (sweep: SweepFile) =>
  `${JSON.stringify(stamp(SWEEP_SCHEMAS.spec, null, sweep), null, 2)}\n`;
