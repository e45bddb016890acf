/**
 * Checks at the library's edges, kept out of the backends so that each is one call: a state handed to
 * restore() must come from the same config and hold a valid seed and step; a kernel source must name
 * something that can be loaded; two configs that should be one are compared field by field.
 */
import { type Config, parseSeed } from "../config/schema.js";

const show = (v: unknown) =>
  typeof v === "number" && !Number.isFinite(v) ? String(v) : (JSON.stringify(v) ?? String(v));

/** The fields in which two configs differ, as "field: A (whereA) vs B (whereB)", in the order of `a`. */
export function configDifferences(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  whereA: string,
  whereB: string,
): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys
    .filter((k) => show(a[k]) !== show(b[k]))
    .map((k) => `${k}: ${show(a[k])} (${whereA}) vs ${show(b[k])} (${whereB})`);
}

/**
 * Validates a state before restore() writes it into the kernels' memory: an object with a seed, a whole
 * step >= 0 and the config of the simulation (state() records it; a checkpoint carries it).
 */
export function checkRestoreState(config: Config, state: unknown): void {
  if (state === null || typeof state !== "object") {
    throw new TypeError(`restore: got ${show(state)}, expected a state from state() or a checkpoint`);
  }
  const s = state as Record<string, unknown>;
  if (!("seed" in s) || !("step" in s) || !("config" in s)) {
    const missing = ["seed", "step", "config"].filter((k) => !(k in s));
    throw new TypeError(
      `restore: the state has no ${missing.join(", ")}; expected a state from state() or a checkpoint`,
    );
  }
  if (parseSeed(s.seed) === null) {
    throw new RangeError(`restore: state.seed: got ${show(s.seed)}, expected an integer in [0, 2^64 - 1]`);
  }
  if (!(typeof s.step === "number" && Number.isSafeInteger(s.step) && s.step >= 0)) {
    throw new RangeError(`restore: state.step: got ${show(s.step)}, expected a whole number >= 0`);
  }
  const stored = s.config;
  if (stored === null || typeof stored !== "object") {
    throw new TypeError(`restore: state.config: got ${show(stored)}, expected the config the state was made with`);
  }
  const diffs = configDifferences(
    config as unknown as Record<string, unknown>,
    stored as Record<string, unknown>,
    "this simulation",
    "the state",
  );
  if (diffs.length > 0) {
    throw new Error(`restore: the state comes from another config: ${diffs.join("; ")}`);
  }
}

/**
 * Validates the arrays of a state before they are written into the kernels' memory: each field of the
 * backend present with its length and finite values, the rng streams present; for the full backend every
 * unit's weight vector and every spike of unit norm (the sphere the SGD moves on), for the reduced one
 * every overlap in [-1, 1]. NaN or a rescaled weight would otherwise run on as if valid.
 */
export function checkRestoreArrays(
  state: Record<string, unknown>,
  kind: string,
  fields: readonly { name: string; length: number }[],
  shape: { d: number; rngLength: number },
): void {
  const arrays: Record<string, ArrayLike<number>> = {};
  for (const f of fields) {
    const a = state[f.name] as ArrayLike<number> | undefined;
    if (a === null || typeof a !== "object" || typeof a.length !== "number") {
      throw new TypeError(`restore: state.${f.name}: got ${show(a)}, expected ${f.length} numbers`);
    }
    if (a.length !== f.length) throw new Error(`restore: ${f.name} has ${a.length} values, expected ${f.length}`);
    for (let i = 0; i < a.length; i++) {
      if (typeof a[i] !== "number" || !Number.isFinite(a[i])) {
        throw new RangeError(`restore: state.${f.name}[${i}] is ${show(a[i])}, expected a finite number`);
      }
    }
    arrays[f.name] = a;
  }
  const rng = state.rng as ArrayLike<unknown> | undefined;
  if (rng === null || typeof rng !== "object" || rng.length !== shape.rngLength) {
    throw new TypeError(
      `restore: state.rng: got ${rng && typeof rng === "object" ? `${rng.length} values` : show(rng)}, expected ${shape.rngLength} stream words`,
    );
  }
  const unit = (name: string, rows: number, d: number) => {
    const a = arrays[name];
    if (!a) return;
    for (let r = 0; r < rows; r++) {
      let norm = 0;
      for (let i = 0; i < d; i++) norm += a[r * d + i] ** 2;
      if (Math.abs(norm - 1) > 1e-9) {
        const at = rows > 1 ? `[${r * d}..${r * d + d - 1}]` : "";
        throw new RangeError(
          `restore: state.${name}${at} has norm ${Math.sqrt(norm)}, expected 1 (weights and spikes lie on the unit sphere)`,
        );
      }
    }
  };
  if (kind === "full") {
    const w = arrays.w;
    if (w) unit("w", w.length / shape.d, shape.d);
    for (const spike of ["u", "v", "m"]) unit(spike, 1, shape.d);
  } else {
    const m = arrays.M;
    const i = m ? Array.prototype.findIndex.call(m, (x: number) => Math.abs(x) > 1 + 1e-9) : -1;
    if (m && i >= 0) throw new RangeError(`restore: state.M[${i}] is ${m[i]}, expected an overlap in [-1, 1]`);
  }
}

/** A kernel source that is a string must be a URL or a path ending in .wasm that can be read. */
export function describeKernelSourceError(source: unknown, e: unknown): Error {
  const reason = e instanceof Error ? e.message : String(e);
  return new Error(
    `loadKernels: cannot load ${show(String(source))} (${reason}); expected a URL, a file path or the bytes of an mcm WASM build`,
  );
}
