import { fingerprint, simdSupported } from "../engine/kernels.js";
import { canonicalJson } from "../experiments/sweep.js";
import type { SweepFile } from "../experiments/sweep-file.js";
import type { TaskResult } from "../experiments/sweep-task.js";
import { EnvelopeMismatchError } from "../io/envelope.js";
import { type Build, stamp, unstamp } from "../io/stamp.js";
import { header, readEnvelope, writeEnvelope } from "./envelopes.js";
import { readJsonFile } from "./read-json.js";
import type { RunDir, RunDirSpec } from "./rundir.js";

export const SWEEP_FILES = { spec: "sweep-spec.json", state: "sweep-state.json", json: "sweep.json", csv: "sweep.csv" };
/** Schemas of the JSON files a sweep writes (docs/outputs.md); its state is a checkpoint envelope instead. */
export const SWEEP_SCHEMAS = { spec: "mcm.sweep-spec/1", state: "mcm.sweep-state/1", json: "mcm.sweep/1" } as const;

/** A sweep's directory (src/cli/rundir.ts): sweep-state.json is its checkpoint, sweep.json is written last. */
export const SWEEP_DIR: RunDirSpec = {
  command: "sweep",
  files: [
    ...Object.values(SWEEP_FILES),
    ...["overlaps", "collapse", "hitting-times"].flatMap((p) => [`${p}.svg`, `${p}.png`]),
  ],
  checkpoint: SWEEP_FILES.state,
  checkpointOnly: true,
};

/** The identity of a sweep: FNV-1a 64 of its canonical JSON. */
export const specHash = (s: SweepFile) => fingerprint(new TextEncoder().encode(canonicalJson(s)));

/**
 * The finished tasks stored in DIR for this sweep (none when there is no state yet): the checksum first,
 * then the spec of its header, checked by `check` (the schema of a new sweep) and against `sweep`.
 */
export function readSweepState(
  dir: RunDir,
  sweep: SweepFile,
  check: (raw: unknown) => SweepFile,
): { tasks: Map<string, TaskResult>; chunk: number | null } {
  if (!dir.has(SWEEP_FILES.state)) return { tasks: new Map(), chunk: null };
  const file = dir.path(SWEEP_FILES.state);
  const { header, options, payload } = readEnvelope(dir, SWEEP_FILES.state, "sweep", check);
  if (specHash(options) !== specHash(sweep)) {
    throw new EnvelopeMismatchError(
      `${file}: spec hash: expected ${specHash(sweep)} (${SWEEP_FILES.spec}), found ${specHash(options)} (another sweep)`,
    );
  }
  let tasks: Record<string, TaskResult>;
  try {
    tasks = (JSON.parse(new TextDecoder().decode(payload)) as { tasks: Record<string, TaskResult> }).tasks;
  } catch (e) {
    throw new Error(`${file}: tasks: not JSON (${(e as Error).message})`);
  }
  if (tasks === null || typeof tasks !== "object") throw new Error(`${file}: tasks: expected an object`);
  const chunk = Number.isSafeInteger(header.chunk) && (header.chunk as number) >= 1 ? (header.chunk as number) : null;
  return { tasks: new Map(Object.entries(tasks)), chunk };
}

/** Writes the finished tasks (atomically, the envelope's checksum over all of it) and the walkers per task
 * they were split into: a resume keeps that split whatever its --threads, so no finished task is redone. */
export function saveSweepState(dir: RunDir, sweep: SweepFile, tasks: Record<string, TaskResult>, chunk: number): void {
  const head = header(sweep, sweep.seed, null, { specHash: specHash(sweep), chunk });
  writeEnvelope(dir, SWEEP_FILES.state, "sweep", head, JSON.stringify({ tasks }));
}

/** The build a local sweep's tasks load (loadKernels' default on this host). */
export const localBuild = (): Build => (simdSupported() ? "simd" : "scalar");

/** A sweep-spec.json read back: its header checked and removed, so that the spec hash is the sweep's. */
export function readSweepSpec(path: string): SweepFile {
  return unstamp(path, readJsonFile(path, "the stored sweep") as SweepFile, SWEEP_SCHEMAS.spec);
}

/** The text of sweep-spec.json. */
export const sweepSpecText = (sweep: SweepFile) =>
  `${JSON.stringify(stamp(SWEEP_SCHEMAS.spec, null, sweep), null, 2)}\n`;
