// `mcm demo --quick` (the smoke version of the main job): four regimes, each beside its linear control, the
// phase-transition summary with the theory's exponents and the controls' verdicts, the plots. The full
// demo's measured exponents are in the README and docs/demo.md.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const CLI = join(import.meta.dirname, "..", "dist", "cli", "index.js");
const tmp = mkdtempSync(join(tmpdir(), "mcm-demo-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("mcm demo --quick", () => {
  it("refuses an --out that holds an earlier demo without --force: exit 2 naming --out and the files, nothing written", () => {
    const dir = mkdtempSync(join(tmpdir(), "mcm-demo-old-"));
    try {
      writeFileSync(join(dir, "demo.json"), "earlier\n");
      const r = spawnSync(process.execPath, [CLI, "demo", "--quick", "--quiet", "--out", dir], {
        encoding: "utf8",
        timeout: 120_000,
      });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/--out: .* already holds a demo run \(demo\.json\); .*--force/);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(readFileSync(join(dir, "demo.json"), "utf8")).toBe("earlier\n");
      expect(existsSync(join(dir, "overlaps.svg"))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("prints one JSON document with a phase row per regime (k = 2, 4, 1, 1), measured exponents and each control, and writes the plots", () => {
    // An earlier demo's file in --out: --force replaces it.
    writeFileSync(join(tmp, "demo.json"), "earlier\n");
    const r = spawnSync(process.execPath, [CLI, "demo", "--quick", "--json", "--quiet", "--force", "--out", tmp], {
      encoding: "utf8",
      timeout: 900_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.phase.map((p: { direction: string; k: number }) => [p.direction, p.k])).toEqual([
      ["u", 2],
      ["v", 4],
      ["v", 1],
      ["v", 1],
    ]);
    // The predicted exponent of d in each law (d log d compared through n*/log d): 1, 3, 1, 1.
    expect(doc.phase.map((p: { predictedExponent: number }) => p.predictedExponent)).toEqual([1, 3, 1, 1]);
    for (const p of doc.phase) expect(Number.isFinite(p.measured), p.label).toBe(true);
    // A and C1: the linear control learns the direction too; B and C2: it does not (the calculator says so).
    expect(doc.phase.map((p: { verdict: string }) => p.verdict)).toEqual([
      "covariance-mediated",
      "cumulant learned",
      "covariance-mediated",
      "cumulant learned",
    ]);
    expect(doc.phase.map((p: { control: { predictedNever: boolean } }) => p.control.predictedNever)).toEqual([
      false,
      true,
      false,
      true,
    ]);
    // Every regime's JSON holds the control's hitting times beside its own.
    for (const r of doc.regimes) expect(r.control.points.length, r.label).toBe(r.points.length);
    for (const f of ["overlaps.png", "collapse.png", "overlaps.svg", "demo.json"])
      expect(existsSync(join(tmp, f)), f).toBe(true);
    // A generous timeout: the quick demo takes about 40 s of CPU, and much longer on a shared machine.
  }, 900_000);
});
