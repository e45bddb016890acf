/**
 * The single owner of a kernel instance's memory: it sizes the memory for a layout and hands out
 * typed views, rebuilt whenever the memory has grown (a grown memory detaches old views).
 */
import type { KernelExports } from "./kernels.js";

export class Arena {
  readonly kernels: KernelExports;
  private buffer: ArrayBuffer | null = null;
  private f64view: Float64Array = new Float64Array(0);
  private u8view: Uint8Array = new Uint8Array(0);

  constructor(kernels: KernelExports) {
    this.kernels = kernels;
  }

  /** Grows the memory so that bytes [0, end) exist. */
  ensure(end: number): void {
    const memory = this.kernels.memory;
    const have = memory.buffer.byteLength;
    if (end > have) memory.grow(Math.ceil((end - have) / 65536));
  }

  private refresh(): void {
    const buffer = this.kernels.memory.buffer;
    if (buffer !== this.buffer) {
      this.buffer = buffer;
      this.f64view = new Float64Array(buffer);
      this.u8view = new Uint8Array(buffer);
    }
  }

  /** A live f64 view of [ptr, ptr + 8n): valid until the next call into the arena or the kernels. */
  f64(ptr: number, n: number): Float64Array {
    this.refresh();
    return this.f64view.subarray(ptr / 8, ptr / 8 + n);
  }

  /** A copy of n doubles at ptr. */
  readF64(ptr: number, n: number): Float64Array {
    return this.f64(ptr, n).slice();
  }

  writeF64(ptr: number, values: ArrayLike<number>): void {
    this.f64(ptr, values.length).set(values);
  }

  readBytes(ptr: number, n: number): Uint8Array {
    this.refresh();
    return this.u8view.slice(ptr, ptr + n);
  }

  writeBytes(ptr: number, bytes: Uint8Array): void {
    this.refresh();
    this.u8view.set(bytes, ptr);
  }
  /** The (train, eval) xoshiro256** states of `walkers` walkers, as [walkers, 2, 4] u64 words (the
   * checkpoint layout), from the per-stream arrays at trainPtr and evalPtr. */
  readStreams(trainPtr: number, evalPtr: number, walkers: number): BigUint64Array {
    const train = new BigUint64Array(this.readBytes(trainPtr, walkers * 32).buffer);
    const evalState = new BigUint64Array(this.readBytes(evalPtr, walkers * 32).buffer);
    const rng = new BigUint64Array(walkers * 8);
    for (let w = 0; w < walkers; w++) {
      rng.set(train.subarray(4 * w, 4 * w + 4), 8 * w);
      rng.set(evalState.subarray(4 * w, 4 * w + 4), 8 * w + 4);
    }
    return rng;
  }

  /** The inverse of readStreams. */
  writeStreams(trainPtr: number, evalPtr: number, walkers: number, rng: BigUint64Array): void {
    const train = new BigUint64Array(walkers * 4);
    const evalState = new BigUint64Array(walkers * 4);
    for (let w = 0; w < walkers; w++) {
      train.set(rng.subarray(8 * w, 8 * w + 4), 4 * w);
      evalState.set(rng.subarray(8 * w + 4, 8 * w + 8), 4 * w);
    }
    this.writeBytes(trainPtr, new Uint8Array(train.buffer));
    this.writeBytes(evalPtr, new Uint8Array(evalState.buffer));
  }
}
