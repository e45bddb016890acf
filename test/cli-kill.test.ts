// Randomized kill -9 (issue 19): 20 runs of `mcm run` killed with SIGKILL at seeded random times, from
// before the first checkpoint (even before config.json) to the last steps; each is continued with
// `mcm resume` (or started again with `mcm run` when the kill came before config.json existed) and must end
// with the checkpoint and series.csv of the uninterrupted run, byte for byte.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { seededRandom } from "../src/experiments/stats.js";

const CLI = resolve("dist/cli/index.js");
const tmp = mkdtempSync(join(tmpdir(), "mcm-kill-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Small and quick, with checkpoints every 10000 steps: a run lives about as long as the process takes to start.
const RUN = ["--d", "12", "--walkers", "2", "--seed", "17", "--steps", "100000", "--checkpoint-every", "10000steps"];
const KILLS = 20;

function launch(args: string[]): { child: ChildProcess; done: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, ...args, "-q"], { stdio: "ignore" });
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const done = new Promise<number | null>((res) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      res(code);
    }),
  );
  return { child, done };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, done: { exited: boolean }): Promise<void> {
  while (!cond() && !done.exited) await sleep(2);
}

type Kill = { when: "start" | "sgd"; ms: number };

/**
 * Starts a run and kills it: `start` kills `ms` after launch (before or around config.json), `sgd` kills `ms`
 * after config.json appears (from before the first checkpoint to the last steps). Then finishes the run and
 * returns what the resume started from: "none" (started again), "record" (config.json) or "checkpoint".
 */
async function killAndFinish(out: string, kill: Kill): Promise<"none" | "record" | "checkpoint"> {
  const run = launch(["run", ...RUN, "--out", out]);
  const state = { exited: false };
  void run.done.then(() => {
    state.exited = true;
  });
  if (kill.when === "sgd") await until(() => existsSync(join(out, "config.json")), state);
  await sleep(kill.ms);
  run.child.kill("SIGKILL");
  await run.done;
  const from = existsSync(join(out, "checkpoint.npz"))
    ? "checkpoint"
    : existsSync(join(out, "config.json"))
      ? "record"
      : "none";
  // Killed before config.json: nothing to resume, the run is started again (its directory is empty or absent).
  const code = await (from === "none" ? launch(["run", ...RUN, "--out", out]) : launch(["resume", out])).done;
  expect(code, `${out} after a kill ${JSON.stringify(kill)} (resumed from ${from})`).toBe(0);
  return from;
}

describe("kill -9 at random times", () => {
  it(`${KILLS} kills (seeded times, some before the first checkpoint): every resumed run equals the uninterrupted one`, async () => {
    const whole = join(tmp, "whole");
    const t0 = Date.now();
    const reference = launch(["run", ...RUN, "--out", whole]);
    const state = { exited: false };
    void reference.done.then(() => {
      state.exited = true;
    });
    await until(() => existsSync(join(whole, "config.json")), state);
    const startMs = Date.now() - t0;
    expect(await reference.done).toBe(0);
    const sgdMs = Date.now() - t0 - startMs;
    const expected = {
      checkpoint: readFileSync(join(whole, "checkpoint.npz")),
      series: readFileSync(join(whole, "series.csv"), "utf8"),
    };
    const random = seededRandom(2026);
    // One kill in four during start-up, the others during SGD (from 0 ms after config.json appears).
    const kills: Kill[] = Array.from({ length: KILLS }, (_, i) =>
      i % 4 === 0
        ? { when: "start", ms: Math.floor(random() * startMs) }
        : { when: "sgd", ms: Math.floor(random() * sgdMs) },
    );
    const from: string[] = [];
    // Two at a time: the machine has two cores.
    for (let i = 0; i < KILLS; i += 2) {
      const batch = kills.slice(i, i + 2).map((k, j) => killAndFinish(join(tmp, `k${i + j}`), k));
      from.push(...(await Promise.all(batch)));
    }
    for (let i = 0; i < KILLS; i++) {
      const out = join(tmp, `k${i}`);
      const what = `kill ${i} ${JSON.stringify(kills[i])}`;
      expect(readFileSync(join(out, "series.csv"), "utf8"), what).toBe(expected.series);
      expect(readFileSync(join(out, "checkpoint.npz")).equals(expected.checkpoint), what).toBe(true);
    }
    // The kills covered both cases: a resume from a checkpoint, and a run with no checkpoint yet.
    const seen = JSON.stringify({ kills, from });
    expect(from.filter((f) => f === "checkpoint").length, seen).toBeGreaterThan(0);
    expect(from.filter((f) => f !== "checkpoint").length, seen).toBeGreaterThan(0);
    // 41 processes: generous for a loaded machine (about 20 s on two idle cores).
  }, 300_000);
});
