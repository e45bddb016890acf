/**
 * Byte encoding of a diffusion checkpoint: one JSON header line (format, options, step, snapshots, loss
 * accumulators, sizes), padding to 4 bytes, then the little-endian f32 vectors (weights, Adam moments,
 * EMA) and the 32-byte state of the training stream. Decoding says exactly what is wrong.
 */
import type { DiffusionCheckpoint } from "./run.js";

const FORMAT = "mcm-diffusion-checkpoint/1";

export function encodeDiffusionCheckpoint(c: DiffusionCheckpoint): Uint8Array {
  const { state, ...rest } = c;
  const n = state.w.length;
  const header = new TextEncoder().encode(
    `${JSON.stringify({ format: FORMAT, ...rest, step: state.step, nParams: n })}\n`,
  );
  const pad = (4 - (header.length % 4)) % 4;
  const out = new Uint8Array(header.length + pad + 16 * n + 32);
  out.set(header, 0);
  out.fill(0x20, header.length, header.length + pad);
  let at = header.length + pad;
  for (const a of [state.w, state.m, state.v, state.ema]) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, 4 * n), at);
    at += 4 * n;
  }
  out.set(state.rng, at);
  return out;
}

export function decodeDiffusionCheckpoint(bytes: Uint8Array): DiffusionCheckpoint {
  const nl = bytes.indexOf(10);
  if (nl < 0) throw new Error("checkpoint: no header line found (not a diffusion checkpoint)");
  let head: Omit<DiffusionCheckpoint, "state"> & { format: string; step: number; nParams: number };
  try {
    head = JSON.parse(new TextDecoder().decode(bytes.subarray(0, nl)));
  } catch {
    throw new Error("checkpoint: the header line is not JSON (not a diffusion checkpoint)");
  }
  if (head.format !== FORMAT) throw new Error(`checkpoint: format ${head.format}, expected ${FORMAT}`);
  let at = nl + 1;
  while (at % 4 !== 0) at++;
  const n = head.nParams;
  const expected = at + 16 * n + 32;
  if (bytes.length !== expected) throw new Error(`checkpoint: expected ${expected} bytes, found ${bytes.length}`);
  const take = () => {
    const a = new Float32Array(bytes.slice(at, at + 4 * n).buffer);
    at += 4 * n;
    return a;
  };
  const w = take();
  const m = take();
  const v = take();
  const ema = take();
  const rng = bytes.slice(at, at + 32);
  const { format: _f, step, nParams: _n, ...rest } = head;
  return { ...rest, state: { step, w, m, v, ema, rng } };
}
