/**
 * The full backend (docs/model.md sections 2 to 5): walkers of K weight vectors of length d in WASM memory,
 * stepped by assembly/sgd.ts on fresh samples of the mixed cumulant model.
 */
import type { Model } from "../config/model.js";
import type { Arena } from "./arena.js";
import { type Backend, walkerFields } from "./backend.js";
import type { KernelExports } from "./kernels.js";
import { computeLayout, MAX_ARENA_BYTES, STREAM } from "./layout.js";
import { offSpikeGram } from "./reduced.js";

/** The full backend of a model on a fresh kernel instance (sizes the arena). */
export function createFullBackend(model: Model, exports: KernelExports, arena: Arena): Backend {
  const { d, K, walkers, amplitude } = model.config;
  const layout = computeLayout(exports.heapBase(), d, K, walkers, model.table?.data.length);
  arena.ensure(layout.end);
  const nOvl = walkers * K * 3;
  const common = walkerFields(layout, walkers, K);
  const weights = () => arena.readF64(layout.w, walkers * K * d);
  const spikes = () => ({
    u: arena.readF64(layout.u, d),
    v: arena.readF64(layout.v, d),
    m: arena.readF64(layout.m, d),
  });
  return {
    kind: "full",
    layout,
    fields: [
      common.walkerSteps,
      { name: "w", ptr: layout.w, length: walkers * K * d },
      common.a,
      common.b,
      { name: "u", ptr: layout.u, length: d },
      { name: "v", ptr: layout.v, length: d },
      { name: "m", ptr: layout.m, length: d },
      common.hits,
      { name: "overlaps", ptr: layout.ovl, length: nOvl },
    ],
    runWalker: (w, n) => exports.run(w, n),
    chunkSteps: (work) => work / (d * K),
    initShared(hi, lo) {
      exports.seedStream(layout.rngSpikes, hi, lo, STREAM.spikes, 0);
      exports.initSpikes(layout.rngSpikes, model.codes.spikes);
    },
    streams: { init: STREAM.init, train: STREAM.train, eval: STREAM.eval },
    initWalker: (w, rng) => exports.initWalker(w, rng, amplitude, model.skip0),
    evalLoss: (w, n) => exports.evalLoss(w, n),
    weights,
    spikes,
    gram() {
      const { u, v, m } = spikes();
      return offSpikeGram(weights(), model.q === 3 ? [u, v, m] : [u, v], walkers, K, d);
    },
    sample(n, stream, hi, lo) {
      if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`sample: got n = ${n}, expected a whole number >= 1`);
      const rngPtr = layout.end;
      const x0Ptr = rngPtr + 32;
      const xtPtr = x0Ptr + n * d * 8;
      const latPtr = xtPtr + n * d * 8;
      if (latPtr + n * 16 > MAX_ARENA_BYTES) throw new RangeError(`sample: n * d = ${n * d} is too large for one call`);
      arena.ensure(latPtr + n * 16);
      exports.seedStream(rngPtr, hi, lo, STREAM.test, stream);
      exports.sampleNoised(rngPtr, x0Ptr, xtPtr, latPtr, n);
      const lat = arena.readF64(latPtr, 2 * n);
      const lambda = new Float64Array(n);
      const nu = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        lambda[i] = lat[2 * i];
        nu[i] = lat[2 * i + 1];
      }
      return { x0: arena.readF64(x0Ptr, n * d), xt: arena.readF64(xtPtr, n * d), lambda, nu };
    },
  };
}
