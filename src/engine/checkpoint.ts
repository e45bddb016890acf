/**
 * The checkpoint format: a SimulationState plus what identifies the run, as a numpy .npz archive
 * (see npz.ts) that `np.load(path, allow_pickle=False)` opens. Members (shapes in numpy order):
 *
 *   format_version  int64 ()        CHECKPOINT_FORMAT_VERSION
 *   build_hash      str ()          Kernels.buildHash of the WASM build that wrote it
 *   kernel          str ()          "simd" or "scalar"
 *   config          str ()          the resolved config as JSON (sorted keys)
 *   config_hash     str ()          FNV-1a 64 of that JSON, 16 hex digits
 *   package_version str ()
 *   seed            uint64 ()       the master seed
 *   steps_total     int64 ()        the step count the run aims for
 *   steps_expression str ()         --steps as written
 *   step            int64 ()        the step every walker has reached
 *   w               float64 [walkers, K, d]
 *   a               float64 [walkers, K]
 *   b               float64 [walkers]
 *   u, v, m         float64 [d]
 *   overlaps, hits  float64 [walkers, K, 3]      (u, v, m); hits -1 = not reached
 *   rng             uint64 [walkers, 2, 4]       xoshiro256** states (train, eval)
 *   log_step        int64 [n]; log_overlaps [n, walkers, K, 3]; log_a [n, walkers, K]; log_b [n, walkers]
 *   activation_table str ()         only for a formula activation: its table's record as JSON (formula,
 *                                   derivative, range, spacing, intervals, tolerance, maxError, checksum)
 *
 * Decoding refuses, with an expected-vs-found message, another format version, another build, another
 * config, a member of the wrong shape, and truncated or corrupted bytes (zip CRC-32). Browser-safe.
 */
import { InputError } from "../config/errors.js";
import type { ActivationTableRecord } from "../config/model.js";
import type { Config } from "../config/schema.js";
import { canonicalJson } from "../io/json.js";
import { configDifferences } from "./guards.js";
import { fingerprint, type KernelFlavour } from "./kernels.js";
import { decodeNpz, encodeNpz, type NpyArray, NpzError } from "./npz.js";
import type { LogEntry, SimulationState } from "./types.js";

export const CHECKPOINT_FORMAT_VERSION = 1;

/** Thrown when a checkpoint cannot be used; the message says exactly what does not match. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckpointError";
  }
}

/** A sound checkpoint of another run: its seed or config differs from the one it was expected to continue
 * (an input error about the checkpoint file: the directory or config the user pointed at does not match). */
export class CheckpointMismatchError extends InputError {
  constructor(file: string, detail: string) {
    super(file, detail, "mismatch");
    this.name = "CheckpointMismatchError";
  }
}

export interface CheckpointMeta {
  config: Config;
  buildHash: string;
  kernel: KernelFlavour;
  packageVersion: string;
  /** The run's target step count and the expression it came from. */
  stepsTotal: number;
  stepsExpression: string;
  /** A formula activation's table, without its data (rebuilt from the config, bit for bit, on resume). */
  activationTable?: ActivationTableRecord;
}

/** The config hash recorded in checkpoints: FNV-1a 64 of the canonical JSON, 16 hex digits. */
export function configHash(config: Config): string {
  return fingerprint(new TextEncoder().encode(canonicalJson(config)));
}

const f8 = (shape: number[], data: Float64Array): NpyArray => ({ dtype: "<f8", shape, data });
const i8 = (value: number): NpyArray => ({ dtype: "<i8", shape: [], data: BigInt64Array.of(BigInt(value)) });
const str = (data: string): NpyArray => ({ dtype: "<U", shape: [], data });

/** The named arrays of a checkpoint (pass them to encodeNpz). */
export function checkpointArrays(state: SimulationState, meta: CheckpointMeta): Record<string, NpyArray> {
  const { d, K } = meta.config;
  const walkers = state.b.length;
  const n = state.log.length;
  const logOverlaps = new Float64Array(n * walkers * K * 3);
  const logA = new Float64Array(n * walkers * K);
  const logB = new Float64Array(n * walkers);
  state.log.forEach((e, i) => {
    logOverlaps.set(e.overlaps, i * walkers * K * 3);
    logA.set(e.a, i * walkers * K);
    logB.set(e.b, i * walkers);
  });
  return {
    format_version: i8(CHECKPOINT_FORMAT_VERSION),
    build_hash: str(meta.buildHash),
    kernel: str(meta.kernel),
    config: str(canonicalJson(meta.config)),
    config_hash: str(configHash(meta.config)),
    package_version: str(meta.packageVersion),
    seed: { dtype: "<u8", shape: [], data: BigUint64Array.of(BigInt(state.seed)) },
    steps_total: i8(meta.stepsTotal),
    steps_expression: str(meta.stepsExpression),
    step: i8(state.step),
    // The full backend's state is the weights and spikes; the reduced backend's is (M, G) (docs/model.md
    // section 8): the overlaps are M, and gram holds G.
    ...(state.backend === "reduced"
      ? { overlaps: f8([walkers, K, 3], state.M), gram: f8([walkers, K, K], state.G) }
      : {
          w: f8([walkers, K, d], state.w),
          u: f8([d], state.u),
          v: f8([d], state.v),
          m: f8([d], state.m),
          overlaps: f8([walkers, K, 3], state.overlaps),
        }),
    a: f8([walkers, K], state.a),
    b: f8([walkers], state.b),
    hits: f8([walkers, K, 3], state.hits),
    walker_steps: f8([walkers], state.walkerSteps),
    rng: { dtype: "<u8", shape: [walkers, 2, 4], data: state.rng },
    log_step: { dtype: "<i8", shape: [n], data: BigInt64Array.from(state.log, (e) => BigInt(e.step)) },
    log_overlaps: f8([n, walkers, K, 3], logOverlaps),
    log_a: f8([n, walkers, K], logA),
    log_b: f8([n, walkers], logB),
    ...(meta.activationTable ? { activation_table: str(JSON.stringify(meta.activationTable)) } : {}),
  };
}

export interface CheckpointExpectation {
  /** The build that will continue the run; a checkpoint from another build is refused. */
  buildHash?: string;
  /** The config hash the run directory's config.json gives; another config is refused. */
  configHash?: string;
  /** The config itself, so that a refusal names the fields that differ (implies configHash). */
  config?: Config;
  /** The master seed the run directory records; a checkpoint of another seed is refused. */
  seed?: string;
  /** Where the expected values come from, for messages (e.g. "this build (simd)"). */
  buildSource?: string;
  configSource?: string;
}

export interface DecodedCheckpoint {
  state: SimulationState;
  meta: CheckpointMeta;
  configHash: string;
}

const shapeText = (s: number[]) => `(${s.join(", ")}${s.length === 1 ? "," : ""})`;

/** Reads the arrays of a checkpoint back into a state, checking version, build, config and every shape. */
export function checkpointFromArrays(
  arrays: Record<string, NpyArray>,
  expect: CheckpointExpectation = {},
  file = "checkpoint",
): DecodedCheckpoint {
  const get = <T extends NpyArray["dtype"]>(name: string, dtype: T, shape?: number[]) => {
    const a = arrays[name];
    if (!a) throw new CheckpointError(`${file}: expected a member ${name}.npy, found none`);
    if (a.dtype !== dtype)
      throw new CheckpointError(`${file}: member ${name}: expected dtype ${dtype}, found ${a.dtype}`);
    if (shape && (a.shape.length !== shape.length || a.shape.some((x, i) => x !== shape[i]))) {
      throw new CheckpointError(
        `${file}: member ${name}: expected shape ${shapeText(shape)}, found ${shapeText(a.shape)}`,
      );
    }
    return a as Extract<NpyArray, { dtype: T }>;
  };
  const scalar = (name: string) => Number(get(name, "<i8", []).data[0]);
  const text = (name: string) => get(name, "<U", []).data;

  const version = scalar("format_version");
  if (version !== CHECKPOINT_FORMAT_VERSION) {
    throw new CheckpointError(
      `${file}: format version: expected ${CHECKPOINT_FORMAT_VERSION}, found ${version} (written by another version of mcm-diffusion)`,
    );
  }
  const buildHash = text("build_hash");
  const kernel = text("kernel") as KernelFlavour;
  if (expect.buildHash !== undefined && buildHash !== expect.buildHash) {
    throw new CheckpointError(
      `${file}: WASM build hash: expected ${expect.buildHash} (${expect.buildSource ?? "this build"}), found ${buildHash} (the ${kernel} build that wrote the checkpoint); only the build that wrote a checkpoint can continue it bit-identically`,
    );
  }
  const configText = text("config");
  const storedHash = text("config_hash");
  let config: Config;
  try {
    config = JSON.parse(configText) as Config;
  } catch {
    throw new CheckpointError(
      `${file}: member config: expected JSON, found ${JSON.stringify(configText.slice(0, 40))}`,
    );
  }
  const hash = configHash(config);
  if (hash !== storedHash) {
    throw new CheckpointError(
      `${file}: config hash: expected ${storedHash} (recorded), found ${hash} (of the stored config)`,
    );
  }
  const expectedHash = expect.configHash ?? (expect.config ? configHash(expect.config) : undefined);
  if (expectedHash !== undefined && hash !== expectedHash) {
    const source = expect.configSource ?? "the run's config";
    const fields = expect.config
      ? `: ${configDifferences(expect.config as unknown as Record<string, unknown>, config as unknown as Record<string, unknown>, source, "the checkpoint").join("; ")}`
      : "";
    throw new CheckpointMismatchError(
      file,
      `config hash: expected ${expectedHash} (${source}), found ${hash} (the checkpoint's config)${fields}`,
    );
  }
  const storedSeed = get("seed", "<u8", []).data[0].toString();
  if (expect.seed !== undefined && storedSeed !== expect.seed) {
    throw new CheckpointMismatchError(
      file,
      `seed: expected ${expect.seed} (${expect.configSource ?? "the run's config"}), found ${storedSeed} (the checkpoint); a checkpoint continues only the run that wrote it`,
    );
  }
  const { d, K } = config;
  const walkers = get("b", "<f8").shape[0] ?? 0;
  if (walkers !== config.walkers) {
    throw new CheckpointError(`${file}: member b: expected ${config.walkers} walkers, found ${walkers}`);
  }
  const n = get("log_step", "<i8").shape[0] ?? 0;
  const logOverlaps = get("log_overlaps", "<f8", [n, walkers, K, 3]).data;
  const logA = get("log_a", "<f8", [n, walkers, K]).data;
  const logB = get("log_b", "<f8", [n, walkers]).data;
  const logStep = get("log_step", "<i8", [n]).data;
  const log: LogEntry[] = [];
  for (let i = 0; i < n; i++) {
    log.push({
      step: Number(logStep[i]),
      overlaps: logOverlaps.slice(i * walkers * K * 3, (i + 1) * walkers * K * 3),
      a: logA.slice(i * walkers * K, (i + 1) * walkers * K),
      b: logB.slice(i * walkers, (i + 1) * walkers),
    });
  }
  const rng = get("rng", "<u8", [walkers, 2, 4]).data;
  for (let i = 0; i < 2 * walkers; i++) {
    if (rng[4 * i] === 0n && rng[4 * i + 1] === 0n && rng[4 * i + 2] === 0n && rng[4 * i + 3] === 0n) {
      throw new CheckpointError(
        `${file}: member rng: expected non-zero xoshiro256** states, found an all-zero state for walker ${i >> 1} (${i & 1 ? "eval" : "train"})`,
      );
    }
  }
  const common = {
    config,
    seed: storedSeed,
    step: scalar("step"),
    a: get("a", "<f8", [walkers, K]).data,
    b: get("b", "<f8", [walkers]).data,
    hits: get("hits", "<f8", [walkers, K, 3]).data,
    walkerSteps: get("walker_steps", "<f8", [walkers]).data,
    rng,
    log,
  };
  const state: SimulationState =
    config.backend === "reduced"
      ? {
          ...common,
          backend: "reduced",
          M: get("overlaps", "<f8", [walkers, K, 3]).data,
          G: get("gram", "<f8", [walkers, K, K]).data,
        }
      : {
          ...common,
          backend: "full",
          w: get("w", "<f8", [walkers, K, d]).data,
          u: get("u", "<f8", [d]).data,
          v: get("v", "<f8", [d]).data,
          m: get("m", "<f8", [d]).data,
          overlaps: get("overlaps", "<f8", [walkers, K, 3]).data,
        };
  const meta: CheckpointMeta = {
    config,
    buildHash,
    kernel,
    packageVersion: text("package_version"),
    stepsTotal: scalar("steps_total"),
    stepsExpression: text("steps_expression"),
  };
  return { state, meta, configHash: hash };
}

/** Decodes .npz bytes into a checkpoint (NpzError from the archive layer becomes a CheckpointError). */
export function decodeCheckpoint(
  bytes: Uint8Array,
  expect: CheckpointExpectation = {},
  options: { name?: string; inflateRaw?: (b: Uint8Array) => Uint8Array } = {},
): DecodedCheckpoint {
  const file = options.name ?? "checkpoint";
  if (!(bytes instanceof Uint8Array)) {
    const shown =
      bytes === null ? "null" : typeof bytes === "object" ? (bytes as object).constructor?.name : typeof bytes;
    throw new TypeError(`decodeCheckpoint: got ${shown}, expected the bytes of a checkpoint.npz as a Uint8Array`);
  }
  let arrays: Record<string, NpyArray>;
  try {
    arrays = decodeNpz(bytes, { name: file, inflateRaw: options.inflateRaw });
  } catch (e) {
    if (e instanceof NpzError) throw new CheckpointError(e.message);
    throw e;
  }
  return checkpointFromArrays(arrays, expect, file);
}

/** The .npz bytes of a checkpoint. */
export function encodeCheckpoint(state: SimulationState, meta: CheckpointMeta): Uint8Array {
  return encodeNpz(checkpointArrays(state, meta));
}
