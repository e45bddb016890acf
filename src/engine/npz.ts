/**
 * A small reader and writer for numpy's .npz archives: a zip file whose members are .npy arrays
 * (NEP 1 / numpy.lib.format, version 1.0). Only plain little-endian dtypes are supported, never
 * objects, so `np.load(path, allow_pickle=False)` opens what we write. Members are stored (no
 * compression); the reader also accepts deflated members when given an inflate function (numpy's
 * savez_compressed). No Node-only imports: this file runs in browsers too.
 */

/** The dtypes we read and write, by numpy descr. */
export type NpyArray =
  | { dtype: "<f8"; shape: number[]; data: Float64Array }
  | { dtype: "<i8"; shape: number[]; data: BigInt64Array }
  | { dtype: "<u8"; shape: number[]; data: BigUint64Array }
  | { dtype: "|u1"; shape: number[]; data: Uint8Array }
  | { dtype: "<U"; shape: number[]; data: string };

/** Thrown for anything malformed: the message says what was expected and what was found. */
export class NpzError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NpzError";
  }
}

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

// ---- .npy ----

function shapeText(shape: number[]): string {
  if (shape.length === 0) return "()";
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(", ")})`;
}

function count(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Encodes one array as .npy v1.0 bytes (header padded so the data starts at a multiple of 64). */
export function encodeNpy(array: NpyArray): Uint8Array {
  let descr: string = array.dtype;
  let body: Uint8Array;
  if (array.dtype === "<U") {
    if (array.shape.length !== 0) throw new NpzError("encodeNpy: strings are stored as 0-d arrays only");
    const points = Array.from(array.data, (ch) => ch.codePointAt(0) as number);
    const n = Math.max(1, points.length);
    descr = `<U${n}`;
    const u32 = new Uint32Array(n);
    u32.set(points);
    body = new Uint8Array(u32.buffer);
  } else {
    if (array.data.length !== count(array.shape)) {
      throw new NpzError(`encodeNpy: ${array.data.length} values do not fill shape ${shapeText(array.shape)}`);
    }
    body = new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  }
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText(array.shape)}, }`;
  const fixed = 10; // magic (6) + version (2) + header length (2)
  const total = Math.ceil((fixed + header.length + 1) / 64) * 64;
  header = `${header}${" ".repeat(total - fixed - header.length - 1)}\n`;
  const out = new Uint8Array(total + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0); // \x93NUMPY v1.0
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[fixed + i] = header.charCodeAt(i);
  out.set(body, total);
  return out;
}

/** Decodes .npy bytes (v1, v2 or v3 headers; C order; the dtypes of NpyArray). */
export function decodeNpy(bytes: Uint8Array, name = "array"): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) {
    throw new NpzError(`${name}: not a .npy array (expected the magic bytes \\x93NUMPY)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const wide = major >= 2;
  const headerLength = wide ? view.getUint32(8, true) : view.getUint16(8, true);
  const start = wide ? 12 : 10;
  if (start + headerLength > bytes.length) throw new NpzError(`${name}: .npy header runs past the end of the member`);
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeMatch = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeMatch) throw new NpzError(`${name}: malformed .npy header ${JSON.stringify(header)}`);
  if (fortran === "True") throw new NpzError(`${name}: expected C order, found fortran_order True`);
  const shape = shapeMatch[1]
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map(Number);
  const n = count(shape);
  const data = bytes.slice(start + headerLength); // a copy: aligned and detached from the archive
  const need = (size: number) => {
    if (data.length !== n * size) {
      throw new NpzError(
        `${name}: expected ${n * size} bytes of data for shape ${shapeText(shape)} and dtype ${descr}, found ${data.length}`,
      );
    }
  };
  switch (descr) {
    case "<f8":
      need(8);
      return { dtype: "<f8", shape, data: new Float64Array(data.buffer, 0, n) };
    case "<i8":
      need(8);
      return { dtype: "<i8", shape, data: new BigInt64Array(data.buffer, 0, n) };
    case "<u8":
      need(8);
      return { dtype: "<u8", shape, data: new BigUint64Array(data.buffer, 0, n) };
    case "|u1":
      need(1);
      return { dtype: "|u1", shape, data };
  }
  const str = /^<U([0-9]+)$/.exec(descr);
  if (str && shape.length === 0) {
    const width = Number(str[1]);
    need(4 * width);
    const points = Array.from(new Uint32Array(data.buffer, 0, width)).filter((c) => c !== 0);
    return { dtype: "<U", shape, data: String.fromCodePoint(...points) };
  }
  throw new NpzError(`${name}: unsupported dtype ${descr} with shape ${shapeText(shape)}`);
}

// ---- zip ----

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
// 1980-01-01 00:00 in DOS format: a fixed timestamp keeps archives byte-identical across runs.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

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
    view.setUint16(at + 4, 20, true); // version needed: 2.0
    view.setUint16(at + 6, 0, true); // flags
    view.setUint16(at + 8, 0, true); // method: stored
    view.setUint16(at + 10, DOS_TIME, true);
    view.setUint16(at + 12, DOS_DATE, true);
    view.setUint32(at + 14, e.crc, true);
    view.setUint32(at + 18, e.data.length, true);
    view.setUint32(at + 22, e.data.length, true);
    view.setUint16(at + 26, e.name.length, true);
    view.setUint16(at + 28, 0, true);
    out.set(e.name, at + 30);
    out.set(e.data, at + 30 + e.name.length);
    at += 30 + e.name.length + e.data.length;
  }
  const central = at;
  for (const e of entries) {
    view.setUint32(at, SIG_CENTRAL, true);
    view.setUint16(at + 4, 20, true); // version made by
    view.setUint16(at + 6, 20, true); // version needed
    view.setUint16(at + 8, 0, true);
    view.setUint16(at + 10, 0, true);
    view.setUint16(at + 12, DOS_TIME, true);
    view.setUint16(at + 14, DOS_DATE, true);
    view.setUint32(at + 16, e.crc, true);
    view.setUint32(at + 20, e.data.length, true);
    view.setUint32(at + 24, e.data.length, true);
    view.setUint16(at + 28, e.name.length, true);
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
  /** Inflates a raw deflate stream (zip method 8); without it deflated members are refused. */
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
      if (!options.inflateRaw) throw new NpzError(`${file}: member ${member} is deflated and no inflater was given`);
      data = options.inflateRaw(data);
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
