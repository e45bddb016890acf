/**
 * A queue worker (Node only): takes sweep tasks from the queue, validates each job with the config
 * schema, runs it on a pool of worker threads and stores the result with HSETNX, so a retried or
 * duplicated job cannot count twice. Tasks run off the main thread, which stays free to renew job locks;
 * a worker killed mid-task stops renewing, and another worker takes the job over once its lock expires.
 */

import { hostname } from "node:os";
import { UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { ConfigError } from "../config/errors.js";
import { loadKernels } from "../engine/kernels.js";
import type { SweepTask, TaskResult } from "../experiments/sweep-task.js";
import { openRedis, parseRedisUrl } from "./connection.js";
import { JobDataError, parseJobData, QUEUE_NAME, resultsKey, SWEEPS_KEY, storeResult } from "./store.js";

export interface WorkerOptions {
  /** Queue URL: redis://[[user]:password@]host[:port][/db] or rediss://... */
  url: string;
  /** Tasks run at once, each on its own thread. Default 1. */
  concurrency?: number;
  /** How long a job's lock lives without renewal, in ms: a killed worker's job is retried after about
   * this long. Default 30000. */
  lockDurationMs?: number;
  /** How often this worker looks for stalled jobs (lock expired), in ms. Default 15000. */
  stalledIntervalMs?: number;
  /** Stalls (lost locks) a job may have before it fails for good. Default 2. */
  maxStalledCount?: number;
  /** Close gracefully on SIGINT/SIGTERM (a second signal stops at once). Default true. */
  handleSignals?: boolean;
  /** Receives one line per event (never credentials). Default: stderr with a timestamp. */
  log?: (line: string) => void;
}

export interface QueueWorker {
  /** Stops taking jobs; waits for running tasks unless force (their jobs then go back to the queue). */
  close(force?: boolean): Promise<void>;
  /** Resolves once the worker is closed. */
  closed: Promise<void>;
  /** Tasks finished by this worker (results stored or found stored already). */
  counts: { stored: number; duplicate: number; failed: number };
}

export interface ProcessResult {
  key: string;
  /** False when a result for this task was stored already (a duplicate or retried job). */
  stored: boolean;
}

/** The compiled task module: next to this directory in dist/, or dist/ when running from src/ (tests). */
function taskModuleUrl(): string {
  const here = new URL(import.meta.url);
  if (here.pathname.endsWith(".ts")) return new URL("../../dist/experiments/sweep-task.js", here).href;
  return new URL("../experiments/sweep-task.js", here).href;
}

const defaultLog = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

/** Starts a worker on the queue at `url`; resolves once it is connected and ready for jobs. */
export async function startWorker(options: WorkerOptions): Promise<QueueWorker> {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new ConfigError("concurrency", `got ${concurrency}, expected an integer in [1, 256]`);
  }
  const lockDuration = options.lockDurationMs ?? 30_000;
  const stalledInterval = options.stalledIntervalMs ?? 15_000;
  const maxStalledCount = options.maxStalledCount ?? 2;
  const log = options.log ?? defaultLog;
  const target = parseRedisUrl(options.url);
  const redis: Redis = await openRedis(target, { onError: (e) => log(e.message) });
  const kernels = await loadKernels();
  const host = hostname();
  const { Piscina } = await import("piscina");
  const pool = new Piscina({ filename: taskModuleUrl(), minThreads: concurrency, maxThreads: concurrency });
  const counts = { stored: 0, duplicate: 0, failed: 0 };

  const processor = async (job: { id?: string; data: unknown }): Promise<ProcessResult> => {
    let parsed: ReturnType<typeof parseJobData>;
    try {
      parsed = parseJobData(job.data);
    } catch (err) {
      // A malformed job cannot get better by retrying: fail it for good, with the reason kept.
      if (err instanceof JobDataError) throw new UnrecoverableError(`malformed job: ${err.message}`);
      throw err;
    }
    const { sweepId, key, task } = parsed;
    if (!(await redis.sismember(SWEEPS_KEY, sweepId))) {
      throw new UnrecoverableError(`unknown sweep ${sweepId} (no stored spec; was it deleted?)`);
    }
    if (await redis.hexists(resultsKey(sweepId), key)) {
      counts.duplicate++;
      log(`sweep ${sweepId} task ${key}: result stored already, skipped`);
      return { key, stored: false };
    }
    log(`sweep ${sweepId} task ${key}: started (d = ${task.config.d}, ${task.config.walkers} walkers)`);
    const started = performance.now();
    let result: TaskResult;
    try {
      result = (await pool.run(task satisfies SweepTask)) as TaskResult;
    } catch (err) {
      // A task is a pure function of its data: a divergence would recur on every attempt. (The error
      // class does not survive the thread boundary; its message does.)
      const message = (err as Error)?.message ?? String(err);
      if (/^SGD diverged/.test(message)) throw new UnrecoverableError(message);
      throw err;
    }
    const stored = await storeResult(redis, sweepId, key, {
      build: kernels.buildHash,
      flavour: kernels.flavour,
      host,
      result,
    });
    if (stored) counts.stored++;
    else counts.duplicate++;
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    log(`sweep ${sweepId} task ${key}: ${stored ? "done" : "done, but a result was stored already"} in ${secs} s`);
    return { key, stored };
  };

  const worker = new Worker(QUEUE_NAME, processor, {
    connection: redis,
    concurrency,
    lockDuration,
    stalledInterval,
    maxStalledCount,
    autorun: false,
  });
  worker.on("failed", (job, err) => {
    counts.failed++;
    log(`job ${job?.id ?? "?"} failed: ${err.message}`);
  });
  worker.on("error", (err) => log(`worker error: ${err.message}`));
  worker.on("stalled", (id) => log(`job ${id} stalled (its worker stopped renewing the lock): back in the queue`));

  let closing: Promise<void> | null = null;
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  const close = (force = false): Promise<void> => {
    if (closing && !force) return closing;
    const run = async () => {
      await worker.close(force);
      await pool.destroy();
      redis.disconnect();
      if (options.handleSignals !== false) {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
      resolveClosed();
    };
    closing = run();
    return closing;
  };
  let signals = 0;
  function onSignal(signal: string) {
    signals++;
    if (signals === 1) {
      log(`${signal}: finishing running tasks, then stopping (send again to stop now; their jobs return to the queue)`);
      void close(false);
    } else {
      // At once: closing the queue connection can itself wait on Redis.
      log(
        `${signal} again: stopping at once; the running tasks' work is lost (their jobs return to the queue when their lock expires)`,
      );
      process.exit(signal === "SIGTERM" ? 143 : 130);
    }
  }
  if (options.handleSignals !== false) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }

  void worker.run().catch((err: Error) => log(`worker stopped: ${err.message}`));
  await worker.waitUntilReady();
  log(
    `worker ready on ${target.display}: ${concurrency} thread${concurrency === 1 ? "" : "s"}, kernels ${kernels.flavour} ${kernels.buildHash}`,
  );
  return { close, closed, counts };
}
