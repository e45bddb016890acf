// The image diffusion model from a script (`mcm diffusion` without files), on a toy data set of 8 x 8
// blobs written as .npy (MNIST and Fashion-MNIST need their optional packages). A tiny U-Net for a few
// steps: seconds. Run by test/examples.test.ts.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeNpyArray } from "mcm-diffusion";
import { diffusion } from "mcm-diffusion/node";

const n = 96;
const pixels = new Float64Array(n * 64);
for (let s = 0; s < n; s++) {
  const [cy, cx] = [2 + (s % 4), 2 + ((s * 7) % 5)];
  for (let y = 0; y < 8; y++)
    for (let x = 0; x < 8; x++) pixels[s * 64 + y * 8 + x] = Math.exp(-((y - cy) ** 2 + (x - cx) ** 2) / 2);
}
const dataset = join(mkdtempSync(join(tmpdir(), "mcm-example-")), "blobs.npy");
writeFileSync(dataset, encodeNpyArray({ dtype: "<f8", shape: [n, 8, 8], data: pixels }));

const result = await diffusion(
  { dataset, pool: 1, nTest: 24, steps: 12, width: 4, groups: 2, tdim: 8, batch: 8, nSamples: 16, nEval: 8 },
  { onProgress: (p) => p.phase !== "train" && process.stderr.write(`${p.message}\n`) },
);
console.log(`${result.network.arch}: ${result.network.parameters} parameters, ${result.options.steps} steps`);
for (const s of result.snapshots) {
  console.log(`step ${s.step}: Frechet distance per pixel ${s.gaussianFrechet.toPrecision(3)}`);
}
