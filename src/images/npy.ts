/**
 * A user's own image data set as a NumPy .npy file: a C-ordered [N, d] array of little- or big-endian
 * float32 or float64 (the codec is src/io/npy.ts). Anything else is refused with an NpyError that names
 * what was expected and what was found.
 */
import { decodeMatrix, NpyError, type NpyMatrix } from "../io/npy.js";

export {
  decodeMatrix as parseNpy,
  encodeMatrix as encodeNpy,
  NpyError,
  type NpyMatrix as NpyArray,
} from "../io/npy.js";

/** Reads and parses a .npy file (Node only). */
export async function readNpy(path: string): Promise<NpyMatrix> {
  const fs = await import("node:fs/promises");
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path);
  } catch (err) {
    throw new NpyError(`${path}: cannot read the file (${(err as Error).message})`);
  }
  return decodeMatrix(bytes, path);
}
