import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTENT_SECURITY_POLICY, type StaticServer, serveStatic } from "../src/web/server.js";

/** A raw GET (no URL normalisation by a client), returning status, content type and body. */
function get(
  server: StaticServer,
  path: string,
  method = "GET",
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string; body: string; headers: Record<string, unknown> }> {
  return new Promise((ok, fail) => {
    const req = request({ host: server.host, port: server.port, path, method, headers }, (res) => {
      let body = "";
      res.setEncoding("latin1");
      res.on("data", (c) => {
        body += c;
      });
      res.on("end", () =>
        ok({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), body, headers: res.headers }),
      );
    });
    req.on("error", fail);
    req.end();
  });
}

describe("serveStatic", () => {
  let dir: string;
  let root: string;
  let server: StaticServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mcm-serve-"));
    root = join(dir, "site");
    mkdirSync(join(root, "assets"), { recursive: true });
    writeFileSync(join(root, "index.html"), "<!doctype html><title>page</title>");
    writeFileSync(join(root, "assets", "main.js"), "export const x = 1;");
    writeFileSync(join(root, "assets", "style.css"), "body{}");
    writeFileSync(join(root, "assets", "k.wasm"), new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    writeFileSync(join(root, "assets", "a b.txt"), "spaced");
    writeFileSync(join(dir, "secret.txt"), "SECRET");
    symlinkSync(join(dir, "secret.txt"), join(root, "link.txt"));
    server = await serveStatic({ port: 0, root });
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("listens on 127.0.0.1 by default", () => {
    expect(server.host).toBe("127.0.0.1");
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
  });

  it("serves index.html for / and the MIME types a browser needs (application/wasm for WASM)", async () => {
    const index = await get(server, "/");
    expect(index.status).toBe(200);
    expect(index.type).toBe("text/html; charset=utf-8");
    expect(index.body).toContain("<title>page</title>");
    expect((await get(server, "/assets/main.js")).type).toBe("text/javascript; charset=utf-8");
    expect((await get(server, "/assets/style.css")).type).toBe("text/css; charset=utf-8");
    const wasm = await get(server, "/assets/k.wasm");
    expect(wasm.type).toBe("application/wasm");
    expect(wasm.body).toBe("\0asm\x01\0\0\0");
    expect((await get(server, "/assets/a%20b.txt")).body).toBe("spaced");
    expect((await get(server, "/index.html?x=1#y")).status).toBe(200);
  });

  it("refuses directory traversal in every spelling and symlinks that lead outside the root", async () => {
    for (const path of [
      "/../secret.txt",
      "/assets/../../secret.txt",
      "/%2e%2e/secret.txt",
      "/..%2fsecret.txt",
      "/assets/..%2F..%2Fsecret.txt",
      "/..%5csecret.txt",
      "/%2e%2e%5csecret.txt",
      "/index.html%00.js",
      "/link.txt",
    ]) {
      const res = await get(server, path);
      expect(res.body, path).not.toContain("SECRET");
      expect([400, 403, 404], path).toContain(res.status);
    }
  });

  it("answers 404 for missing files, 400 for malformed escapes and 405 for methods other than GET and HEAD", async () => {
    expect((await get(server, "/nope.js")).status).toBe(404);
    expect((await get(server, "/%E0%A4%A")).status).toBe(400);
    expect((await get(server, "/", "POST")).status).toBe(405);
    const head = await get(server, "/assets/main.js", "HEAD");
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
  });

  it("rejects a bad port and a missing root with messages naming them", async () => {
    await expect(serveStatic({ port: 70000, root })).rejects.toThrow(
      "port: got 70000, expected an integer in [0, 65535]",
    );
    await expect(serveStatic({ port: 0, root: join(dir, "missing") })).rejects.toThrow(/missing does not exist/);
  });

  it("answers only Host headers naming its address (DNS rebinding), with a strict CSP and no referrer", async () => {
    const port = server.port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, "localhost"]) {
      const res = await get(server, "/", "GET", { Host: host });
      expect(res.status, host).toBe(200);
      expect(res.headers["content-security-policy"]).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers["content-security-policy"]).toMatch(/(^|; )frame-ancestors 'none'(;|$)/);
      expect(res.headers["content-security-policy"]).toMatch(/(^|; )default-src 'none'(;|$)/);
      expect(res.headers["referrer-policy"]).toBe("no-referrer");
      expect(res.headers["x-frame-options"]).toBe("DENY");
    }
    for (const host of [
      "evil.example",
      `evil.example:${port}`,
      `127.0.0.1:${port + 1}`,
      "127.0.0.1.evil.example",
      "127.0.0.1:x",
    ]) {
      const res = await get(server, "/", "GET", { Host: host });
      expect(res.status, host).toBe(421);
      expect(res.body).not.toContain("<title>page</title>");
      expect(res.headers["content-security-policy"]).toBe(CONTENT_SECURITY_POLICY);
    }
  });

  it("--allow-host names are answered; malformed ones are refused", async () => {
    const named = await serveStatic({ port: 0, root, allowHosts: ["mcm.lan"] });
    try {
      expect((await get(named, "/", "GET", { Host: `mcm.lan:${named.port}` })).status).toBe(200);
      expect((await get(named, "/", "GET", { Host: "other.lan" })).status).toBe(421);
    } finally {
      await named.close();
    }
    await expect(serveStatic({ port: 0, root, allowHosts: ["a b"] })).rejects.toThrow(
      'allowHosts: got "a b", expected a host name or IP address without a port',
    );
  });
});
