// Findings of the hostile trial (issue 26, item 5) that belong to no other test file: each case here
// failed before its fix.
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DIFFUSION_FLAGS } from "../src/cli/commands/diffusion-run.js";
import { registerExponent } from "../src/cli/commands/exponent.js";
import { registerImages } from "../src/cli/commands/images.js";
import { registerResume } from "../src/cli/commands/resume.js";
import { registerRun } from "../src/cli/commands/run.js";
import { registerSweep } from "../src/cli/commands/sweep.js";
import { UsageError } from "../src/cli/errors.js";
import { readConfigFile, readFlags, refuseFlagsAsValues } from "../src/cli/options.js";
import { noFitReason } from "../src/cli/sweep-output.js";
import { ConfigError } from "../src/config/errors.js";
import { decimalNumber } from "../src/config/schema.js";
import { parseImageNpy } from "../src/diffusion/data.js";
import { resolveDiffusionOptions } from "../src/diffusion/options.js";
import { expandGrid, type SweepResult, type SweepSpec } from "../src/experiments/sweep.js";
import type { GenerateResult } from "../src/generate/experiment.js";
import { parseLevels } from "../src/generate/law.js";
import { duplicateJsonKey } from "../src/io/json.js";
import { encodeNpy } from "../src/io/npy.js";
import { openRedis, QueueUrlError, resumeSweep, SweepDetachedError, submitSweep } from "../src/queue/index.js";
import { resultsKey, StoredResultError } from "../src/queue/store.js";
import { generateStatsSpec } from "../src/report/generate-plots.js";
import { renderSvg } from "../src/report/plots.js";
import { shortNumber } from "../src/theory/format.js";
import { FIELDS, readForm } from "../src/web/form.js";
import { MISSING, type RedisServer, redisBin, startRedis } from "./helpers/redis.js";

const spec = (grid: Record<string, unknown[]>): SweepSpec => ({ base: {}, grid, seeds: 2, steps: () => 10, seed: 1 });

describe("sweep grids", () => {
  it("refuse a list that repeats a value (--d 16,16 ran the point twice), naming the field", () => {
    expect(() => expandGrid(spec({ d: [16, 32, 16] }))).toThrow(ConfigError);
    expect(() => expandGrid(spec({ d: [16, 32, 16] }))).toThrow(/^d: the list gives 16 twice/);
    // With two axes, the field named is the one whose list repeats.
    const err = (() => {
      try {
        expandGrid(spec({ process: ["vp", "ve"], t: [0.5, 0.5] }));
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err?.field).toBe("t");
    expect(expandGrid(spec({ d: [16, 32] }))).toHaveLength(2);
  });

  it("a sweep with one d says why no exponent is fitted instead of an empty phase table", () => {
    const result = { points: [{ config: { d: 16 } }, { config: { d: 16 } }] } as unknown as SweepResult;
    expect(noFitReason(result)).toMatch(/every point has d = 16; .* needs --d with at least two values/);
  });
});

describe("number formatting", () => {
  it("keeps every digit of the exponent (1e-10 once printed as 1.000e-1)", () => {
    expect(shortNumber(1e-10)).toBe("1e-10");
    expect(shortNumber(1.5e-20)).toBe("1.5e-20");
    expect(shortNumber(0.5)).toBe("0.5");
    expect(shortNumber(6.4351)).toBe("6.435");
    expect(shortNumber(100.5)).toBe("100.5");
    expect(shortNumber(1.23456e-21)).toBe("1.235e-21");
    expect(Number(shortNumber(2.5e-7))).toBe(2.5e-7);
  });
});

describe("config files (every command reads them through readConfigFile)", () => {
  const dir = mkdtempSync(join(tmpdir(), "findings-config-"));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it("refuse a key given twice, naming it (JSON.parse silently kept the last)", () => {
    const path = file("dup.json", '{"d": 8, "t": 0.5, "d": 16}');
    expect(() => readConfigFile(path)).toThrow(UsageError);
    expect(() => readConfigFile(path)).toThrow(`--config: ${path}: d: given twice`);
    const record = file("record.json", '{"config": {"d": 8, "t": 1, "t": 2}, "seed": 1}');
    expect(() => readConfigFile(record)).toThrow(`${record}: config.t: given twice`);
    expect(duplicateJsonKey('{"a": {"x": 1}, "b": [{"x": 1}, {"x": 2}], "c": "\\"a\\": 1, \\"a\\""}')).toBeNull();
    expect(duplicateJsonKey('{"a": {"x": 1}, "a": 2}')).toBe("a");
    expect(duplicateJsonKey('{"\\u0061": 1, "a": 2}')).toBe("a");
  });

  it("refuse __proto__ (sweep once read its fields as the config's), at the top and in a run record", () => {
    const path = file("proto.json", '{"__proto__": {"d": 8}, "t": 0.5}');
    expect(() => readConfigFile(path)).toThrow(`--config: ${path}: __proto__: unknown field`);
    const record = file("proto-record.json", '{"config": {"__proto__": {"d": 8}}}');
    expect(() => readConfigFile(record)).toThrow(`${record}: config.__proto__: unknown field`);
  });

  it("accept a UTF-8 byte order mark (it was 'not valid JSON')", () => {
    expect(readConfigFile(file("bom.json", '\uFEFF{"d": 8}'))).toEqual({ d: 8 });
  });
});

describe("numbers typed as text", () => {
  it('take decimal numbers only: "" and " " are not 0, "0x8" is not 8', () => {
    for (const bad of ["", " ", "0x8", "0b11", "0o7", "Infinity", "1_000"]) expect(decimalNumber(bad)).toBeNaN();
    expect(decimalNumber(" 8 ")).toBe(8);
    expect(decimalNumber("-1.5e-3")).toBe(-1.5e-3);
    expect(decimalNumber(7)).toBe(7);
    // The library names the field (the CLI's translator names the flag typed).
    expect(() => resolveDiffusionOptions({ batch: "0x8" })).toThrow('batch: got "0x8"');
    expect(() => resolveDiffusionOptions({ nTrain: "" })).toThrow('nTrain: got ""');
    expect(() => resolveDiffusionOptions({ evalT: "0.1,,1" })).toThrow("evalT");
    // The library takes numbers; the text of a flag becomes one only when decimal (src/cli/options.ts).
    expect(resolveDiffusionOptions(readFlags(DIFFUSION_FLAGS, { batch: " 8 " }).values).batch).toBe(8);
    expect(() => resolveDiffusionOptions(readFlags(DIFFUSION_FLAGS, { batch: "0x8" }).values)).toThrow("batch");
    expect(() => parseLevels("0x2,0.5", "vp")).toThrow(ConfigError);
    const page = readForm({ ...Object.fromEntries(FIELDS.map((f) => [f.name, f.initial])), steps: "0x10" });
    expect(page.ok ? [] : page.errors.map((e) => e.field)).toContain("steps");
  });
});

/** Parses a command line with one command registered (its action replaced by a no-op unless `run`). */
function parse(register: (p: Command) => Command, args: string[], run = false) {
  const program = new Command("mcm").exitOverride();
  register(program);
  refuseFlagsAsValues(program);
  for (const c of program.commands) {
    c.exitOverride();
    if (!run) c.action(() => {});
  }
  return program.parseAsync(args, { from: "user" });
}

describe("a flag given no value", () => {
  it("does not swallow the next flag as its value (run --d --out X set d to '--out')", async () => {
    await expect(parse(registerRun, ["run", "--d", "--out", "X"])).rejects.toThrow(
      "--d: got the flag --out where a value was expected",
    );
    await expect(parse(registerRun, ["run", "--seed", "-q"])).rejects.toThrow("--seed: got the flag -q");
    await expect(parse(registerSweep, ["sweep", "--out", "--d=16"])).rejects.toThrow("--out: got the flag --d");
    // Negative numbers and ordinary values pass.
    await expect(parse(registerRun, ["run", "--t", "-1", "--d", "16"])).resolves.toBeDefined();
  });
});

describe("messages that name the right thing", () => {
  const dir = mkdtempSync(join(tmpdir(), "findings-messages-"));

  it("exponent blames the flag that overflows, not --t", async () => {
    const err = await parse(registerExponent, ["exponent", "--beta-u", "1e300"], true).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^--beta-u: got 1e\+300, the quadrature is not finite with it/);
    const t = await parse(registerExponent, ["exponent", "--process", "ve", "--t", "1e300"], true).catch((e) => e);
    expect((t as Error).message).toMatch(/^--t: got 1e\+300, the quadrature is not finite there/);
  });

  it(".npy errors of an image file describe its own shape, not the flattened [N, C*H*W]", () => {
    // float64 files: 8 bytes a value.
    const bytes = (shape: number[], values: number[], keep = values.length) => {
      const full = encodeNpy({ dtype: "<f8", shape, data: new Float64Array(values) });
      return full.subarray(0, full.length - 8 * (values.length - keep));
    };
    const cells = Array(3 * 4 * 4).fill(0);
    cells[2 * 16 + 1 * 4 + 3] = Number.NaN;
    expect(() => parseImageNpy(bytes([3, 4, 4], cells), "x.npy")).toThrow("x.npy: entry [2, 1, 3] is NaN");
    expect(() => parseImageNpy(bytes([3, 4, 4], cells, 10), "x.npy")).toThrow(
      "x.npy: truncated data (shape (3, 4, 4) of <f8 needs 384 bytes, found 80)",
    );
    expect(() => parseImageNpy(bytes([1, 2, 4, 4], Array(32).fill(0)), "x.npy")).toThrow(
      "x.npy: shape (1, 2, 4, 4) has too few samples",
    );
  });

  it("images refuses an unusable .npy as a usage error (exit 2), as diffusion does", async () => {
    const bad = join(dir, "bad.npy");
    writeFileSync(bad, "not numpy");
    const err = await parse(registerImages, ["images", "--dataset", bad, "--out", join(dir, "img"), "-q"], true).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain(`${bad}: not a .npy file`);
  });

  it("a malformed JSON file of an output directory is named (a bare 'Unexpected token' before)", async () => {
    const sweepDir = join(dir, "sweep");
    mkdirSync(sweepDir);
    writeFileSync(join(sweepDir, "sweep-spec.json"), "{bad");
    const err = await parse(registerSweep, ["sweep", "--resume", sweepDir, "-q"], true).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      new RegExp(`^${sweepDir}/sweep-spec.json: the stored sweep is not valid JSON`),
    );
  });

  it("mcm resume on a sweep directory hands it to `mcm sweep --resume` instead of treating it as an mcm run", async () => {
    const sweepDir = join(dir, "sweep-done");
    mkdirSync(sweepDir);
    writeFileSync(join(sweepDir, "sweep-spec.json"), "{}");
    const both = (p: Command) => {
      registerSweep(p);
      return registerResume(p);
    };
    const err = await parse(both, ["resume", sweepDir], true).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    // The sweep's own reader refuses the empty spec, naming its file; nothing speaks of `mcm run`'s files.
    expect((err as Error).message).toContain("sweep-spec.json");
    expect((err as Error).message).not.toContain("config.json");
  });
});

describe("plots", () => {
  it("generate's statistics plot renders without vega-lite's optimiser note (printed even under --quiet)", async () => {
    const stats = { varU: 1, varV: 1, skewV: 0, exKurtV: -1, uv: 0, u2v: 0 };
    const result = {
      snapshots: [1, 10, 100].map((nOverD) => ({ nOverD, se: {}, ...stats })),
      data: stats,
      oracle: stats,
      controls: null,
    } as unknown as GenerateResult;
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const svg = await renderSvg(generateStatsSpec(result));
      expect(svg).toMatch(/^<svg/);
      expect(warn.mock.calls.map((c) => c.join(" ")).filter((l) => /optimization/.test(l))).toEqual([]);
    } finally {
      warn.mockRestore();
    }
  });
});

async function stopProc(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  proc.kill("SIGKILL");
  await exited;
}

// A tiny sweep (two points, two walkers each); no worker runs, so its jobs wait and nothing is computed.
const tiny = { base: {}, grid: { d: [8, 16] }, seeds: 2, steps: 10, seed: 5 };

describe.skipIf(!redisBin && process.env.CI !== "true")(
  `queue findings (a private redis-server on loopback; ${MISSING} to run)`,
  () => {
    let server: RedisServer | undefined;
    let url = "";
    let redis: Redis | undefined;

    beforeAll(async () => {
      server = await startRedis();
      url = `redis://127.0.0.1:${server.port}`;
      redis = await openRedis(url);
    });

    afterAll(async () => {
      redis?.disconnect();
      await stopProc(server?.proc);
    });

    it("a database the server does not have is refused naming --queue (/99 silently used database 0)", async () => {
      const err = await openRedis(`${url}/99`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QueueUrlError);
      expect((err as Error).message).toMatch(/^queue: database 99 cannot be selected .*databases 0 to 15/);
      // The CLI's translator names the flag: the library names the field.
      expect((err as QueueUrlError).field).toBe("queue");
      const three = await openRedis(`${url}/3`);
      await three.set("findings:db", "3");
      expect(await (redis as Redis).get("findings:db")).toBeNull();
      three.disconnect();
    });

    it("a malformed stored result is named with its task instead of crashing the submitter with a TypeError", async () => {
      const { sweepId } = await submitSweep(tiny, { url, wait: false, sweepId: "findings-malformed" });
      const keys = await (redis as Redis).hkeys(resultsKey(sweepId));
      expect(keys).toEqual([]);
      // One job per point: store results for both, one of the wrong type, then one of the wrong length.
      const jobs = await (redis as Redis).keys(`bull:mcm-sweeps:${sweepId}__*`);
      const taskKeys = [...new Set(jobs.map((k) => k.split("__")[1].split(":")[0]))];
      expect(taskKeys).toHaveLength(2);
      const good = (walkers: number) => ({
        hits: Array(walkers * 3).fill(-1),
        walkerSteps: Array(walkers).fill(10),
        overlaps: Array(walkers * 3).fill(0),
        logSteps: [10],
        logOverlaps: [Array(walkers * 3).fill(0)],
      });
      const put = (key: string, result: unknown) =>
        (redis as Redis).hset(
          resultsKey(sweepId),
          key,
          JSON.stringify({ build: "b", flavour: "scalar", host: "h", result }),
        );
      await put(taskKeys[0], good(2));
      await put(taskKeys[1], { ...good(2), hits: 5 });
      const typed = await resumeSweep(sweepId, { url, pollMs: 50 }).catch((e: unknown) => e);
      expect(typed).toBeInstanceOf(StoredResultError);
      expect((typed as Error).message).toContain(`task ${taskKeys[1]} is malformed (result.hits: got 5`);
      await put(taskKeys[1], good(1));
      const short = await resumeSweep(sweepId, { url, pollMs: 50 }).catch((e: unknown) => e);
      expect(short).toBeInstanceOf(StoredResultError);
      expect((short as Error).message).toMatch(/result\.hits: 3 values, expected 6/);
    });

    it("a submitter whose Redis goes away says so at once and still stops on request", async () => {
      const own = await startRedis();
      const controller = new AbortController();
      const events: string[] = [];
      let lost: () => void = () => {};
      const lostSeen = new Promise<void>((resolve) => {
        lost = resolve;
      });
      const waiting = submitSweep(tiny, {
        url: `redis://127.0.0.1:${own.port}`,
        pollMs: 50,
        signal: controller.signal,
        onSubmitted: () => void stopProc(own.proc),
        onConnection: (e) => {
          events.push(`${e.state}: ${e.message}`);
          if (e.state === "lost") lost();
        },
      }).catch((e: unknown) => e);
      await lostSeen;
      controller.abort();
      expect(await waiting).toBeInstanceOf(SweepDetachedError);
      expect(events[0]).toMatch(new RegExp(`^lost: Redis at redis://127.0.0.1:${own.port}/0: `));
    });
  },
);
