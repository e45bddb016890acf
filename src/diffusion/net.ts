/**
 * The denoising networks of `mcm diffusion`, composed from ./layers.ts: a small U-Net (two resolutions,
 * residual blocks with group normalisation and SiLU, the time embedding added per block, additive skip
 * connections across the bottleneck) and, as a baseline, an MLP with the same time embedding. Both
 * predict the noise eps from (xt, t). One Network owns one kernel instance: its parameters, their
 * gradient, Adam's moments and the EMA are flat f32 vectors in that instance's memory.
 */

import { type DiffusionExports, Heap } from "./kernels.js";
import { Conv3, type Ctx, Dense, GroupNorm, Params, Pool, Silu, Up } from "./layers.js";

export type Arch = "unet" | "mlp";

export interface NetSpec {
  arch: Arch;
  /** Image channels, height, width. */
  C: number;
  H: number;
  W: number;
  /** U-Net: channels at full resolution (twice as many at half); MLP: hidden units. */
  width: number;
  /** GroupNorm groups (U-Net). */
  groups: number;
  /** Width of the time embedding. */
  tdim: number;
  /** The largest time (the input t is t / tMax); the MLP's skip sigma(t) xt needs t itself. Default 1. */
  tMax?: number;
}

/** Why a spec cannot be built, or null. */
export function specProblem(s: NetSpec): string | null {
  if (s.arch === "unet") {
    if (s.H % 2 !== 0 || s.W % 2 !== 0) {
      return `the U-Net halves the resolution once, so it needs even image sides, found ${s.H} x ${s.W} (pool or use --arch mlp)`;
    }
    if (s.width % s.groups !== 0) return `--width ${s.width} is not a multiple of --groups ${s.groups}`;
  }
  if (s.tdim % 2 !== 0) return `--tdim must be even, found ${s.tdim}`;
  return null;
}

/** The sinusoidal embedding of t followed by Dense-SiLU-Dense-SiLU; its output feeds every block. */
class TimeEmbed {
  readonly t: number;
  readonly dt: number;
  private readonly sin: number;
  private readonly l1: Dense;
  private readonly s1: Silu;
  private readonly l2: Dense;
  private readonly s2: Silu;
  constructor(
    private readonly c: Ctx,
    readonly tdim: number,
  ) {
    this.t = c.heap.alloc(c.maxN);
    this.sin = c.heap.alloc(c.maxN * tdim);
    this.l1 = new Dense(c, tdim, tdim, "time.1", 1, false);
    this.s1 = new Silu(c, tdim);
    this.l2 = new Dense(c, tdim, tdim, "time.2");
    this.s2 = new Silu(c, tdim);
    this.dt = c.heap.alloc(c.maxN * tdim);
  }
  forward(N: number): number {
    this.c.k.timeEmbedding(this.t, N, this.tdim, this.sin);
    return this.s2.forward(this.l2.forward(this.s1.forward(this.l1.forward(this.sin, N), N), N), N);
  }
  /** Back-propagates the accumulated gradient in dt. */
  backward(N: number): void {
    this.l1.backward(this.s1.backward(this.l2.backward(this.s2.backward(this.dt, N), N), N), N);
  }
}

/** x + conv(silu(gn(conv(silu(gn(x))) + proj(temb)))) at C channels, H x W. */
class ResBlock {
  readonly out: number;
  readonly dx: number;
  private readonly gn1: GroupNorm;
  private readonly s1: Silu;
  private readonly conv1: Conv3;
  private readonly proj: Dense;
  private readonly gn2: GroupNorm;
  private readonly s2: Silu;
  private readonly conv2: Conv3;
  private readonly dproj: number;
  constructor(
    private readonly c: Ctx,
    private readonly time: TimeEmbed,
    readonly C: number,
    readonly H: number,
    readonly W: number,
    G: number,
    name: string,
  ) {
    const HW = H * W;
    this.gn1 = new GroupNorm(c, C, HW, G, `${name}.gn1`);
    this.s1 = new Silu(c, C * HW);
    this.conv1 = new Conv3(c, C, C, H, W, `${name}.conv1`);
    this.proj = new Dense(c, time.tdim, C, `${name}.time`);
    this.gn2 = new GroupNorm(c, C, HW, G, `${name}.gn2`);
    this.s2 = new Silu(c, C * HW);
    this.conv2 = new Conv3(c, C, C, H, W, `${name}.conv2`, 0.25);
    this.out = c.heap.alloc(c.maxN * C * HW);
    this.dx = c.heap.alloc(c.maxN * C * HW);
    this.dproj = c.heap.alloc(c.maxN * C);
  }
  forward(x: number, temb: number, N: number): number {
    const { k } = this.c;
    const h = this.conv1.forward(this.s1.forward(this.gn1.forward(x, N), N), N);
    k.addChannel(h, this.proj.forward(temb, N), N, this.C, this.H * this.W);
    const h2 = this.conv2.forward(this.s2.forward(this.gn2.forward(h, N), N), N);
    k.addInto(this.out, x, h2, N * this.C * this.H * this.W);
    return this.out;
  }
  backward(dout: number, N: number): number {
    const { k } = this.c;
    const HW = this.H * this.W;
    const dh = this.gn2.backward(this.s2.backward(this.conv2.backward(dout, N), N), N);
    k.rowSums(dh, this.dproj, N * this.C, HW, 0);
    const dt = this.proj.backward(this.dproj, N);
    k.addInto(this.time.dt, this.time.dt, dt, N * this.time.tdim);
    const dx1 = this.gn1.backward(this.s1.backward(this.conv1.backward(dh, N), N), N);
    k.addInto(this.dx, dx1, dout, N * this.C * HW);
    return this.dx;
  }
}

interface Body {
  forward(x: number, temb: number, N: number): number;
  backward(dout: number, N: number): void;
}

/**
 * in conv (C -> c) | res1 at H | pool | conv (c -> 2c) | res2, res3 at H/2 | conv (2c -> c) | upsample |
 * + res1's output (skip) | res4 at H | GroupNorm, SiLU, conv (c -> C).
 */
class UNet implements Body {
  private readonly convIn: Conv3;
  private readonly res1: ResBlock;
  private readonly pool: Pool;
  private readonly convDown: Conv3;
  private readonly res2: ResBlock;
  private readonly res3: ResBlock;
  private readonly convUp: Conv3;
  private readonly up: Up;
  private readonly res4: ResBlock;
  private readonly gnOut: GroupNorm;
  private readonly sOut: Silu;
  private readonly convOut: Conv3;
  private readonly sum: number;
  private readonly dsum: number;
  private readonly n1: number;
  constructor(
    private readonly c: Ctx,
    time: TimeEmbed,
    s: NetSpec,
  ) {
    const { C, H, W, width: w, groups: G } = s;
    const h = H / 2;
    const ww = W / 2;
    this.n1 = w * H * W;
    this.convIn = new Conv3(c, C, w, H, W, "in");
    this.res1 = new ResBlock(c, time, w, H, W, G, "res1");
    this.pool = new Pool(c, w, H, W);
    this.convDown = new Conv3(c, w, 2 * w, h, ww, "down");
    this.res2 = new ResBlock(c, time, 2 * w, h, ww, G, "res2");
    this.res3 = new ResBlock(c, time, 2 * w, h, ww, G, "res3");
    this.convUp = new Conv3(c, 2 * w, w, h, ww, "upconv");
    this.up = new Up(c, w, h, ww);
    this.res4 = new ResBlock(c, time, w, H, W, G, "res4");
    this.gnOut = new GroupNorm(c, w, H * W, G, "out.gn");
    this.sOut = new Silu(c, w * H * W);
    this.convOut = new Conv3(c, w, C, H, W, "out.conv", 0.25);
    this.sum = c.heap.alloc(c.maxN * this.n1);
    this.dsum = c.heap.alloc(c.maxN * this.n1);
  }
  forward(x: number, temb: number, N: number): number {
    const r1 = this.res1.forward(this.convIn.forward(x, N), temb, N);
    let y = this.convDown.forward(this.pool.forward(r1, N), N);
    y = this.res3.forward(this.res2.forward(y, temb, N), temb, N);
    y = this.up.forward(this.convUp.forward(y, N), N);
    this.c.k.addInto(this.sum, y, r1, N * this.n1);
    y = this.res4.forward(this.sum, temb, N);
    return this.convOut.forward(this.sOut.forward(this.gnOut.forward(y, N), N), N);
  }
  backward(dout: number, N: number): void {
    const k = this.c.k;
    const ds = this.res4.backward(this.gnOut.backward(this.sOut.backward(this.convOut.backward(dout, N), N), N), N);
    let d = this.convUp.backward(this.up.backward(ds, N), N);
    d = this.pool.backward(this.convDown.backward(this.res2.backward(this.res3.backward(d, N), N), N), N);
    k.addInto(this.dsum, d, ds, N * this.n1);
    this.convIn.backward(this.res1.backward(this.dsum, N), N);
  }
}

/**
 * x -> Dense + proj(temb) -> SiLU -> Dense + proj(temb) -> SiLU -> Dense, plus sigma(t) x: the
 * non-convolutional baseline. The parameter-free skip sigma(t) xt is the noise predictor E[eps | xt] for
 * white data of unit variance (the preprocessing's scale), so the layers learn a correction to it. Without
 * it the MLP has to learn eps ~ xt at high noise through its hidden layers, slowly, and DDIM's first
 * steps divide its error there by alpha(tMax) = e^-4: its samples stayed hundreds of times too large
 * after 300 steps (docs/diffusion.md).
 */
class Mlp implements Body {
  private readonly layers: { lin: Dense; proj: Dense; act: Silu }[];
  private readonly last: Dense;
  private readonly d: number;
  private readonly tMax: number;
  constructor(
    private readonly c: Ctx,
    private readonly time: TimeEmbed,
    s: NetSpec,
  ) {
    const d = s.C * s.H * s.W;
    this.d = d;
    this.tMax = s.tMax ?? 1;
    this.layers = [0, 1].map((i) => ({
      lin: new Dense(c, i === 0 ? d : s.width, s.width, `mlp.${i}`, 1, i > 0),
      proj: new Dense(c, time.tdim, s.width, `mlp.${i}.time`),
      act: new Silu(c, s.width),
    }));
    this.last = new Dense(c, s.width, d, "mlp.out", 0.25);
  }
  forward(x: number, temb: number, N: number): number {
    let h = x;
    for (const l of this.layers) {
      const y = l.lin.forward(h, N);
      this.c.k.addInto(y, y, l.proj.forward(temb, N), N * l.lin.nout);
      h = l.act.forward(y, N);
    }
    const out = this.last.forward(h, N);
    const { heap } = this.c;
    const y = heap.f32(out, N * this.d);
    const xs = heap.f32(x, N * this.d);
    const ts = heap.f32(this.time.t, N);
    for (let s = 0; s < N; s++) {
      const sigma = Math.sqrt(-Math.expm1(-2 * ts[s] * this.tMax));
      for (let j = s * this.d; j < (s + 1) * this.d; j++) y[j] += sigma * xs[j];
    }
    return out;
  }
  backward(dout: number, N: number): void {
    let d = this.last.backward(dout, N);
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const l = this.layers[i];
      const g = l.act.backward(d, N);
      const dt = l.proj.backward(g, N);
      this.c.k.addInto(this.time.dt, this.time.dt, dt, N * this.time.tdim);
      d = l.lin.backward(g, N);
    }
  }
}

/** A network with its parameters, gradient, Adam moments and EMA in one kernel instance. */
export class Network {
  readonly heap: Heap;
  readonly params: Params;
  readonly d: number;
  /** Inputs: xt [maxN, d] and t [maxN] (as t / tMax), written by the caller. */
  readonly x: number;
  readonly t: number;
  /** The output's gradient [maxN, d], written by the caller before backward(). */
  readonly dout: number;
  /** The training target (the noise) [maxN, d], for the caller. */
  readonly target: number;
  /** Flat vectors (byte offsets): weights, gradient, Adam moments, EMA of the weights. */
  readonly w: number;
  readonly g: number;
  readonly m: number;
  readonly v: number;
  readonly ema: number;
  /** A 32-byte random stream and f64 scratch of maxN entries for the caller. */
  readonly rng: number;
  readonly scratch64: number;
  private readonly time: TimeEmbed;
  private readonly body: Body;
  private out = 0;

  constructor(
    readonly k: DiffusionExports,
    readonly spec: NetSpec,
    readonly maxN: number,
  ) {
    const problem = specProblem(spec);
    if (problem) throw new RangeError(problem);
    this.heap = new Heap(k);
    this.params = new Params();
    this.d = spec.C * spec.H * spec.W;
    const ctx: Ctx = { k, heap: this.heap, params: this.params, maxN, col: 0, colT: 0 };
    const colSize = spec.arch === "unet" ? Conv3.colSize(Math.max(spec.C, spec.width), spec.H, spec.W) : 0;
    ctx.col = this.heap.alloc(colSize);
    ctx.colT = this.heap.alloc(colSize);
    this.x = this.heap.alloc(maxN * this.d);
    this.dout = this.heap.alloc(maxN * this.d);
    this.target = this.heap.alloc(maxN * this.d);
    this.time = new TimeEmbed(ctx, spec.tdim);
    this.t = this.time.t;
    this.body = spec.arch === "unet" ? new UNet(ctx, this.time, spec) : new Mlp(ctx, this.time, spec);
    const P = this.params.size;
    this.w = this.heap.alloc(P);
    this.g = this.heap.alloc(P);
    this.m = this.heap.alloc(P);
    this.v = this.heap.alloc(P);
    this.ema = this.heap.alloc(P);
    this.rng = this.heap.alloc(8);
    this.scratch64 = this.heap.alloc(2 * maxN);
    this.heap.finalize();
    this.params.base = this.w;
    this.params.grad = this.g;
  }

  /** Number of parameters (each block padded to a multiple of 4). */
  get size(): number {
    return this.params.size;
  }

  /** Draws the initial weights from stream (seed, stream): N(0, scale^2) blocks, ones, zeros; zero
   * moments; the EMA starts at the weights. */
  init(seedHi: number, seedLo: number, stream: number): void {
    const { k, heap } = this;
    k.seedStream(this.rng, seedHi, seedLo, stream, 0);
    const w = heap.f32(this.w, this.size);
    w.fill(0);
    for (const b of this.params.blocks) {
      if (b.init === "one") w.subarray(b.offset, b.offset + b.n).fill(1);
      else if (b.init === "normal") {
        k.fillGaussF32(this.rng, this.w + 4 * b.offset, b.n);
        const blk = heap.f32(this.w + 4 * b.offset, b.n);
        for (let i = 0; i < b.n; i++) blk[i] *= b.scale;
      }
    }
    heap.f32(this.m, this.size).fill(0);
    heap.f32(this.v, this.size).fill(0);
    heap.f32(this.ema, this.size).set(heap.f32(this.w, this.size));
  }

  /** Uses the weights (false) or their EMA (true) in forward passes. */
  useEma(on: boolean): void {
    this.params.base = on ? this.ema : this.w;
  }

  /** The predicted noise [N, d] (a pointer valid until the next forward) for inputs in x and t. */
  forward(N: number): number {
    const temb = this.time.forward(N);
    this.out = this.body.forward(this.x, temb, N);
    return this.out;
  }

  /** Adds the parameter gradient of <dout, output> (after forward(N)) to g. */
  backward(N: number): void {
    this.heap.f32(this.time.dt, N * this.spec.tdim).fill(0);
    this.body.backward(this.dout, N);
    this.time.backward(N);
  }
}
