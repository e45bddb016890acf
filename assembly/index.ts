// The kernel module's exports. Pointers are byte offsets into linear memory laid out by the host
// (src/engine/arena.ts), which starts its arena at heapBase().
import { rngLoad, rngStore } from "./rng";
import { lastLambda, lastNu, sampleX0 } from "./mcm";
import { noise } from "./noise";
import { X0, XI, XT, d } from "./globals";

export { configure } from "./globals";
export { seedStream, fillGauss, fillUniform } from "./rng";
export { sampleBatch, initSpikes } from "./mcm";
export { forward, gradient, activationAt, lastDerivative } from "./denoiser";
export { initWalker, update, run, evalLoss } from "./sgd";
export { runUnfused } from "./sgd";
export { dot, axpy } from "./vec";
export { erf, normCdf, normQuantile, tanhOf } from "./special";
export { oracleLevel, oracleSpan, oracleLastV, oracleDenoise } from "./oracle";
export { generate, oracleMse } from "./sample";
export { exprAt, tableBuild, tableUse } from "./table";

/** First byte free for the host's arena (16-byte aligned). */
export function heapBase(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}

/** Draws n noised samples from the stream at rngPtr: x0 [n, d] to outX0, xt [n, d] to outXt and the
 * latents (lambda, nu) [n, 2] to outLat (each sample passes through the X0, XI, XT scratch, as in training). */
export function sampleNoised(rngPtr: usize, outX0: usize, outXt: usize, outLat: usize, n: i32): void {
  rngLoad(rngPtr);
  const bytes = <usize>d << 3;
  for (let s = 0; s < n; s++) {
    sampleX0(X0);
    noise(X0, XI, XT);
    memory.copy(outX0 + <usize>s * bytes, X0, bytes);
    memory.copy(outXt + <usize>s * bytes, XT, bytes);
    store<f64>(outLat + (<usize>s << 4), lastLambda);
    store<f64>(outLat + (<usize>s << 4), lastNu, 8);
  }
  rngStore(rngPtr);
}

/** 1 in the SIMD build, 0 in the scalar build. */
export function isSimd(): i32 {
  return ASC_FEATURE_SIMD ? 1 : 0;
}
export { configureReduced, reducedScratchDoubles } from "./reduced/state";
export { initReducedWalker, runReduced, runReducedGeneral, evalLossReduced, reducedNorms } from "./reduced/chain";
export { fillChiSquare } from "./reduced/samplers";
export { runReducedPair, runReducedGroup, groupList, groupPairs } from "./reduced/group";
