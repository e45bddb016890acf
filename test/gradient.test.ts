// The denoiser's gradient (assembly/denoiser.ts) against central finite differences of its own loss,
// for every activation and both targets, and the spherical SGD update (assembly/sgd.ts) against its
// definition w <- (w - eta P grad) / |w - eta P grad| with P = I - w w^T.
import { describe, expect, it } from "vitest";
import { ACTIVATIONS } from "../src/config/schema.js";
import { loadKernels } from "../src/engine/kernels.js";
import { createSimulation } from "../src/engine/simulation.js";

const d = 7;
const K = 3;

async function setup(activation: string, target: string) {
  const kernels = await loadKernels(undefined, { flavour: "scalar" });
  const sim = await createSimulation(
    { d, K, walkers: 1, activation, target, trainSkip: true, trainAmplitude: true, delta: 0.5 },
    { kernels },
  );
  sim.init(42);
  const { arena, layout, exports } = sim;
  // A fixed sample (any values: the loss is a function of the buffers) and non-trivial a, b.
  const wave = (phase: number) => Float64Array.from({ length: d }, (_, i) => 1.3 * Math.sin(2.1 * i + phase));
  arena.writeF64(layout.x0, wave(0.2));
  arena.writeF64(layout.xi, wave(1.1));
  arena.writeF64(layout.xt, wave(2.5));
  arena.writeF64(layout.a, [0.7, -1.3, 0.4]);
  arena.writeF64(layout.b, [0.8]);
  return { sim, arena, layout, exports };
}

describe("gradient of the loss 0.5 |D(xt) - target|^2 against central finite differences", () => {
  for (const activation of ACTIVATIONS) {
    for (const target of ["x0", "noise"]) {
      it(`${activation}, target ${target}: dL/dw, dL/db, dL/da agree to 1e-6`, async () => {
        const { arena, layout, exports } = await setup(activation, target);
        exports.forward(0);
        exports.gradient(0, layout.grad);
        const grad = arena.readF64(layout.grad, K * d + 1 + K);
        const eps = 1e-6;
        const fd = (ptr: number) => {
          const x = arena.readF64(ptr, 1)[0];
          arena.writeF64(ptr, [x + eps]);
          const lp = exports.forward(0);
          arena.writeF64(ptr, [x - eps]);
          const lm = exports.forward(0);
          arena.writeF64(ptr, [x]);
          return (lp - lm) / (2 * eps);
        };
        let checked = 0;
        for (let j = 0; j < K * d; j++) {
          const g = fd(layout.w + 8 * j);
          expect(Math.abs(g - grad[j]), `dL/dw[${j}]: fd ${g}, kernel ${grad[j]}`).toBeLessThan(
            1e-6 * (1 + Math.abs(g)),
          );
          checked++;
        }
        const gb = fd(layout.b);
        expect(Math.abs(gb - grad[K * d])).toBeLessThan(1e-6 * (1 + Math.abs(gb)));
        for (let k = 0; k < K; k++) {
          const ga = fd(layout.a + 8 * k);
          expect(Math.abs(ga - grad[K * d + 1 + k])).toBeLessThan(1e-6 * (1 + Math.abs(ga)));
        }
        expect(checked).toBe(K * d);
      });
    }
  }
});

describe("spherical SGD update", () => {
  for (const activation of ["tanh", "relu", "he3"]) {
    it(`${activation}: w <- normalise(w - eta (I - w w^T) grad), a <- a - eta dL/da, b <- b - eta dL/db`, async () => {
      const { sim, arena, layout, exports } = await setup(activation, "x0");
      const eta = sim.eta;
      const w = arena.readF64(layout.w, K * d);
      const a = arena.readF64(layout.a, K);
      const b = arena.readF64(layout.b, 1)[0];
      exports.forward(0);
      exports.gradient(0, layout.grad);
      const grad = arena.readF64(layout.grad, K * d + 1 + K);
      expect(exports.update(0)).toBe(1);
      const wNew = arena.readF64(layout.w, K * d);
      for (let k = 0; k < K; k++) {
        const wk = w.subarray(k * d, (k + 1) * d);
        const gk = grad.subarray(k * d, (k + 1) * d);
        const radial = gk.reduce((s, g, i) => s + g * wk[i], 0);
        const step = wk.map((x, i) => x - eta * (gk[i] - radial * wk[i]));
        const norm = Math.hypot(...step);
        for (let i = 0; i < d; i++) expect(wNew[k * d + i]).toBeCloseTo(step[i] / norm, 13);
        expect(Math.hypot(...wNew.subarray(k * d, (k + 1) * d))).toBeCloseTo(1, 14);
        expect(arena.readF64(layout.a, K)[k]).toBeCloseTo(a[k] - eta * grad[K * d + 1 + k], 14);
      }
      expect(arena.readF64(layout.b, 1)[0]).toBeCloseTo(b - eta * grad[K * d], 14);
    });
  }
});
