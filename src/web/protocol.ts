/**
 * Messages between the page (main.ts) and its module worker (worker.ts). Typed arrays travel as copies
 * (structured clone); overlaps and hits have the shape [walkers, K, 3] with the last axis (u, v, m).
 */
import type { Config, ConfigInput } from "../config/schema.js";

export type Flavour = "simd" | "scalar";

export interface RunRequest {
  type: "run";
  config: ConfigInput;
  /** Decimal string, 0 <= seed < 2^64. */
  seed: string;
  steps: number;
  /** Forces a kernel build; otherwise SIMD where the browser validates it. */
  flavour?: Flavour;
}

export interface StopRequest {
  type: "stop";
}

/** A small `mcm generate` (src/generate): the config of the form with one walker. */
export interface GenerateRequest {
  type: "generate";
  config: ConfigInput;
  seed: string;
  /** Training samples per level at the last snapshot. */
  steps: number;
  levels: number;
  samples: number;
  snapshots: number;
  flavour?: Flavour;
}

export type ToWorker = RunRequest | StopRequest | GenerateRequest;

export interface LogPoint {
  step: number;
  /** [walkers, K, 3] */
  overlaps: Float64Array;
}

export type FromWorker =
  | { type: "started"; config: Config; flavour: Flavour; buildHash: string; eta: number; steps: number }
  | { type: "log"; points: LogPoint[] }
  | { type: "progress"; step: number; total: number; stepsPerSecond: number }
  | { type: "done"; step: number; overlaps: Float64Array; hits: Float64Array; stopped: boolean }
  | { type: "error"; message: string; field?: string }
  | {
      type: "generated";
      /** "oracle" or the snapshot's n / d. */
      label: string;
      lo: number;
      hi: number;
      density: number[];
      data: { x: number; density: number }[];
      varU: number;
      exKurtV: number;
      done: boolean;
    };

/** The 16 hex digits of a double's IEEE-754 bits (big-endian): equal strings mean bit-identical values. */
export function float64Hex(x: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0).toString(16).padStart(16, "0");
}

/** float64Hex of every value, comma-separated. */
export function float64HexList(values: ArrayLike<number>): string {
  return Array.from(values, float64Hex).join(",");
}
