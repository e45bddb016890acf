/**
 * Data sets for the images experiment: loading (MNIST from the `mnist` package, or a user's .npy),
 * optional average pooling, a seeded train/test split and the preprocessing: pixels to
 * [0, 1], the training mean image removed, one global scale so the average per-pixel variance of the
 * training set is 1.
 */
import { loadMnist } from "./mnist.js";
import { readNpy } from "./npy.js";

export interface RawImages {
  name: string;
  /** [n, d] row-major */
  images: Float64Array;
  n: number;
  d: number;
}

export interface Preprocessing {
  /** How pixels reached [0, 1]. */
  pixelRange: string;
  /** Per-pixel mean of the training images (in [0, 1] pixel units), removed from every image. */
  mean: Float64Array;
  /** Global scale s: x = (pixel - mean) / s. */
  scale: number;
  /** One sentence for outputs. */
  statement: string;
}

export interface PreparedData {
  name: string;
  d: number;
  /** Side of square images (for pictures), or 0. */
  side: number;
  nTrain: number;
  nTest: number;
  /** [nTrain, d] preprocessed */
  train: Float64Array;
  /** [nTest, d] preprocessed */
  test: Float64Array;
  /** Indices of the test images in the loaded (pooled) data set. */
  testIndex: Int32Array;
  prep: Preprocessing;
}

/** Loads "mnist" or a .npy file. */
export async function loadDataset(dataset: string): Promise<RawImages> {
  if (dataset === "mnist") {
    const m = await loadMnist();
    return { name: "mnist", images: m.images, n: m.n, d: m.d };
  }
  const a = await readNpy(dataset);
  return { name: dataset, images: a.data, n: a.shape[0], d: a.shape[1] };
}

/** Averages p x p blocks of square images; throws when d is not a square whose side p divides. */
export function poolImages(raw: RawImages, p: number): RawImages {
  if (p === 1) return raw;
  const side = Math.round(Math.sqrt(raw.d));
  if (side * side !== raw.d || side % p !== 0) {
    throw new RangeError(
      `pool: got ${p} for images of d = ${raw.d}, expected square images whose side is a multiple of ${p}`,
    );
  }
  const s2 = side / p;
  const d2 = s2 * s2;
  const out = new Float64Array(raw.n * d2);
  const inv = 1 / (p * p);
  for (let s = 0; s < raw.n; s++) {
    const src = s * raw.d;
    const dst = s * d2;
    for (let i = 0; i < side; i++) {
      for (let j = 0; j < side; j++) {
        out[dst + Math.floor(i / p) * s2 + Math.floor(j / p)] += inv * raw.images[src + i * side + j];
      }
    }
  }
  return { name: `${raw.name} pooled ${p}x${p}`, images: out, n: raw.n, d: d2 };
}

/**
 * A seeded split: `uniform` holds n uniforms in [0, 1) (from the split stream) driving a Fisher-Yates
 * shuffle of 0..n-1; the first nTest are the test set, the next nTrain the training set.
 */
export function splitIndices(
  n: number,
  nTest: number,
  nTrain: number,
  uniform: Float64Array,
): {
  test: Int32Array;
  train: Int32Array;
} {
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(uniform[i] * (i + 1));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return { test: perm.slice(0, nTest), train: perm.slice(nTest, nTest + nTrain) };
}

/** Splits and preprocesses; `uniform` has raw.n uniforms of the split stream. */
export function prepareData(
  raw: RawImages,
  opts: { nTest: number; nTrain: number },
  uniform: Float64Array,
  pixelsInUnitRange: boolean,
): PreparedData {
  const { n, d } = raw;
  if (opts.nTest >= n - 1) {
    throw new RangeError(`nTest: got ${opts.nTest} for a data set of ${n} images, expected at most ${n - 2}`);
  }
  const nTrain = opts.nTrain === 0 ? n - opts.nTest : opts.nTrain;
  if (nTrain + opts.nTest > n || nTrain < 2) {
    throw new RangeError(
      `nTrain: got ${opts.nTrain} with nTest = ${opts.nTest} for a data set of ${n} images, expected nTrain in [2, ${n - opts.nTest}] or 0 (all the rest)`,
    );
  }
  const { test, train: trainIdx } = splitIndices(n, opts.nTest, nTrain, uniform);

  // Pixels to [0, 1]: MNIST ships them there; other data is mapped by its global min and max.
  let lo = 0;
  let hi = 1;
  let pixelRange = "pixels as shipped, already in [0, 1]";
  if (!pixelsInUnitRange) {
    lo = Number.POSITIVE_INFINITY;
    hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < raw.images.length; i++) {
      const v = raw.images[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (!(hi > lo)) throw new RangeError(`${raw.name}: every value is ${lo}, expected data that varies`);
    pixelRange = `mapped to [0, 1] by the global minimum ${lo} and maximum ${hi}`;
  }
  const toUnit = 1 / (hi - lo);

  const mean = new Float64Array(d);
  for (const s of trainIdx) for (let j = 0; j < d; j++) mean[j] += (raw.images[s * d + j] - lo) * toUnit;
  for (let j = 0; j < d; j++) mean[j] /= nTrain;
  let sumVar = 0;
  for (const s of trainIdx) {
    for (let j = 0; j < d; j++) {
      const c = (raw.images[s * d + j] - lo) * toUnit - mean[j];
      sumVar += c * c;
    }
  }
  const avgVar = sumVar / ((nTrain - 1) * d);
  if (!(avgVar > 0)) throw new RangeError(`${raw.name}: the training images do not vary, expected some variance`);
  const scale = Math.sqrt(avgVar);
  const fill = (idx: Int32Array) => {
    const out = new Float64Array(idx.length * d);
    idx.forEach((s, r) => {
      for (let j = 0; j < d; j++) out[r * d + j] = ((raw.images[s * d + j] - lo) * toUnit - mean[j]) / scale;
    });
    return out;
  };
  const side = Math.round(Math.sqrt(d));
  return {
    name: raw.name,
    d,
    side: side * side === d ? side : 0,
    nTrain,
    nTest: opts.nTest,
    train: fill(trainIdx),
    test: fill(test),
    testIndex: test,
    prep: {
      pixelRange,
      mean,
      scale,
      statement: `${pixelRange}; the per-pixel mean image of the ${nTrain} training images removed; divided by one global scale s = ${scale.toPrecision(6)} so the average per-pixel variance of the training set is 1`,
    },
  };
}
