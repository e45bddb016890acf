// `mcm images` through the built CLI: a short MNIST run writes the four curves and the plots; bad options
// name their flag.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const CLI = join(import.meta.dirname, "..", "dist", "cli", "index.js");
const tmp = mkdtempSync(join(tmpdir(), "mcm-images-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const mcm = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 120_000 });

describe("mcm images", () => {
  it("a short MNIST run prints one JSON result with all four curves and writes the plots", () => {
    const out = join(tmp, "run");
    const r = mcm([
      "images",
      "--steps",
      "60",
      "--k",
      "16",
      "--n-test",
      "100",
      "--n-train",
      "2000",
      "--out",
      out,
      "--json",
      "--quiet",
    ]);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    const last = doc.curve[doc.curve.length - 1];
    for (const key of ["mseReal", "mseClone", "wienerDistance"]) expect(Number.isFinite(last[key]), key).toBe(true);
    expect(doc.reference.wienerMseReal).toBeGreaterThan(0);
    for (const f of ["result.json", "curves.svg", "curves.png", "gaps.svg", "digits.svg", "images-checkpoint.bin"]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
  });

  it("rejects bad options naming the flag, with exit code 2", () => {
    const r = mcm(["images", "--k", "0"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--k: got 0, expected an integer in \[1, 4096\]/);
    const s = mcm(["images", "--optimizer", "lbfgs"]);
    expect(s.status).toBe(2);
    expect(s.stderr).toMatch(/--optimizer: got "lbfgs", expected one of "sgd", "adam"/);
  });
});
