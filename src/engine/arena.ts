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
}
