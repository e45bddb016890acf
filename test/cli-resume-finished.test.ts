// The directory states a SIGKILL can leave at the end of a run (the flake of test/cli-kill.test.ts, where a
// kill between the final checkpoint and series.csv left a run that `mcm resume` called finished, exit 0, with
// no series.csv). Each state is built by hand and resumed; the run must end with the uninterrupted run's
// checkpoint and series.csv, byte for byte. Build first: `npm run build`.
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CLI = resolve("dist/cli/index.js");
const RUN = ["--d", "16", "--walkers", "2", "--seed", "5", "--checkpoint-every", "0", "-q"];

function mcm(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (b) => {
    stderr += b;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((res) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      res({ code, stderr });
    }),
  );
}

let tmp: string;
let whole: string;
let short: string;
const read = (dir: string, f: string) => readFileSync(join(dir, f));
const summaryOf = (dir: string) => JSON.parse(read(dir, "summary.json").toString("utf8"));

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before these tests`);
  tmp = mkdtempSync(join(tmpdir(), "mcm-finished-"));
  whole = join(tmp, "whole");
  short = join(tmp, "short");
  // The uninterrupted run, and a shorter one of the same seed (the outputs an extended run starts from).
  const runs = await Promise.all([
    mcm(["run", ...RUN, "--steps", "400", "--out", whole]),
    mcm(["run", ...RUN, "--steps", "200", "--out", short]),
  ]);
  for (const r of runs) expect(r.code, r.stderr).toBe(0);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the uninterrupted run with `edit` applied: the state a kill left. */
function state(name: string, edit: (dir: string) => void): string {
  const dir = join(tmp, name);
  cpSync(whole, dir, { recursive: true });
  edit(dir);
  return dir;
}

function expectWhole(dir: string): void {
  expect(read(dir, "series.csv").toString("utf8")).toBe(read(whole, "series.csv").toString("utf8"));
  expect(read(dir, "checkpoint.npz").equals(read(whole, "checkpoint.npz"))).toBe(true);
  const [got, want] = [summaryOf(dir), summaryOf(whole)];
  expect([got.steps, got.completedSteps, got.directions]).toEqual([want.steps, want.completedSteps, want.directions]);
}

describe("resume of a run killed while writing its outputs ends with the uninterrupted run's files", () => {
  it("final checkpoint without series.csv and summary.json, or without summary.json, or with a shorter run's outputs: resume rewrites them", async () => {
    const dirs = [
      state("no-outputs", (d) => {
        rmSync(join(d, "series.csv"));
        rmSync(join(d, "summary.json"));
      }),
      state("no-summary", (d) => rmSync(join(d, "summary.json"))),
      // `mcm resume --steps 400` of the 200-step run, killed after its final checkpoint (older builds).
      state("stale-outputs", (d) => {
        for (const f of ["series.csv", "summary.json"]) writeFileSync(join(d, f), read(short, f));
      }),
    ];
    const results = await Promise.all(dirs.map((d) => mcm(["resume", d, "-q"])));
    for (const [i, r] of results.entries()) {
      expect(r.code, `${dirs[i]}: ${r.stderr}`).toBe(0);
      expectWhole(dirs[i]);
    }
  });

  it("the final checkpoint is written after series.csv and summary.json: a run that cannot write them leaves no finished checkpoint, and its resume ends identical", async () => {
    // config.json only (killed before any checkpoint); series.csv a directory, so writing the outputs fails.
    const dir = state("outputs-fail", (d) => {
      for (const f of ["checkpoint.npz", "series.csv", "summary.json"]) rmSync(join(d, f));
      mkdirSync(join(d, "series.csv"));
    });
    const failed = await mcm(["resume", dir, "-q"]);
    expect(failed.code, failed.stderr).toBe(1);
    expect(existsSync(join(dir, "checkpoint.npz"))).toBe(false);
    rmSync(join(dir, "series.csv"), { recursive: true });
    const r = await mcm(["resume", dir, "-q"]);
    expect(r.code, r.stderr).toBe(0);
    expectWhole(dir);
  });
});
