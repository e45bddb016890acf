/** `mcm serve`: the page, on 127.0.0.1 unless --host says otherwise (then with a warning). */
import { isIP } from "node:net";
import type { Command } from "commander";
import { isLoopback, serveStatic } from "../../web/server.js";
import { UsageError } from "../errors.js";

const HOST_TEXT =
  "expected an IP address of this machine (127.0.0.1, ::1, 0.0.0.0 for every interface) or its host name (localhost)";

export function registerServe(program: Command): Command {
  return program
    .command("serve")
    .summary("serve the interactive page (simulation in your browser)")
    .description("Serve the page that runs the simulation in a Web Worker and plots the overlaps live.")
    .option("--port <n>", "TCP port, an integer in [0, 65535] (0 picks a free one)", "8080")
    .option("--host <addr>", "address to listen on; other machines can reach it only if you say so", "127.0.0.1")
    .option(
      "--allow-host <name>",
      "another host name the browser may use for this server (repeatable); requests naming any other host are refused",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .addHelpText(
      "after",
      [
        "",
        "The server answers only requests whose Host header names the address it listens on (for 127.0.0.1 also",
        "localhost and ::1; for 0.0.0.0 every address of this machine and its host name) or an --allow-host name,",
        "so that another web site cannot reach it through DNS rebinding. Every answer carries a strict",
        "Content-Security-Policy (this origin only, frame-ancestors 'none') and Referrer-Policy: no-referrer.",
      ].join("\n"),
    )
    .action(async (opts: { port: string; host: string; allowHost: string[] }) => {
      const port = /^[0-9]{1,5}$/.test(opts.port) ? Number(opts.port) : Number.NaN;
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new UsageError(`--port: got ${JSON.stringify(opts.port)}, expected an integer in [0, 65535]`);
      }
      const host = opts.host.replace(/^\[|\]$/g, "");
      // An IP address, or a host name of this machine (a dotted quad that is not an address is neither).
      const name = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(host) && !/^[0-9.]+$/.test(host);
      if (!isIP(host) && !name) throw new UsageError(`--host: got ${JSON.stringify(opts.host)}, ${HOST_TEXT}`);
      let server: Awaited<ReturnType<typeof serveStatic>>;
      try {
        server = await serveStatic({ port, host, allowHosts: opts.allowHost });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EADDRINUSE" || code === "EACCES") {
          throw new UsageError(
            `--port: got ${port}, cannot listen there (${code}); expected a free port (0 picks one)`,
          );
        }
        if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND" || code === "EAI_AGAIN") {
          throw new UsageError(`--host: got ${JSON.stringify(opts.host)}, cannot listen there (${code}); ${HOST_TEXT}`);
        }
        if (e instanceof RangeError) throw new UsageError(`--allow-host: ${e.message.replace(/^allowHosts: /, "")}`);
        throw e;
      }
      if (!isLoopback(server.host)) {
        process.stderr.write(
          `warning: listening on ${server.host}, beyond this machine: anyone who can reach it on your network can load the page\n`,
        );
      }
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
