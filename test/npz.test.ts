import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32, decodeNpy, decodeNpz, encodeNpy, encodeNpz, type NpyArray, NpzError } from "../src/engine/npz.js";

// Under CI=true a missing numpy fails these tests instead of skipping them (.ci/run installs python3-numpy).
const CI = process.env.CI === "true";
const hasNumpy = spawnSync("python3", ["-c", "import numpy"], { encoding: "utf8" }).status === 0;
if (!hasNumpy) console.warn("npz.test.ts: python3 with numpy not found; skipping the numpy interoperability tests");

function sample(): Record<string, NpyArray> {
  return {
    w: { dtype: "<f8", shape: [2, 1, 3], data: Float64Array.of(0.1, -2, 3e-300, Math.PI, -0, 1 / 3) },
    step: { dtype: "<i8", shape: [], data: BigInt64Array.of(123456789012n) },
    seed: { dtype: "<u8", shape: [], data: BigUint64Array.of(18446744073709551615n) },
    bytes: { dtype: "|u1", shape: [4], data: Uint8Array.of(1, 2, 3, 255) },
    name: { dtype: "<U", shape: [], data: '{"d":64,"latent":"skewed:0.3","π":"é"}' },
    empty: { dtype: "<f8", shape: [0, 3], data: new Float64Array(0) },
  };
}

describe("npz archives (zip of .npy members)", () => {
  it("CRC-32 of '123456789' is the standard check value 0xcbf43926", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });

  it("pads every .npy header so the data starts at a multiple of 64 bytes", () => {
    for (const a of Object.values(sample())) {
      const bytes = encodeNpy(a);
      const headerLength = bytes[8] | (bytes[9] << 8);
      expect((10 + headerLength) % 64).toBe(0);
      expect(bytes[10 + headerLength - 1]).toBe(0x0a);
    }
  });

  it("round-trips every supported dtype bit for bit", () => {
    const back = decodeNpz(encodeNpz(sample()));
    expect(Object.keys(back)).toEqual(Object.keys(sample()));
    for (const [k, a] of Object.entries(sample())) {
      expect(back[k].dtype).toBe(a.dtype);
      expect(back[k].shape).toEqual(a.shape);
      expect(back[k].data).toEqual(a.data);
    }
    expect(Object.is((back.w.data as Float64Array)[4], -0)).toBe(true);
  });

  it("writes the same bytes for the same arrays (no timestamps)", () => {
    expect(encodeNpz(sample())).toEqual(encodeNpz(sample()));
  });

  it("refuses a flipped byte with a CRC-32 mismatch naming the member", () => {
    const bytes = encodeNpz(sample());
    bytes[100] ^= 0x40; // inside the first member (w.npy)
    expect(() => decodeNpz(bytes, { name: "x.npz" })).toThrow(
      /x\.npz: member w\.npy: CRC-32 mismatch: expected 0x[0-9a-f]{8}, found 0x[0-9a-f]{8} \(the file is corrupted\)/,
    );
  });

  it("refuses a truncated archive, saying what is missing", () => {
    const bytes = encodeNpz(sample());
    expect(() => decodeNpz(bytes.subarray(0, 200))).toThrow(
      /truncated or not a zip archive: expected an end-of-central-directory record, found none in 200 bytes/,
    );
    expect(() => decodeNpz(new Uint8Array(0))).toThrow(NpzError);
  });

  it("refuses .npy data whose length does not fill the shape", () => {
    const bytes = encodeNpy({ dtype: "<f8", shape: [3], data: Float64Array.of(1, 2, 3) });
    expect(() => decodeNpy(bytes.subarray(0, bytes.length - 8), "w")).toThrow(
      "w: expected 24 bytes of data for shape (3,) and dtype <f8, found 16",
    );
  });

  it.skipIf(!hasNumpy && !CI)("numpy reads what we write (np.load, allow_pickle=False), values exact", () => {
    const dir = mkdtempSync(join(tmpdir(), "mcm-npz-"));
    const path = join(dir, "a.npz");
    writeFileSync(path, encodeNpz(sample()));
    const py = spawnSync(
      "python3",
      [
        "-c",
        `import json, sys, numpy as np
z = np.load(sys.argv[1], allow_pickle=False)
print(json.dumps({k: [str(z[k].dtype), list(z[k].shape), z[k].tobytes().hex() if z[k].dtype.kind != "U" else str(z[k])] for k in z.files}))`,
        path,
      ],
      { encoding: "utf8" },
    );
    expect(py.stderr).toBe("");
    const got = JSON.parse(py.stdout);
    expect(got.w).toEqual([
      "float64",
      [2, 1, 3],
      Buffer.from((sample().w.data as Float64Array).buffer).toString("hex"),
    ]);
    expect(got.seed[2]).toBe("ffffffffffffffff");
    expect(got.step[2]).toBe(Buffer.from(BigInt64Array.of(123456789012n).buffer).toString("hex"));
    expect(got.name[2]).toBe(sample().name.data);
    expect(got.empty.slice(0, 2)).toEqual(["float64", [0, 3]]);
  });

  it.skipIf(!hasNumpy && !CI)("we read what numpy writes, stored and deflated (savez, savez_compressed)", () => {
    const dir = mkdtempSync(join(tmpdir(), "mcm-npz-"));
    const py = spawnSync(
      "python3",
      [
        "-c",
        `import sys, numpy as np
x = np.arange(12, dtype=np.float64).reshape(3, 4) / 7
np.savez(sys.argv[1] + "/s.npz", x=x, n=np.int64(-5))
np.savez_compressed(sys.argv[1] + "/c.npz", x=x, n=np.int64(-5))`,
        dir,
      ],
      { encoding: "utf8" },
    );
    expect(py.stderr).toBe("");
    const want = Float64Array.from({ length: 12 }, (_, i) => i / 7);
    for (const f of ["s.npz", "c.npz"]) {
      const z = decodeNpz(new Uint8Array(readFileSync(join(dir, f))), {
        inflateRaw: (b) => new Uint8Array(inflateRawSync(b)),
      });
      expect(z.x.shape).toEqual([3, 4]);
      expect(z.x.data).toEqual(want);
      expect(z.n.data).toEqual(BigInt64Array.of(-5n));
    }
  });
});
