/** `mcm serve`: the page, on 127.0.0.1 unless --host says otherwise. */
import type { Command } from "commander";
import { serveStatic } from "../../web/server.js";
import { UsageError } from "../errors.js";

export function registerServe(program: Command): Command {
  return program
    .command("serve")
    .summary("serve the interactive page (simulation in your browser)")
    .description("Serve the page that runs the simulation in a Web Worker and plots the overlaps live.")
    .option("--port <n>", "TCP port (0 picks a free one)", "8080")
    .option("--host <addr>", "address to listen on; other machines can reach it only if you say so", "127.0.0.1")
    .action(async (opts: { port: string; host: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new UsageError(`--port: got ${JSON.stringify(opts.port)}, expected an integer in [0, 65535]`);
      }
      const server = await serveStatic({ port, host: opts.host });
      process.stderr.write(`serving the page at ${server.url} (Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          void server.close().then(resolve);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
