// A queue worker process for test/queue.test.ts: the URL comes from the environment (never argv, where
// `ps` would show credentials); every log line goes to stdout so the test can follow the worker.
import { startWorker } from "../../dist/queue/index.js";

const worker = await startWorker({
  url: process.env.MCM_QUEUE_URL ?? "",
  concurrency: Number(process.env.MCM_WORKER_CONCURRENCY ?? 1),
  lockDurationMs: Number(process.env.MCM_WORKER_LOCK_MS ?? 30000),
  stalledIntervalMs: Number(process.env.MCM_WORKER_STALLED_MS ?? 15000),
  log: (line) => process.stdout.write(`${line}\n`),
});
await worker.closed;
process.stdout.write("worker closed\n");
