// The header of every JSON output (src/io/stamp.ts): written first, checked on reading back.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { StampError, stamp, unstamp } from "../src/io/stamp.js";

const version = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;

describe("stamp and unstamp", () => {
  it("puts tool, version, build and schema first; the header wins over a same-named field", () => {
    const doc = stamp("mcm.sweep/1", "scalar", { steps: 5, version: "0.0.0-old", build: "other" });
    expect(Object.keys(doc)).toEqual(["tool", "version", "build", "schema", "steps"]);
    expect(doc).toEqual({ tool: "mcm-diffusion", version, build: "scalar", schema: "mcm.sweep/1", steps: 5 });
  });

  it("reads back the body of its own kind (older or equal format), keeping version only when asked", () => {
    const written = JSON.parse(JSON.stringify(stamp("mcm.run-config/1", "simd", { seed: "1" })));
    expect(unstamp("f", written, "mcm.run-config/1")).toEqual({ seed: "1" });
    expect(unstamp("f", written, "mcm.run-config/1", true)).toEqual({ seed: "1", version });
    expect(unstamp("f", written, "mcm.run-config/2")).toEqual({ seed: "1" });
  });

  it("returns a document without a schema (written before the header) as it is", () => {
    const old = { version: 1, specHash: "abc", tasks: {} };
    expect(unstamp("f", old, "mcm.sweep-state/1")).toBe(old);
  });

  it("refuses another kind or a newer format, naming both and the writer", () => {
    const newer = { tool: "mcm-diffusion", version: "9.0.0", build: null, schema: "mcm.sweep/2" };
    expect(() => unstamp("dir/sweep.json", newer, "mcm.sweep/1")).toThrow(
      new StampError(
        'dir/sweep.json: schema: expected mcm.sweep/1, found "mcm.sweep/2" (written by mcm-diffusion 9.0.0); a newer mcm-diffusion reads it',
      ),
    );
    expect(() => unstamp("x.json", { ...newer, schema: "mcm.demo/1" }, "mcm.sweep/1")).toThrow(
      /^x\.json: schema: expected mcm\.sweep\/1, found "mcm\.demo\/1" \(written by mcm-diffusion 9\.0\.0\)$/,
    );
  });
});
