import { describe, expect, it } from "vitest";
import { loadDiffusionKernels } from "../src/diffusion/kernels.js";
import { type Arch, type NetSpec, Network } from "../src/diffusion/net.js";

// Finite-difference checks of the diffusion networks' gradients (f32 kernels, central differences with
// step h = 1e-2 in f32): for L = sum_i r_i out_i with fixed random r, every parameter block of the network
// (every conv, GroupNorm, dense and time-embedding layer, reached through SiLU, pooling, upsampling and the
// skips) is probed at up to 6 coordinates. f32 forward passes carry a rounding error of about 1e-6 in L,
// so the difference quotient is good to ~1e-4 absolute, and the O(h^2) truncation to ~1e-4 relative: the
// tolerance is 3% of the block's gradient norm plus 2e-3.
const spec = (arch: Arch): NetSpec => ({ arch, C: 1, H: 8, W: 6, width: 8, groups: 2, tdim: 8 });
const N = 3;

async function setup(arch: Arch) {
  const k = await (await loadDiffusionKernels("scalar")).instantiate();
  const net = new Network(k, spec(arch), N);
  net.init(0, 11, 1);
  // Non-trivial GroupNorm affine parameters and biases so their gradients are exercised away from init.
  const w = net.heap.f32(net.w, net.size);
  for (const b of net.params.blocks) {
    if (b.init !== "normal") for (let i = 0; i < b.n; i++) w[b.offset + i] += 0.3 * Math.sin(1.7 * i + b.offset);
  }
  const x = net.heap.f32(net.x, N * net.d);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(0.37 * i) + 0.5 * Math.cos(1.3 * i * i);
  net.heap.f32(net.t, N).set([0.1, 0.5, 0.93]);
  const r = new Float32Array(N * net.d).map((_, i) => Math.cos(0.71 * i + 0.2));
  const loss = () => {
    const out = net.heap.f32(net.forward(N), N * net.d);
    let s = 0;
    for (let i = 0; i < out.length; i++) s += r[i] * out[i];
    return s;
  };
  return { net, loss, r };
}

describe("diffusion network gradients against finite differences", () => {
  for (const arch of ["unet", "mlp"] as Arch[]) {
    it(`${arch}: every parameter block's gradient of sum(r * output)`, async () => {
      const { net, loss, r } = await setup(arch);
      loss();
      net.heap.f32(net.dout, N * net.d).set(r);
      net.heap.f32(net.g, net.size).fill(0);
      net.backward(N);
      const g = net.heap.f32(net.g, net.size).slice();
      const w = net.heap.f32(net.w, net.size);
      const h = 1e-2;
      let checked = 0;
      for (const b of net.params.blocks) {
        const probes = [...new Set([0, 1, Math.floor(b.n / 3), Math.floor(b.n / 2), b.n - 2, b.n - 1])].filter(
          (i) => i >= 0 && i < b.n,
        );
        let diff2 = 0;
        let norm2 = 0;
        for (const i of probes) {
          const j = b.offset + i;
          const keep = w[j];
          w[j] = keep + h;
          const up = loss();
          w[j] = keep - h;
          const down = loss();
          w[j] = keep;
          const fd = (up - down) / (2 * h);
          diff2 += (fd - g[j]) ** 2;
          norm2 += g[j] ** 2;
          checked++;
        }
        expect(Math.sqrt(diff2), `${b.name}`).toBeLessThan(0.03 * Math.sqrt(norm2) + 2e-3);
      }
      expect(checked).toBeGreaterThan(arch === "unet" ? 150 : 40);
    });
  }
});
