/** `mcm worker`: processes sweep jobs from a BullMQ queue in Redis, on a pool of worker threads. */
import type { Command } from "commander";
import { z } from "zod";
import { int } from "../../config/schema.js";
import { importOptional, QUEUE_PACKAGES } from "../optional.js";
import { addSchemaOptions, parseFlags } from "../options.js";

/** The flags of `mcm worker`, their help and validation. */
export const workerSchema = z
  .object({
    queue: z.string().meta({
      flag: "--queue",
      placeholder: "url",
      help: "redis://[[user]:password@]host[:port][/db] or rediss://...; prefer MCM_REDIS_PASSWORD to a password in the URL",
      required: true,
    }),
    concurrency: int(1, 256)
      .optional()
      .meta({ flag: "--concurrency", placeholder: "n", help: "jobs at once, one thread each (default: all cores)" }),
    lockMs: int(1000, 86_400_000).default(30_000).meta({
      flag: "--lock-ms",
      placeholder: "ms",
      help: "job lock time: a killed worker's job is retried after about this long",
    }),
  })
  .strict();

export function registerWorker(program: Command): Command {
  const cmd = program
    .command("worker")
    .description(
      "Take sweep jobs from the queue at --queue and run them on --concurrency threads. Jobs carry only validated configs and stream ids, so results equal a local sweep. A worker killed mid-job leaves the job to another worker once its lock expires. Ctrl-C finishes running jobs and exits; a second Ctrl-C stops at once.",
    );
  return addSchemaOptions(cmd, workerSchema).action(async (opts: Record<string, unknown>) => {
    const flags = parseFlags(workerSchema, opts);
    const os = await import("node:os");
    const { startWorker } = await importOptional("mcm worker", QUEUE_PACKAGES, () => import("../../queue/worker.js"));
    const worker = await startWorker({
      url: flags.queue,
      concurrency: flags.concurrency ?? os.availableParallelism(),
      lockDurationMs: flags.lockMs,
      stalledIntervalMs: Math.max(1000, Math.floor(flags.lockMs / 2)),
    });
    await worker.closed;
  });
}
