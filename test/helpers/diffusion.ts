import { writeFileSync } from "node:fs";
import { encodeNpy } from "../../src/images/npy.js";

/** A .npy [n, 8, 8] of blobs at varying places (a non-Gaussian toy image set). */
export function toyImages(path: string, n = 96) {
  const data = new Float64Array(n * 64);
  for (let s = 0; s < n; s++) {
    const cy = 2 + (s % 4);
    const cx = 2 + ((s * 7) % 5);
    for (let y = 0; y < 8; y++)
      for (let x = 0; x < 8; x++) data[s * 64 + y * 8 + x] = Math.exp(-((y - cy) ** 2 + (x - cx) ** 2) / 2);
  }
  const bytes = encodeNpy(data, n, 64, "<f4");
  // Rewrite the 2-D header as [n, 8, 8] (same length after padding).
  const text = new TextDecoder("latin1").decode(bytes);
  const fixed = text.replace(`(${n}, 64)`, `(${n}, 8, 8)`.padEnd(`(${n}, 64)`.length, " "));
  const out = Uint8Array.from(fixed, (c) => c.charCodeAt(0));
  writeFileSync(path, out);
  return path;
}

/** The options of a toy `runDiffusion` (a few seconds): a tiny U-Net, few samples, two evaluation t. */
export function toyRunOptions(dataset: string) {
  return {
    dataset,
    pool: 1,
    nTest: 24,
    steps: 12,
    width: 4,
    groups: 2,
    tdim: 8,
    batch: 8,
    nSamples: 16,
    nEval: 8,
    sampleSteps: 4,
    perDecade: 2,
    nRef: 0,
    evalT: [0.3, 1],
  };
}
