/**
 * The full-backend SGD step in plain TypeScript, written the way a user without WebAssembly would write
 * it: the same xoshiro256** streams (64-bit words as pairs of 32-bit halves), the same ziggurat, the same
 * sampler, noising, tied denoiser and spherical update as the kernels' unfused reference
 * (assembly/mcm.ts, noise.ts, denoiser.ts, sgd.ts update), one clear pass per operation. It is the
 * benchmark's baseline and covers the default model of docs/model.md section 9 (VP, Rademacher nu
 * independent of lambda, tanh, predict x0, fixed a and b); from the same seed it follows the WASM
 * trajectory to rounding (test/bench.test.ts).
 */

const MASK64 = (1n << 64n) - 1n;

/** SplitMix64 finaliser (BigInt: set-up only). */
function mix64(x: bigint): bigint {
  let z = (x + 0x9e3779b97f4a7c15n) & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

const TWO32 = 4294967296;

/** xoshiro256** with each 64-bit word held as two unsigned 32-bit halves. */
export class Xoshiro256 {
  private s0h = 0;
  private s0l = 0;
  private s1h = 0;
  private s1l = 0;
  private s2h = 0;
  private s2l = 0;
  private s3h = 0;
  private s3l = 0;
  /** The last output of next(), high and low halves. */
  hi = 0;
  lo = 0;

  /** The stream `stream` of walker `walker` under `seed`, seeded exactly as the kernels' seedStream(). */
  constructor(seed: bigint, stream: number, walker: number) {
    let key = mix64(seed & MASK64);
    key = mix64(key ^ mix64(0x53545245414d0000n + BigInt(stream)));
    key = mix64(key ^ mix64(0x57414c4b45520000n + BigInt(walker)));
    const g = 0x9e3779b97f4a7c15n;
    const words = [
      mix64(key),
      mix64((key + g) & MASK64),
      mix64((key + 2n * g) & MASK64),
      mix64((key + 3n * g) & MASK64),
    ];
    if (!words.some((w) => w !== 0n)) words[0] = 1n;
    [this.s0h, this.s0l] = [Number(words[0] >> 32n), Number(words[0] & 0xffffffffn)];
    [this.s1h, this.s1l] = [Number(words[1] >> 32n), Number(words[1] & 0xffffffffn)];
    [this.s2h, this.s2l] = [Number(words[2] >> 32n), Number(words[2] & 0xffffffffn)];
    [this.s3h, this.s3l] = [Number(words[3] >> 32n), Number(words[3] & 0xffffffffn)];
  }

  /** Advances the stream; the 64-bit output is left in (hi, lo). */
  next(): void {
    // result = rotl(s1 * 5, 7) * 9
    let lo = (this.s1l >>> 0) * 5; // the XORs below leave signed 32-bit values
    let hi = (Math.imul(this.s1h, 5) + Math.floor(lo / TWO32)) >>> 0;
    lo >>>= 0;
    const rh = ((hi << 7) | (lo >>> 25)) >>> 0;
    const rl = ((lo << 7) | (hi >>> 25)) >>> 0;
    lo = rl * 9;
    hi = (Math.imul(rh, 9) + Math.floor(lo / TWO32)) >>> 0;
    this.hi = hi;
    this.lo = lo >>> 0;
    // t = s1 << 17
    const th = ((this.s1h << 17) | (this.s1l >>> 15)) >>> 0;
    const tl = (this.s1l << 17) >>> 0;
    this.s2h ^= this.s0h;
    this.s2l ^= this.s0l;
    this.s3h ^= this.s1h;
    this.s3l ^= this.s1l;
    this.s1h ^= this.s2h;
    this.s1l ^= this.s2l;
    this.s0h ^= this.s3h;
    this.s0l ^= this.s3l;
    this.s2h ^= th;
    this.s2l ^= tl;
    // s3 = rotl(s3, 45): swap the halves (rotl 32), then rotl 13
    const h3 = this.s3l;
    const l3 = this.s3h;
    this.s3h = ((h3 << 13) | (l3 >>> 19)) >>> 0;
    this.s3l = ((l3 << 13) | (h3 >>> 19)) >>> 0;
  }

  /** Uniform on [0, 1) from the top 53 bits. */
  uniform(): number {
    this.next();
    return ((this.hi >>> 0) * 2097152 + (this.lo >>> 11)) * 1.1102230246251565e-16;
  }

  /** Uniform on (0, 1]. */
  uniformPos(): number {
    this.next();
    return ((this.hi >>> 0) * 2097152 + (this.lo >>> 11) + 1) * 1.1102230246251565e-16;
  }
}

// Ziggurat tables (Marsaglia & Tsang 2000), as assembly/rng.ts.
const ZIG_R = 3.6541528853610088;
const ZIG_V = 0.00492867323399;
const ZX = new Float64Array(257);
const ZF = new Float64Array(257);
const ZR = new Float64Array(256);
ZX[0] = ZIG_V / Math.exp(-0.5 * ZIG_R * ZIG_R);
ZX[1] = ZIG_R;
for (let i = 2; i < 256; i++) {
  ZX[i] = Math.sqrt(-2 * Math.log(ZIG_V / ZX[i - 1] + Math.exp(-0.5 * ZX[i - 1] * ZX[i - 1])));
}
ZX[256] = 0;
for (let i = 0; i <= 256; i++) ZF[i] = Math.exp(-0.5 * ZX[i] * ZX[i]);
for (let i = 0; i < 256; i++) ZR[i] = ZX[i + 1] / ZX[i];

/** A standard normal draw (exact ziggurat): the layer from the low 8 bits, a uniform on [-1, 1) from the top 52. */
export function gauss(rng: Xoshiro256): number {
  for (;;) {
    rng.next();
    const i = rng.lo & 0xff;
    const f = ((rng.hi >>> 0) * 1048576 + (rng.lo >>> 12)) * 4.440892098500626e-16 - 1;
    const x = f * ZX[i];
    if (Math.abs(f) < ZR[i]) return x;
    if (i === 0) {
      // The tail beyond R (Marsaglia 1964).
      let tx: number;
      let ty: number;
      do {
        tx = Math.log(rng.uniformPos()) / ZIG_R;
        ty = Math.log(rng.uniformPos());
      } while (-2 * ty < tx * tx);
      return f < 0 ? tx - ZIG_R : ZIG_R - tx;
    }
    if (ZF[i + 1] + (ZF[i] - ZF[i + 1]) * rng.uniform() < Math.exp(-0.5 * x * x)) return x;
  }
}

/** Fills out with N(0, 1) draws. */
export function fillGauss(rng: Xoshiro256, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = gauss(rng);
}

/** a . b */
export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** y += alpha x */
export function axpy(y: Float64Array, alpha: number, x: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
}

/** The model and one walker: w [K, d] with |w_k| = 1, a_k = 1, the optimal skip b, eta = 0.5 / d. */
export class PlainStep {
  readonly d: number;
  readonly K: number;
  readonly u: Float64Array;
  readonly v: Float64Array;
  readonly m: Float64Array;
  /** w_k as views into one [K, d] array. */
  readonly w: Float64Array[];
  readonly a: Float64Array;
  /** Overlaps [K, 3] with u, v, m after the last step. */
  readonly overlaps: Float64Array;
  private readonly x0: Float64Array;
  private readonly xi: Float64Array;
  private readonly xt: Float64Array;
  private readonly r: Float64Array;
  private readonly h: Float64Array;
  private readonly g: Float64Array;
  private readonly rng: Xoshiro256;
  private readonly alpha = Math.exp(-0.5);
  private readonly sigma = Math.sqrt(-Math.expm1(-1));
  private readonly b: number;
  private readonly eta: number;
  private readonly sqrtBetaU = Math.sqrt(5);
  private readonly sqrtBetaV = Math.sqrt(5);
  private readonly whitenC = 5 / (1 + 5 + Math.sqrt(1 + 5));

  /** Spikes, weights and the training stream from `seed`, as createSimulation(...).init(seed). */
  constructor(d: number, K: number, seed = 1n) {
    this.d = d;
    this.K = K;
    this.b = this.alpha / (this.alpha * this.alpha + this.sigma * this.sigma);
    this.eta = 0.5 * d ** -1;
    this.u = new Float64Array(d);
    this.v = new Float64Array(d);
    this.m = new Float64Array(d);
    this.x0 = new Float64Array(d);
    this.xi = new Float64Array(d);
    this.xt = new Float64Array(d);
    this.r = new Float64Array(d);
    this.h = new Float64Array(K);
    this.g = new Float64Array(K);
    const spikes = new Xoshiro256(seed, 0, 0);
    this.orthonormalRandom(spikes, this.u, []);
    this.orthonormalRandom(spikes, this.v, [this.u]);
    if (d >= 3) this.orthonormalRandom(spikes, this.m, [this.u, this.v]);
    const init = new Xoshiro256(seed, 1, 0);
    const all = new Float64Array(K * d);
    this.w = [];
    for (let k = 0; k < K; k++) {
      this.w.push(all.subarray(k * d, (k + 1) * d));
      fillGauss(init, this.w[k]);
    }
    for (const wk of this.w) {
      const c = 1 / Math.sqrt(dot(wk, wk));
      for (let i = 0; i < d; i++) wk[i] *= c;
    }
    this.a = new Float64Array(K).fill(1);
    this.overlaps = new Float64Array(3 * K);
    this.rng = new Xoshiro256(seed, 2, 0);
  }

  private orthonormalRandom(rng: Xoshiro256, out: Float64Array, others: Float64Array[]): void {
    fillGauss(rng, out);
    for (let pass = 0; pass < 2; pass++) for (const p of others) axpy(out, -dot(out, p), p);
    const c = 1 / Math.sqrt(dot(out, out));
    for (let i = 0; i < out.length; i++) out[i] *= c;
  }

  /** One online SGD step on a fresh sample. */
  step(): void {
    const { d, K, x0, xi, xt, r, u, v, m, w, a, eta } = this;
    // Sample x0 = sqrt(betaU) lambda u + S (sqrt(betaV) nu v + z), S = I - c v v^T.
    const lambda = gauss(this.rng);
    const nu = this.rng.uniform() >= 0.5 ? 1 : -1;
    fillGauss(this.rng, x0);
    const cv = this.sqrtBetaV * nu * (1 - this.whitenC) - this.whitenC * dot(v, x0);
    axpy(x0, this.sqrtBetaU * lambda, u);
    axpy(x0, cv, v);
    // Noise: xt = alpha x0 + sigma xi.
    fillGauss(this.rng, xi);
    for (let i = 0; i < d; i++) xt[i] = this.alpha * x0[i] + this.sigma * xi[i];
    // Forward: r = D(xt) - x0 = b xt + sum_k a_k g(h_k) w_k - x0.
    for (let i = 0; i < d; i++) r[i] = this.b * xt[i] - x0[i];
    const { h, g } = this;
    for (let k = 0; k < K; k++) {
      h[k] = dot(w[k], xt);
      g[k] = Math.tanh(h[k]);
      axpy(r, a[k] * g[k], w[k]);
    }
    // Spherical SGD: grad_k = a_k (g r + g' (w.r) xt); step along its tangent part, renormalise.
    for (let k = 0; k < K; k++) {
      const gp = 1 - g[k] * g[k];
      const wr = dot(w[k], r);
      const cw = 1 + eta * a[k] * wr * (g[k] + gp * h[k]);
      const cr = -eta * a[k] * g[k];
      const cx = -eta * a[k] * gp * wr;
      const wk = w[k];
      for (let i = 0; i < d; i++) wk[i] = cw * wk[i] + cr * r[i] + cx * xt[i];
      const c = 1 / Math.sqrt(dot(wk, wk));
      for (let i = 0; i < d; i++) wk[i] *= c;
      this.overlaps[3 * k] = dot(wk, u);
      this.overlaps[3 * k + 1] = dot(wk, v);
      this.overlaps[3 * k + 2] = dot(wk, m);
    }
  }
}
