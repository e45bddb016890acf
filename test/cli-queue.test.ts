// `mcm sweep --queue` with an `mcm worker` process against a private Redis equals the local `mcm sweep`,
// and `mcm queue status` shows the sweep done without printing the password.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MISSING, type RedisServer, redisBin, startRedis } from "./helpers/redis.js";

const CLI = join(import.meta.dirname, "..", "dist", "cli", "index.js");
const tmp = mkdtempSync(join(tmpdir(), "mcm-cli-queue-"));
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 120_000, env: { ...process.env, ...env } });

describe.skipIf(!redisBin && process.env.CI !== "true")(
  `mcm sweep --queue (${redisBin ? "redis-server" : MISSING})`,
  () => {
    let server: RedisServer | undefined;
    let worker: ChildProcess | undefined;
    afterAll(async () => {
      worker?.kill("SIGKILL");
      server?.proc.kill("SIGKILL");
      rmSync(tmp, { recursive: true, force: true });
    });

    it("a queued sweep run by an `mcm worker` equals the local sweep; the status hides the password", async () => {
      if (!redisBin) throw new Error(MISSING);
      server = await startRedis(["--requirepass", "s3cret-pw"]);
      const url = `redis://127.0.0.1:${server.port}`;
      const env = { MCM_REDIS_PASSWORD: "s3cret-pw" };
      worker = spawn(process.execPath, [CLI, "worker", "--queue", url, "--concurrency", "2"], {
        stdio: "ignore",
        env: { ...process.env, ...env },
      });
      const grid = ["--d", "32,48", "--seeds", "6", "--steps", "20*d", "--directions", "u", "--seed", "8", "--quiet"];
      const queued = run(["sweep", ...grid, "--queue", url, "--out", join(tmp, "q")], env);
      expect(queued.status, queued.stderr).toBe(0);
      const local = run(["sweep", ...grid, "--threads", "1", "--out", join(tmp, "l")]);
      expect(local.status, local.stderr).toBe(0);
      const a = JSON.parse(readFileSync(join(tmp, "q", "sweep.json"), "utf8"));
      const b = JSON.parse(readFileSync(join(tmp, "l", "sweep.json"), "utf8"));
      expect(JSON.stringify(a.points)).toBe(JSON.stringify(b.points));
      const status = run(["queue", "status", "--queue", `redis://:s3cret-pw@127.0.0.1:${server.port}`]);
      expect(status.status, status.stderr).toBe(0);
      expect(status.stdout).toMatch(new RegExp(`${a.sweepId}\\s+2\\s+2`));
      expect(status.stdout + status.stderr).not.toContain("s3cret-pw");
    });
  },
);
