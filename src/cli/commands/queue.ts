/** `mcm queue status`: waiting, active, done and failed jobs per sweep in a Redis queue. */
import type { Command } from "commander";
import { stamp } from "../../io/stamp.js";
import { importOptional, QUEUE_PACKAGES } from "../optional.js";

export function registerQueue(program: Command): Command {
  const queue = program.command("queue");
  queue
    .command("status")
    .description(
      "Per sweep: done, total, waiting, active, retrying and failed jobs (with the first failure reasons), and the connected workers.",
    )
    .requiredOption("--queue <url>", "redis://[[user]:password@]host[:port][/db] or rediss://...")
    .option("--json", "print exactly one JSON document on stdout")
    .action(async (opts: { queue: string; json?: boolean }) => {
      const { formatStatus, queueStatus } = await importOptional(
        "mcm queue",
        QUEUE_PACKAGES,
        () => import("../../queue/status.js"),
      );
      const status = await queueStatus(opts.queue);
      process.stdout.write(
        opts.json
          ? `${JSON.stringify(stamp("mcm.queue-status/1", null, status), null, 2)}\n`
          : `${formatStatus(status)}\n`,
      );
    });
  return queue;
}
