/**
 * The one codec of numpy's .npy format (NEP 1 / numpy.lib.format): headers of versions 1.0 to 3.0 read,
 * version 1.0 written with the data 64-byte aligned, C order only, never pickled objects. Two views of it:
 * typed arrays of the dtypes checkpoints use (encodeNpy, decodeNpy; src/engine/npz.ts packs them into
 * .npz archives), and [N, d] float matrices of a user's image data (encodeMatrix, decodeMatrix; little- or
 * big-endian f4 or f8, widened to f64). No Node-only imports: this file runs in browsers too.
 */

/** Thrown for anything malformed: the message says what was expected and what was found. */
export class NpyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NpyError";
  }
}

/** The dtypes of typed arrays we read and write, by numpy descr. */
export type NpyArray =
  | { dtype: "<f8"; shape: number[]; data: Float64Array }
  | { dtype: "<i8"; shape: number[]; data: BigInt64Array }
  | { dtype: "<u8"; shape: number[]; data: BigUint64Array }
  | { dtype: "|u1"; shape: number[]; data: Uint8Array }
  | { dtype: "<U"; shape: number[]; data: string };

/** A C-ordered [N, d] matrix of floats. */
export interface NpyMatrix {
  /** [N, d] */
  shape: [number, number];
  /** The file's dtype descr, e.g. "<f4". */
  dtype: string;
  /** Row-major values, N * d of them, widened to f64. */
  data: Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** A shape as numpy writes it: (), (3,), (2, 3). */
export function shapeText(shape: readonly number[]): string {
  if (shape.length === 0) return "()";
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(", ")})`;
}

function count(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A .npy v1.0 file of `body` bytes: magic, version, header padded so that the data starts at a multiple
 * of 64. */
function withHeader(descr: string, shape: readonly number[], body: Uint8Array): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText(shape)}, }`;
  const fixed = 10; // magic (6) + version (2) + header length (2)
  const total = Math.ceil((fixed + header.length + 1) / 64) * 64;
  header = `${header}${" ".repeat(total - fixed - header.length - 1)}\n`;
  const out = new Uint8Array(total + body.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[fixed + i] = header.charCodeAt(i);
  out.set(body, total);
  return out;
}

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

/** The header of .npy bytes: dtype descr, shape (and its text) and where the data starts; refuses Fortran
 * order. `where` (a file or member name) prefixes error messages. */
export function readHeader(
  bytes: Uint8Array,
  where: string,
): { descr: string; shape: number[]; shapeText: string; dataStart: number } {
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
  const text = headerField(header, "shape", where);
  if (fortran !== "False") {
    throw new NpyError(`${where}: fortran_order is ${fortran} (expected False: a C-ordered array)`);
  }
  const shape = text
    .replace(/[()\s]/g, "")
    .split(",")
    .filter((s) => s.length > 0)
    .map(Number);
  return { descr, shape, shapeText: text, dataStart };
}

/** Encodes one typed array as .npy v1.0 bytes. */
export function encodeNpy(array: NpyArray): Uint8Array {
  if (array.dtype === "<U") {
    if (array.shape.length !== 0) throw new NpyError("encodeNpy: strings are stored as 0-d arrays only");
    const points = Array.from(array.data, (ch) => ch.codePointAt(0) as number);
    const n = Math.max(1, points.length);
    const u32 = new Uint32Array(n);
    u32.set(points);
    return withHeader(`<U${n}`, array.shape, new Uint8Array(u32.buffer));
  }
  if (array.data.length !== count(array.shape)) {
    throw new NpyError(`encodeNpy: ${array.data.length} values do not fill shape ${shapeText(array.shape)}`);
  }
  const body = new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  return withHeader(array.dtype, array.shape, body);
}

/** Decodes .npy bytes into a typed array (the dtypes of NpyArray; strings as 0-d arrays). */
export function decodeNpy(bytes: Uint8Array, name = "array"): NpyArray {
  const { descr, shape, dataStart } = readHeader(bytes, name);
  const n = count(shape);
  const data = bytes.slice(dataStart); // a copy: aligned and detached from the archive
  const need = (size: number) => {
    if (data.length !== n * size) {
      throw new NpyError(
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
  throw new NpyError(`${name}: unsupported dtype ${descr} with shape ${shapeText(shape)}`);
}

/** Encodes a C-ordered [n, d] matrix as .npy v1.0 bytes (little-endian f8 or f4). */
export function encodeMatrix(data: ArrayLike<number>, n: number, d: number, dtype: "<f8" | "<f4" = "<f8"): Uint8Array {
  const size = dtype === "<f8" ? 8 : 4;
  const body = new Uint8Array(n * d * size);
  const view = new DataView(body.buffer);
  for (let i = 0; i < n * d; i++) {
    if (size === 8) view.setFloat64(8 * i, data[i], true);
    else view.setFloat32(4 * i, data[i], true);
  }
  return withHeader(dtype, [n, d], body);
}

/**
 * Decodes .npy bytes holding an [N, d] matrix (N >= 2) of finite f4 or f8 values of either byte order.
 * `shown`: the file's own shape when the caller re-headed an [N, H, W] or [N, C, H, W] file as [N, d]
 * (the diffusion images), so that messages describe the array the user has, not the flattened one.
 */
export function decodeMatrix(bytes: Uint8Array, where = "npy", shown?: readonly number[]): NpyMatrix {
  const { descr, shape: dims, shapeText: text, dataStart } = readHeader(bytes, where);
  const dt = /^([<>|=])(f)(4|8)$/.exec(descr);
  if (!dt) {
    throw new NpyError(`${where}: dtype '${descr}' is not supported (expected float32 '<f4' or float64 '<f8')`);
  }
  if (dims.length !== 2 || dims.some((x) => !Number.isInteger(x) || x < 0)) {
    throw new NpyError(`${where}: shape ${text} is not supported (expected a 2-D array [N, d])`);
  }
  const [n, d] = dims;
  const asGiven = shown ? shapeText(shown) : `(${n}, ${d})`;
  /** Entry i of the flat data as an index of the array the user has. */
  const entry = (i: number) => {
    const sizes = shown ?? [n, d];
    const index: number[] = [];
    let rest = i;
    for (let k = sizes.length - 1; k >= 0; k--) {
      index.unshift(rest % sizes[k]);
      rest = Math.floor(rest / sizes[k]);
    }
    return `[${index.join(", ")}]`;
  };
  if (n < 2 || d < 1) throw new NpyError(`${where}: shape ${asGiven} has too few samples (expected N >= 2, d >= 1)`);
  const size = Number(dt[3]);
  const expected = n * d * size;
  const found = bytes.length - dataStart;
  if (found < expected) {
    throw new NpyError(
      `${where}: truncated data (shape ${asGiven} of ${descr} needs ${expected} bytes, found ${found})`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = dt[1] !== ">";
  const data = new Float64Array(n * d);
  for (let i = 0; i < n * d; i++) {
    const o = dataStart + i * size;
    data[i] = size === 4 ? view.getFloat32(o, little) : view.getFloat64(o, little);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new NpyError(`${where}: entry ${entry(i)} is ${data[i]} (expected finite values)`);
    }
  }
  return { shape: [n, d], dtype: descr, data };
}
