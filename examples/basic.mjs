// The README's library example, run as written by test/library.test.ts (in Node) and
// test/browser.test.ts (in Chromium, through an import map), so the docs cannot drift.
import { createSimulation, loadKernels } from "mcm-diffusion";

const kernels = await loadKernels(); // the SIMD build where supported, else the scalar one
const sim = await createSimulation({ d: 64, walkers: 4, betaU: 5, betaV: 5 }, { kernels });
sim.init(42); // one seed fixes the spikes, the initial weights and every sample
await sim.run(50 * 64, {
  onProgress: ({ step, total }) => {
    if (step === total) console.log(`${kernels.flavour} build, ${total} steps`);
  },
});

// overlaps() has the shape [walkers, K, 3], the last axis (u, v, m)
const ovl = sim.overlaps();
for (let w = 0; w < sim.config.walkers; w++) {
  const [u, v] = ovl.subarray(3 * w, 3 * w + 2);
  console.log(`walker ${w}: overlap with u ${Math.abs(u).toFixed(3)}, with v ${Math.abs(v).toFixed(3)}`);
}
