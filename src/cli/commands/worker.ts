/** `mcm worker`: processes sweep jobs from a BullMQ queue in Redis, on a pool of worker threads. */
import type { Command } from "commander";
import { UsageError } from "../errors.js";
import { importOptional, QUEUE_PACKAGES } from "../optional.js";

export function registerWorker(program: Command): Command {
  return program
    .command("worker")
    .summary("process sweep jobs from a Redis queue (run one per machine)")
    .description(
      "Take sweep jobs from the queue at --queue and run them on --concurrency threads. Jobs carry only validated configs and stream ids, so results equal a local sweep. A worker killed mid-job leaves the job to another worker once its lock expires. Ctrl-C finishes running jobs and exits; a second Ctrl-C stops at once.",
    )
    .requiredOption(
      "--queue <url>",
      "redis://[[user]:password@]host[:port][/db] or rediss://...; prefer MCM_REDIS_PASSWORD to a password in the URL",
    )
    .option("--concurrency <n>", "jobs at once, one thread each (default: all cores)")
    .option("--lock-ms <ms>", "job lock time: a killed worker's job is retried after about this long", "30000")
    .action(async (opts: { queue: string; concurrency?: string; lockMs: string }) => {
      const os = await import("node:os");
      const concurrency = opts.concurrency === undefined ? os.availableParallelism() : Number(opts.concurrency);
      if (!(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 256)) {
        throw new UsageError(`--concurrency: got ${JSON.stringify(opts.concurrency)}, expected an integer in [1, 256]`);
      }
      const lockMs = Number(opts.lockMs);
      if (!(Number.isInteger(lockMs) && lockMs >= 1000)) {
        throw new UsageError(`--lock-ms: got ${JSON.stringify(opts.lockMs)}, expected an integer >= 1000`);
      }
      const { startWorker } = await importOptional("mcm worker", QUEUE_PACKAGES, () => import("../../queue/worker.js"));
      const worker = await startWorker({
        url: opts.queue,
        concurrency,
        lockDurationMs: lockMs,
        stalledIntervalMs: Math.max(1000, Math.floor(lockMs / 2)),
      });
      await worker.closed;
    });
}
