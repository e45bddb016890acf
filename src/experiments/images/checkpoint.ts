/**
 * Byte encoding of an images checkpoint for files: one JSON header line (format, key, build, step,
 * curve, sizes) followed by the raw little-endian arrays (weights, Adam moments) and the 32-byte RNG
 * state. Decoding checks the sizes and says exactly what is wrong.
 */
import type { ImagesCheckpoint } from "./run.js";

export function encodeImagesCheckpoint(c: ImagesCheckpoint): Uint8Array {
  const { weights, m1, m2, rng, ...rest } = c;
  const header = new TextEncoder().encode(`${JSON.stringify({ ...rest, nParams: weights.length })}\n`);
  const pad = (8 - (header.length % 8)) % 8;
  const out = new Uint8Array(header.length + pad + 24 * weights.length + 32);
  out.set(header, 0);
  out.fill(0x20, header.length, header.length + pad);
  let at = header.length + pad;
  for (const a of [weights, m1, m2]) {
    out.set(new Uint8Array(Float64Array.from(a).buffer), at);
    at += 8 * a.length;
  }
  out.set(rng, at);
  return out;
}

export function decodeImagesCheckpoint(bytes: Uint8Array): ImagesCheckpoint {
  const nl = bytes.indexOf(10);
  if (nl < 0) throw new Error("checkpoint: no header line found (not an images checkpoint)");
  let head: Omit<ImagesCheckpoint, "weights" | "m1" | "m2" | "rng"> & { nParams: number };
  try {
    head = JSON.parse(new TextDecoder().decode(bytes.subarray(0, nl)));
  } catch {
    throw new Error("checkpoint: the header line is not JSON (not an images checkpoint)");
  }
  if (head.format !== "mcm-images-checkpoint/1") {
    throw new Error(`checkpoint: format ${head.format}, expected mcm-images-checkpoint/1`);
  }
  let at = nl + 1;
  while (at % 8 !== 0) at++;
  const expected = at + 24 * head.nParams + 32;
  if (bytes.length !== expected) throw new Error(`checkpoint: expected ${expected} bytes, got ${bytes.length}`);
  const take = () => {
    const a = new Float64Array(bytes.slice(at, at + 8 * head.nParams).buffer);
    at += 8 * head.nParams;
    return a;
  };
  const weights = take();
  const m1 = take();
  const m2 = take();
  const rng = bytes.slice(at, at + 32);
  const { nParams: _n, ...rest } = head;
  return { ...rest, weights, m1, m2, rng };
}
