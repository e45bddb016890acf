// The reduced backend through the CLI: its checkpoint (M as overlaps, G as gram) round-trips, numpy reads
// it, and a run extended with `mcm resume` equals one longer run.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readCheckpoint } from "../src/cli/session.js";

const CLI = join(import.meta.dirname, "..", "dist", "cli", "index.js");
const tmp = mkdtempSync(join(tmpdir(), "mcm-reduced-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const mcm = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 120_000 });

describe("mcm run --backend reduced", () => {
  it("run 2e5 steps then resume to 4e5 equals one run of 4e5: same (M, G), hits and series", () => {
    const common = ["--backend", "reduced", "--d", "64", "--units", "2", "--walkers", "3", "--seed", "5", "--quiet"];
    const a = join(tmp, "a");
    const b = join(tmp, "b");
    expect(mcm("run", ...common, "--steps", "2e5", "--out", a).status).toBe(0);
    const r = mcm("resume", a, "--steps", "4e5", "--quiet");
    expect(r.status, r.stderr).toBe(0);
    expect(mcm("run", ...common, "--steps", "4e5", "--out", b).status).toBe(0);
    const sa = readCheckpoint(join(a, "checkpoint.npz")).state;
    const sb = readCheckpoint(join(b, "checkpoint.npz")).state;
    if (sa.backend !== "reduced" || sb.backend !== "reduced") throw new Error("expected reduced-backend checkpoints");
    expect(sa.step).toBe(4e5);
    for (const k of ["M", "G", "a", "b", "hits", "rng"] as const) expect(sa[k]).toEqual(sb[k]);
    // G_kk = 1 - |M_k|^2 (the chain's invariant) survives the checkpoint.
    for (let i = 0; i < 3 * 2; i++) {
      const m = sa.M.subarray(3 * i, 3 * i + 3);
      const gkk = sa.G[Math.floor(i / 2) * 4 + (i % 2) * 3];
      expect(gkk).toBeCloseTo(1 - (m[0] ** 2 + m[1] ** 2 + m[2] ** 2), 12);
    }
    const json = (p: string) => JSON.parse(readFileSync(join(p, "summary.json"), "utf8")).directions;
    expect(json(a)).toEqual(json(b));
  });

  it("an extension killed before its first new checkpoint is not lost: a plain resume runs on to the --steps that config.json records", () => {
    const common = ["--backend", "reduced", "--d", "64", "--units", "2", "--walkers", "3", "--seed", "5", "--quiet"];
    const c = join(tmp, "c");
    expect(mcm("run", ...common, "--steps", "2e5", "--out", c).status).toBe(0);
    // What `mcm resume c --steps 4e5` writes before it runs a step; the kill comes before any checkpoint.
    const recordPath = join(c, "config.json");
    const record = JSON.parse(readFileSync(recordPath, "utf8"));
    writeFileSync(recordPath, JSON.stringify({ ...record, steps: 4e5, stepsExpression: "4e5" }));
    const r = mcm("resume", c, "--quiet");
    expect(r.status, r.stderr).toBe(0);
    const sc = readCheckpoint(join(c, "checkpoint.npz")).state;
    const sb = readCheckpoint(join(tmp, "b", "checkpoint.npz")).state;
    if (sc.backend !== "reduced" || sb.backend !== "reduced") throw new Error("expected reduced-backend checkpoints");
    expect(sc.step).toBe(4e5);
    for (const k of ["M", "G", "hits", "rng"] as const) expect(sc[k]).toEqual(sb[k]);
  });

  it("numpy reads the reduced checkpoint: gram [walkers, K, K] and overlaps [walkers, K, 3], no weights", () => {
    const path = join(tmp, "a", "checkpoint.npz");
    const py = spawnSync(
      "python3",
      [
        "-c",
        "import sys, numpy as np; z = np.load(sys.argv[1], allow_pickle=False); print(z['gram'].shape, z['overlaps'].shape, 'w' in z.files)",
        path,
      ],
      { encoding: "utf8" },
    );
    expect(py.stderr).toBe("");
    expect(py.stdout.trim()).toBe("(3, 2, 2) (3, 2, 3) False");
  });
});
