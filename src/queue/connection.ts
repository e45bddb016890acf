/**
 * Redis connections for distributed sweeps (Node only). A queue URL is
 * `redis://[[user]:password@]host[:port][/db]` or `rediss://...` (TLS); the password may instead come from
 * the environment variable MCM_REDIS_PASSWORD (preferred: a URL on a command line is visible to `ps`).
 * Credentials never leave this module: every message names the server through `redact`.
 */
import { Redis, type RedisOptions } from "ioredis";
import { InputError } from "../config/errors.js";

export const PASSWORD_ENV = "MCM_REDIS_PASSWORD";
export const URL_FORMS = "redis://[[user]:password@]host[:port][/db] or rediss://... (TLS)";

/** A parsed queue URL. `display` is the redacted form, safe to print. */
export interface RedisTarget {
  tls: boolean;
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  display: string;
}

/** Thrown for a queue URL that cannot be used; the message never contains credentials. */
export class QueueUrlError extends InputError {
  constructor(detail: string) {
    super("queue", detail);
    this.name = "QueueUrlError";
  }
}

/** The URL with any user and password replaced by `***`, for messages and logs. Never throws. */
export function redact(url: string): string {
  const text = String(url);
  // Everything between "//" and the last "@" before the path is userinfo, whatever characters it holds.
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^/?#]*@)?(.*)$/s.exec(text);
  if (!m) return text.includes("@") ? "***" : text;
  return m[2] ? `${m[1]}***@${m[3]}` : text;
}

/** Parses a queue URL; the password in the URL wins over MCM_REDIS_PASSWORD. */
export function parseRedisUrl(url: string, env: Record<string, string | undefined> = process.env): RedisTarget {
  const shown = redact(url);
  const bad = (why: string) => new QueueUrlError(`got ${JSON.stringify(shown)}, ${why}; expected ${URL_FORMS}`);
  if (typeof url !== "string" || url.trim() === "") throw bad("an empty URL");
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    throw bad("not a URL");
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw bad(`unsupported scheme "${u.protocol}"`);
  if (!u.hostname) throw bad("no host");
  if (u.search || u.hash) throw bad("query strings and fragments are not accepted");
  let port = 6379;
  if (u.port !== "") {
    port = Number(u.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad("the port must be in [1, 65535]");
  }
  let db = 0;
  const path = u.pathname.replace(/^\//, "");
  if (path !== "") {
    if (!/^[0-9]{1,5}$/.test(path)) throw bad(`the database "/${path}" must be a whole number`);
    db = Number(path);
  }
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw bad("the credentials are not valid percent-encoding");
    }
  };
  const username = u.username ? decode(u.username) : undefined;
  const password = u.password ? decode(u.password) : env[PASSWORD_ENV] || undefined;
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
  const scheme = u.protocol === "rediss:" ? "rediss" : "redis";
  const userinfo = username || password ? "***@" : "";
  const hostPart = host.includes(":") ? `[${host}]` : host;
  return {
    tls: scheme === "rediss",
    host,
    port,
    db,
    username,
    password,
    display: `${scheme}://${userinfo}${hostPart}:${port}/${db}`,
  };
}

/** ioredis options for a target. BullMQ needs maxRetriesPerRequest = null on worker connections. */
export function redisOptions(target: RedisTarget): RedisOptions {
  return {
    host: target.host,
    port: target.port,
    db: target.db,
    username: target.username,
    password: target.password,
    tls: target.tls ? { servername: target.host } : undefined,
    maxRetriesPerRequest: null,
    connectionName: "mcm",
    // Reconnect with a capped back-off after the first connection succeeded (e.g. a Redis restart).
    retryStrategy: (times) => Math.min(200 * times, 5000),
  };
}

/** Rewrites an error from Redis or the network so that it names the redacted server. */
export function connectionError(target: RedisTarget, err: unknown): Error {
  const raw = err instanceof Error ? err.message : String(err);
  let message = raw;
  for (const secret of [target.password, target.username]) {
    if (secret) message = message.split(secret).join("***");
  }
  if (/WRONGPASS|invalid password|invalid username-password|NOAUTH/i.test(raw)) {
    return new Error(
      `Redis at ${target.display} refused the credentials (${message}); give the password in the URL or in ${PASSWORD_ENV}`,
    );
  }
  return new Error(`Redis at ${target.display}: ${message}`);
}

/**
 * Opens a connection and waits until it is ready. The first connection fails fast with a clear error
 * (unreachable server, wrong password); later drops reconnect on their own.
 */
export async function openRedis(
  url: string | RedisTarget,
  options: { timeoutMs?: number; onError?: (err: Error) => void } = {},
): Promise<Redis> {
  const target = typeof url === "string" ? parseRedisUrl(url) : url;
  const client = new Redis({ ...redisOptions(target), lazyConnect: true, connectTimeout: options.timeoutMs ?? 10_000 });
  // Without a listener ioredis prints unhandled errors itself; route them through redaction instead.
  let first: Error | null = null;
  client.on("error", (err: unknown) => {
    const e = connectionError(target, err);
    first ??= e;
    options.onError?.(e);
  });
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    client.disconnect();
    throw first ?? connectionError(target, err);
  }
  // ioredis selects the database on connecting but only reports a refused SELECT as an event, then stays
  // on database 0: a URL ending in /99 on a server with 16 databases would quietly share database 0.
  try {
    await client.select(target.db);
  } catch (err) {
    const count = await client
      .config("GET", "databases")
      .then((r) => Number((r as string[])[1]))
      .catch(() => Number.NaN);
    client.disconnect();
    const has = Number.isInteger(count) && count > 0 ? `; this server has databases 0 to ${count - 1}` : "";
    throw new QueueUrlError(
      `database ${target.db} cannot be selected at ${target.display} (${connectionError(target, err).message.replace(/^Redis at \S+: /, "")})${has}`,
    );
  }
  return client;
}
