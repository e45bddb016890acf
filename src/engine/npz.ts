/**
 * numpy's .npz archives: a zip file whose members are .npy arrays (the codec is src/io/npy.ts). Only plain
 * little-endian dtypes, never objects, so `np.load(path, allow_pickle=False)` opens what we write. Members
 * are stored (no compression) with a fixed timestamp, so equal arrays give equal bytes; the reader also
 * takes deflated members (numpy's savez_compressed), inflated by fflate. The zip directory is read here
 * rather than by fflate's unzipSync, because that one checks no CRC-32 (a flipped byte in a member goes
 * through unnoticed) and says only "invalid zip data" where users need to know what is wrong. No
 * Node-only imports: this file runs in browsers too.
 */
import { inflateSync } from "fflate";
import { decodeNpy, encodeNpy, type NpyArray, NpyError as NpzError } from "../io/npy.js";

export { decodeNpy, encodeNpy, type NpyArray, NpyError as NpzError } from "../io/npy.js";

// ---- CRC-32 (IEEE 802.3, the zip polynomial) ----

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const hex = (x: number) => `0x${x.toString(16).padStart(8, "0")}`;

// ---- zip ----

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
// 1980-01-01 00:00 in DOS format: a fixed timestamp keeps archives byte-identical across runs.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

/** The fields a member's local header (at byte 4) and its central directory entry (at byte 6) share:
 * version needed (2.0), flags, method (stored), time, date, CRC-32, both sizes, name length. */
function entryFields(view: DataView, at: number, e: { name: Uint8Array; data: Uint8Array; crc: number }): void {
  view.setUint16(at, 20, true);
  view.setUint16(at + 2, 0, true);
  view.setUint16(at + 4, 0, true);
  view.setUint16(at + 6, DOS_TIME, true);
  view.setUint16(at + 8, DOS_DATE, true);
  view.setUint32(at + 10, e.crc, true);
  view.setUint32(at + 14, e.data.length, true);
  view.setUint32(at + 18, e.data.length, true);
  view.setUint16(at + 22, e.name.length, true);
}

/** Packs named arrays into .npz bytes (members "<name>.npy", stored, in the given order). */
export function encodeNpz(arrays: Record<string, NpyArray>): Uint8Array {
  const enc = new TextEncoder();
  const entries = Object.entries(arrays).map(([name, array]) => {
    const data = encodeNpy(array);
    return { name: enc.encode(`${name}.npy`), data, crc: crc32(data), offset: 0 };
  });
  let size = 22;
  for (const e of entries) size += 30 + e.name.length + e.data.length + 46 + e.name.length;
  if (size > 0xffffffff) throw new NpzError(`encodeNpz: archive of ${size} bytes needs ZIP64, which is not supported`);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const e of entries) {
    e.offset = at;
    view.setUint32(at, SIG_LOCAL, true);
    entryFields(view, at + 4, e);
    view.setUint16(at + 28, 0, true); // extra field length
    out.set(e.name, at + 30);
    out.set(e.data, at + 30 + e.name.length);
    at += 30 + e.name.length + e.data.length;
  }
  const central = at;
  for (const e of entries) {
    view.setUint32(at, SIG_CENTRAL, true);
    view.setUint16(at + 4, 20, true); // version made by
    entryFields(view, at + 6, e);
    // extra, comment, disk, internal attributes, external attributes: 0
    view.setUint32(at + 42, e.offset, true);
    out.set(e.name, at + 46);
    at += 46 + e.name.length;
  }
  view.setUint32(at, SIG_END, true);
  view.setUint16(at + 8, entries.length, true);
  view.setUint16(at + 10, entries.length, true);
  view.setUint32(at + 12, at - central, true);
  view.setUint32(at + 16, central, true);
  return out;
}

export interface DecodeOptions {
  /** Inflates a raw deflate stream (zip method 8); fflate's inflateSync by default. */
  inflateRaw?: (bytes: Uint8Array) => Uint8Array;
  /** Used in messages, e.g. the file path. */
  name?: string;
}

/** Unpacks .npz bytes into arrays keyed by member name without ".npy"; checks every CRC-32 and size. */
export function decodeNpz(bytes: Uint8Array, options: DecodeOptions = {}): Record<string, NpyArray> {
  const file = options.name ?? "archive";
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (view.getUint32(i, true) === SIG_END) {
      end = i;
      break;
    }
  }
  if (end < 0) {
    throw new NpzError(
      `${file}: truncated or not a zip archive: expected an end-of-central-directory record, found none in ${bytes.length} bytes`,
    );
  }
  const entriesCount = view.getUint16(end + 10, true);
  const centralSize = view.getUint32(end + 12, true);
  const centralOffset = view.getUint32(end + 16, true);
  if (centralOffset + centralSize > end) {
    throw new NpzError(
      `${file}: corrupted zip directory: expected it to end by byte ${end}, found it ending at ${centralOffset + centralSize}`,
    );
  }
  const dec = new TextDecoder();
  const out: Record<string, NpyArray> = {};
  let at = centralOffset;
  for (let k = 0; k < entriesCount; k++) {
    if (at + 46 > end || view.getUint32(at, true) !== SIG_CENTRAL) {
      throw new NpzError(`${file}: corrupted zip directory: entry ${k + 1} of ${entriesCount} is missing`);
    }
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    const compressed = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const member = dec.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
    if (local + 30 > bytes.length || view.getUint32(local, true) !== SIG_LOCAL) {
      throw new NpzError(`${file}: member ${member}: expected a local header at byte ${local}, found none`);
    }
    const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (dataStart + compressed > bytes.length) {
      throw new NpzError(
        `${file}: member ${member}: expected ${compressed} bytes, found ${Math.max(0, bytes.length - dataStart)} (truncated)`,
      );
    }
    let data = bytes.subarray(dataStart, dataStart + compressed);
    if (method === 8) {
      data = (options.inflateRaw ?? inflateSync)(data);
    } else if (method !== 0) {
      throw new NpzError(
        `${file}: member ${member}: expected compression method 0 (stored) or 8 (deflate), found ${method}`,
      );
    }
    if (data.length !== size) {
      throw new NpzError(`${file}: member ${member}: expected ${size} bytes, found ${data.length}`);
    }
    const found = crc32(data);
    if (found !== crc) {
      throw new NpzError(
        `${file}: member ${member}: CRC-32 mismatch: expected ${hex(crc)}, found ${hex(found)} (the file is corrupted)`,
      );
    }
    const key = member.endsWith(".npy") ? member.slice(0, -4) : member;
    out[key] = decodeNpy(data, `${file}: member ${member}`);
  }
  return out;
}
