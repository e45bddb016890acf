import { describe, expect, it } from "vitest";
import { arenaFor, configureNet, netLayout } from "../src/experiments/images/layout.js";
import { type ImagesExports, loadImagesKernels } from "../src/images/kernels.js";

// Finite-difference check of the images kernels' minibatch gradient, for the tied and the untied
// network, on a tiny problem (d = 5, K = 3, batch 2) with the smooth tanh activation.
async function setup(tied: boolean, flavour: "scalar" | "simd") {
  const ex: ImagesExports = await (await loadImagesKernels(flavour)).instantiate();
  const arena = arenaFor(ex);
  const d = 5;
  const K = 3;
  const batch = 2;
  const nParams = ex.paramCount(d, K);
  const lay = netLayout(ex.heapBase(), { d, K, batch, nTrain: 4 }, nParams);
  configureNet(ex, arena, lay, {
    d,
    K,
    tied,
    act: 0,
    alpha: 0.8,
    sigma: 0.6,
    batch,
    nTrain: 4,
    adam: false,
    lr: 0.01,
    beta1: 0.9,
    beta2: 0.999,
    trainSkip: true,
  });
  ex.seedStream(lay.initRng, 0, 7, 1, 0);
  ex.initParams(lay.initRng, 1, 1, 0.3);
  // Biases and decoder away from zero so every gradient block is exercised.
  const w = arena.f64(lay.weights, nParams);
  for (let i = 2 * K * d; i < nParams; i++) w[i] = 0.1 * Math.sin(3 * i + 1);
  ex.seedStream(lay.rng, 0, 9, 2, 0);
  ex.fillGauss(lay.rng, lay.xt, batch * d);
  ex.fillGauss(lay.rng, lay.x0, batch * d);
  return { ex, arena, lay, nParams, d, K };
}

describe("images kernels", () => {
  for (const tied of [false, true]) {
    it(`minibatch gradient of the ${tied ? "tied" : "untied"} denoiser matches central differences (rel. error < 1e-6)`, async () => {
      const { ex, arena, lay, nParams, d, K } = await setup(tied, "scalar");
      ex.gradientAt();
      const grad = arena.readF64(lay.grad, nParams);
      const used = (i: number) => {
        if (i >= nParams - 1 && i !== 2 * K * d + 2 * K + d) return false; // padding
        if (tied && i >= K * d && i < 2 * K * d) return false; // V unused when tied
        if (!tied && i >= 2 * K * d + K && i < 2 * K * d + 2 * K) return false; // a unused when untied
        return true;
      };
      const h = 1e-6;
      let worst = 0;
      for (let i = 0; i < 2 * K * d + 2 * K + d + 1; i++) {
        const w = arena.f64(lay.weights, nParams);
        const keep = w[i];
        w[i] = keep + h;
        const up = ex.gradientAt() / 2; // gradientAt returns |r|^2 / d averaged; the loss is half of it
        arena.f64(lay.weights, nParams)[i] = keep - h;
        const down = ex.gradientAt() / 2;
        arena.f64(lay.weights, nParams)[i] = keep;
        const fd = (up - down) / (2 * h);
        if (!used(i)) {
          expect(grad[i]).toBe(0);
          continue;
        }
        worst = Math.max(worst, Math.abs(fd - grad[i]) / Math.max(1e-3, Math.abs(fd)));
      }
      expect(worst).toBeLessThan(1e-6);
    });
  }

  it("SIMD and scalar builds give the same training loss to 1e-12 after 20 Adam steps", async () => {
    const losses: number[] = [];
    for (const flavour of ["scalar", "simd"] as const) {
      const { ex, arena, lay } = await setup(false, flavour);
      ex.fillGauss(lay.rng, lay.data, 4 * 5);
      arena.f64(lay.params, 40)[8] = 1; // Adam
      ex.configure(lay.params);
      losses.push(ex.train(20));
    }
    expect(Math.abs(losses[0] - losses[1])).toBeLessThan(1e-12 * Math.abs(losses[0]) + 1e-15);
  });
});
