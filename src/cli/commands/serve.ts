/** `mcm serve`: the page, on 127.0.0.1 unless --host says otherwise (then with a warning). */
import { isIP } from "node:net";
import type { Command } from "commander";
import { z } from "zod";
import { ConfigError } from "../../config/errors.js";
import { int, ranged } from "../../config/schema.js";
import { addSchemaOptions, parseFlags } from "../options.js";

const HOST_TEXT =
  "an IP address of this machine (127.0.0.1, ::1, 0.0.0.0 for every interface) or its host name (localhost)";

/** An IP address (brackets allowed around IPv6), or a host name (a dotted quad that is not an address is neither). */
function isHost(text: string): boolean {
  const host = text.replace(/^\[|\]$/g, "");
  return isIP(host) !== 0 || (/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(host) && !/^[0-9.]+$/.test(host));
}

/** The flags of `mcm serve`, their help and validation. */
export const serveSchema = z
  .object({
    port: int(0, 65535).default(8080).meta({ flag: "--port", placeholder: "n", help: "TCP port (0 picks a free one)" }),
    host: ranged(z.string({ error: HOST_TEXT }).refine(isHost, { error: HOST_TEXT }), HOST_TEXT)
      .default("127.0.0.1")
      .meta({
        flag: "--host",
        placeholder: "addr",
        help: "address to listen on; other machines can reach it only if you say so",
      }),
    allowHosts: z.array(z.string()).default([]).meta({
      flag: "--allow-host",
      placeholder: "name",
      help: "another host name the browser may use for this server; requests naming any other host are refused",
    }),
  })
  .strict();

export function registerServe(program: Command): Command {
  const cmd = program
    .command("serve")
    .description("Serve the page that runs the simulation in a Web Worker and plots the overlaps live.");
  return addSchemaOptions(cmd, serveSchema)
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
    .action(async (opts: Record<string, unknown>) => {
      const { port, host, allowHosts } = parseFlags(serveSchema, opts);
      const { isLoopback, serveStatic } = await import("../../web/server.js");
      let server: Awaited<ReturnType<typeof serveStatic>>;
      try {
        server = await serveStatic({ port, host: host.replace(/^\[|\]$/g, ""), allowHosts });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EADDRINUSE" || code === "EACCES") {
          throw new ConfigError(
            "port",
            `got ${port}, cannot listen there (${code}); expected a free port (0 picks one)`,
          );
        }
        if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND" || code === "EAI_AGAIN") {
          throw new ConfigError(
            "host",
            `got ${JSON.stringify(host)}, cannot listen there (${code}); expected ${HOST_TEXT}`,
          );
        }
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
