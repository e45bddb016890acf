/**
 * The reduced backend (docs/model.md section 8): the exact Markov chain of the overlaps M = W S^T [K, q] and
 * the off-spike Gram matrix G = (P W)(P W)^T [K, K], stepped by assembly/reduced/ at a cost that does not
 * depend on d. It has the law of the full backend's overlaps, hitting times, a_k and b for any d; it has no
 * weight vectors and no spikes, so weights() and spikes() throw and gram() gives G instead.
 *
 * Shapes: overlaps and hits [walkers, K, 3] with the last axis (u, v, m) (m = 0 when betaM = 0, where
 * q = 2); G [walkers, K, K]; a [walkers, K]; b [walkers]. A checkpoint (ReducedState) is M, G, a, b, the
 * hits, the RNG states and the log: O(walkers K^2) numbers whatever d is.
 */
import type { Model } from "../config/model.js";
import type { Arena } from "./arena.js";
import { type Backend, walkerFields } from "./backend.js";
import type { KernelExports } from "./kernels.js";
import { computeLayout, type Layout, STREAM } from "./layout.js";

export { spikeCount } from "../config/model.js";
export type { ReducedState } from "./types.js";

/** The arena of the reduced backend: the full layout at d = 0 (no vectors of length d), plus G and the
 * chain's scratch. */
export interface ReducedLayout extends Layout {
  /** Number of spikes tracked: 2 (u, v), or 3 with the mean spike. */
  q: number;
  gram: number;
  scratch: number;
}

export function computeReducedLayout(
  base: number,
  K: number,
  walkers: number,
  q: number,
  scratchDoubles: number,
  tableDoubles = 0,
): ReducedLayout {
  const core = computeLayout(base, 0, K, walkers, tableDoubles);
  let at = core.end;
  const take = (doubles: number) => {
    const ptr = at;
    at += Math.ceil((doubles * 8) / 16) * 16;
    return ptr;
  };
  const gram = take(walkers * K * K);
  const scratch = take(scratchDoubles);
  return { ...core, q, gram, scratch, end: at };
}

/**
 * G = (P W)(P W)^T [walkers, K, K] of weights [walkers, K, d], P the projection off the given orthonormal
 * spikes: the reduced coordinates of a full-backend state.
 */
export function offSpikeGram(
  weights: Float64Array,
  spikes: readonly Float64Array[],
  walkers: number,
  K: number,
  d: number,
): Float64Array {
  const G = new Float64Array(walkers * K * K);
  const p = new Float64Array(K * d);
  for (let w = 0; w < walkers; w++) {
    for (let k = 0; k < K; k++) {
      const row = p.subarray(k * d, (k + 1) * d);
      row.set(weights.subarray((w * K + k) * d, (w * K + k + 1) * d));
      for (const s of spikes) {
        let c = 0;
        for (let i = 0; i < d; i++) c += row[i] * s[i];
        for (let i = 0; i < d; i++) row[i] -= c * s[i];
      }
    }
    for (let k = 0; k < K; k++) {
      for (let l = 0; l <= k; l++) {
        let s = 0;
        for (let i = 0; i < d; i++) s += p[k * d + i] * p[l * d + i];
        G[(w * K + k) * K + l] = s;
        G[(w * K + l) * K + k] = s;
      }
    }
  }
  return G;
}

/** The reduced backend of a model on a fresh kernel instance (sizes the arena). */
export function createReducedBackend(model: Model, exports: KernelExports, arena: Arena): Backend {
  const { d, K, walkers, amplitude } = model.config;
  const { q } = model;
  if (d - q - K < 2) {
    throw new RangeError(`d: got ${d} with K = ${K} and ${q} spikes, the reduced backend needs d - ${q} - K >= 2`);
  }
  const layout = computeReducedLayout(
    exports.heapBase(),
    K,
    walkers,
    q,
    exports.reducedScratchDoubles(K, q),
    model.table?.data.length,
  );
  arena.ensure(layout.end);
  const nOvl = walkers * K * 3;
  const common = walkerFields(layout, walkers, K);
  const runGroup = (ws: readonly number[], n: number): number => {
    new Int32Array(exports.memory.buffer, exports.groupList(), ws.length).set(ws);
    return exports.runReducedGroup(ws.length / 2, n);
  };
  const unavailable = (what: string, instead: string): never => {
    throw new Error(`${what}() is not available for the reduced backend: it tracks overlaps only (${instead})`);
  };
  return {
    kind: "reduced",
    layout,
    fields: [
      { name: "M", ptr: layout.ovl, length: nOvl },
      { name: "G", ptr: layout.gram, length: walkers * K * K },
      common.a,
      common.b,
      common.hits,
      common.walkerSteps,
    ],
    configure: () => exports.configureReduced(q, layout.gram, layout.scratch),
    runWalker: (w, n) => exports.runReduced(w, n),
    runGroup: K === 1 && exports.isSimd() ? runGroup : undefined,
    groupSize: 2 * exports.groupPairs(),
    // A K = 1 chain step (~45 ns in groups, ~65 alone) costs about as much as 10 coordinate-steps of the
    // full backend (~5 ns each), and the step grows like K^2.
    chunkSteps: (work) => work / (10 * K * K),
    streams: { init: STREAM.reducedInit, train: STREAM.reducedTrain, eval: STREAM.reducedEval },
    initWalker: (w, rng) => exports.initReducedWalker(w, rng, amplitude, model.skip0),
    evalLoss: (w, n) => exports.evalLossReduced(w, n),
    gram: () => arena.readF64(layout.gram, walkers * K * K),
    sample: () => unavailable("sample", "the chain draws inner products, not vectors; use the full backend"),
    weights: () => unavailable("weights", "use overlaps() and gram()"),
    spikes: () => unavailable("spikes", "the chain is the same for every choice of spikes"),
  };
}
