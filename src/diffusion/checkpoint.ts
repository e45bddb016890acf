/**
 * Byte encoding of a diffusion checkpoint: one JSON header line (format, options, step, snapshots, loss
 * accumulators, sizes), padding to 4 bytes, then per network (R, then the Gaussian twins G and G' when the
 * run trains them) the little-endian f32 vectors (weights, Adam moments, EMA) and the 32-byte state of its
 * random stream. Format 1 (one network, before the twins) is still read. Decoding says exactly what is wrong.
 */
import type { DiffusionCheckpoint } from "./run.js";
import type { TrainerState } from "./train.js";

const FORMAT = "mcm-diffusion-checkpoint/2";
const FORMAT_1 = "mcm-diffusion-checkpoint/1";

export function encodeDiffusionCheckpoint(c: DiffusionCheckpoint): Uint8Array {
  const { state, ...rest } = c;
  const states = [state, ...(state.twins ?? [])];
  const n = state.w.length;
  const header = new TextEncoder().encode(
    `${JSON.stringify({ format: FORMAT, ...rest, step: state.step, nParams: n, nNets: states.length })}\n`,
  );
  const pad = (4 - (header.length % 4)) % 4;
  const out = new Uint8Array(header.length + pad + states.length * (16 * n + 32));
  out.set(header, 0);
  out.fill(0x20, header.length, header.length + pad);
  let at = header.length + pad;
  for (const s of states) {
    for (const a of [s.w, s.m, s.v, s.ema]) {
      out.set(new Uint8Array(a.buffer, a.byteOffset, 4 * n), at);
      at += 4 * n;
    }
    out.set(s.rng, at);
    at += 32;
  }
  return out;
}

export function decodeDiffusionCheckpoint(bytes: Uint8Array): DiffusionCheckpoint {
  const nl = bytes.indexOf(10);
  if (nl < 0) throw new Error("checkpoint: no header line found (not a diffusion checkpoint)");
  let head: Omit<DiffusionCheckpoint, "state"> & { format: string; step: number; nParams: number; nNets?: number };
  try {
    head = JSON.parse(new TextDecoder().decode(bytes.subarray(0, nl)));
  } catch {
    throw new Error("checkpoint: the header line is not JSON (not a diffusion checkpoint)");
  }
  if (head.format !== FORMAT && head.format !== FORMAT_1) {
    throw new Error(`checkpoint: format ${head.format}, expected ${FORMAT}`);
  }
  let at = nl + 1;
  while (at % 4 !== 0) at++;
  const n = head.nParams;
  const nets = head.format === FORMAT_1 ? 1 : (head.nNets ?? 1);
  const expected = at + nets * (16 * n + 32);
  if (bytes.length !== expected) throw new Error(`checkpoint: expected ${expected} bytes, found ${bytes.length}`);
  const take = () => {
    const a = new Float32Array(bytes.slice(at, at + 4 * n).buffer);
    at += 4 * n;
    return a;
  };
  const { format, step, nParams: _n, nNets: _k, ...rest } = head;
  const states: TrainerState[] = [];
  for (let i = 0; i < nets; i++) {
    const w = take();
    const m = take();
    const v = take();
    const ema = take();
    const rng = bytes.slice(at, at + 32);
    at += 32;
    states.push({ step, w, m, v, ema, rng });
  }
  const state = nets > 1 ? { ...states[0], twins: states.slice(1) } : states[0];
  // Format 1 ran one network; its options predate the twins (and, possibly, the shards).
  const old = rest.options as Partial<DiffusionCheckpoint["options"]>;
  const options = format === FORMAT_1 ? { ...rest.options, shards: old.shards ?? 1, twin: false } : rest.options;
  return { ...rest, options, state };
}
