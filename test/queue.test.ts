// Distributed sweeps on BullMQ against a real Redis (a private redis-server on a free loopback port): two
// worker processes give the local sweep's results bit for bit; a worker SIGKILLed mid-task loses nothing;
// an interrupted submitter resumes; malformed jobs fail for good with their reason; a duplicate completion
// counts once; credentials never appear in what is printed.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expandGrid, planTasks, runSweep, type SweepResult, type SweepSpec } from "../src/experiments/sweep.js";
import {
  formatStatus,
  openRedis,
  parseRedisUrl,
  QueueUrlError,
  queueStatus,
  redact,
  resumeSweep,
  SweepDetachedError,
  SweepFailedError,
  submitSweep,
} from "../src/queue/index.js";
import { jobId, QUEUE_NAME, resultsKey, storeResult } from "../src/queue/store.js";
import { freePort, MISSING, type RedisServer, redisBin, startRedis } from "./helpers/redis.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const workerScript = fileURLToPath(new URL("./helpers/queue-worker.mjs", import.meta.url));

interface WorkerProc {
  proc: ChildProcess;
  log: string[];
  /** Resolves with the first log line matching. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
}

function spawnWorker(url: string, env: Record<string, string> = {}): Promise<WorkerProc> {
  const proc = spawn(process.execPath, [workerScript], {
    cwd: root,
    env: {
      ...process.env,
      MCM_QUEUE_URL: url,
      MCM_WORKER_LOCK_MS: "2000",
      MCM_WORKER_STALLED_MS: "1000",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  let partial = "";
  const take = (b: Buffer) => {
    partial += b.toString();
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      log.push(line);
      for (const w of [...waiters]) {
        if (w.re.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  };
  proc.stdout?.on("data", take);
  proc.stderr?.on("data", take);
  const waitFor = (re: RegExp, timeoutMs = 30_000) => {
    const seen = log.find((l) => re.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`worker never logged ${re}; log:\n${log.join("\n")}`)),
        timeoutMs,
      );
      timer.unref();
      waiters.push({
        re,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  };
  const w = { proc, log, waitFor };
  return waitFor(/worker ready/).then(() => w);
}

async function stop(proc: ChildProcess | undefined, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  proc.kill(signal);
  const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

// Tasks of about half a second to a second each (walkers run the full budget), so a kill lands mid-task.
const spec: SweepSpec = {
  base: { betaU: 5, betaV: 5 },
  grid: { d: [16, 32], correlation: ["independent", "sign"] },
  seeds: 4,
  steps: (c) => 10_000 * c.d,
  seed: 2026,
  stopWhenHit: false,
};
const queueSpec = { ...spec, steps: "10000 * d" };
const stepsFor = (expression: string, config: { d: number }) => {
  if (expression !== "10000 * d") throw new Error(`test stepsFor: unexpected ${expression}`);
  return 10_000 * config.d;
};
const CHUNK = 2;
const TASKS = 8;
const points = (r: SweepResult | null) => JSON.stringify(r?.points);

describe("queue URLs (no server needed)", () => {
  it("parses redis:// and rediss:// URLs, takes the password from MCM_REDIS_PASSWORD, and redacts", () => {
    const t = parseRedisUrl("rediss://alice:s%40cret@example.org:6380/2", {});
    expect(t).toMatchObject({ tls: true, host: "example.org", port: 6380, db: 2, username: "alice" });
    expect(t.password).toBe("s@cret");
    expect(t.display).toBe("rediss://***@example.org:6380/2");
    const e = parseRedisUrl("redis://10.0.0.5", { MCM_REDIS_PASSWORD: "envpw" });
    expect(e).toMatchObject({ tls: false, port: 6379, db: 0, password: "envpw" });
    expect(e.display).not.toContain("envpw");
    expect(redact("redis://:hunter2@h:1/0")).toBe("redis://***@h:1/0");
    for (const bad of ["http://u:hunter2@h:1", "redis://:hunter2@h:99999", "redis://:hunter2@h/x", "nonsense", ""]) {
      let err: unknown;
      try {
        parseRedisUrl(bad, {});
      } catch (x) {
        err = x;
      }
      expect(err).toBeInstanceOf(QueueUrlError);
      expect((err as Error).message).toContain("redis://[[user]:password@]host[:port][/db]");
      expect((err as Error).message).not.toContain("hunter2");
    }
  });
});

if (!redisBin) {
  describe("queue (BullMQ on a real Redis)", () => {
    if (process.env.CI === "true") {
      it("redis-server is installed (CI=true: the queue tests must run, not be skipped)", () => {
        throw new Error(MISSING);
      });
    } else {
      it.skipIf(!redisBin)(MISSING, () => {});
      console.warn(`test/queue.test.ts: skipped, ${MISSING}`);
    }
  });
} else {
  describe("queue (BullMQ on a real Redis)", () => {
    let server: RedisServer | undefined;
    let url = "";
    let redis: Redis | undefined;
    let queue: Queue | undefined;
    const workers: WorkerProc[] = [];
    let local: SweepResult;
    const db = () => redis as Redis;

    beforeAll(async () => {
      if (!existsSync(new URL("../dist/queue/index.js", import.meta.url))) {
        throw new Error("dist/queue/index.js is missing: run `npm run build` first (npm test does)");
      }
      server = await startRedis();
      url = `redis://127.0.0.1:${server.port}/0`;
      redis = await openRedis(url);
      queue = new Queue(QUEUE_NAME, { connection: redis });
      // The second worker runs two tasks at once on its thread pool.
      workers.push(...(await Promise.all([spawnWorker(url), spawnWorker(url, { MCM_WORKER_CONCURRENCY: "2" })])));
      local = await runSweep(spec, { threads: 0 });
    });

    afterAll(async () => {
      await Promise.all(workers.map((w) => stop(w.proc)));
      await queue?.close();
      redis?.disconnect();
      await stop(server?.proc);
    });

    it("a sweep through the queue on two worker processes equals the local sweep", async () => {
      let submitted: { sweepId: string; total: number } | undefined;
      const seen: number[] = [];
      const workersSeen: number[] = [];
      const r = await submitSweep(queueSpec, {
        url,
        chunk: CHUNK,
        stepsFor,
        pollMs: 100,
        onSubmitted: (i) => {
          submitted = i;
        },
        onProgress: (p) => {
          seen.push(p.done);
          workersSeen.push(p.workers);
        },
      });
      expect(submitted?.total).toBe(TASKS);
      expect(r.sweepId).toBe(submitted?.sweepId);
      expect(points(r.result)).toBe(points(local));
      expect(JSON.stringify(r.result?.fits)).toBe(JSON.stringify(local.fits));
      expect(seen.at(-1)).toBe(TASKS);
      expect(workersSeen[0]).toBe(2);
      // Both processes took tasks of this sweep.
      for (const w of workers) expect(w.log.some((l) => l.includes(`sweep ${r.sweepId} task`))).toBe(true);
      const status = await queueStatus(url);
      expect(status.sweeps.find((s) => s.id === r.sweepId)).toMatchObject({ done: TASKS, total: TASKS, failed: 0 });
    });

    it("a worker killed with SIGKILL mid-task: another takes its job over and the results are identical", async () => {
      const victim = workers[0];
      const sweepId = "killed-worker";
      const running = submitSweep(queueSpec, { url, sweepId, chunk: CHUNK, stepsFor, pollMs: 100 });
      const line = await victim.waitFor(new RegExp(`sweep ${sweepId} task [0-9a-f]+: started`));
      const key = /task ([0-9a-f]{16})/.exec(line)?.[1] as string;
      await stop(victim.proc, "SIGKILL");
      workers.splice(0, 1);
      const r = await running;
      expect(points(r.result)).toBe(points(local));
      // The killed worker never finished its task; the survivor did, after the lock expired.
      expect(victim.log.some((l) => l.includes(`sweep ${sweepId} task ${key}: done`))).toBe(false);
      expect(workers[0].log.some((l) => l.includes(`sweep ${sweepId} task ${key}: done`))).toBe(true);
      expect(await db().hlen(resultsKey(sweepId))).toBe(TASKS);
      workers.push(await spawnWorker(url));
    });

    it("a submitter stopped while waiting resumes with --resume ID and ends identical", async () => {
      const sweepId = "resumed";
      const stopWaiting = new AbortController();
      const first = submitSweep(queueSpec, {
        url,
        sweepId,
        chunk: CHUNK,
        stepsFor,
        pollMs: 100,
        signal: stopWaiting.signal,
        onProgress: (p) => {
          if (p.done >= 1) stopWaiting.abort();
        },
      });
      await expect(first).rejects.toBeInstanceOf(SweepDetachedError);
      let info: { done: number; enqueued: number } | undefined;
      const r = await resumeSweep(sweepId, { url, pollMs: 100, onSubmitted: (i) => (info = i) });
      expect(info?.done).toBeGreaterThanOrEqual(1);
      expect(points(r.result)).toBe(points(local));
      // The same id with another spec is refused rather than mixed.
      await expect(
        submitSweep({ ...queueSpec, seed: 1 }, { url, sweepId, chunk: CHUNK, stepsFor, wait: false }),
      ).rejects.toThrow(/sweep id resumed is taken by another sweep/);
    });

    it("a malformed job fails for good with its reason kept, the worker goes on, and --resume retries it", async () => {
      const q = queue as Queue;
      const sweepId = "resumed";
      // Take a finished task of the "resumed" sweep, forget its result, and enqueue it with a broken config.
      const [key] = await db().hkeys(resultsKey(sweepId));
      const stored = JSON.parse((await db().hget(resultsKey(sweepId), key)) ?? "null");
      await db().hdel(resultsKey(sweepId), key);
      const cases: [string, unknown, RegExp][] = [
        [
          jobId(sweepId, key),
          {
            sweepId,
            key,
            task: { config: { d: 1 }, seed: "1", walkerOffset: 0, steps: 10, stopWhenHit: [], stopAfterHit: 1 },
          },
          /malformed job: task\.config\.d: got 1, expected an integer in \[2, 1000000\]/,
        ],
        [`${sweepId}__00000000000000aa`, { sweepId, key: "00000000000000aa" }, /malformed job: task: got nothing/],
        [
          `${sweepId}__00000000000000bb`,
          {
            sweepId,
            key: "00000000000000bb",
            task: { config: { d: 16 }, seed: "1", walkerOffset: 0, steps: 10, stopWhenHit: [], stopAfterHit: 1 },
          },
          /malformed job: key: got 00000000000000bb, but the task hashes to [0-9a-f]{16}/,
        ],
        ["not-ours", "just a string", /malformed job: job data: got "just a string", expected an object/],
      ];
      for (const [id, data] of cases) await q.add("task", data, { jobId: id, attempts: 3, removeOnFail: false });
      for (const [id, , reason] of cases) {
        for (let i = 0; i < 200 && (await q.getJobState(id)) !== "failed"; i++)
          await new Promise((r) => setTimeout(r, 50));
        const job = await q.getJob(id);
        expect(await q.getJobState(id)).toBe("failed");
        expect(job?.failedReason).toMatch(reason);
        expect(job?.attemptsMade).toBe(1); // no retries for a job that cannot get better
      }
      for (const w of workers) expect(w.proc.exitCode).toBe(null);
      const status = await queueStatus(url);
      const s = status.sweeps.find((x) => x.id === sweepId);
      expect(s).toMatchObject({ done: TASKS - 1, failed: 3 });
      expect(formatStatus(status)).toMatch(/task [0-9a-f]{16} failed: malformed job/);
      // Resume replaces the failed job of the missing task with a good one; the result is unchanged.
      const r = await resumeSweep(sweepId, { url, pollMs: 100 });
      expect(points(r.result)).toBe(points(local));
      expect(JSON.parse((await db().hget(resultsKey(sweepId), key)) ?? "null").result).toEqual(stored.result);
      for (const [id] of cases.slice(1)) await q.remove(id);
    });

    it("a task that fails for good ends the wait with its reason; the other results are kept", async () => {
      const sweepId = "diverging";
      const diverging = {
        base: { d: 16, activation: "linear", trainAmplitude: true, trainSkip: true, lrExponent: 0 },
        grid: { delta: [0.01, 100] },
        seeds: 2,
        steps: 200,
        seed: 5,
      };
      const err = await submitSweep(diverging, { url, sweepId, pollMs: 100 }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(SweepFailedError);
      expect((err as SweepFailedError).failures).toHaveLength(1);
      expect(String(err)).toMatch(/1 of 2 tasks failed .*SGD diverged.*--resume diverging/);
      const s = (await queueStatus(url)).sweeps.find((x) => x.id === sweepId);
      expect(s).toMatchObject({ done: 1, total: 2, failed: 1 });
      const job = await (queue as Queue).getJob(jobId(sweepId, (err as SweepFailedError).failures[0].key));
      expect(job?.attemptsMade).toBe(1); // a pure task that diverged would diverge again: no retries
    });

    it("a duplicate completion is not counted twice", async () => {
      const q = queue as Queue;
      const sweepId = "resumed";
      const keys = await db().hkeys(resultsKey(sweepId));
      expect(keys).toHaveLength(TASKS);
      const before = await db().hget(resultsKey(sweepId), keys[0]);
      // The first store wins; a second one for the same task changes nothing.
      const fake = {
        build: "x",
        flavour: "x",
        host: "x",
        result: { hits: [], walkerSteps: [], overlaps: [], logSteps: [], logOverlaps: [] },
      };
      expect(await storeResult(db(), sweepId, keys[0], fake)).toBe(false);
      expect(await db().hget(resultsKey(sweepId), keys[0])).toBe(before);
      // The same task enqueued again (its finished job was removed, so the id is free) is skipped by a worker.
      expect(await q.getJob(jobId(sweepId, keys[0]))).toBeUndefined();
      const data = { sweepId, key: keys[0], task: planned(keys[0]) };
      const added = await q.add("task", data, { jobId: jobId(sweepId, keys[0]) });
      const done = await Promise.race(
        workers.map((w) => w.waitFor(new RegExp(`task ${keys[0]}: result stored already`))),
      );
      expect(done).toContain("skipped");
      expect(added.id).toBe(jobId(sweepId, keys[0]));
      expect(await db().hlen(resultsKey(sweepId))).toBe(TASKS);
      expect(await db().hget(resultsKey(sweepId), keys[0])).toBe(before);
      const status = await queueStatus(url);
      expect(status.sweeps.find((s) => s.id === sweepId)).toMatchObject({ done: TASKS, total: TASKS });
    });

    it("credentials never appear in status, worker logs or errors", async () => {
      const secret = "pw-7c1e-secret";
      const locked = await startRedis(["--requirepass", secret]);
      const base = `127.0.0.1:${locked.port}`;
      let worker: WorkerProc | undefined;
      try {
        // Password in the URL: status works and prints the redacted URL only.
        const withPw = `redis://:${secret}@${base}/0`;
        worker = await spawnWorker(withPw);
        const r = await submitSweep(
          { base: { betaU: 5, betaV: 5 }, grid: { d: [16] }, seeds: 2, steps: 200, seed: 3 },
          { url: withPw, sweepId: "secret-sweep" },
        );
        expect(r.result?.points).toHaveLength(1);
        const text = formatStatus(await queueStatus(withPw));
        expect(text).toContain(`redis://***@${base}/0`);
        expect(text).toContain("secret-sweep");
        // Password from the environment.
        process.env.MCM_REDIS_PASSWORD = secret;
        try {
          expect((await queueStatus(`redis://${base}`)).sweeps.map((s) => s.id)).toEqual(["secret-sweep"]);
        } finally {
          delete process.env.MCM_REDIS_PASSWORD;
        }
        // A wrong password and an unreachable server give clear errors without the secret.
        const wrong = "wrong-3f9a-password";
        const err1 = await queueStatus(`redis://:${wrong}@${base}`).catch((e: Error) => e);
        expect(String(err1)).toMatch(/refused the credentials/);
        expect(String(err1)).not.toContain(wrong);
        const closed = await freePort();
        const err2 = await queueStatus(`redis://:${secret}@127.0.0.1:${closed}`).catch((e: Error) => e);
        expect(String(err2)).toContain(`redis://***@127.0.0.1:${closed}/0`);
        expect(String(err2)).not.toContain(secret);
        await stop(worker.proc); // SIGTERM: a graceful close
        const logs = worker.log.join("\n");
        expect(logs).toContain("worker closed");
        expect(logs).toContain("secret-sweep");
        expect(logs).not.toContain(secret);
      } finally {
        await stop(worker?.proc);
        await stop(locked.proc);
      }
    });
  });
}

/** The task of a key, rebuilt from the local plan of the test spec (for enqueueing it by hand). */
function planned(key: string) {
  const t = planTasks(spec, expandGrid(spec), CHUNK).find((x) => x.key === key);
  if (!t) throw new Error(`no planned task ${key}`);
  return t.task;
}
