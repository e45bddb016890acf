/**
 * The diffusion network's layers over the kernels of assembly/diffusion: each owns its output and input-
 * gradient buffers for up to `maxN` samples, keeps what its backward pass needs, and names its parameters
 * by offsets into the network's flat parameter vector (a Params registry), so that Adam, the EMA and
 * checkpoints treat all weights as one array. Layout: [N, C, H * W] f32.
 */
import type { DiffusionExports, Heap } from "./kernels.js";

/** The flat parameter vector and its gradient, with named blocks and their initial values. */
export class Params {
  size = 0;
  readonly blocks: { name: string; offset: number; n: number; init: "normal" | "zero" | "one"; scale: number }[] = [];
  /** Byte offsets of the vector in use (the weights, or their EMA during evaluation) and of the gradient. */
  base = 0;
  grad = 0;

  /** Registers n parameters; returns their offset (in floats). init "normal" draws N(0, scale^2). */
  add(name: string, n: number, init: "normal" | "zero" | "one", scale = 0): number {
    const offset = this.size;
    this.blocks.push({ name, offset, n, init, scale });
    this.size += Math.ceil(n / 4) * 4;
    return offset;
  }
  p(offset: number): number {
    return this.base + 4 * offset;
  }
  g(offset: number): number {
    return this.grad + 4 * offset;
  }
}

/** What every layer sees. */
export interface Ctx {
  k: DiffusionExports;
  heap: Heap;
  params: Params;
  maxN: number;
  /** Shared im2col scratch (floats for the largest layer), reserved by the network. */
  col: number;
  colT: number;
}

export interface Layer {
  /** Output buffer after forward(x, N). */
  forward(x: number, N: number): number;
  /** Input gradient buffer after backward(dy, N) (parameter gradients are added to). */
  backward(dy: number, N: number): number;
}

/** 3 x 3 convolution, padding 1, Cin -> Cout at H x W; weights N(0, 1 / (9 Cin)) (or `wScale`), bias 0. */
export class Conv3 implements Layer {
  readonly y: number;
  readonly dx: number;
  private x = 0;
  private readonly w: number;
  private readonly b: number;
  constructor(
    private readonly c: Ctx,
    readonly cin: number,
    readonly cout: number,
    readonly H: number,
    readonly W: number,
    name: string,
    wScale = 1,
  ) {
    this.w = c.params.add(`${name}.w`, cout * cin * 9, "normal", wScale / Math.sqrt(9 * cin));
    this.b = c.params.add(`${name}.b`, cout, "zero");
    this.y = c.heap.alloc(c.maxN * cout * H * W);
    this.dx = c.heap.alloc(c.maxN * cin * H * W);
  }
  /** Floats of im2col scratch this layer needs. */
  static colSize(cin: number, H: number, W: number): number {
    return cin * 9 * H * W;
  }
  forward(x: number, N: number): number {
    this.x = x;
    const { k, params: P } = this.c;
    k.conv3x3Forward(x, P.p(this.w), P.p(this.b), this.y, N, this.cin, this.cout, this.H, this.W, this.c.col);
    return this.y;
  }
  backward(dy: number, N: number): number {
    const { k, params: P } = this.c;
    k.conv3x3Backward(
      this.x,
      P.p(this.w),
      dy,
      this.dx,
      P.g(this.w),
      P.g(this.b),
      N,
      this.cin,
      this.cout,
      this.H,
      this.W,
      this.c.col,
      this.c.colT,
    );
    return this.dx;
  }
}

/** Group normalisation of C channels at HW pixels in G groups, gamma 1 and beta 0 at the start. */
export class GroupNorm implements Layer {
  readonly y: number;
  readonly dx: number;
  private readonly stats: number;
  private x = 0;
  private readonly gamma: number;
  private readonly beta: number;
  constructor(
    private readonly c: Ctx,
    readonly C: number,
    readonly HW: number,
    readonly G: number,
    name: string,
  ) {
    if (C % G !== 0) throw new RangeError(`${name}: ${C} channels do not split into ${G} groups`);
    this.gamma = c.params.add(`${name}.gamma`, C, "one");
    this.beta = c.params.add(`${name}.beta`, C, "zero");
    this.y = c.heap.alloc(c.maxN * C * HW);
    this.dx = c.heap.alloc(c.maxN * C * HW);
    this.stats = c.heap.alloc(c.maxN * G * 2);
  }
  forward(x: number, N: number): number {
    this.x = x;
    const { k, params: P } = this.c;
    k.groupNormForward(x, P.p(this.gamma), P.p(this.beta), this.y, this.stats, N, this.C, this.HW, this.G, 1e-5);
    return this.y;
  }
  backward(dy: number, N: number): number {
    const { k, params: P } = this.c;
    k.groupNormBackward(
      this.x,
      P.p(this.gamma),
      dy,
      this.dx,
      P.g(this.gamma),
      P.g(this.beta),
      this.stats,
      N,
      this.C,
      this.HW,
      this.G,
    );
    return this.dx;
  }
}

/** SiLU over `size` floats per sample (the forward pass keeps the sigmoid for the backward pass). */
export class Silu implements Layer {
  readonly y: number;
  readonly dx: number;
  private readonly sig: number;
  private x = 0;
  constructor(
    private readonly c: Ctx,
    readonly size: number,
  ) {
    this.y = c.heap.alloc(c.maxN * size);
    this.dx = c.heap.alloc(c.maxN * size);
    this.sig = c.heap.alloc(c.maxN * size);
  }
  forward(x: number, N: number): number {
    this.x = x;
    this.c.k.siluForward(x, this.y, this.sig, N * this.size);
    return this.y;
  }
  backward(dy: number, N: number): number {
    this.c.k.siluBackward(this.x, this.sig, dy, this.dx, N * this.size);
    return this.dx;
  }
}

/** 2 x 2 average pooling of C channels at H x W. */
export class Pool implements Layer {
  readonly y: number;
  readonly dx: number;
  constructor(
    private readonly c: Ctx,
    readonly C: number,
    readonly H: number,
    readonly W: number,
  ) {
    this.y = c.heap.alloc((c.maxN * C * H * W) / 4);
    this.dx = c.heap.alloc(c.maxN * C * H * W);
  }
  forward(x: number, N: number): number {
    this.c.k.avgPool2(x, this.y, N * this.C, this.H, this.W);
    return this.y;
  }
  backward(dy: number, N: number): number {
    this.c.k.avgPool2Backward(dy, this.dx, N * this.C, this.H, this.W);
    return this.dx;
  }
}

/** Nearest-neighbour 2x upsampling of C channels from h x w. */
export class Up implements Layer {
  readonly y: number;
  readonly dx: number;
  constructor(
    private readonly c: Ctx,
    readonly C: number,
    readonly h: number,
    readonly w: number,
  ) {
    this.y = c.heap.alloc(c.maxN * C * h * w * 4);
    this.dx = c.heap.alloc(c.maxN * C * h * w);
  }
  forward(x: number, N: number): number {
    this.c.k.upsample2(x, this.y, N * this.C, this.h, this.w);
    return this.y;
  }
  backward(dy: number, N: number): number {
    this.c.k.upsample2Backward(dy, this.dx, N * this.C, this.h, this.w);
    return this.dx;
  }
}

/** y = x W + b for x [N, nin], W [nin, nout] N(0, wScale^2 / nin), b 0. dx is skipped when `needDx` is false. */
export class Dense implements Layer {
  readonly y: number;
  readonly dx: number;
  private x = 0;
  private readonly w: number;
  private readonly b: number;
  constructor(
    private readonly c: Ctx,
    readonly nin: number,
    readonly nout: number,
    name: string,
    wScale = 1,
    private readonly needDx = true,
  ) {
    this.w = c.params.add(`${name}.w`, nin * nout, "normal", wScale / Math.sqrt(nin));
    this.b = c.params.add(`${name}.b`, nout, "zero");
    this.y = c.heap.alloc(c.maxN * nout);
    this.dx = needDx ? c.heap.alloc(c.maxN * nin) : 0;
  }
  forward(x: number, N: number): number {
    this.x = x;
    const { k, params: P } = this.c;
    k.gemmNN(N, this.nout, this.nin, x, P.p(this.w), this.y, 0);
    k.addRowBias(this.y, P.p(this.b), N, this.nout);
    return this.y;
  }
  backward(dy: number, N: number): number {
    const { k, params: P } = this.c;
    k.gemmTN(this.nin, this.nout, N, this.x, dy, P.g(this.w), 1);
    k.colSums(dy, P.g(this.b), N, this.nout);
    if (this.needDx) k.gemmNT(N, this.nin, this.nout, dy, P.p(this.w), this.dx, 0);
    return this.dx;
  }
}
