// The real `mcm` command line, spawned as `node dist/cli/index.js ...` (build first: `npm run build`).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readCheckpoint } from "../src/cli/session.js";
import { decodeNpz, encodeNpz } from "../src/engine/npz.js";
import type { FullState, SimulationState } from "../src/engine/simulation.js";
import { sealZip } from "../src/io/envelope.js";

/** The full-backend state of a checkpoint (these runs use the full backend). */
function full(s: SimulationState): FullState {
  if (s.backend === "reduced") throw new Error("expected a full-backend checkpoint");
  return s;
}

const CLI = resolve("dist/cli/index.js");
// Under CI=true a missing numpy fails these tests instead of skipping them (.ci/run installs python3-numpy).
const CI = process.env.CI === "true";
const hasNumpy = spawnSync("python3", ["-c", "import numpy"], { encoding: "utf8" }).status === 0;
if (!hasNumpy) console.warn("cli.test.ts: python3 with numpy not found; skipping the numpy checkpoint test");

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function start(args: string[]): { child: ChildProcess; done: Promise<Result>; stderr: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (b) => {
    stdout += b;
  });
  child.stderr?.on("data", (b) => {
    stderr += b;
  });
  // A hung child must fail its test, not outlive it.
  const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
  const done = new Promise<Result>((res) =>
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, stdout, stderr });
    }),
  );
  return { child, done, stderr: () => stderr };
}

const mcm = (...args: string[]) => start(args).done;

async function waitFor(cond: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let tmp: string;
const dir = (name: string) => join(tmp, name);

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before these tests`);
  tmp = mkdtempSync(join(tmpdir(), "mcm-cli-"));
  writeFileSync(dir("bad.json"), "{ d: 64 }");
  writeFileSync(dir("unknown.json"), JSON.stringify({ d: 64, dd: 3 }));
  writeFileSync(dir("badvalue.json"), JSON.stringify({ d: "x" }));
  writeFileSync(dir("array.json"), "[1, 2]");
  writeFileSync(dir("good.json"), JSON.stringify({ d: 16, walkers: 2, seed: 5, steps: "10*d", threshold: 0.4 }));
});

// A small, fast model for runs that must finish.
const SMALL = ["--d", "16", "--walkers", "2", "--quiet"];

describe("mcm: bad inputs get a clear message and exit code 2 (usage) or 1 (runtime)", () => {
  const cases: [string[], number, RegExp][] = [
    [["run", "--d", "1"], 2, /--d: got 1, expected an integer in \[2, 1000000\]/],
    [["run", "--d", "abc"], 2, /--d: got "abc", expected an integer in \[2, 1000000\]/],
    [["run", "--d", "64.5"], 2, /--d: got 64\.5, expected an integer/],
    [["run", "--units", "0"], 2, /--units: got 0, expected an integer in \[1, 1024\]/],
    [["run", "--process", "ddpm"], 2, /--process: got "ddpm", expected one of "vp", "ve", "linear"/],
    [["run", "--process", "linear", "--t", "2"], 2, /--t: got 2, expected a number in \[0, 1\] for process "linear"/],
    [["run", "--beta-u", "-1"], 2, /--beta-u: got -1, expected a finite number >= 0/],
    [["run", "--beta-m", "1", "--d", "2"], 2, /--beta-m: got 1 with d = 2, expected betaM = 0 when d < 3/],
    [["run", "--latent", "gauss"], 2, /--latent: got "gauss", expected "rademacher", "uniform" or "skewed:P"/],
    [["run", "--correlation", "mixed:2"], 2, /--correlation: got "mixed:2", expected .*"mixed:P" with 0 <= P <= 1/],
    [["run", "--activation", "softmax"], 2, /--activation: got "softmax", expected one of "tanh", "erf"/],
    [["run", "--lr", "0"], 2, /--lr: got 0, expected a finite number > 0/],
    [["run", "--lr-exponent", "5"], 2, /--lr-exponent: got 5, expected a number in \[0, 4\]/],
    [["run", "--threshold", "1.5"], 2, /--threshold: got 1\.5, expected a number in \(0, 1\]/],
    [["run", "--walkers", "0"], 2, /--walkers: got 0, expected an integer in \[1, 65536\]/],
    [["run", "--skip", "best"], 2, /--skip: got "best", expected "optimal" or a finite number/],
    [["run", "--seed", "-3"], 2, /--seed: got "-3", expected an integer in \[0, 2\^64 - 1\]/],
    [
      ["run", "--seed", "18446744073709551616"],
      2,
      /--seed: got "18446744073709551616", expected an integer in \[0, 2\^64 - 1\]/,
    ],
    [["run", "--steps", "30*d%3"], 2, /--steps: unexpected character "%" .* at position 5 in "30\*d%3"/],
    [["run", "--steps", "30d^3"], 2, /--steps: expected an operator \(\+ - \* \/ \^\) before "d" at position 3/],
    [["run", "--steps", "log(d-128)"], 2, /--steps: log of 0 \(needs a positive argument\) at position 1/],
    [["run", "--steps", "-d"], 2, /--steps: got -128 at d = 128, expected a whole number of steps in \[1, 2\^53 - 1\]/],
    [
      ["run", "--checkpoint-every", "5parsecs"],
      2,
      /--checkpoint-every: got "5parsecs", expected a duration \("30s", "5m", "1h"/,
    ],
    [["run", "--config", "/nonexistent/x.json"], 2, /--config: cannot read \/nonexistent\/x\.json \(ENOENT\)/],
    [["run", "--config", "@bad.json"], 2, /--config: .*bad\.json is not valid JSON/],
    [
      ["run", "--config", "@array.json"],
      2,
      /--config: .*array\.json must hold a JSON object of config fields, found \[1,2\]/,
    ],
    [["run", "--config", "@unknown.json"], 2, /dd: unknown field \(accepted fields: d, K, process/],
    [["run", "--config", "@badvalue.json"], 2, /badvalue\.json: d: got "x", expected an integer in \[2, 1000000\]/],
    [["run", "--bogus"], 2, /error: unknown option '--bogus'/],
    [["run", "--d"], 2, /error: option '--d <n>' argument missing/],
    [
      ["run", "--kernel", "gpu"],
      2,
      /error: option '--kernel <flavour>' argument 'gpu' is invalid\. Allowed choices are auto, simd, scalar/,
    ],
    [["frobnicate"], 2, /error: unknown command 'frobnicate'/],
    [["resume", "/nonexistent/run"], 2, /resume: \/nonexistent\/run does not exist/],
    [["resume"], 2, /error: missing required argument 'dir'/],
    [
      ["run", "--d", "16", "--lr", "1e300", "--lr-exponent", "0", "--steps", "100", "--out", "@diverged"],
      1,
      /SGD diverged: a non-finite weight appeared at step 1 of walker 0 \(eta = 1e\+300\); try a smaller learning rate/,
    ],
  ];
  it(`${cases.length} bad inputs: each exits with its code and names the flag, the value and the accepted range`, async () => {
    const results: Result[] = [];
    // Four at a time: the machine has two cores.
    for (let i = 0; i < cases.length; i += 4) {
      const batch = cases
        .slice(i, i + 4)
        .map(([args]) => mcm(...args.map((a) => (a.startsWith("@") ? dir(a.slice(1)) : a))));
      results.push(...(await Promise.all(batch)));
    }
    cases.forEach(([args, code, message], i) => {
      const r = results[i];
      expect({ args, code: r.code, stderr: r.stderr }).toMatchObject({
        args,
        code,
        stderr: expect.stringMatching(message),
      });
      expect(r.stdout).toBe("");
    });
  });

  it("predict's and generate's own flags are refused as every flag is, naming the flag and its range", async () => {
    const own: [string[], RegExp][] = [
      [["predict", "--paths", "50"], /--paths: got 50, expected an integer in \[100, 1000000\]/],
      [["predict", "--seed", "-1"], /--seed: got "-1", expected an integer in \[0, 2\^64 - 1\]/],
      [["generate", "--samples", "1"], /--samples: got 1, expected an integer in \[2, 10000000\]/],
      [["generate", "--snapshots", "1e3"], /--snapshots: got 1000, expected an integer in \[1, 100\]/],
    ];
    const results = await Promise.all(own.map(([args]) => mcm(...args)));
    own.forEach(([args, message], i) => {
      expect({ args, code: results[i].code, stderr: results[i].stderr }).toMatchObject({
        args,
        code: 2,
        stderr: expect.stringMatching(message),
      });
      expect(results[i].stdout).toBe("");
    });
  });

  it("an --out directory holding a run is refused (exit 2) unless --force", async () => {
    const out = dir("twice");
    const first = await mcm("run", ...SMALL, "--steps", "50", "--seed", "1", "--out", out);
    expect(first.code).toBe(0);
    const second = await mcm("run", ...SMALL, "--steps", "50", "--seed", "1", "--out", out);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(
      /--out: .*twice already holds a run \(config\.json, series\.csv, summary\.json, checkpoint\.npz\)/,
    );
    const forced = await mcm("run", ...SMALL, "--steps", "50", "--seed", "1", "--out", out, "--force");
    expect(forced.code).toBe(0);
  });
});

describe("mcm --help", () => {
  it("help and version exit 0 on stdout; no command at all is a usage error (exit 2)", async () => {
    const [help, runHelp, helpRun, version, none] = await Promise.all([
      mcm("--help"),
      mcm("run", "--help"),
      mcm("help", "resume"),
      mcm("--version"),
      mcm(),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(
      /run \[options\][\s\S]*resume \[options\] <dir>[\s\S]*Exit codes: 0 done, 1 runtime failure, 2 usage error/,
    );
    expect(runHelp.code).toBe(0);
    for (const flag of [
      "--d <n>",
      "--units <K>",
      "--lr <delta>",
      "--lr-exponent <p>",
      "--steps <expr>",
      "--seed <n>",
      "--checkpoint-every <when>",
      "--json",
      "--config <file>",
    ]) {
      expect(runHelp.stdout).toContain(flag);
    }
    expect(runHelp.stdout).toContain("(default: 50*d*log(d))");
    expect(helpRun.code).toBe(0);
    expect(helpRun.stdout).toMatch(/Usage: mcm resume \[options\] <dir>/);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync("package.json", "utf8")).version);
    expect(none.code).toBe(2);
  });
});

describe("mcm run --json", () => {
  it("puts exactly one JSON document on stdout with config, seed, steps, directions and stepsPerSecond", async () => {
    const out = dir("json");
    const r = await mcm("run", "--d", "32", "--walkers", "4", "--seed", "3", "--steps", "20*d", "--out", out, "--json");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout); // the whole of stdout
    expect(doc.seed).toBe("3");
    expect(doc.steps).toBe(640);
    expect(doc.stepsExpression).toBe("20*d");
    expect(doc.config).toMatchObject({ d: 32, K: 1, walkers: 4, threshold: 0.5, delta: 0.5 });
    expect(Object.keys(doc.directions)).toEqual(["u", "v"]);
    for (const dirSummary of Object.values(doc.directions) as Record<string, unknown>[]) {
      expect(dirSummary).toMatchObject({
        finalOverlap: { median: expect.any(Number), q25: expect.any(Number), q75: expect.any(Number) },
        hitFraction: expect.any(Number),
      });
      expect(dirSummary.hitSteps).toHaveLength(4);
      expect("medianHitStep" in dirSummary).toBe(true);
    }
    expect(doc.stepsPerSecond).toBeGreaterThan(0);
    // summary.json on disk is the same document.
    expect(JSON.parse(readFileSync(join(out, "summary.json"), "utf8"))).toEqual(doc);
    const record = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
    expect(record).toMatchObject({ seed: "3", steps: 640, version: expect.any(String), buildHash: doc.buildHash });
    expect(["simd", "scalar"]).toContain(record.kernel);
    const csv = readFileSync(join(out, "series.csv"), "utf8").trim().split("\n");
    expect(csv[0]).toBe("step,walker,unit,overlap_u,overlap_v,a,b");
    expect(csv.at(-1)).toMatch(/^640,3,0,/);
  });

  it("reports m when --beta-m > 0, per walker with K = 2 units, and draws and records a seed when --seed is absent", async () => {
    const out = dir("json-m");
    const r = await mcm(
      "run",
      "--d",
      "16",
      "--walkers",
      "3",
      "--units",
      "2",
      "--beta-m",
      "1",
      "--steps",
      "100",
      "--out",
      out,
      "--json",
    );
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc.directions)).toEqual(["u", "v", "m"]);
    expect(doc.directions.m.hitSteps).toHaveLength(3);
    expect(doc.seed).toMatch(/^[0-9]+$/);
    expect(r.stderr).toContain(`seed ${doc.seed} (drawn; pass --seed ${doc.seed} to repeat this run)`);
    expect(JSON.parse(readFileSync(join(out, "config.json"), "utf8")).seed).toBe(doc.seed);
  });

  it("a config.json of an earlier run, given as --config, repeats it exactly; flags override the file", async () => {
    const a = await mcm("run", "--config", dir("good.json"), "--out", dir("cfg-a"), "--json", "-q");
    expect(a.code).toBe(0);
    const docA = JSON.parse(a.stdout);
    expect(docA).toMatchObject({ seed: "5", steps: 160, config: { d: 16, walkers: 2, threshold: 0.4 } });
    const b = await mcm("run", "--config", join(dir("cfg-a"), "config.json"), "--out", dir("cfg-b"), "--json", "-q");
    expect(JSON.parse(b.stdout).directions).toEqual(docA.directions);
    expect(readFileSync(join(dir("cfg-b"), "series.csv"), "utf8")).toBe(
      readFileSync(join(dir("cfg-a"), "series.csv"), "utf8"),
    );
    const c = await mcm("run", "--config", dir("good.json"), "--walkers", "3", "--out", dir("cfg-c"), "--json", "-q");
    expect(JSON.parse(c.stdout).config.walkers).toBe(3);
  });
});

describe("checkpoints", () => {
  // Long enough to be stopped in the middle on any machine; checkpoints every 2000 steps.
  const LONG = ["--d", "32", "--walkers", "2", "--seed", "11", "--steps", "3e5", "--checkpoint-every", "2000steps"];

  it("SIGKILL in the middle, then `mcm resume`, ends bit-identical to an uninterrupted run (weights, RNG, series)", async () => {
    const [whole, killed] = [dir("whole"), dir("killed")];
    const run = start(["run", ...LONG, "--out", killed, "-q"]);
    await waitFor(() => existsSync(join(killed, "checkpoint.npz")), "the first checkpoint");
    run.child.kill("SIGKILL");
    const r = await run.done;
    expect(r.signal).toBe("SIGKILL");
    const mid = readCheckpoint(join(killed, "checkpoint.npz"));
    expect(mid.state.step).toBeGreaterThan(0);
    expect(mid.state.step).toBeLessThan(3e5);
    expect(existsSync(join(killed, "summary.json"))).toBe(false);

    const [resumed, reference] = await Promise.all([
      mcm("resume", killed, "-q"),
      mcm("run", ...LONG, "--out", whole, "-q"),
    ]);
    expect(resumed.code).toBe(0);
    expect(reference.code).toBe(0);
    const a = full(readCheckpoint(join(killed, "checkpoint.npz")).state);
    const b = full(readCheckpoint(join(whole, "checkpoint.npz")).state);
    expect(a.step).toBe(3e5);
    for (const k of ["w", "a", "b", "rng", "hits", "overlaps", "u", "v"] as const) expect(a[k]).toEqual(b[k]);
    expect(a.log.map((e) => e.step)).toEqual(b.log.map((e) => e.step));
    expect(readFileSync(join(killed, "series.csv"), "utf8")).toBe(readFileSync(join(whole, "series.csv"), "utf8"));
    const hits = (p: string) => JSON.parse(readFileSync(join(p, "summary.json"), "utf8")).directions.u.hitSteps;
    expect(hits(killed)).toEqual(hits(whole));
  });

  it("SIGINT writes a checkpoint and exits 130; a resumed run stopped by SIGTERM exits 143; resume then finishes", async () => {
    const out = dir("sigint");
    // 1e9 steps: this run can only end by a signal.
    const run = start(["run", ...LONG, "--steps", "1e9", "--checkpoint-every", "0", "--out", out]);
    await waitFor(() => run.stderr().includes("initialised 2 walkers"), "the run to start");
    await new Promise((r) => setTimeout(r, 100));
    run.child.kill("SIGINT");
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(
      /interrupted by SIGINT at step \d+ of 1000000000; checkpoint written to .*checkpoint\.npz\ncontinue with: mcm resume /,
    );
    const step = readCheckpoint(join(out, "checkpoint.npz")).state.step;
    expect(step).toBeLessThan(1e9);

    const again = start(["resume", out]);
    await waitFor(() => again.stderr().includes("restored 2 walkers"), "the resumed run to start");
    await new Promise((r) => setTimeout(r, 100));
    again.child.kill("SIGTERM");
    const t = await again.done;
    expect(t.code).toBe(143);
    expect(t.stderr).toMatch(/interrupted by SIGTERM at step \d+ of 1000000000/);
    const step2 = readCheckpoint(join(out, "checkpoint.npz")).state.step;
    expect(step2).toBeGreaterThanOrEqual(step);

    const fin = await mcm("resume", out, "-q", "--json", "--steps", String(step2 + 1000));
    expect(fin.code).toBe(0);
    expect(JSON.parse(fin.stdout).completedSteps).toBe(step2 + 1000);
  });

  describe("a damaged or mismatched checkpoint is refused saying what does not match", () => {
    let good: string;
    beforeAll(async () => {
      good = dir("good-run");
      const r = await mcm("run", ...SMALL, "--seed", "2", "--steps", "200", "--out", good);
      expect(r.code).toBe(0);
    });
    const copy = (name: string) => {
      const to = dir(name);
      cpSync(good, to, { recursive: true });
      return to;
    };
    // A crafted checkpoint with a valid checksum (sealed again): what the members' own checks still refuse.
    const rewrite = (path: string, change: (a: ReturnType<typeof decodeNpz>) => void) => {
      const arrays = decodeNpz(new Uint8Array(readFileSync(path)));
      change(arrays);
      writeFileSync(path, sealZip(encodeNpz(arrays)));
    };

    it("an intact finished run resumes to its summary (exit 0)", async () => {
      const r = await mcm("resume", copy("intact"), "--json", "-q");
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).completedSteps).toBe(200);
    });

    it("a flipped byte: SHA-256 mismatch, expected vs found, before any member is read", async () => {
      const d = copy("flipped");
      const path = join(d, "checkpoint.npz");
      const bytes = readFileSync(path);
      const at = bytes.indexOf(Buffer.from("w.npy")) + 5 + 200; // inside the weights
      bytes[at] ^= 0xff;
      writeFileSync(path, bytes);
      const r = await mcm("resume", d);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /checkpoint\.npz: checksum: expected SHA-256 [0-9a-f]{64}, found [0-9a-f]{64} \(the file is corrupted or was edited\)/,
      );
    });

    it("a sealed archive with a flipped byte in a member: CRC-32 mismatch, expected vs found", async () => {
      const d = copy("flipped-sealed");
      const path = join(d, "checkpoint.npz");
      const bytes = readFileSync(path);
      const at = bytes.indexOf(Buffer.from("w.npy")) + 5 + 200;
      bytes[at] ^= 0xff;
      const end = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
      bytes.writeUInt16LE(0, end + 20);
      writeFileSync(path, sealZip(bytes.subarray(0, end + 22)));
      const r = await mcm("resume", d);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /member w\.npy: CRC-32 mismatch: expected 0x[0-9a-f]{8}, found 0x[0-9a-f]{8} \(the file is corrupted\)/,
      );
    });

    it("a truncated file: no end-of-central-directory record", async () => {
      const d = copy("truncated");
      const path = join(d, "checkpoint.npz");
      const bytes = readFileSync(path);
      writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
      const r = await mcm("resume", d);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/checkpoint\.npz: checksum: .*found no such record \(truncated or not a zip archive\)/);
    });

    it("another format version, another build, another config", async () => {
      const v = copy("version");
      rewrite(join(v, "checkpoint.npz"), (a) => {
        a.format_version = { dtype: "<i8", shape: [], data: BigInt64Array.of(99n) };
      });
      const b = copy("build");
      rewrite(join(b, "checkpoint.npz"), (a) => {
        a.build_hash = { dtype: "<U", shape: [], data: "0123456789abcdef" };
      });
      const c = copy("config");
      const record = JSON.parse(readFileSync(join(c, "config.json"), "utf8"));
      record.config.threshold = 0.7;
      writeFileSync(join(c, "config.json"), JSON.stringify(record));
      const [rv, rb, rc] = await Promise.all([mcm("resume", v), mcm("resume", b), mcm("resume", c)]);
      expect(rv.code).toBe(1);
      expect(rv.stderr).toMatch(/format version: expected 1, found 99/);
      expect(rb.code).toBe(1);
      expect(rb.stderr).toMatch(
        /WASM build hash: expected [0-9a-f]{16} \(this build's \w+ kernels\), found 0123456789abcdef/,
      );
      // Another config is the user's input not matching (exit 2); another version or build is a failure (exit 1).
      expect(rc.code).toBe(2);
      expect(rc.stderr).toMatch(
        /config hash: expected [0-9a-f]{16} \(.*config\.json\), found [0-9a-f]{16} \(the checkpoint's config\)/,
      );
    });

    it("a well-formed archive with an impossible all-zero RNG state (it would hang the sampler)", async () => {
      const d = copy("zero-rng");
      rewrite(join(d, "checkpoint.npz"), (a) => {
        (a.rng.data as BigUint64Array).fill(0n, 0, 4);
      });
      const r = await mcm("resume", d);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /member rng: expected non-zero xoshiro256\*\* states, found an all-zero state for walker 0 \(train\)/,
      );
    });

    it("--steps below the checkpoint's step is a usage error (exit 2)", async () => {
      const r = await mcm("resume", copy("shorter"), "--steps", "100");
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--steps: got 100 = 100 steps, expected at least 200 \(the checkpoint's step\)/);
    });

    it.skipIf(!hasNumpy && !CI)(
      "numpy reads checkpoint.npz without pickle and finds the same weights as our reader",
      () => {
        const path = join(good, "checkpoint.npz");
        const py = spawnSync(
          "python3",
          [
            "-c",
            `import json, sys, numpy as np
z = np.load(sys.argv[1], allow_pickle=False)
print(json.dumps({"files": sorted(z.files), "shape": list(z["w"].shape), "w": z["w"].tobytes().hex(),
  "step": int(z["step"]), "seed": int(z["seed"]), "config": json.loads(str(z["config"]))["d"],
  "norms": np.linalg.norm(z["w"], axis=-1).ravel().tolist()}))`,
            path,
          ],
          { encoding: "utf8" },
        );
        expect(py.stderr).toBe("");
        const got = JSON.parse(py.stdout);
        const ours = full(readCheckpoint(path).state);
        expect(got.shape).toEqual([2, 1, 16]);
        expect(got.w).toBe(Buffer.from(ours.w.buffer, ours.w.byteOffset, ours.w.byteLength).toString("hex"));
        expect(got.step).toBe(200);
        expect(got.seed).toBe(2);
        expect(got.config).toBe(16);
        for (const n of got.norms) expect(n).toBeCloseTo(1, 12);
        expect(got.files).toEqual(
          expect.arrayContaining(["w", "a", "b", "u", "v", "m", "rng", "hits", "log_overlaps", "build_hash"]),
        );
      },
    );
  });
});
