/**
 * A small reader for NumPy .npy files (format versions 1.0, 2.0, 3.0) holding a C-ordered 2-D array
 * [N, d] of little- or big-endian float32 or float64: the layout of a user's own image data set.
 * Anything else is refused with an NpyError that names what was expected and what was found.
 */

export class NpyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NpyError";
  }
}

export interface NpyArray {
  /** [N, d] */
  shape: [number, number];
  /** The file's dtype descr, e.g. "<f4". */
  dtype: string;
  /** Row-major values, N * d of them, widened to f64. */
  data: Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** The value of `key` in the header dict (a Python literal), as its source text. */
function headerField(header: string, key: string, where: string): string {
  const m = new RegExp(`['"]${key}['"]\\s*:\\s*`).exec(header);
  if (!m) throw new NpyError(`${where}: the header has no '${key}' field (found header ${JSON.stringify(header)})`);
  const rest = header.slice(m.index + m[0].length);
  if (rest.startsWith("(")) return rest.slice(0, rest.indexOf(")") + 1);
  const q = rest[0];
  if (q === "'" || q === '"') return rest.slice(1, rest.indexOf(q, 1));
  return /^[A-Za-z]+/.exec(rest)?.[0] ?? rest;
}

/** Parses .npy bytes; `where` (a file name) prefixes error messages. */
export function parseNpy(bytes: Uint8Array, where = "npy"): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new NpyError(`${where}: not a .npy file (expected the magic bytes \\x93NUMPY at the start)`);
  }
  const major = bytes[6];
  if (major !== 1 && major !== 2 && major !== 3) {
    throw new NpyError(`${where}: unsupported .npy format version ${major}.${bytes[7]} (expected 1.x, 2.x or 3.x)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw new NpyError(`${where}: truncated header`);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lenBytes + headerLen;
  if (bytes.length < dataStart) {
    throw new NpyError(`${where}: truncated header (expected ${dataStart} header bytes, found ${bytes.length})`);
  }
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(bytes.subarray(8 + lenBytes, dataStart));
  const descr = headerField(header, "descr", where);
  const fortran = headerField(header, "fortran_order", where);
  const shapeText = headerField(header, "shape", where);

  const dt = /^([<>|=])(f)(4|8)$/.exec(descr);
  if (!dt) {
    throw new NpyError(`${where}: dtype '${descr}' is not supported (expected float32 '<f4' or float64 '<f8')`);
  }
  if (fortran !== "False") {
    throw new NpyError(`${where}: fortran_order is ${fortran} (expected False: a C-ordered array)`);
  }
  const dims = shapeText
    .replace(/[()\s]/g, "")
    .split(",")
    .filter((s) => s.length > 0)
    .map(Number);
  if (dims.length !== 2 || dims.some((x) => !Number.isInteger(x) || x < 0)) {
    throw new NpyError(`${where}: shape ${shapeText} is not supported (expected a 2-D array [N, d])`);
  }
  const [n, d] = dims;
  if (n < 2 || d < 1) throw new NpyError(`${where}: shape (${n}, ${d}) has too few samples (expected N >= 2, d >= 1)`);
  const size = Number(dt[3]);
  const expected = n * d * size;
  const found = bytes.length - dataStart;
  if (found < expected) {
    throw new NpyError(
      `${where}: truncated data (shape (${n}, ${d}) of ${descr} needs ${expected} bytes, found ${found})`,
    );
  }
  const little = dt[1] !== ">";
  const data = new Float64Array(n * d);
  for (let i = 0; i < n * d; i++) {
    const o = dataStart + i * size;
    data[i] = size === 4 ? view.getFloat32(o, little) : view.getFloat64(o, little);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new NpyError(`${where}: entry [${Math.floor(i / d)}, ${i % d}] is ${data[i]} (expected finite values)`);
    }
  }
  return { shape: [n, d], dtype: descr, data };
}

/** Encodes a C-ordered [n, d] array as .npy version 1.0 bytes (little-endian f8 or f4). */
export function encodeNpy(data: ArrayLike<number>, n: number, d: number, dtype: "<f8" | "<f4" = "<f8"): Uint8Array {
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': (${n}, ${d}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = `${header}${" ".repeat(pad % 64)}\n`;
  const size = dtype === "<f8" ? 8 : 4;
  const out = new Uint8Array(10 + header.length + n * d * size);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const start = 10 + header.length;
  for (let i = 0; i < n * d; i++) {
    if (size === 8) view.setFloat64(start + 8 * i, data[i], true);
    else view.setFloat32(start + 4 * i, data[i], true);
  }
  return out;
}

/** Reads and parses a .npy file (Node only). */
export async function readNpy(path: string): Promise<NpyArray> {
  const fs = await import("node:fs/promises");
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path);
  } catch (err) {
    throw new NpyError(`${path}: cannot read the file (${(err as Error).message})`);
  }
  return parseNpy(bytes, path);
}
