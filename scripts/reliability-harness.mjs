#!/usr/bin/env node
/**
 * The run-directory lifecycle under attack (docs/reliability.md): seeded interrupts (SIGKILL, SIGINT,
 * SIGTERM at random times and while a file is being written) of every long command, each finished with
 * `mcm resume` (or the same command again when nothing was kept) and compared with the uninterrupted run;
 * single-bit flips, truncations and foreign checkpoints of every checkpoint kind, each refused naming the
 * file or provably harmless (the result identical); two writers on one directory. test/cli-lifecycle.test.ts
 * runs a small sample of each; `node scripts/reliability-harness.mjs [--interrupts 40] [--seed 1]` runs the
 * full campaign (every bit of every checkpoint through the verifier, a sample of them through the CLI) and
 * prints the counts (`--interrupts 0`, `--skip-bits`, `--skip-cli`, `--skip-writers` leave parts out; `--only sweep` takes one command). Build first: `npm run build`.
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "dist", "cli", "index.js");

/** xorshift-style seeded uniform in [0, 1) (the harness's own; results must not depend on Math.random). */
export function rng(seed) {
  let s = (seed >>> 0) ^ 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

/** Writes a float32 .npy of `shape` (row-major `data`). */
function writeNpy(path, shape, data) {
  let head = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(", ")}${shape.length === 1 ? "," : ""}), }`;
  const total = 10 + head.length + 1;
  head += " ".repeat((64 - (total % 64)) % 64);
  head += "\n";
  const pre = Buffer.alloc(10);
  pre.write("\x93NUMPY", 0, "latin1");
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(head.length, 8);
  writeFileSync(path, Buffer.concat([pre, Buffer.from(head, "latin1"), Buffer.from(new Float32Array(data).buffer)]));
}

/** Toy data sets: blobs on 8 x 8 (diffusion) and the same flattened to [n, 64] (images). */
export function toyData(dir) {
  const n = 96;
  const data = new Float32Array(n * 64);
  for (let s = 0; s < n; s++) {
    const cy = 2 + (s % 4);
    const cx = 2 + ((s * 7) % 5);
    for (let y = 0; y < 8; y++)
      for (let x = 0; x < 8; x++) data[s * 64 + y * 8 + x] = Math.exp(-((y - cy) ** 2 + (x - cx) ** 2) / 2);
  }
  const img3 = join(dir, "toy-8x8.npy");
  const img2 = join(dir, "toy-64.npy");
  writeNpy(img3, [n, 8, 8], data);
  writeNpy(img2, [n, 64], data);
  return { img3, img2 };
}

/**
 * Every long command, tiny: its arguments (without --out), its checkpoint file, the file that says it is
 * finished, and the files whose content must not depend on an interrupt.
 */
export function commands(data) {
  return {
    run: {
      args: `run --d 12 --walkers 2 --seed 17 --steps 60000 --checkpoint-every 6000steps`.split(" "),
      checkpoint: "checkpoint.npz",
      finished: null,
      also: ["config.json"],
      compare: { "checkpoint.npz": "bytes", "series.csv": "bytes" },
      other: ["--seed", "18"],
    },
    sweep: {
      args: `sweep --d 8,12 --seeds 3 --steps 400*d --seed 3 --threads 1 --directions u`.split(" "),
      checkpoint: "sweep-state.json",
      finished: "sweep.json",
      also: ["sweep-spec.json"],
      compare: { "sweep.json": "json", "sweep-state.json": "envelope" },
      // The same --threads on resume: the results do not depend on it, but how the state splits tasks does.
      resume: ["--threads", "1"],
      other: ["--seed", "4"],
    },
    generate: {
      args: `generate --d 12 --steps 200 --levels 5 --samples 400 --snapshots 3 --seed 4`.split(" "),
      checkpoint: "state.json",
      finished: "generate.json",
      also: [],
      compare: { "generate.json": "json" },
      other: ["--seed", "5"],
    },
    images: {
      args: `images --dataset ${data.img2} --n-test 24 --k 8 --steps 300 --batch 8 --checkpoint-every 30 --seed 2`.split(
        " ",
      ),
      checkpoint: "images-checkpoint.bin",
      finished: "result.json",
      also: ["images-options.json"],
      compare: { "result.json": "json" },
      other: ["--seed", "3"],
    },
    diffusion: {
      args: `diffusion --dataset ${data.img3} --pool 1 --n-test 24 --steps 16 --width 4 --groups 2 --tdim 8 --batch 8 --n-samples 16 --n-eval 8 --sample-steps 4 --per-decade 2 --n-ref 0 --eval-t 0.3,1 --checkpoint-every 2`.split(
        " ",
      ),
      checkpoint: "diffusion-checkpoint.bin",
      finished: "result.json",
      also: ["diffusion-options.json"],
      compare: { "result.json": "json", "samples.json": "bytes" },
      other: ["--seed", "2"],
    },
  };
}

/** JSON with wall-clock fields removed (seconds, rates, paths): what must be identical after a resume. */
function stable(text) {
  return JSON.stringify(JSON.parse(text), (k, v) =>
    /^(seconds|secondsTotal|stepsPerSecond|samplesPerSecond|createdAt|outDir|elapsed\w*|wallSeconds)$/.test(k)
      ? undefined
      : v,
  );
}

/** The envelope's payload (the first two lines, with the header's version, stripped). */
function payloadOf(bytes) {
  const a = bytes.indexOf(10);
  const b = bytes.indexOf(10, a + 1);
  return bytes.subarray(b + 1).toString("utf8");
}

/** What of DIR must equal the uninterrupted run's. */
export function fingerprint(dir, cmd) {
  const out = {};
  for (const [file, how] of Object.entries(cmd.compare)) {
    const path = join(dir, file);
    if (!existsSync(path)) {
      out[file] = "(missing)";
      continue;
    }
    const bytes = readFileSync(path);
    out[file] = how === "bytes" ? bytes.toString("base64") : how === "json" ? stable(bytes) : stable(payloadOf(bytes));
  }
  return out;
}

/** Spawns mcm; resolves with its exit code, signal, stderr and wall time. */
export function mcm(args, { onSpawn, timeoutMs = 300_000 } = {}) {
  const child = spawn(process.execPath, [CLI, ...args, "-q"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (b) => {
    stderr += b;
  });
  const t0 = performance.now();
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  onSpawn?.(child);
  return new Promise((res) =>
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, stderr, ms: performance.now() - t0, pid: child.pid });
    }),
  );
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const isTemp = (name) => /^\..+\.tmp-[0-9]+-[0-9a-z]+$/.test(name);

/**
 * One interrupt: starts `cmd` in `out`, sends `signal` after `ms` (mode "time") or as soon as a temporary
 * file of an atomic write appears in `out` (mode "write": mid-write), then finishes the run (`mcm resume`,
 * or the same command again when nothing was kept) and returns what happened.
 */
export async function interrupt(cmd, out, { signal, mode, ms, nth = 1 }) {
  let child;
  const running = mcm([...cmd.args, "--out", out], { onSpawn: (c) => (child = c) });
  let exited = false;
  void running.then(() => (exited = true));
  if (mode === "write") {
    // The nth temporary file seen: a kill in the middle of the nth atomic write (as far as polling catches it).
    const seen = new Set();
    const t0 = performance.now();
    while (!exited && performance.now() - t0 < 300_000) {
      let names = [];
      try {
        names = readdirSync(out);
      } catch {}
      for (const n of names) if (isTemp(n)) seen.add(n);
      if (seen.size >= nth) break;
      await sleep(0);
    }
  } else await sleep(ms);
  if (!exited) child.kill(signal);
  const first = await running;
  const kept =
    existsSync(join(out, cmd.checkpoint)) || cmd.also.some((f) => f === "config.json" && existsSync(join(out, f)));
  const finish = kept ? await mcm(["resume", out, ...(cmd.resume ?? [])]) : await mcm([...cmd.args, "--out", out]);
  return { first, kept, finish };
}

/** Flips bit `bit` of a file. */
export function flipBit(path, bit) {
  const b = readFileSync(path);
  b[bit >> 3] ^= 1 << (bit & 7);
  writeFileSync(path, b);
}

/** Every single-bit flip of `bytes`, through `verify` (throws on refusal): how many were accepted. */
export function everyBitFlip(bytes, verify, bits = null) {
  let accepted = 0;
  const n = bits ?? bytes.length * 8;
  const copy = Buffer.from(bytes);
  for (let i = 0; i < n; i++) {
    const bit = bits === null ? i : Math.floor((i * bytes.length * 8) / n);
    copy[bit >> 3] ^= 1 << (bit & 7);
    try {
      verify(copy);
      accepted++;
    } catch {
      /* refused */
    }
    copy[bit >> 3] ^= 1 << (bit & 7);
  }
  return { tried: n, accepted };
}

/** Runs each command once, uninterrupted, into ROOT/NAME; returns the fingerprints and wall times. */
export async function references(root, cmds) {
  const refs = {};
  for (const [name, cmd] of Object.entries(cmds)) {
    const out = join(root, `ref-${name}`);
    const r = await mcm([...cmd.args, "--out", out]);
    if (r.code !== 0) throw new Error(`reference ${name} failed (${r.code}): ${r.stderr}`);
    refs[name] = { out, ms: r.ms, print: fingerprint(out, cmd) };
  }
  return refs;
}

/** A corrupted copy of a finished run, made to be read from its checkpoint (its "finished" file removed). */
export function corruptCopy(ref, cmd, to, corrupt) {
  rmSync(to, { recursive: true, force: true });
  cpSync(ref, to, { recursive: true });
  if (cmd.finished) rmSync(join(to, cmd.finished), { force: true });
  corrupt(join(to, cmd.checkpoint));
  return to;
}

/** A resume of a corrupted copy: refused naming the file, or harmless (identical result). */
export async function resumeCorrupted(dir, cmd, refPrint) {
  const r = await mcm(["resume", dir, ...(cmd.resume ?? [])]);
  if (r.code === 0) {
    const same = JSON.stringify(fingerprint(dir, cmd)) === JSON.stringify(refPrint);
    return same ? "harmless" : "WRONG";
  }
  return r.code !== null && r.stderr.includes(join(dir, cmd.checkpoint))
    ? "refused"
    : `UNNAMED(${r.code}): ${r.stderr}`;
}

async function main() {
  const arg = (name, def) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : def;
  };
  const interrupts = arg("--interrupts", 40);
  const seed = arg("--seed", 1);
  const cliFlips = arg("--cli-flips", 8);
  const root = mkdtempSync(join(tmpdir(), "mcm-harness-"));
  const data = toyData(root);
  const only = process.argv.indexOf("--only");
  const all = commands(data);
  const cmds = only > 0 ? { [process.argv[only + 1]]: all[process.argv[only + 1]] } : all;
  const { openEnvelope, verifyZip } = await import(join(ROOT, "dist", "io", "envelope.js"));
  const t0 = performance.now();
  const refs = await references(root, cmds);
  console.log(
    `references: ${Object.entries(refs)
      .map(([n, r]) => `${n} ${(r.ms / 1000).toFixed(1)}s`)
      .join(", ")}`,
  );

  // 1. Interrupts, round-robin over the commands, signals and modes.
  const next = rng(seed);
  const names = Object.keys(cmds);
  const tally = { identical: 0, different: 0, failed: 0, kept: 0, midWrite: 0 };
  for (let i = 0; i < interrupts; i++) {
    const name = names[i % names.length];
    const signal = ["SIGKILL", "SIGINT", "SIGTERM"][Math.floor(next() * 3)];
    const mode = next() < 0.3 ? "write" : "time";
    const ms = Math.floor(next() * refs[name].ms);
    const nth = 1 + Math.floor(next() * 8);
    const out = join(root, `int-${i}`);
    const r = await interrupt(cmds[name], out, { signal, mode, ms, nth });
    const print = fingerprint(out, cmds[name]);
    const same = JSON.stringify(print) === JSON.stringify(refs[name].print);
    const differing = Object.keys(print).filter((f) => print[f] !== refs[name].print[f]);
    if (r.finish.code !== 0) tally.failed++;
    else if (same) tally.identical++;
    else tally.different++;
    if (r.kept) tally.kept++;
    if (mode === "write") tally.midWrite++;
    console.log(
      `interrupt ${i + 1}: ${name} ${signal} ${mode === "write" ? `in write ${nth}` : `at ${ms} ms`}: exit ${r.first.code ?? r.first.signal}, ${r.kept ? "resumed" : "started again"} -> ${r.finish.code === 0 ? (same ? "identical" : "DIFFERENT") : `FAILED ${r.finish.stderr.trim()}`}`,
    );
    if (!same) console.log(`  differing: ${differing.join(", ")}; kept in ${out}`);
    else rmSync(out, { recursive: true, force: true });
  }
  console.log(`interrupts: ${JSON.stringify(tally)}`);

  // 2. Every single-bit flip of every checkpoint kind, through the verifier every resume runs first.
  for (const [name, cmd] of process.argv.includes("--skip-bits") ? [] : Object.entries(cmds)) {
    const path = join(refs[name].out, cmd.checkpoint);
    const bytes = readFileSync(path);
    const verify =
      name === "run" ? (b) => verifyZip(new Uint8Array(b), path) : (b) => openEnvelope(new Uint8Array(b), path, name);
    const r = everyBitFlip(bytes, verify);
    console.log(
      `bit flips ${name} (${bytes.length} bytes): ${r.tried} tried, ${r.tried - r.accepted} refused, ${r.accepted} accepted`,
    );
  }

  // 3. Through the CLI: flips at spread offsets, truncation, another command's and another run's checkpoint.
  const outcomes = {};
  const count = (k) => {
    outcomes[k.split(":")[0]] = (outcomes[k.split(":")[0]] ?? 0) + 1;
  };
  const cli = process.argv.includes("--skip-cli") ? {} : cmds;
  for (const [name, cmd] of Object.entries(cli)) {
    const ref = refs[name].out;
    const size = readFileSync(join(ref, cmd.checkpoint)).length;
    for (let k = 0; k < cliFlips; k++) {
      const bit = Math.floor(next() * size * 8);
      const d = corruptCopy(ref, cmd, join(root, `flip-${name}-${k}`), (p) => flipBit(p, bit));
      const o = await resumeCorrupted(d, cmd, refs[name].print);
      count(o);
      if (!["refused", "harmless"].includes(o)) console.log(`flip ${name} bit ${bit}: ${o}`);
    }
    const cut = corruptCopy(ref, cmd, join(root, `cut-${name}`), (p) =>
      writeFileSync(p, readFileSync(p).subarray(0, size >> 1)),
    );
    count(await resumeCorrupted(cut, cmd, refs[name].print));
    const otherName = names[(names.indexOf(name) + 1) % names.length];
    const foreign = corruptCopy(ref, cmd, join(root, `foreign-${name}`), (p) =>
      writeFileSync(p, readFileSync(join(refs[otherName].out, cmds[otherName].checkpoint))),
    );
    const of = await resumeCorrupted(foreign, cmd, refs[name].print);
    count(of);
    // Another run of the same command (another seed): its checkpoint beside this run's records.
    const otherRun = join(root, `other-${name}`);
    await mcm([...cmd.args, ...cmd.other, "--out", otherRun]);
    const another = corruptCopy(ref, cmd, join(root, `another-${name}`), (p) =>
      writeFileSync(p, readFileSync(join(otherRun, cmd.checkpoint))),
    );
    const oa = await resumeCorrupted(another, cmd, refs[name].print);
    count(oa);
    console.log(`${name}: truncated, another command's, another run's checkpoint: ${[of, oa].join(", ")}`);
  }
  console.log(`corruption through the CLI: ${JSON.stringify(outcomes)}`);

  // 4. Two writers on one directory.
  for (const [name, cmd] of Object.entries(process.argv.includes("--skip-writers") ? {} : cmds)) {
    const out = join(root, `two-${name}`);
    let child;
    const first = mcm([...cmd.args, "--out", out], { onSpawn: (c) => (child = c) });
    let exited = false;
    void first.then(() => (exited = true));
    while (!exited && !existsSync(join(out, ".mcm.lock"))) await sleep(1);
    const second = await mcm([...cmd.args, "--out", out]);
    const endedFirst = exited;
    child.kill("SIGKILL");
    await first;
    const refused = second.code === 2 && second.stderr.includes(`in use by process ${child.pid}`);
    const what = refused ? "second refused naming the pid" : endedFirst ? "(the first ended first)" : "NOT REFUSED";
    console.log(`two writers ${name}: ${what}${refused ? "" : `: ${second.code} ${second.stderr}`}`);
  }
  console.log(`total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  rmSync(root, { recursive: true, force: true });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  mkdirSync(tmpdir(), { recursive: true });
  await main();
}
