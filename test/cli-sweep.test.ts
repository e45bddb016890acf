// The sweep, exponent and demo commands through the built CLI.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const CLI = join(import.meta.dirname, "..", "dist", "cli", "index.js");
const tmp = mkdtempSync(join(tmpdir(), "mcm-sweep-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function mcm(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("mcm exponent", () => {
  it("--json reports k = 2 (d log d) for u and k = 4 (d^3, p = 2) for v at the defaults", () => {
    const r = mcm(["exponent", "--json"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.directions.u).toMatchObject({ k: 2, attracting: true, predictedScaling: "d log d", lrExponent: 1 });
    expect(doc.directions.v).toMatchObject({ k: 4, attracting: true, predictedScaling: "d^3", lrExponent: 2 });
  });

  it("names the flag of a bad value and exits 2", () => {
    const r = mcm(["exponent", "--activation", "swish"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--activation: got "swish", expected one of "tanh"/);
  });
});

describe("mcm sweep", () => {
  const args = [
    "sweep",
    "--d",
    "32,64",
    "--correlation",
    "independent,sign",
    // sign latents: v's predicted plateau is 0.35, so the default threshold 0.5 would be refused.
    "--threshold",
    "0.25",
    "--seeds",
    "6",
    "--steps",
    "20*d",
    "--seed",
    "4",
    "--threads",
    "2",
    "--quiet",
  ];

  it("writes sweep.json with per-point medians, fits and the phase summary; --json prints the same document", () => {
    const out = join(tmp, "a");
    const r = mcm([...args, "--out", out, "--json"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.points).toHaveLength(4);
    expect(doc.points[0].at).toEqual({ d: 32, correlation: "independent" });
    expect(doc.points[0].directions.u.median).toHaveProperty("censored");
    expect(doc.phase.map((p: { direction: string }) => p.direction).sort()).toEqual(["u", "u", "v", "v"]);
    for (const f of [
      "sweep.json",
      "sweep.csv",
      "sweep-spec.json",
      "sweep-state.json",
      "overlaps.png",
      "collapse.svg",
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const csv = readFileSync(join(out, "sweep.csv"), "utf8").trim().split("\n");
    expect(csv[0]).toBe("d,correlation,direction,steps,walkers,median,ci_lo,ci_hi,censored");
    expect(csv).toHaveLength(1 + 4 * 2);
  });

  it("rejects bad grid values naming the flag (exit 2)", () => {
    expect(mcm(["sweep", "--d", "32,1"]).stderr).toMatch(/--d: got 1, expected an integer in \[2, 1000000\]/);
    expect(mcm(["sweep", "--directions", "u,w"]).stderr).toMatch(/--directions: got "w"/);
    expect(mcm(["sweep", "--seeds", "0"]).code).toBe(2);
    expect(mcm(["sweep", "--steps", "d^"]).stderr).toMatch(/--steps/);
  });

  it("an interrupted sweep (SIGINT) exits 130 and --resume ends with the same results as an uninterrupted one", async () => {
    const heavy = [
      "sweep",
      "--d",
      "24,32",
      "--beta-u",
      "0",
      "--lr-exponent",
      "2",
      "--seeds",
      "8",
      "--steps",
      "10*d^3",
      "--directions",
      "v",
      "--seed",
      "9",
      "--threads",
      "1",
      "--quiet",
    ];
    const whole = join(tmp, "whole");
    expect(mcm([...heavy, "--out", whole]).code).toBe(0);
    const cut = join(tmp, "cut");
    const child = spawn(process.execPath, [CLI, ...heavy, "--out", cut], { stdio: "ignore" });
    // Wait for the first finished task, then interrupt.
    for (let i = 0; i < 600 && !existsSync(join(cut, "sweep-state.json")); i++)
      await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGINT");
    const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    // One thread runs the four tasks in turn: the signal lands after the first, with three to go.
    expect(code).toBe(130);
    const resumed = mcm(["sweep", "--resume", cut, "--quiet", "--threads", "2"]);
    expect(resumed.code).toBe(0);
    const a = JSON.parse(readFileSync(join(whole, "sweep.json"), "utf8"));
    const b = JSON.parse(readFileSync(join(cut, "sweep.json"), "utf8"));
    expect(JSON.stringify(b.points)).toBe(JSON.stringify(a.points));
  });
});
