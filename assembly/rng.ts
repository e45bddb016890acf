// Random streams: xoshiro256** generators whose 32-byte state lives in linear memory (so a checkpoint
// is a copy of memory), seeded by SplitMix64 from (master seed, stream id, walker), and an exact
// ziggurat sampler for N(0, 1).
//
// Hot loops load a stream into the module globals s0..s3 with rngLoad(), draw, and write it back
// with rngStore(): globals avoid a memory round trip on every draw.

let s0: u64 = 0;
let s1: u64 = 0;
let s2: u64 = 0;
let s3: u64 = 0;

/** SplitMix64 finaliser: a bijective 64-bit mixer. */
// @ts-ignore: decorator
@inline
export function mix64(x: u64): u64 {
  let z = x + 0x9e3779b97f4a7c15;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

/** Writes the xoshiro256** state of stream `stream` of walker `walker` under master seed (hi, lo) to ptr. */
export function seedStream(ptr: usize, seedHi: u32, seedLo: u32, stream: u32, walker: u32): void {
  let key = mix64((<u64>seedHi << 32) | <u64>seedLo);
  key = mix64(key ^ mix64(0x53545245414d0000 + <u64>stream));
  key = mix64(key ^ mix64(0x57414c4b45520000 + <u64>walker));
  // Four consecutive SplitMix64 outputs; an all-zero state is impossible in practice but guarded.
  let a = mix64(key);
  let b = mix64(key + 0x9e3779b97f4a7c15);
  let c = mix64(key + 2 * 0x9e3779b97f4a7c15);
  let d = mix64(key + 3 * 0x9e3779b97f4a7c15);
  if ((a | b | c | d) == 0) a = 1;
  store<u64>(ptr, a, 0);
  store<u64>(ptr, b, 8);
  store<u64>(ptr, c, 16);
  store<u64>(ptr, d, 24);
}

/** Makes the stream at ptr current. */
// @ts-ignore: decorator
@inline
export function rngLoad(ptr: usize): void {
  s0 = load<u64>(ptr, 0);
  s1 = load<u64>(ptr, 8);
  s2 = load<u64>(ptr, 16);
  s3 = load<u64>(ptr, 24);
}

/** Saves the current stream to ptr. */
// @ts-ignore: decorator
@inline
export function rngStore(ptr: usize): void {
  store<u64>(ptr, s0, 0);
  store<u64>(ptr, s1, 8);
  store<u64>(ptr, s2, 16);
  store<u64>(ptr, s3, 24);
}

/** Next 64 random bits of the current stream (xoshiro256**, Blackman & Vigna 2018). */
// @ts-ignore: decorator
@inline
export function nextU64(): u64 {
  const result = rotl<u64>(s1 * 5, 7) * 9;
  const t = s1 << 17;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl<u64>(s3, 45);
  return result;
}

/** Uniform on [0, 1) with 53 random bits. (Integers below 2^53 convert exactly either way; the signed
 * conversion is one instruction on x86-64, the unsigned one a branchy sequence.) */
// @ts-ignore: decorator
@inline
export function uniform(): f64 {
  return <f64>(<i64>(nextU64() >> 11)) * 1.1102230246251565e-16;
}

/** Uniform on (0, 1], safe for log(). */
// @ts-ignore: decorator
@inline
export function uniformPos(): f64 {
  return <f64>(<i64>((nextU64() >> 11) + 1)) * 1.1102230246251565e-16;
}

// Ziggurat tables for the standard normal, 256 layers of equal area V (Marsaglia & Tsang 2000):
// ZX[0] = V / f(R) is the base strip's virtual width, ZX[1] = R, ..., ZX[256] = 0; ZF[i] = f(ZX[i]);
// ZR[i] = ZX[i+1] / ZX[i] is the fast-accept ratio. Filled once by the start function below with the
// module's own (deterministic, software) exp/log/sqrt, so every host gets the same bits.
const ZIG_R: f64 = 3.6541528853610088;
const ZIG_V: f64 = 0.00492867323399;
const ZX: usize = memory.data(257 * 8, 16);
const ZF: usize = memory.data(257 * 8, 16);
const ZR: usize = memory.data(256 * 8, 16);

function buildZiggurat(): void {
  const fR = Math.exp(-0.5 * ZIG_R * ZIG_R);
  store<f64>(ZX, ZIG_V / fR);
  store<f64>(ZX + 8, ZIG_R);
  for (let i = 2; i < 256; i++) {
    const xp = load<f64>(ZX + ((i - 1) << 3));
    const x = Math.sqrt(-2.0 * Math.log(ZIG_V / xp + Math.exp(-0.5 * xp * xp)));
    store<f64>(ZX + (i << 3), x);
  }
  store<f64>(ZX + (256 << 3), 0.0);
  for (let i = 0; i <= 256; i++) {
    const x = load<f64>(ZX + (i << 3));
    store<f64>(ZF + (i << 3), Math.exp(-0.5 * x * x));
  }
  for (let i = 0; i < 256; i++) {
    store<f64>(ZR + (i << 3), load<f64>(ZX + ((i + 1) << 3)) / load<f64>(ZX + (i << 3)));
  }
}
buildZiggurat();

/** A standard normal draw from the current stream (exact ziggurat; about 1.01 draws of 64 bits each). */
// @ts-ignore: decorator
@inline
export function gauss(): f64 {
  return gaussFromBits(nextU64());
}

/** The normal of the ziggurat whose first 64-bit draw is `bits`; a rejection (about 1.2% of draws)
 * continues on the current stream. Bits 8..11 of `bits` are not read: they are fair bits independent of
 * the normal, which callers may use. */
// @ts-ignore: decorator
@inline
export function gaussFromBits(bits: u64): f64 {
  const i = <usize>(bits & 0xff);
  // Bits 12..63 give a uniform on [-1, 1), independent of the layer index in bits 0..7. The shifted
  // value fits in 52 bits, so the signed conversion (one machine instruction) is exact.
  const f = <f64>(<i64>(bits >> 12)) * 4.440892098500626e-16 - 1.0;
  if (Math.abs(f) < load<f64>(ZR + (i << 3))) return f * load<f64>(ZX + (i << 3));
  return gaussSlow(i, f);
}

function gaussSlow(i0: usize, f0: f64): f64 {
  let i = i0;
  let f = f0;
  while (true) {
    const xi = load<f64>(ZX + (i << 3));
    const x = f * xi;
    if (Math.abs(f) < load<f64>(ZR + (i << 3))) return x;
    if (i == 0) {
      // Base strip outside the rectangle: sample the tail beyond R (Marsaglia 1964).
      let tx: f64 = 0;
      let ty: f64 = 0;
      do {
        tx = Math.log(uniformPos()) / ZIG_R;
        ty = Math.log(uniformPos());
      } while (-2.0 * ty < tx * tx);
      return f < 0 ? tx - ZIG_R : ZIG_R - tx;
    }
    const fi = load<f64>(ZF + (i << 3));
    const fi1 = load<f64>(ZF + ((i + 1) << 3));
    if (fi1 + (fi - fi1) * uniform() < Math.exp(-0.5 * x * x)) return x;
    const bits = nextU64();
    i = <usize>(bits & 0xff);
    f = <f64>(<i64>(bits >> 12)) * 4.440892098500626e-16 - 1.0;
  }
  return 0;
}

/** Writes n N(0,1) draws of the current stream to ptr: the same draws as n calls of gauss(). */
export function gaussFill(ptr: usize, n: i32): void {
  // This is gauss() rewritten for speed, 40% faster in V8: the state lives in locals (V8 keeps module
  // globals in memory), the hot loop takes the fast path only (a call inside it makes V8 spill the
  // loop's registers on every iteration) and leaves on the first rejection (about 1.2% of draws),
  // which the outer loop finishes through the globals with gaussSlow(); and two draws per iteration
  // halve V8's per-iteration overhead (an interrupt check, constants rematerialised).
  let a = s0;
  let b = s1;
  let c = s2;
  let e = s3;
  const end = ptr + (<usize>n << 3);
  let p = ptr;
  while (p < end) {
    let i: usize = 0;
    let f: f64 = 0;
    let rejected = false;
    for (; p + 8 < end; p += 16) {
      let bits = rotl<u64>(b * 5, 7) * 9;
      let t = b << 17;
      c ^= a;
      e ^= b;
      b ^= c;
      a ^= e;
      c ^= t;
      e = rotl<u64>(e, 45);
      i = <usize>(bits & 0xff);
      f = <f64>(<i64>(bits >> 12)) * 4.440892098500626e-16 - 1.0;
      if (!(Math.abs(f) < load<f64>(ZR + (i << 3)))) {
        rejected = true;
        break;
      }
      store<f64>(p, f * load<f64>(ZX + (i << 3)));
      bits = rotl<u64>(b * 5, 7) * 9;
      t = b << 17;
      c ^= a;
      e ^= b;
      b ^= c;
      a ^= e;
      c ^= t;
      e = rotl<u64>(e, 45);
      i = <usize>(bits & 0xff);
      f = <f64>(<i64>(bits >> 12)) * 4.440892098500626e-16 - 1.0;
      if (!(Math.abs(f) < load<f64>(ZR + (i << 3)))) {
        p += 8;
        rejected = true;
        break;
      }
      store<f64>(p, f * load<f64>(ZX + (i << 3)), 8);
    }
    if (!rejected && p < end) {
      // The last draw of an odd count.
      const bits = rotl<u64>(b * 5, 7) * 9;
      const t = b << 17;
      c ^= a;
      e ^= b;
      b ^= c;
      a ^= e;
      c ^= t;
      e = rotl<u64>(e, 45);
      i = <usize>(bits & 0xff);
      f = <f64>(<i64>(bits >> 12)) * 4.440892098500626e-16 - 1.0;
      if (Math.abs(f) < load<f64>(ZR + (i << 3))) {
        store<f64>(p, f * load<f64>(ZX + (i << 3)));
        p += 8;
      } else rejected = true;
    }
    if (rejected) {
      s0 = a;
      s1 = b;
      s2 = c;
      s3 = e;
      store<f64>(p, gaussSlow(i, f));
      a = s0;
      b = s1;
      c = s2;
      e = s3;
      p += 8;
    }
  }
  s0 = a;
  s1 = b;
  s2 = c;
  s3 = e;
}

/** Fills n doubles at ptr with N(0,1) draws from the stream at rngPtr. */
export function fillGauss(rngPtr: usize, ptr: usize, n: i32): void {
  rngLoad(rngPtr);
  gaussFill(ptr, n);
  rngStore(rngPtr);
}

/** Fills n doubles at ptr with uniform [0,1) draws from the stream at rngPtr. */
export function fillUniform(rngPtr: usize, ptr: usize, n: i32): void {
  rngLoad(rngPtr);
  for (let i = 0; i < n; i++) store<f64>(ptr + (<usize>i << 3), uniform());
  rngStore(rngPtr);
}
