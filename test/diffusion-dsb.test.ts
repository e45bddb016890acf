// The Done-when run of issue 24 through the built CLI: `mcm diffusion --dataset mnist --steps 400 --twin`,
// test-sized by measuring only t = 0.1 on 32 test images and drawing 4 samples in 2 sampler steps (the
// training is the default: width 16, batch 32, 4 shards, Adam 2e-3, EMA 0.995). On pooled MNIST the real-data
// network R tracks its Gaussian twin G early and then departs: at t = 0.1, h / eG below 0.3 at the first
// snapshot after step 40 (step 47) and above 0.5 at step 400. Measured values (seed 1): docs/diffusion.md.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const CLI = join(import.meta.dirname, "..", "dist", "cli", "index.js");
const tmp = mkdtempSync(join(tmpdir(), "mcm-diffusion-dsb-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("mcm diffusion --twin on MNIST (400 steps)", () => {
  it("at t = 0.1: h / eG < 0.3 at the first snapshot after step 40, > 0.5 at step 400; the JSON has the twin fields", () => {
    const args = ["diffusion", "--dataset", "mnist", "--steps", "400", "--twin", "--eval-t", "0.1"];
    const small = ["--n-eval", "32", "--n-samples", "4", "--sample-steps", "2", "--quiet", "--json"];
    const r = spawnSync(process.execPath, [CLI, ...args, ...small, "--out", join(tmp, "run")], {
      encoding: "utf8",
      timeout: 600_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.twin.t).toEqual([0.1]);
    const pts: {
      step: number;
      eG: Record<string, number>;
      h: Record<string, number>;
      floor: Record<string, number>;
    }[] = doc.twin.snapshots;
    for (const p of pts) for (const f of ["eG", "h", "floor"] as const) expect(Number.isFinite(p[f]["0.1"])).toBe(true);
    const ratio = (p: (typeof pts)[number]) => p.h["0.1"] / p.eG["0.1"];
    const early = pts.find((p) => p.step > 40);
    const last = pts[pts.length - 1];
    expect(early?.step).toBe(47);
    expect(last.step).toBe(400);
    expect(ratio(early as (typeof pts)[number])).toBeLessThan(0.3);
    expect(ratio(last)).toBeGreaterThan(0.5);
    // The floor (two twins on independent clone streams) is below the departure it is subtracted from.
    expect(last.floor["0.1"]).toBeLessThan(last.h["0.1"]);
    expect(doc.decision["0.1"]).toHaveProperty("tauH");
  }, 600_000);
});
