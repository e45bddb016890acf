/**
 * Submitting a sweep to the queue and collecting it (Node only). The submitter stores a serialisable
 * spec, enqueues one job per task (a chunk of walkers of one grid point) and waits while workers anywhere
 * store results. The final result is assembled by the local sweep code from the stored task results, so
 * it is the SweepResult a local `runSweep` gives for the same spec and seed.
 */
import { randomBytes } from "node:crypto";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import { expandGrid, planTasks, runSweep, type SweepResult } from "../experiments/sweep.js";
import type { SweepTask, TaskResult } from "../experiments/sweep-task.js";
import { canonicalJson } from "../io/json.js";
import { openRedis, parseRedisUrl, type RedisTarget } from "./connection.js";
import { sweepJobStates } from "./status.js";
import {
  checkResultShape,
  checkSweepId,
  type JobData,
  jobId,
  loadRecord,
  loadResults,
  openQueue,
  type QueueSweepSpec,
  recordKey,
  resultsKey,
  SWEEPS_KEY,
  type SweepRecord,
  specOfRecord,
} from "./store.js";

export interface QueueProgress {
  sweepId: string;
  /** Tasks with a stored result. */
  done: number;
  total: number;
  /** Work units (steps x walkers x d x K) of the finished tasks, and of all tasks. */
  work: number;
  workTotal: number;
  /** Tasks whose jobs failed for good (kept in the queue with their error). */
  failed: number;
  /** Workers connected to the queue (checked every few polls): 0 means nothing will progress. */
  workers: number;
}

export interface WaitOptions {
  /** Queue URL: redis://[[user]:password@]host[:port][/db] or rediss://... */
  url: string;
  onProgress?: (p: QueueProgress) => void;
  /** Stops waiting (the jobs stay in the queue; collect them later with resumeSweep). */
  signal?: AbortSignal;
  /** How often the submitter polls Redis for results, in ms. Default 500. */
  pollMs?: number;
  /** Called when the connection to Redis is lost ("lost", with the redacted reason) and when it is back:
   * while it is down the submitter waits (the jobs and results stay in Redis) and says so once. */
  onConnection?: (event: { state: "lost" | "back"; message: string }) => void;
}

export interface SubmitOptions extends WaitOptions {
  /** Sweep id (default: generated). Reusing the id of a stored sweep with the same spec resumes it. */
  sweepId?: string;
  /** Walkers per job (default: all walkers of a point in one job). Results do not depend on it. */
  chunk?: number;
  /** Evaluates a steps expression (spec.steps given as a string) for a resolved config. */
  stepsFor?: (expression: string, config: Config) => number;
  /** Attempts per job when the processor throws (default 3); stalls (a killed worker) count separately. */
  attempts?: number;
  /** Called once the jobs are enqueued, before waiting: print the sweep id here. */
  onSubmitted?: (info: { sweepId: string; total: number; enqueued: number; done: number }) => void;
  /** Enqueue only, do not wait (the result is then null). Default true. */
  wait?: boolean;
}

export interface QueueSweepResult {
  sweepId: string;
  /** Null when submitted with wait: false. */
  result: SweepResult | null;
  /** Kernel builds that computed the results (build hash -> tasks): more than one means mixed builds. */
  builds: Record<string, number>;
}

/** Thrown when some tasks of a sweep failed for good; the others are collected and kept. */
export class SweepFailedError extends Error {
  readonly sweepId: string;
  readonly failures: { key: string; reason: string }[];
  constructor(sweepId: string, failures: { key: string; reason: string }[], total: number) {
    const shown = failures
      .slice(0, 3)
      .map((f) => `task ${f.key}: ${f.reason}`)
      .join("; ");
    super(
      `sweep ${sweepId}: ${failures.length} of ${total} tasks failed (${shown}${failures.length > 3 ? "; ..." : ""}). ` +
        `The other results are stored; fix the cause and resume with --resume ${sweepId}`,
    );
    this.name = "SweepFailedError";
    this.sweepId = sweepId;
    this.failures = failures;
  }
}

/** Thrown when waiting is aborted: the sweep stays in the queue. */
export class SweepDetachedError extends Error {
  readonly sweepId: string;
  constructor(sweepId: string) {
    super(`sweep ${sweepId}: stopped waiting; the jobs stay in the queue, collect them with --resume ${sweepId}`);
    this.name = "AbortError";
    this.sweepId = sweepId;
  }
}

export function newSweepId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "");
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}

/** Builds the stored record of a spec: resolves every point's step budget now. */
export function makeRecord(
  spec: QueueSweepSpec,
  id: string,
  chunk: number,
  stepsFor?: (expression: string, config: Config) => number,
): SweepRecord {
  if (!Number.isSafeInteger(chunk) || chunk < 1) throw new RangeError(`chunk: got ${chunk}, expected an integer >= 1`);
  const steps = spec.steps;
  let label: number | string;
  let stepsOf: (config: Config) => number;
  if (typeof steps === "number") {
    label = steps;
    stepsOf = () => steps;
  } else if (typeof steps === "string") {
    if (!stepsFor) throw new Error(`steps: the expression ${JSON.stringify(steps)} needs a stepsFor evaluator`);
    label = steps;
    stepsOf = (c) => stepsFor(steps, c);
  } else {
    label = "function";
    stepsOf = steps;
  }
  const pointSteps: Record<string, number> = {};
  const points = expandGrid({
    ...spec,
    steps: (c) => {
      const n = stepsOf(c);
      pointSteps[canonicalJson(c)] = n;
      return n;
    },
  });
  const { steps: _steps, ...rest } = spec;
  const record: SweepRecord = {
    version: 1,
    id,
    createdAt: new Date().toISOString(),
    spec: JSON.parse(JSON.stringify({ ...rest, steps: label })),
    pointSteps,
    chunk,
    tasks: 0,
  };
  record.tasks = planTasks(specOfRecord(record), points, chunk).length;
  return record;
}

function plan(record: SweepRecord): { task: SweepTask; key: string }[] {
  const spec = specOfRecord(record);
  return planTasks(spec, expandGrid(spec), record.chunk);
}

const work = (t: SweepTask) => t.steps * t.config.walkers * t.config.d * t.config.K;

/** Enqueues the tasks of a sweep that have neither a result nor a live job; with retryFailed, failed
 * jobs are replaced too (retried). */
async function enqueueMissing(
  redis: Redis,
  queue: Queue,
  record: SweepRecord,
  attempts: number,
  retryFailed: boolean,
): Promise<{ enqueued: number; done: number }> {
  const tasks = plan(record);
  const have = new Set(await redis.hkeys(resultsKey(record.id)));
  const states = await sweepJobStates(queue, record.id);
  const jobs: { name: string; data: JobData; opts: object }[] = [];
  for (const t of tasks) {
    if (have.has(t.key)) continue;
    const state = states.get(t.key);
    if (state === "failed" && retryFailed) await queue.remove(jobId(record.id, t.key));
    else if (state !== undefined) continue; // waiting, active, delayed, or failed and kept
    jobs.push({
      name: "task",
      data: { sweepId: record.id, key: t.key, task: t.task },
      opts: {
        jobId: jobId(record.id, t.key),
        attempts,
        backoff: { type: "exponential", delay: 1000 },
        removeOnComplete: true,
        removeOnFail: false,
      },
    });
  }
  for (let i = 0; i < jobs.length; i += 500) await queue.addBulk(jobs.slice(i, i + 500));
  return { enqueued: jobs.length, done: tasks.filter((t) => have.has(t.key)).length };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

/** Waits until every task has a result (or some failed for good), then assembles the sweep result. */
async function waitAndCollect(
  redis: Redis,
  queue: Queue,
  record: SweepRecord,
  options: WaitOptions,
): Promise<QueueSweepResult> {
  const tasks = plan(record);
  const workOf = new Map(tasks.map((t) => [t.key, work(t.task)]));
  const workTotal = tasks.reduce((s, t) => s + work(t.task), 0);
  const pollMs = options.pollMs ?? 500;
  let lastDone = -1;
  let lastFailed = -1;
  let failures: { key: string; reason: string }[] = [];
  let workers = -1;
  let lastWorkers = -1;
  for (let poll = 0; ; poll++) {
    if (options.signal?.aborted) throw new SweepDetachedError(record.id);
    const stop = <T>(p: Promise<T>) => abortable(p, options.signal, record.id);
    const have = new Set(await stop(redis.hkeys(resultsKey(record.id))));
    const missing = tasks.filter((t) => !have.has(t.key));
    // Job states cost more than result keys: look at them every few polls.
    const checked = missing.length > 0 && poll % 4 === 0;
    if (checked) {
      const states = await stop(sweepJobStates(queue, record.id));
      const failedKeys = missing.filter((t) => states.get(t.key) === "failed").map((t) => t.key);
      // Reasons of the first few only: a sweep with thousands of failures needs no thousand look-ups.
      failures = await stop(
        Promise.all(
          failedKeys.map(async (key, i) => {
            if (i >= 5) return { key, reason: "see the queue status" };
            const job = await queue.getJob(jobId(record.id, key));
            return { key, reason: job?.failedReason ?? "unknown reason" };
          }),
        ),
      );
      workers = await stop(queue.getWorkersCount());
      // A task with neither result nor job (e.g. the queue was emptied by hand) is enqueued again.
      if (missing.some((t) => !states.has(t.key))) await stop(enqueueMissing(redis, queue, record, 3, false));
    }
    if (missing.length === 0) failures = [];
    const done = tasks.length - missing.length;
    if (done !== lastDone || failures.length !== lastFailed || workers !== lastWorkers) {
      const workDone = [...have].reduce((s, k) => s + (workOf.get(k) ?? 0), 0);
      options.onProgress?.({
        sweepId: record.id,
        done,
        total: tasks.length,
        work: workDone,
        workTotal,
        failed: failures.length,
        workers: Math.max(workers, 0),
      });
      lastDone = done;
      lastFailed = failures.length;
      lastWorkers = workers;
    }
    if (missing.length === 0) break;
    if (checked && failures.length === missing.length) throw new SweepFailedError(record.id, failures, tasks.length);
    await sleep(pollMs, options.signal);
  }
  return collect(redis, record);
}

/** Assembles the result of a complete sweep from its stored task results (computes nothing). */
async function collect(redis: Redis, record: SweepRecord): Promise<QueueSweepResult> {
  const stored = await loadResults(redis, record.id);
  const finished = new Map<string, TaskResult>();
  const builds: Record<string, number> = {};
  for (const t of plan(record)) {
    const s = stored.get(t.key);
    if (!s) throw new Error(`sweep ${record.id}: task ${t.key} has no stored result`);
    checkResultShape(record.id, t.key, t.task, s.result);
    finished.set(t.key, s.result);
    builds[s.build] = (builds[s.build] ?? 0) + 1;
  }
  const result = await runSweep(specOfRecord(record), { threads: 0, chunk: record.chunk, finished });
  return { sweepId: record.id, result, builds };
}

async function withQueue<T>(
  options: WaitOptions,
  body: (redis: Redis, queue: Queue, target: RedisTarget) => Promise<T>,
) {
  const target = parseRedisUrl(options.url);
  let down = false;
  const redis = await openRedis(target, {
    onError: (e) => {
      if (down) return;
      down = true;
      options.onConnection?.({ state: "lost", message: e.message });
    },
  });
  redis.on("ready", () => {
    if (!down) return;
    down = false;
    options.onConnection?.({ state: "back", message: `Redis at ${target.display}: connected again` });
  });
  const queue = openQueue(redis);
  try {
    return await body(redis, queue, target);
  } finally {
    // Closing the queue waits for Redis: not while it is down.
    if (!down) await queue.close().catch(() => {});
    redis.disconnect();
  }
}

/** A Redis call that a stop (options.signal) interrupts: while Redis is down its commands wait for the
 * reconnection, which may never come. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, sweepId: string): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) throw new SweepDetachedError(sweepId);
  promise.catch(() => {});
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new SweepDetachedError(sweepId));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * Submits a sweep: stores its spec, enqueues one job per task, waits for the results (unless
 * wait: false) and returns the same SweepResult as a local runSweep with this spec and seed.
 */
export async function submitSweep(spec: QueueSweepSpec, options: SubmitOptions): Promise<QueueSweepResult> {
  const id = checkSweepId(options.sweepId ?? newSweepId());
  const record = makeRecord(spec, id, options.chunk ?? spec.seeds, options.stepsFor);
  const attempts = options.attempts ?? 3;
  if (!Number.isSafeInteger(attempts) || attempts < 1 || attempts > 100) {
    throw new RangeError(`attempts: got ${attempts}, expected an integer in [1, 100]`);
  }
  return withQueue(options, async (redis, queue) => {
    const stored = await redis.set(recordKey(id), JSON.stringify(record), "NX");
    if (stored === null) {
      const old = await loadRecord(redis, id);
      if (!old || !sameSweep(old, record)) {
        throw new Error(
          `sweep id ${id} is taken by another sweep; choose another id, or resume it with --resume ${id}`,
        );
      }
      Object.assign(record, { createdAt: old.createdAt });
    }
    await redis.sadd(SWEEPS_KEY, id);
    const { enqueued, done } = await enqueueMissing(redis, queue, record, attempts, true);
    options.onSubmitted?.({ sweepId: id, total: record.tasks, enqueued, done });
    if (options.wait === false) return { sweepId: id, result: null, builds: {} };
    return waitAndCollect(redis, queue, record, options);
  });
}

function sameSweep(a: SweepRecord, b: SweepRecord): boolean {
  const strip = (r: SweepRecord) => canonicalJson({ ...r, createdAt: "" });
  return strip(a) === strip(b);
}

/**
 * Resumes a stored sweep: re-enqueues its tasks that have neither a result nor a live job (failed jobs
 * are retried), waits for the rest and returns the result.
 */
export async function resumeSweep(
  sweepId: string,
  options: WaitOptions & Pick<SubmitOptions, "attempts" | "onSubmitted">,
): Promise<QueueSweepResult> {
  checkSweepId(sweepId);
  return withQueue(options, async (redis, queue, target) => {
    const record = await loadRecord(redis, sweepId);
    if (!record) throw new Error(`sweep ${sweepId}: not found at ${target.display} (see the queue status for ids)`);
    const { enqueued, done } = await enqueueMissing(redis, queue, record, options.attempts ?? 3, true);
    options.onSubmitted?.({ sweepId, total: record.tasks, enqueued, done });
    return waitAndCollect(redis, queue, record, options);
  });
}
