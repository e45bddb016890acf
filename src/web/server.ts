/**
 * A small static server for the page (`mcm serve`): node:http only, 127.0.0.1 unless told otherwise,
 * GET and HEAD, the right MIME types (application/wasm for streaming compilation), and no way out of the
 * served folder (no "..", no encoded separators, no NUL, no symlink that leads outside). It answers only
 * requests whose Host header names the address it is bound to (or a host allowed with allowHosts), so that
 * a web page under another name cannot drive it by DNS rebinding, and every answer carries a strict
 * Content-Security-Policy (nothing but this origin; no framing) and Referrer-Policy no-referrer.
 */
import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type AddressInfo, isIP } from "node:net";
import { hostname, networkInterfaces } from "node:os";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../config/errors.js";

export const MIME_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
};

/** The built page: dist/page of the package (from src/web or dist/web alike). */
export function defaultPageRoot(): string {
  return fileURLToPath(new URL("../../dist/page/", import.meta.url));
}

export interface ServeOptions {
  /** 0 picks a free port. Default 8080. */
  port?: number;
  /** Default 127.0.0.1: only this machine can connect. */
  host?: string;
  /** The folder to serve; default the built page (dist/page). */
  root?: string;
  /** More host names the Host header may carry (e.g. a name other machines use for this one). */
  allowHosts?: readonly string[];
  /** The Content-Security-Policy header; default CONTENT_SECURITY_POLICY (what the page needs). Serving
   * other pages (a test fixture with inline scripts) may need another; `mcm serve` always uses the default. */
  contentSecurityPolicy?: string;
}

/** What the page may load: its own scripts, worker, WASM (compiled from its own origin) and styles; nothing else. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "X-Content-Type-Options": "nosniff",
  "Cross-Origin-Resource-Policy": "same-origin",
};

const HOST_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** True for 127.0.0.0/8, ::1 and localhost: addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h) || h === "::ffff:127.0.0.1";
}

/** True for 0.0.0.0 and ::, which bind every interface. */
export function isWildcard(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || host === "[::]";
}

/**
 * The host names a request may name in its Host header: the bound address; for loopback also localhost,
 * 127.0.0.1 and ::1; for a wildcard bind every address of this machine and its host name; plus allowHosts.
 */
export function allowedHostNames(bound: string, allowHosts: readonly string[] = []): Set<string> {
  const names = new Set<string>([bound, ...allowHosts].map((h) => h.replace(/^\[|\]$/g, "").toLowerCase()));
  if (isLoopback(bound) || isWildcard(bound)) for (const n of ["localhost", "127.0.0.1", "::1"]) names.add(n);
  if (isWildcard(bound)) {
    names.add(hostname().toLowerCase());
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) names.add(a.address.toLowerCase());
    }
  }
  return names;
}

/** The host name of a Host header ("[::1]:8080" -> "::1", "Example.org:80" -> "example.org"), or null if malformed. */
export function hostHeaderName(header: string | undefined): { name: string; port: number | null } | null {
  if (!header) return null;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::([0-9]{1,5}))?$/.exec(header.trim());
  if (!m) return null;
  return {
    name: m[1]
      .replace(/^\[|\]$/g, "")
      .toLowerCase()
      .replace(/\.$/, ""),
    port: m[2] ? Number(m[2]) : null,
  };
}

export interface StaticServer {
  readonly server: Server;
  readonly host: string;
  readonly port: number;
  /** e.g. http://127.0.0.1:8080/ */
  readonly url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, text: string, csp = CONTENT_SECURITY_POLICY): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "Content-Security-Policy": csp,
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** Maps a request path to a file under root, or an HTTP status when it must not be served. */
export async function resolveRequestPath(root: string, rawUrl: string): Promise<string | number> {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(rawUrl, "http://localhost").pathname);
  } catch {
    return 400;
  }
  if (pathname.includes("\0") || pathname.includes("\\")) return 400;
  const segments = pathname.split("/");
  if (segments.some((s) => s === ".." || s === ".")) return 403;
  const base = await realpath(root);
  let file = resolve(base, `.${pathname}`);
  if (file !== base && !file.startsWith(base + sep)) return 403;
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(file);
    if (info.isDirectory()) {
      file = join(file, "index.html");
      info = await stat(file);
    }
  } catch {
    return 404;
  }
  if (!info.isFile()) return 404;
  const real = await realpath(file);
  if (!real.startsWith(base + sep)) return 403;
  return real;
}

/** Who may ask (host names and the bound port) and the CSP every answer carries. */
interface Policy {
  names: Set<string>;
  port: () => number;
  csp: string;
}

async function handle(root: string, policy: Policy, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const host = hostHeaderName(req.headers.host);
  if (!host || !policy.names.has(host.name) || (host.port !== null && host.port !== policy.port())) {
    const text = "misdirected request: this server answers only to the address it is bound to (see --allow-host)\n";
    send(res, 421, text, policy.csp);
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("Allow", "GET, HEAD");
    send(res, 405, "method not allowed\n", policy.csp);
    return;
  }
  const target = await resolveRequestPath(root, req.url ?? "/");
  if (typeof target === "number") {
    const text = { 400: "bad request", 403: "forbidden", 404: "not found" }[target] ?? "error";
    send(res, target, `${text}\n`, policy.csp);
    return;
  }
  const info = await stat(target);
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    "Content-Security-Policy": policy.csp,
    "Content-Type": MIME_TYPES[extname(target).toLowerCase()] ?? "application/octet-stream",
    "Content-Length": info.size,
    "Cache-Control": "no-cache",
  });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  const stream = createReadStream(target);
  stream.on("error", () => res.destroy());
  stream.pipe(res);
}

/** Serves a folder (by default the built page) over HTTP; resolves once listening. */
export async function serveStatic(options: ServeOptions = {}): Promise<StaticServer> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port: got ${port}, expected an integer in [0, 65535]`);
  }
  const root = resolve(options.root ?? defaultPageRoot());
  let rootInfo: Awaited<ReturnType<typeof stat>>;
  try {
    rootInfo = await stat(root);
  } catch {
    throw new Error(`serveStatic: ${root} does not exist (build the page first: npm run build)`);
  }
  if (!rootInfo.isDirectory()) throw new Error(`serveStatic: ${root} is not a folder`);
  for (const h of options.allowHosts ?? []) {
    if (!isIP(h.replace(/^\[|\]$/g, "")) && !HOST_NAME.test(h)) {
      throw new ConfigError(
        "allowHosts",
        `got ${JSON.stringify(h)}, expected a host name or IP address without a port`,
      );
    }
  }
  const policy: Policy = {
    names: allowedHostNames(host, options.allowHosts),
    port: () => 0,
    csp: options.contentSecurityPolicy ?? CONTENT_SECURITY_POLICY,
  };
  const server = createServer((req, res) => {
    handle(root, policy, req, res).catch(() => {
      if (!res.headersSent) send(res, 500, "internal error\n");
      else res.destroy();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => {
      server.off("error", fail);
      ok();
    });
  });
  const address = server.address() as AddressInfo;
  policy.port = () => address.port;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    server,
    host: address.address,
    port: address.port,
    url: `http://${urlHost}:${address.port}/`,
    close: () =>
      new Promise<void>((ok, fail) => {
        server.closeAllConnections();
        server.close((e) => (e ? fail(e) : ok()));
      }),
  };
}
