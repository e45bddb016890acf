import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeNpy, NpyError, parseNpy, readNpy } from "../src/images/npy.js";

/** A .npy v1.0 file with an arbitrary header dict and payload. */
function npy(header: string, payload: Uint8Array): Uint8Array {
  let h = header;
  const pad = 64 - ((10 + h.length + 1) % 64);
  h = `${h}${" ".repeat(pad % 64)}\n`;
  const out = new Uint8Array(10 + h.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, h.length, true);
  for (let i = 0; i < h.length; i++) out[10 + i] = h.charCodeAt(i);
  out.set(payload, 10 + h.length);
  return out;
}

describe(".npy loading", () => {
  it("round-trips [N, d] float64 and float32 arrays (values and shape)", () => {
    const data = Float64Array.from({ length: 12 }, (_, i) => i * 0.25 - 1);
    const a = parseNpy(encodeNpy(data, 3, 4, "<f8"));
    expect(a.shape).toEqual([3, 4]);
    expect(Array.from(a.data)).toEqual(Array.from(data));
    const b = parseNpy(encodeNpy(data, 4, 3, "<f4"));
    expect(b.shape).toEqual([4, 3]);
    expect(b.dtype).toBe("<f4");
    expect(Array.from(b.data)).toEqual(Array.from(Float32Array.from(data)));
  });

  it("reads big-endian float64 ('>f8')", () => {
    const payload = new Uint8Array(16);
    const v = new DataView(payload.buffer);
    v.setFloat64(0, 1.5, false);
    v.setFloat64(8, -2, false);
    const a = parseNpy(npy("{'descr': '>f8', 'fortran_order': False, 'shape': (2, 1), }", payload));
    expect(Array.from(a.data)).toEqual([1.5, -2]);
  });

  it("refuses integer and uint8 dtypes, naming the dtype found and the ones expected", () => {
    for (const descr of ["<i4", "|u1", "<f2", "<c16"]) {
      const bytes = npy(`{'descr': '${descr}', 'fortran_order': False, 'shape': (2, 2), }`, new Uint8Array(64));
      expect(() => parseNpy(bytes, "x.npy")).toThrow(NpyError);
      expect(() => parseNpy(bytes, "x.npy")).toThrow(
        `x.npy: dtype '${descr}' is not supported (expected float32 '<f4' or float64 '<f8')`,
      );
    }
  });

  it("refuses shapes that are not [N, d] with N >= 2, naming the shape found", () => {
    const cases: [string, string][] = [
      ["(6,)", "shape (6,) is not supported (expected a 2-D array [N, d])"],
      ["(2, 3, 4)", "shape (2, 3, 4) is not supported (expected a 2-D array [N, d])"],
      ["()", "shape () is not supported (expected a 2-D array [N, d])"],
      ["(1, 5)", "shape (1, 5) has too few samples (expected N >= 2, d >= 1)"],
    ];
    for (const [shape, message] of cases) {
      const bytes = npy(`{'descr': '<f8', 'fortran_order': False, 'shape': ${shape}, }`, new Uint8Array(8 * 24));
      expect(() => parseNpy(bytes, "x.npy")).toThrow(`x.npy: ${message}`);
    }
  });

  it("refuses Fortran order, truncated data and a missing magic string", () => {
    const f = npy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", new Uint8Array(32));
    expect(() => parseNpy(f, "x.npy")).toThrow("fortran_order is True (expected False: a C-ordered array)");
    const t = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", new Uint8Array(40));
    expect(() => parseNpy(t, "x.npy")).toThrow("x.npy: truncated data (shape (3, 4) of <f4 needs 48 bytes, found 40)");
    expect(() => parseNpy(new TextEncoder().encode("hello world, not numpy"), "x.npy")).toThrow("not a .npy file");
  });

  it("refuses non-finite entries, naming the entry", () => {
    const data = Float64Array.from([0, 1, Number.NaN, 2]);
    expect(() => parseNpy(encodeNpy(data, 2, 2), "x.npy")).toThrow(
      "x.npy: entry [1, 0] is NaN (expected finite values)",
    );
  });

  it("readNpy reads a file and names a missing one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "npy-"));
    const path = join(dir, "a.npy");
    writeFileSync(path, encodeNpy([1, 2, 3, 4], 2, 2));
    expect((await readNpy(path)).shape).toEqual([2, 2]);
    await expect(readNpy(join(dir, "missing.npy"))).rejects.toThrow(/missing\.npy: cannot read the file/);
  });
});
