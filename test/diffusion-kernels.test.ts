import { describe, expect, it } from "vitest";
import { type DiffusionExports, Heap, loadDiffusionKernels } from "../src/diffusion/kernels.js";
import { Conv3, type Ctx, GroupNorm, type Layer, Params, Pool, Silu, Up } from "../src/diffusion/layers.js";
import { type NetSpec, Network } from "../src/diffusion/net.js";
import { Trainer } from "../src/diffusion/train.js";

const both = async () => ({
  simd: await (await loadDiffusionKernels("simd")).instantiate(),
  scalar: await (await loadDiffusionKernels("scalar")).instantiate(),
});

function fillDet(a: Float32Array, phase: number) {
  for (let i = 0; i < a.length; i++) a[i] = Math.sin(0.731 * i + phase) + 0.25 * Math.cos(2.1 * i * phase);
}

describe("GEMM core", () => {
  it("gemmNN and gemmTN equal an f64 product to f32 rounding, and the SIMD build equals the scalar build bit for bit (odd shapes)", async () => {
    const ks = await both();
    const out: Record<string, Float32Array[]> = {};
    for (const [name, k] of Object.entries(ks)) {
      const heap = new Heap(k);
      const [M, N, K] = [7, 13, 11];
      const a = heap.alloc(M * K);
      const b = heap.alloc(K * N);
      const c = heap.alloc(M * N);
      const c2 = heap.alloc(M * N);
      heap.finalize();
      fillDet(heap.f32(a, M * K), 0.3);
      fillDet(heap.f32(b, K * N), 1.1);
      k.gemmNN(M, N, K, a, b, c, 0);
      // A as [K, M] for gemmTN: the same product.
      const A = heap.f32(a, M * K).slice();
      const at = heap.alloc(M * K);
      heap.finalize();
      const AT = heap.f32(at, M * K);
      for (let i = 0; i < M; i++) for (let kk = 0; kk < K; kk++) AT[kk * M + i] = A[i * K + kk];
      k.gemmTN(M, N, K, at, b, c2, 0);
      const B = heap.f32(b, K * N);
      const C = heap.f32(c, M * N);
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let s = 0;
          let mag = 0;
          for (let kk = 0; kk < K; kk++) {
            s += A[i * K + kk] * B[kk * N + j];
            mag += Math.abs(A[i * K + kk] * B[kk * N + j]);
          }
          // K products summed in f32: at most K units of rounding of the magnitude.
          expect(Math.abs(C[i * N + j] - s)).toBeLessThanOrEqual(K * 2 ** -23 * mag);
        }
      }
      expect(Array.from(heap.f32(c2, M * N))).toEqual(Array.from(C));
      out[name] = [C.slice()];
    }
    expect(Array.from(out.simd[0])).toEqual(Array.from(out.scalar[0]));
  });
});

describe("im2col, col2im and the transpose, by whole planes", () => {
  // The plain definitions: col[(c 9 + ky 3 + kx), y W + x] = x[c, y + ky - 1, x + kx - 1] (0 outside), col2im
  // its adjoint (summed in the order c, ky, kx), t[p, r] = a[r, p].
  for (const [C, H, W] of [
    [3, 5, 7],
    [2, 1, 4],
    [1, 4, 1],
    [2, 2, 2],
    [1, 7, 7],
  ]) {
    it(`${C} channels at ${H} x ${W}: equal to the plain loops, both builds bit for bit`, async () => {
      const ks = await both();
      const HW = H * W;
      const out: Record<string, Float32Array[]> = {};
      for (const [name, k] of Object.entries(ks)) {
        const heap = new Heap(k);
        const x = heap.alloc(C * HW);
        const col = heap.alloc(C * 9 * HW);
        const colT = heap.alloc(C * 9 * HW);
        const dx = heap.alloc(C * HW);
        heap.finalize();
        const xs = heap.f32(x, C * HW);
        fillDet(xs, 0.4);
        k.im2col(x, C, H, W, col);
        const got = heap.f32(col, C * 9 * HW).slice();
        const want = new Float32Array(C * 9 * HW);
        const back = new Float32Array(C * HW);
        const colIn = new Float32Array(C * 9 * HW);
        fillDet(colIn, 1.9);
        for (let c = 0; c < C; c++) {
          for (let kk = 0; kk < 9; kk++) {
            for (let y = 0; y < H; y++) {
              for (let xx = 0; xx < W; xx++) {
                const [sy, sx] = [y + Math.floor(kk / 3) - 1, xx + (kk % 3) - 1];
                if (sy < 0 || sy >= H || sx < 0 || sx >= W) continue;
                const at = (c * 9 + kk) * HW + y * W + xx;
                want[at] = xs[c * HW + sy * W + sx];
                back[c * HW + sy * W + sx] = Math.fround(back[c * HW + sy * W + sx] + colIn[at]);
              }
            }
          }
        }
        expect(Array.from(got)).toEqual(Array.from(want));
        k.transposeF32(col, C * 9, HW, colT);
        const t = heap.f32(colT, C * 9 * HW);
        for (let r = 0; r < C * 9; r++) for (let q = 0; q < HW; q++) expect(t[q * C * 9 + r]).toBe(want[r * HW + q]);
        heap.f32(col, C * 9 * HW).set(colIn);
        heap.f32(dx, C * HW).fill(0);
        k.col2im(col, C, H, W, dx);
        expect(Array.from(heap.f32(dx, C * HW))).toEqual(Array.from(back));
        out[name] = [got, heap.f32(dx, C * HW).slice()];
      }
      expect(out.simd).toEqual(out.scalar);
    });
  }
});

describe("Adam fused with the EMA", () => {
  it("equals Adam then the EMA in f32, element by element (decay 0: the EMA is the weights), both builds", async () => {
    const ks = await both();
    const n = 23;
    const [lr, b1, b2, eps, c1, c2] = [2e-3, 0.9, 0.999, 1e-8, 1 / (1 - 0.9 ** 3), 1 / (1 - 0.999 ** 3)].map(
      Math.fround,
    );
    const f = Math.fround;
    for (const decay of [0.95, 0]) {
      for (const k of Object.values(ks)) {
        const heap = new Heap(k);
        const [p, g, m, v, e] = [0, 1, 2, 3, 4].map(() => heap.alloc(n));
        heap.finalize();
        [p, g, m, v, e].forEach((q, i) => {
          fillDet(heap.f32(q, n), 0.3 + i);
        });
        for (let i = 0; i < n; i++) heap.f32(v, n)[i] = Math.abs(heap.f32(v, n)[i]);
        const [P, G, M, V, E] = [p, g, m, v, e].map((q) => heap.f32(q, n).slice());
        k.adamEmaStep(p, g, m, v, e, n, lr, b1, b2, eps, c1, c2, decay);
        for (let i = 0; i < n; i++) {
          const mi = f(f(b1 * M[i]) + f(f(1 - b1) * G[i]));
          const vi = f(f(b2 * V[i]) + f(f(f(1 - b2) * G[i]) * G[i]));
          const pi = f(P[i] - f(f(lr * f(mi * c1)) / f(f(Math.sqrt(f(vi * c2))) + eps)));
          const ei = decay === 0 ? pi : f(f(f(decay) * E[i]) + f(f(1 - f(decay)) * pi));
          expect([heap.f32(m, n)[i], heap.f32(v, n)[i], heap.f32(p, n)[i], heap.f32(e, n)[i]]).toEqual([
            mi,
            vi,
            pi,
            ei,
          ]);
        }
      }
    }
  });
});

// Input gradients of each layer against central differences of L = sum r * y (f32, h = 1e-2), and the
// SIMD and scalar builds giving the same bits for the same layer.
function ctxFor(k: DiffusionExports, maxN: number): Ctx {
  const heap = new Heap(k);
  return { k, heap, params: new Params(), maxN, col: 0, colT: 0 };
}

type Make = (c: Ctx) => { layer: Layer; inSize: number; outSize: number };
const N = 2;
const LAYERS: Record<string, Make> = {
  "conv 3x3 (3 -> 5 at 6 x 5)": (c) => ({ layer: new Conv3(c, 3, 5, 6, 5, "conv"), inSize: 3 * 30, outSize: 5 * 30 }),
  "GroupNorm (6 channels, 3 groups)": (c) => ({ layer: new GroupNorm(c, 6, 10, 3, "gn"), inSize: 60, outSize: 60 }),
  SiLU: (c) => ({ layer: new Silu(c, 17), inSize: 17, outSize: 17 }),
  "average pool 2x2": (c) => ({ layer: new Pool(c, 2, 6, 4), inSize: 48, outSize: 12 }),
  "upsample 2x": (c) => ({ layer: new Up(c, 2, 3, 2), inSize: 12, outSize: 48 }),
};

async function layerRun(k: DiffusionExports, make: Make) {
  const c = ctxFor(k, N);
  const { layer, inSize, outSize } = make(c);
  c.col = c.heap.alloc(Conv3.colSize(8, 6, 5));
  c.colT = c.heap.alloc(Conv3.colSize(8, 6, 5));
  const x = c.heap.alloc(N * inSize);
  const w = c.heap.alloc(c.params.size);
  const g = c.heap.alloc(c.params.size);
  c.heap.finalize();
  c.params.base = w;
  c.params.grad = g;
  fillDet(c.heap.f32(w, c.params.size), 0.7);
  fillDet(c.heap.f32(x, N * inSize), 0.2);
  const r = new Float32Array(N * outSize);
  fillDet(r, 2.3);
  const dy = c.heap.alloc(N * outSize);
  c.heap.finalize();
  const loss = () => {
    const y = c.heap.f32(layer.forward(x, N), N * outSize);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += r[i] * y[i];
    return s;
  };
  loss();
  c.heap.f32(dy, N * outSize).set(r);
  const dx = c.heap.f32(layer.backward(dy, N), N * inSize).slice();
  return { c, x, inSize, loss, dx };
}

describe("layer input gradients", () => {
  for (const [name, make] of Object.entries(LAYERS)) {
    it(`${name}: against finite differences, and SIMD = scalar bit for bit`, async () => {
      const ks = await both();
      const s = await layerRun(ks.scalar, make);
      const v = await layerRun(ks.simd, make);
      expect(Array.from(v.dx)).toEqual(Array.from(s.dx));
      const xs = s.c.heap.f32(s.x, N * s.inSize);
      const h = 1e-2;
      let diff2 = 0;
      let norm2 = 0;
      for (let i = 0; i < xs.length; i += 3) {
        const keep = xs[i];
        xs[i] = keep + h;
        const up = s.loss();
        xs[i] = keep - h;
        const down = s.loss();
        xs[i] = keep;
        diff2 += ((up - down) / (2 * h) - s.dx[i]) ** 2;
        norm2 += s.dx[i] ** 2;
      }
      expect(norm2).toBeGreaterThan(0);
      expect(Math.sqrt(diff2)).toBeLessThan(0.02 * Math.sqrt(norm2) + 1e-3);
    });
  }
});

describe("training steps", () => {
  const spec: NetSpec = { arch: "unet", C: 1, H: 6, W: 6, width: 4, groups: 2, tdim: 8 };
  const opts = { batch: 3, shards: 2, lr: 3e-3, beta1: 0.9, beta2: 0.999, ema: 0.99, tMin: 0.01, tMax: 3 };
  const data = new Float32Array(10 * 36);
  fillDet(data, 0.9);
  const trainer = (k: DiffusionExports) => {
    const t = new Trainer(new Network(k, spec, 3), data, 10, opts);
    t.init(0, 5, 1, 2);
    return t;
  };
  it("the SIMD and scalar builds train to the same bits (4 steps, weights, moments and EMA)", async () => {
    const ks = await both();
    const a = trainer(ks.simd);
    const b = trainer(ks.scalar);
    const la: number[] = [];
    const lb: number[] = [];
    for (let s = 0; s < 4; s++) {
      la.push(a.trainStep());
      lb.push(b.trainStep());
    }
    expect(la).toEqual(lb);
    const sa = a.save();
    const sb = b.save();
    expect(Buffer.from(sa.w.buffer).equals(Buffer.from(sb.w.buffer))).toBe(true);
    expect(Buffer.from(sa.ema.buffer).equals(Buffer.from(sb.ema.buffer))).toBe(true);
    expect(Buffer.from(sa.v.buffer).equals(Buffer.from(sb.v.buffer))).toBe(true);
  });
  it("a run restored from a checkpoint after 2 steps continues bit-identically to an uninterrupted one", async () => {
    // One kernel instance per network: a Network owns its instance's memory.
    const fresh = async () => (await loadDiffusionKernels("simd")).instantiate();
    const a = trainer(await fresh());
    for (let s = 0; s < 5; s++) a.trainStep();
    const b = trainer(await fresh());
    b.trainStep();
    b.trainStep();
    const saved = b.save();
    const c = trainer(await fresh());
    c.restore(saved);
    for (let s = 0; s < 3; s++) c.trainStep();
    expect(c.step).toBe(5);
    expect(Buffer.from(c.save().w.buffer).equals(Buffer.from(a.save().w.buffer))).toBe(true);
    expect(Buffer.from(c.save().rng).equals(Buffer.from(a.save().rng))).toBe(true);
  });
  it("the loss falls over 60 steps on a fixed toy set (the objective is being minimised)", async () => {
    const ks = await both();
    const a = trainer(ks.simd);
    let first = 0;
    let last = 0;
    for (let s = 0; s < 60; s++) {
      const l = a.trainStep();
      if (s < 10) first += l / 10;
      if (s >= 50) last += l / 10;
    }
    expect(last).toBeLessThan(0.8 * first);
  });
});
