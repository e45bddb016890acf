// Issue 19 through the built bin (dist/cli/index.js): every refusal exits 2 with one line naming the flag,
// the value and what is accepted; failures leave nothing behind; resume never mixes two runs; --json
// failures print a JSON error object. Build first: `npm run build`.
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CLI = resolve("dist/cli/index.js");

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; a child that hangs is killed after `timeoutMs` (and then has code null). */
function mcm(args: string[], timeoutMs = 60_000): Promise<Result> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"], cwd: tmp });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (b) => {
    stdout += b;
  });
  child.stderr.on("data", (b) => {
    stderr += b;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return new Promise((res) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr });
    }),
  );
}

/** Runs the cases four at a time (the machine has two cores). */
async function all(cases: string[][], timeoutMs?: number): Promise<Result[]> {
  const out: Result[] = [];
  for (let i = 0; i < cases.length; i += 4)
    out.push(...(await Promise.all(cases.slice(i, i + 4).map((c) => mcm(c, timeoutMs)))));
  return out;
}

let tmp: string;
const at = (name: string) => join(tmp, name);
const SMALL = ["--d", "16", "--walkers", "2", "-q"];
/** A small images run on tiny.npy (written below). */
const IMAGES = "images --dataset tiny.npy --n-test 100 --k 4 -q".split(" ");

/** A float64 .npy of shape [n, d] (numpy's format 1.0), for a small images dataset. */
function npy(n: number, d: number, value: (i: number) => number): Buffer {
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${n}, ${d}), }`;
  header += `${" ".repeat(64 - ((10 + header.length + 1) % 64))}\n`;
  const head = Buffer.alloc(10);
  Buffer.from("\x93NUMPY", "latin1").copy(head);
  head[6] = 1;
  head.writeUInt16LE(header.length, 8);
  const data = Buffer.alloc(8 * n * d);
  for (let i = 0; i < n * d; i++) data.writeDoubleLE(value(i), 8 * i);
  return Buffer.concat([head, Buffer.from(header, "latin1"), data]);
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before these tests`);
  tmp = mkdtempSync(join(tmpdir(), "mcm-reliability-"));
  writeFileSync(at("a-file"), "not a directory");
  // 100,000 nested parentheses: too long for one command-line argument, so in a config file.
  writeFileSync(at("deep.json"), JSON.stringify({ steps: `${"(".repeat(100_000)}1${")".repeat(100_000)}` }));
  mkdirSync(join(at("ckpt-dir"), "checkpoint.npz"), { recursive: true });
  // 400 images of 16 pixels: a deterministic pattern with some structure.
  writeFileSync(
    at("tiny.npy"),
    npy(400, 16, (i) => Math.sin(i * 0.37) * Math.cos(Math.floor(i / 16) * 0.11)),
  );
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("refusals: exit 2, one line naming the flag, the value and what is accepted", () => {
  const cases: [string[], RegExp][] = [
    [
      ["run", "--out", "/proc/x"],
      /^mcm: error: --out: got "\/proc\/x": no directory can be created there \(ENOENT\); expected a path to a directory/,
    ],
    [["run", "--out", ""], /^mcm: error: --out: got "", expected a path to a directory you can write/],
    [
      ["run", "--out", "a-file/x"],
      /^mcm: error: --out: got "a-file\/x": .*a-file is a file, not a directory; expected/,
    ],
    [
      ["run", "--out", "n".repeat(300)],
      /^mcm: error: --out: got "n+\.\.\.": the name "n+\.\.\." has 300 bytes, more than 255 \(ENAMETOOLONG\)/,
    ],
    [
      ["run", "--steps", `${"(".repeat(60_000)}1${")".repeat(60_000)}`],
      /^mcm: error: --steps: nested deeper than 200 levels \(parentheses, signs or powers\) at position 201 in "\(+"\.\.\. \(120001 characters\)/,
    ],
    [
      ["run", "--config", "deep.json"],
      /^mcm: error: deep\.json: steps: nested deeper than 200 levels .* in "\(+"\.\.\. \(200001 characters\)/,
    ],
    [["run", "--config", "."], /^mcm: error: --config: cannot read \. \(EISDIR\)/],
    [
      ["resume", "ckpt-dir"],
      /^mcm: error: resume: .*ckpt-dir\/checkpoint\.npz is a directory, expected the checkpoint file/,
    ],
    [["resume", ""], /^mcm: error: resume: got "", expected the output directory of `mcm run`/],
    [
      ["serve", "--host", "999.999.1.1"],
      /^mcm: error: --host: got "999\.999\.1\.1", expected an IP address of this machine/,
    ],
    [["serve", "--port", ""], /^mcm: error: --port: got "", expected an integer in \[0, 65535\]/],
    [
      ["sweep", "--queue", "redis://h:99999"],
      /^mcm: error: --queue: got "redis:\/\/h:99999", not a URL; expected redis:\/\//,
    ],
    [["sweep", "--queue", "http://h"], /^mcm: error: --queue: got "http:\/\/h", unsupported scheme "http:"/],
    [
      ["sweep", "--queue", "redis://127.0.0.1:1", "--chunk", "0"],
      /^mcm: error: --chunk: got 0, expected an integer >= 1/,
    ],
    [["sweep", "--chunk", "4"], /^mcm: error: --chunk: only with --queue URL/],
    [["sweep", "--no-wait"], /^mcm: error: --no-wait: only with --queue URL/],
    [
      ["run", "--train-skip", "--no-train-skip"],
      /^mcm: error: --train-skip: given together with --no-train-skip; expected one of them/,
    ],
    [
      ["run", "--no-train-amplitude", "--train-amplitude"],
      /^mcm: error: --train-amplitude: given together with --no-train-amplitude/,
    ],
    [
      ["exponent", "--process", "ve", "--t", "1e300"],
      /^mcm: error: --t: got 1e\+300, the quadrature is not finite there \(.* = NaN; process ve: alpha = 1, sigma = 1e\+300\); expected/,
    ],
  ];
  it(`${cases.length} bad invocations, none hangs, none writes anything`, async () => {
    const results = await all(
      cases.map(([args]) => args),
      30_000,
    );
    cases.forEach(([args, message], i) => {
      const r = results[i];
      expect({ args: args.map((a) => a.slice(0, 40)), code: r.code, stderr: r.stderr }).toMatchObject({
        code: 2,
        stderr: expect.stringMatching(message),
      });
      expect(r.stderr.trimEnd().split("\n"), r.stderr).toHaveLength(1);
      expect(r.stdout).toBe("");
    });
    expect(existsSync(at("n".repeat(100)))).toBe(false);
    expect(existsSync(at("mcm-output"))).toBe(false);
  });

  it("--json failures print one JSON error object on stdout (usage and runtime failures)", async () => {
    const [usage, diverged] = await all([
      ["run", "--units", "0", "--json"],
      ["run", ...SMALL, "--lr", "1e300", "--lr-exponent", "0", "--steps", "100", "--out", "div-json", "--json"],
    ]);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toEqual({
      tool: "mcm-diffusion",
      version: expect.stringMatching(/^[0-9]+\.[0-9]+\.[0-9]+/),
      build: null,
      schema: "mcm.error/1",
      error: {
        exitCode: 2,
        kind: "usage",
        message: expect.stringMatching(/^--units: got 0, expected an integer in \[1, 1024\]$/),
      },
    });
    expect(diverged.code).toBe(1);
    expect(JSON.parse(diverged.stdout).error).toMatchObject({
      exitCode: 1,
      kind: "failure",
      message: expect.stringMatching(/^SGD diverged: a non-finite weight appeared at step 1 of walker 0/),
    });
  });
});

describe("failures leave nothing behind", () => {
  it("a diverged run leaves no config.json (nor its directory)", async () => {
    const r = await mcm(["run", ...SMALL, "--lr", "1e300", "--lr-exponent", "0", "--steps", "100", "--out", "div/run"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/SGD diverged: a non-finite weight appeared at step 1 of walker 0/);
    expect(existsSync(at("div"))).toBe(false);
  });

  it("a diverged sweep names its grid point and leaves no sweep-spec.json; the corrected sweep then runs", async () => {
    const sweep = "sweep --d 16,24 --seeds 2 --threads 0 --steps 200 --seed 3 -q --out sw".split(" ");
    const bad = await mcm([...sweep, "--lr", "1e300", "--lr-exponent", "0"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /^mcm: error: grid point 0 \(d=16\), seed \d+: SGD diverged: a non-finite weight appeared at step 1 of walker 0/,
    );
    expect(existsSync(at("sw"))).toBe(false);
    const rejected = await mcm([...sweep, "--threads", "x"]);
    expect(rejected.code).toBe(2);
    expect(rejected.stderr).toMatch(/--threads: got "x", expected an integer in \[0, 256\]/);
    expect(existsSync(at("sw"))).toBe(false);
    const good = await mcm(sweep);
    expect(good.code, good.stderr).toBe(0);
    expect(existsSync(join(at("sw"), "sweep.json"))).toBe(true);
  });

  it("images: a diverged run (Adam, lr 1e10) is an error naming the step and leaves no options file", async () => {
    const r = await mcm([...IMAGES, "--steps", "50", "--optimizer", "adam", "--lr", "1e10", "--out", "img-div"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/training diverged: .* at step \d+/);
    expect(existsSync(at("img-div"))).toBe(false);
  });

  it("images: a finished run is not overwritten without --force", async () => {
    const args = [...IMAGES, "--steps", "20", "--out", "img", "--json"];
    const first = await mcm(args);
    expect(first.code, first.stderr).toBe(0);
    const before = readFileSync(join(at("img"), "result.json"), "utf8");
    const second = await mcm([...args, "--seed", "9"]);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(
      /^mcm: error: --out: .*img already holds an images run \(images-options\.json, .*result\.json/,
    );
    expect(readFileSync(join(at("img"), "result.json"), "utf8")).toBe(before);
    const forced = await mcm([...args, "--seed", "9", "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(at("img"), "result.json"), "utf8")).not.toBe(before);
  });
});

describe("resume never mixes two runs", () => {
  let good: string;
  beforeAll(async () => {
    good = at("resume-good");
    const r = await mcm(["run", ...SMALL, "--seed", "5", "--steps", "400", "--checkpoint-every", "0", "--out", good]);
    expect(r.code, r.stderr).toBe(0);
  });
  const copy = (name: string) => {
    cpSync(good, at(name), { recursive: true });
    return at(name);
  };
  const editRecord = (dir: string, edit: (r: { seed: string; config: Record<string, unknown> }) => void) => {
    const record = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    edit(record);
    writeFileSync(join(dir, "config.json"), JSON.stringify(record));
  };

  it("a checkpoint of another seed or config is refused with exit 2, naming the seed or each differing field", async () => {
    const seed = copy("other-seed");
    editRecord(seed, (r) => {
      r.seed = "6";
    });
    const config = copy("other-config");
    editRecord(config, (r) => {
      r.config.threshold = 0.7;
      r.config.betaU = 4;
    });
    const [rs, rc] = await all([
      ["resume", seed],
      ["resume", config],
    ]);
    expect(rs.code).toBe(2);
    expect(rs.stderr).toMatch(/checkpoint\.npz: seed: expected 6 \(.*config\.json\), found 5 \(the checkpoint\)/);
    expect(rc.code).toBe(2);
    expect(rc.stderr).toMatch(
      /config hash: .*: betaU: 4 \(.*config\.json\) vs 5 \(the checkpoint\); threshold: 0\.7 \(.*config\.json\) vs 0\.5 \(the checkpoint\)$/m,
    );
  });

  it("a missing config.json is rewritten from the checkpoint (seed, config, steps)", async () => {
    const dir = copy("no-record");
    rmSync(join(dir, "config.json"));
    const r = await mcm(["resume", dir, "--json", "-q"]);
    expect(r.code, r.stderr).toBe(0);
    const original = JSON.parse(readFileSync(join(good, "config.json"), "utf8"));
    const rebuilt = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    for (const k of ["config", "seed", "steps", "stepsExpression", "buildHash", "kernel"])
      expect(rebuilt[k]).toEqual(original[k]);
  });

  it("a run with config.json but no checkpoint yet starts again from step 0 and ends identical", async () => {
    const dir = copy("no-checkpoint");
    for (const f of ["checkpoint.npz", "series.csv", "summary.json"]) rmSync(join(dir, f));
    const r = await mcm(["resume", dir, "-q"]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, "series.csv"), "utf8")).toBe(readFileSync(join(good, "series.csv"), "utf8"));
    expect(readFileSync(join(dir, "checkpoint.npz"))).toEqual(readFileSync(join(good, "checkpoint.npz")));
  });

  it("a directory with neither checkpoint nor config.json says how to start the run again", async () => {
    mkdirSync(at("empty-run"));
    const r = await mcm(["resume", "empty-run"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/resume: empty-run has no checkpoint\.npz .*start.* again with `mcm run --out empty-run`/);
  });
});

describe("mcm serve", () => {
  it("warns when bound beyond loopback, and not on 127.0.0.1", async () => {
    const serve = async (host: string) => {
      const child = spawn(process.execPath, [CLI, "serve", "--host", host, "--port", "0"], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (b) => {
        stderr += b;
      });
      await new Promise<void>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`serve --host ${host} did not start: ${stderr}`)), 30_000);
        child.stderr.on("data", () => {
          if (stderr.includes("serving the page")) {
            clearTimeout(timer);
            ok();
          }
        });
      });
      const closed = new Promise((r) => child.on("close", r));
      child.kill("SIGTERM");
      await closed;
      return stderr;
    };
    const [wide, local] = await Promise.all([serve("0.0.0.0"), serve("127.0.0.1")]);
    expect(wide).toMatch(/^warning: listening on 0\.0\.0\.0, beyond this machine: anyone who can reach it/);
    expect(local).not.toMatch(/warning/);
  });
});
