// `mcm sweep`'s files and flags as a user meets them: sweep.csv keeps every grid column (d even when it
// has one value), a written sweep-spec.json runs again through --config with the same results, and flags
// that contradict each other are refused naming both.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const CLI = join(import.meta.dirname, "..", "dist", "cli", "index.js");
const tmp = mkdtempSync(join(tmpdir(), "mcm-sweep-spec-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function mcm(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 120_000, cwd: tmp });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const small = ["--steps", "20*d", "--directions", "u", "--seed", "5", "--threads", "1", "--quiet"];

describe("sweep.csv", () => {
  it("has a d column when d has a single value, and every grid field's column", () => {
    const one = join(tmp, "one");
    expect(mcm(["sweep", "--d", "64", "--seeds", "4", ...small, "--out", one]).code).toBe(0);
    const rows = readFileSync(join(one, "sweep.csv"), "utf8").trim().split("\n");
    expect(rows[0]).toBe("d,direction,steps,walkers,median,ci_lo,ci_hi,censored");
    expect(rows[1]).toMatch(/^64,u,1280,4,/);
  });
});

describe("sweep-spec.json through --config", () => {
  it("re-runs the sweep it describes: the same spec, the same sweep.csv and the same hitting times", () => {
    const first = join(tmp, "first");
    const args = ["sweep", "--d", "32,48", "--seeds", "4", "--control", "linear", ...small];
    expect(mcm([...args, "--out", first]).code).toBe(0);
    const again = join(tmp, "again");
    const r = mcm(["sweep", "--config", join(first, "sweep-spec.json"), "--threads", "1", "--quiet", "--out", again]);
    expect(r.code, r.stderr).toBe(0);
    for (const f of ["sweep-spec.json", "sweep.csv"]) {
      expect(readFileSync(join(again, f), "utf8"), f).toBe(readFileSync(join(first, f), "utf8"));
    }
    const hits = (dir: string) =>
      JSON.parse(readFileSync(join(dir, "sweep.json"), "utf8")).points.map(
        (p: { directions: { u: { hits: unknown } } }) => p.directions.u.hits,
      );
    expect(hits(again)).toEqual(hits(first));
    expect(hits(first)).toHaveLength(4);
  });

  it("flags beside the spec override its values", () => {
    const first = join(tmp, "first");
    const more = join(tmp, "more");
    const r = mcm(["sweep", "--config", join(first, "sweep-spec.json"), "--seeds", "6", ...small, "--out", more]);
    expect(r.code, r.stderr).toBe(0);
    const spec = JSON.parse(readFileSync(join(more, "sweep-spec.json"), "utf8"));
    expect(spec.seeds).toBe(6);
    expect(spec.grid).toEqual({ d: [32, 48], activation: ["tanh", "linear"] });
  });

  it("refuses a spec with an unknown field, naming the file and the field", () => {
    const first = join(tmp, "first");
    const spec = JSON.parse(readFileSync(join(first, "sweep-spec.json"), "utf8"));
    const bad = join(tmp, "bad-spec.json");
    writeFileSync(bad, JSON.stringify({ ...spec, walkerz: 3 }));
    const r = mcm(["sweep", "--config", bad, "--out", join(tmp, "never")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--config: .*bad-spec\.json: unknown field walkerz in a sweep spec/);
    expect(existsSync(join(tmp, "never"))).toBe(false);
  });
});

describe("conflicting flags", () => {
  it("--walkers beside --seeds is refused naming both; --walkers alone points to --seeds", () => {
    const both = mcm(["sweep", "--walkers", "4", "--seeds", "6", "--out", join(tmp, "never")]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--walkers: given together with --seeds/);
    const alone = mcm(["sweep", "--walkers", "4", "--out", join(tmp, "never")]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--walkers: .*give --seeds 4 instead/);
    expect(existsSync(join(tmp, "never"))).toBe(false);
  });

  it("--resume with a flag that defines the sweep, and --preset with --config, are refused naming both", () => {
    const first = join(tmp, "first");
    const resume = mcm(["sweep", "--resume", first, "--d", "64"]);
    expect(resume.code).toBe(2);
    expect(resume.stderr).toMatch(/--d: given together with --resume/);
    const preset = mcm(["sweep", "--preset", "A", "--config", join(first, "sweep-spec.json")]);
    expect(preset.code).toBe(2);
    expect(preset.stderr).toMatch(/--preset: given together with --config/);
  });
});
