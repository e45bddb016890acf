/**
 * `mcm diffusion --seeds 1,2,3 --out DIR`: the runs of several seeds, one after the other, each in
 * DIR/seed-N (an ordinary run directory), then DIR/dsb.json, the decision over seeds (src/diffusion/decide.ts;
 * docs/diffusion.md gives its fields). Rerunning the same command continues: finished seeds are read back,
 * an unfinished one is resumed from its checkpoint. A directory holding runs with other options is refused,
 * naming the option that differs, unless --force (which starts those runs again).
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseSeed } from "../../config/schema.js";
import { type DsbRun, decideSeeds, overallVerdict } from "../../diffusion/decide.js";
import { type DiffusionOptions, differingOptions, resolveDiffusionOptions } from "../../diffusion/options.js";
import type { DiffusionResult } from "../../diffusion/run.js";
import { tKey } from "../../diffusion/setup.js";
import { stamp } from "../../io/stamp.js";
import { readJsonFile } from "../envelopes.js";
import { UsageError } from "../errors.js";
import { RunDir, type RunDirSpec } from "../rundir.js";
import {
  DIFFUSION_FILES,
  optionsFromFlags,
  readStamped,
  resumeRun,
  runFlags,
  DIFFUSION_SCHEMAS as SCHEMAS,
  startRun,
} from "./diffusion-run.js";

const DSB = "dsb.json";
const DSB_OPTIONS = "dsb-options.json";
/** The parent directory of the seeds' runs: locked while the seeds run; dsb-options.json marks it. */
const DSB_DIR: RunDirSpec = { command: "diffusion --seeds", files: [DSB_OPTIONS, DSB], checkpoint: DSB_OPTIONS };

/** The seeds of --seeds: distinct integers in the range of --seed. */
export function parseSeeds(text: unknown): (number | string)[] {
  const parts = typeof text === "string" ? text.split(",").map((s) => s.trim()) : [];
  const bad = parts.find((s) => parseSeed(s) === null);
  if (parts.length === 0 || bad !== undefined) {
    throw new UsageError(
      `--seeds: got ${JSON.stringify(text)}${bad !== undefined ? ` (${JSON.stringify(bad)} is not an integer in [0, 2^64 - 1])` : ""}, expected a comma-separated list of distinct integers in [0, 2^64 - 1]`,
    );
  }
  const canon = parts.map((s) => parseSeed(s) as string);
  const dup = canon.find((s, i) => canon.indexOf(s) !== i);
  if (dup !== undefined) throw new UsageError(`--seeds: seed ${dup} is listed twice, expected distinct seeds`);
  return canon.map((s) => (Number.isSafeInteger(Number(s)) ? Number(s) : s));
}

export async function seedsAction(opts: Record<string, unknown>): Promise<void> {
  if (opts.seed !== undefined) throw new UsageError("--seeds: given together with --seed; expected one of them");
  if (typeof opts.resume === "string") {
    throw new UsageError("--seeds: continue a seeds directory by running the same command again (not --resume)");
  }
  if (typeof opts.out !== "string") throw new UsageError("--seeds: needs --out DIR (the directory of the runs)");
  const seeds = parseSeeds(opts.seeds);
  const options = optionsFromFlags(opts, { seed: seeds[0] });
  const force = opts.force === true;
  const flags = { ...runFlags(opts), quiet: opts.quiet === true, json: false };
  // The parent is locked for the whole loop; a first command refused or failed before any seed ran leaves
  // nothing behind. Each seed-N is a run directory of its own (./diffusion-run.ts).
  const parent = existsSync(join(resolve(opts.out), DSB_OPTIONS))
    ? RunDir.open(DSB_DIR, "--out", opts.out)
    : RunDir.create(DSB_DIR, "--out", opts.out, false);
  await parent.around(() => runSeeds(parent, options, seeds, force, flags, opts.json === true));
}

async function runSeeds(
  parent: RunDir,
  options: DiffusionOptions,
  seeds: (number | string)[],
  force: boolean,
  flags: ReturnType<typeof runFlags> & { quiet: boolean; json: boolean },
  json: boolean,
): Promise<void> {
  const { dir } = parent;
  // Refuse a directory of runs with other options before anything is written.
  const stored = parent.path(DSB_OPTIONS);
  const others: [string, DiffusionOptions][] = [];
  if (existsSync(stored)) {
    others.push([
      stored,
      resolveDiffusionOptions(readStamped<{ options: unknown }>(stored, SCHEMAS.dsbOptions).options),
    ]);
  }
  for (const seed of seeds) {
    const f = join(dir, `seed-${seed}`, DIFFUSION_FILES.options);
    if (existsSync(f)) others.push([f, resolveDiffusionOptions(readStamped(f, SCHEMAS.options))]);
  }
  for (const [file, other] of others) {
    const diff = differingOptions(options, other, ["seed"]);
    if (diff.length > 0 && !force) {
      const f = diff[0];
      throw new UsageError(
        `--out: ${dir} holds runs with other options (${file}: ${f} ${JSON.stringify(other[f])}, here ${JSON.stringify(options[f])}${diff.length > 1 ? `, and ${diff.length - 1} more` : ""}); choose another directory or pass --force to replace them`,
      );
    }
  }
  parent.write(DSB_OPTIONS, `${JSON.stringify(stamp(SCHEMAS.dsbOptions, null, { options, seeds }), null, 2)}\n`);
  const runs: DsbRun[] = [];
  const timing: { seed: number | string; wallSeconds: number; cpuSeconds: number }[] = [];
  let first: DiffusionResult | null = null;
  for (const seed of seeds) {
    const out = join(dir, `seed-${seed}`);
    const o = { ...options, seed };
    let result: DiffusionResult;
    const resultPath = join(out, DIFFUSION_FILES.result);
    const differs =
      existsSync(join(out, DIFFUSION_FILES.options)) &&
      differingOptions(o, resolveDiffusionOptions(readStamped(join(out, DIFFUSION_FILES.options), SCHEMAS.options)))
        .length > 0;
    const label = `seed ${seed}`;
    if (!differs && existsSync(resultPath)) {
      const read = readStamped<DiffusionResult & { kernel?: DiffusionResult["build"] }>(resultPath, SCHEMAS.result);
      result = { ...read, build: read.build ?? (read.kernel as DiffusionResult["build"]) };
    } else if (!differs && existsSync(join(out, DIFFUSION_FILES.checkpoint))) {
      if (!flags.quiet) process.stderr.write(`seed ${seed}: resuming in ${out}\n`);
      result = (await resumeRun("--out", out, { ...flags, label })).result;
    } else {
      // A new run; with --force (checked above) one of other options is moved aside until this one lands.
      if (!flags.quiet) process.stderr.write(`seed ${seed}: starting in ${out}\n`);
      result = (await startRun(o, "--out", out, force && differs, { ...flags, label })).result;
    }
    // A seed's run has landed: the parent's files are kept from now on, whatever happens to later seeds.
    parent.landed();
    if (!result.twin || !result.decision) {
      throw new UsageError(`--seeds: the run in ${out} has no twin measurement (it needs --twin)`);
    }
    first ??= result;
    runs.push({ seed, twin: result.twin, decision: result.decision });
    const tf = join(out, DIFFUSION_FILES.timing);
    if (existsSync(tf)) timing.push({ seed, ...(readJsonFile(tf) as { wallSeconds: number; cpuSeconds: number }) });
  }
  const res = first as DiffusionResult;
  const perT = decideSeeds(runs, tKey);
  const dsb = {
    kernel: res.build,
    dataset: res.dataset.name,
    side: res.dataset.H,
    seeds,
    verdict: overallVerdict(perT),
    perT,
    steps: res.twin?.snapshots.map((p) => p.step),
    options: { ...options, seed: undefined },
    runs: runs.map((r) => ({ seed: r.seed, decision: r.decision })),
    timing,
  };
  const doc = stamp(SCHEMAS.dsb, res.build.flavour, dsb);
  parent.write(DSB, `${JSON.stringify(doc, null, 1)}\n`);
  if (json) {
    process.stdout.write(`${JSON.stringify(doc, null, 1)}\n`);
    return;
  }
  const lines = Object.entries(perT).map(([t, p]) => {
    const r = p.log10Ratio["0.1"];
    const at47 = p.hOverEG.find((x) => x.step > 40);
    return `t = ${t}: ${p.verdict}; log10(tauH / tauG) at q = 0.1: ${r ? `${r.mean.toFixed(2)} [${r.lo.toFixed(2)}, ${r.hi.toFixed(2)}]` : "-"}; h / eG ${at47 ? `${at47.mean.toPrecision(2)} at step ${at47.step}` : "-"}`;
  });
  process.stdout.write(
    `${[`${res.dataset.name} ${res.dataset.H} x ${res.dataset.W}, seeds ${seeds.join(", ")}: ${dsb.verdict}`, ...lines, `outputs: ${join(dir, DSB)}`].join("\n")}\n`,
  );
}
