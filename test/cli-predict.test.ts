// `mcm predict`, spawned as `node dist/cli/index.js predict ...` (build first: `npm run build`).
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { predictLimit } from "../src/theory/limit-predict.js";

const CLI = resolve("dist/cli/index.js");
const mcm = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });

describe("mcm predict", () => {
  it("--json at d = 256: u's predictedHit quartiles are the library's, its curve has one finite number per grid step", () => {
    const r = mcm(["predict", "--d", "256", "--json", "--no-best-delta"]);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    const lib = predictLimit({ d: 256 }, { bestDelta: false });
    expect(doc.directions.u.predictedHit).toEqual(lib.directions.u?.predictedHit);
    expect(doc.directions.u.regime).toBe("search + ODE");
    expect(doc.directions.v.predictedHit).toBeNull();
    expect(doc.directions.v.reason).toMatch(/repels/);
    const curve = doc.directions.u.curve;
    expect(curve.median.length).toBe(curve.steps.length);
    for (const key of ["q25", "median", "q75"]) {
      expect(curve[key].every((x: unknown) => typeof x === "number" && Number.isFinite(x))).toBe(true);
    }
    // The median curve starts at the median of |N(0, 1)| / sqrt(d) and ends near saturation.
    expect(curve.median[0]).toBeCloseTo(0.6745 / 16, 3);
    expect(curve.median[curve.median.length - 1]).toBeGreaterThan(0.5);
    expect(doc.criticalLrExponent).toBe(1);
    expect(doc.bestDelta.direction).toBeNull();
  });
  it("prints a table by default", () => {
    const r = mcm(["predict", "--d", "512", "--no-best-delta"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/u: search \+ ODE, k = 2; n\* quartiles \d+ \/ \d+ \/ \d+/);
    expect(r.stdout).toMatch(/v: never; no hit: the spike repels/);
  });
  it("refuses what `mcm run` refuses, with the same message, and what the theory does not cover (exit 2)", () => {
    for (const args of [
      ["--d", "1"],
      ["--correlation", "mixed:2"],
    ]) {
      const p = mcm(["predict", ...args]);
      const run = mcm(["run", ...args]);
      expect(p.status).toBe(2);
      expect(p.stderr).toBe(run.stderr);
    }
    const k2 = mcm(["predict", "--units", "2"]);
    expect(k2.status).toBe(2);
    expect(k2.stderr).toMatch(/^mcm: error: --units: got 2, not covered: /);
    const paths = mcm(["predict", "--paths", "5"]);
    expect(paths.status).toBe(2);
    expect(paths.stderr).toMatch(/--paths: got 5, expected an integer in \[100, 1000000\]/);
  });
  it("small learning rates and tiny d no longer fail a state check inside the ODE (exit 0, a number for u)", () => {
    // The fit of v's drift at the base state used |v| up to 0.15 beside a u plateau near 1 (outside the ball).
    for (const args of [
      ["--d", "64", "--lr", "0.03"],
      ["--d", "1024", "--lr", "0.01"],
      ["--d", "2", "--lr-exponent", "4"],
    ]) {
      const r = mcm(["predict", ...args, "--no-best-delta", "--json"]);
      expect(r.status, `${args.join(" ")}: ${r.stderr}`).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc.directions.u.predictedHit.q25).toBeGreaterThanOrEqual(0);
      expect(doc.directions.u.predictedHit.median).toBeGreaterThan(0);
    }
  });
  it("a tiny delta whose lambda is positive escapes (it was reported pinned with 'lambda = 1.988e-8 <= 0')", () => {
    const at = (lr: string) => {
      const r = mcm(["predict", "--d", "1024", "--lr", lr, "--no-best-delta", "--json"]);
      expect(r.status).toBe(0);
      return JSON.parse(r.stdout).directions.u;
    };
    const [small, tiny] = [at("1e-7"), at("1e-8")];
    expect(tiny.regime).toBe("search + ODE");
    expect(tiny.details.lambda).toBeGreaterThan(0);
    // As delta -> 0 the noise terms vanish and every time scales as 1 / delta: ten times smaller, ten times later.
    expect(tiny.predictedHit.median / small.predictedHit.median).toBeCloseTo(10, 3);
  });
  it("--paths prints a progress line on stderr, and none under --quiet", () => {
    const args = ["predict", "--d", "64", "--beta-u", "0", "--lr-exponent", "2", "--no-best-delta", "--paths", "200"];
    const loud = mcm(args);
    expect(loud.status).toBe(0);
    expect(loud.stderr).toMatch(/SDE paths/);
    const quiet = mcm([...args, "--quiet"]);
    expect(quiet.status).toBe(0);
    expect(quiet.stderr).toBe("");
    expect(quiet.stdout).toBe(loud.stdout);
  });
});
