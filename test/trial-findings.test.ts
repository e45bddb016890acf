// Findings of the hostile trial (issue 26, item 5) that belong to no other test file: each case here
// failed before its fix.
import type { ChildProcess } from "node:child_process";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noFitReason } from "../src/cli/sweep-output.js";
import { ConfigError } from "../src/config/schema.js";
import { expandGrid, type SweepResult, type SweepSpec } from "../src/experiments/sweep.js";
import { openRedis, QueueUrlError, resumeSweep, SweepDetachedError, submitSweep } from "../src/queue/index.js";
import { resultsKey, StoredResultError } from "../src/queue/store.js";
import { shortNumber } from "../src/theory/format.js";
import { MISSING, type RedisServer, redisBin, startRedis } from "./helpers/redis.js";

const spec = (grid: Record<string, unknown[]>): SweepSpec => ({ base: {}, grid, seeds: 2, steps: () => 10, seed: 1 });

describe("sweep grids", () => {
  it("refuse a list that repeats a value (--d 16,16 ran the point twice), naming the field", () => {
    expect(() => expandGrid(spec({ d: [16, 32, 16] }))).toThrow(ConfigError);
    expect(() => expandGrid(spec({ d: [16, 32, 16] }))).toThrow(/^d: the list gives 16 twice/);
    // With two axes, the field named is the one whose list repeats.
    const err = (() => {
      try {
        expandGrid(spec({ process: ["vp", "ve"], t: [0.5, 0.5] }));
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err?.field).toBe("t");
    expect(expandGrid(spec({ d: [16, 32] }))).toHaveLength(2);
  });

  it("a sweep with one d says why no exponent is fitted instead of an empty phase table", () => {
    const result = { points: [{ config: { d: 16 } }, { config: { d: 16 } }] } as unknown as SweepResult;
    expect(noFitReason(result)).toMatch(/every point has d = 16; .* needs --d with at least two values/);
  });
});

describe("number formatting", () => {
  it("keeps every digit of the exponent (1e-10 once printed as 1.000e-1)", () => {
    expect(shortNumber(1e-10)).toBe("1e-10");
    expect(shortNumber(1.5e-20)).toBe("1.5e-20");
    expect(shortNumber(0.5)).toBe("0.5");
    expect(shortNumber(6.4351)).toBe("6.435");
    expect(shortNumber(100.5)).toBe("100.5");
    expect(shortNumber(1.23456e-21)).toBe("1.235e-21");
    expect(Number(shortNumber(2.5e-7))).toBe(2.5e-7);
  });
});

async function stopProc(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  proc.kill("SIGKILL");
  await exited;
}

// A tiny sweep (two points, two walkers each); no worker runs, so its jobs wait and nothing is computed.
const tiny = { base: {}, grid: { d: [8, 16] }, seeds: 2, steps: 10, seed: 5 };

describe.skipIf(!redisBin)(`queue findings (a private redis-server on loopback; ${MISSING} to run)`, () => {
  let server: RedisServer | undefined;
  let url = "";
  let redis: Redis | undefined;

  beforeAll(async () => {
    server = await startRedis();
    url = `redis://127.0.0.1:${server.port}`;
    redis = await openRedis(url);
  });

  afterAll(async () => {
    redis?.disconnect();
    await stopProc(server?.proc);
  });

  it("a database the server does not have is refused naming --queue (/99 silently used database 0)", async () => {
    const err = await openRedis(`${url}/99`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueUrlError);
    expect((err as Error).message).toMatch(/^--queue: database 99 cannot be selected .*databases 0 to 15/);
    const three = await openRedis(`${url}/3`);
    await three.set("findings:db", "3");
    expect(await (redis as Redis).get("findings:db")).toBeNull();
    three.disconnect();
  });

  it("a malformed stored result is named with its task instead of crashing the submitter with a TypeError", async () => {
    const { sweepId } = await submitSweep(tiny, { url, wait: false, sweepId: "findings-malformed" });
    const keys = await (redis as Redis).hkeys(resultsKey(sweepId));
    expect(keys).toEqual([]);
    // One job per point: store results for both, one of the wrong type, then one of the wrong length.
    const jobs = await (redis as Redis).keys(`bull:mcm-sweeps:${sweepId}__*`);
    const taskKeys = [...new Set(jobs.map((k) => k.split("__")[1].split(":")[0]))];
    expect(taskKeys).toHaveLength(2);
    const good = (walkers: number) => ({
      hits: Array(walkers * 3).fill(-1),
      walkerSteps: Array(walkers).fill(10),
      overlaps: Array(walkers * 3).fill(0),
      logSteps: [10],
      logOverlaps: [Array(walkers * 3).fill(0)],
    });
    const put = (key: string, result: unknown) =>
      (redis as Redis).hset(
        resultsKey(sweepId),
        key,
        JSON.stringify({ build: "b", flavour: "scalar", host: "h", result }),
      );
    await put(taskKeys[0], good(2));
    await put(taskKeys[1], { ...good(2), hits: 5 });
    const typed = await resumeSweep(sweepId, { url, pollMs: 50 }).catch((e: unknown) => e);
    expect(typed).toBeInstanceOf(StoredResultError);
    expect((typed as Error).message).toContain(`task ${taskKeys[1]} is malformed (result.hits: got 5`);
    await put(taskKeys[1], good(1));
    const short = await resumeSweep(sweepId, { url, pollMs: 50 }).catch((e: unknown) => e);
    expect(short).toBeInstanceOf(StoredResultError);
    expect((short as Error).message).toMatch(/result\.hits: 3 values, expected 6/);
  });

  it("a submitter whose Redis goes away says so at once and still stops on request", async () => {
    const own = await startRedis();
    const controller = new AbortController();
    const events: string[] = [];
    let lost: () => void = () => {};
    const lostSeen = new Promise<void>((resolve) => {
      lost = resolve;
    });
    const waiting = submitSweep(tiny, {
      url: `redis://127.0.0.1:${own.port}`,
      pollMs: 50,
      signal: controller.signal,
      onSubmitted: () => void stopProc(own.proc),
      onConnection: (e) => {
        events.push(`${e.state}: ${e.message}`);
        if (e.state === "lost") lost();
      },
    }).catch((e: unknown) => e);
    await lostSeen;
    controller.abort();
    expect(await waiting).toBeInstanceOf(SweepDetachedError);
    expect(events[0]).toMatch(new RegExp(`^lost: Redis at redis://127.0.0.1:${own.port}/0: `));
  });
});
