/**
 * Named presets: one per claim or figure the docs report (docs/figures.md maps each figure to its preset).
 * A preset is a command and its flags, a one-line description, the expected time on a 2-core machine and
 * the committed reference output it reproduces. `mcm presets` lists them; `mcm <command> --preset NAME`
 * runs one, explicit flags overriding the preset's; the page offers the ones that make sense for one run.
 *
 * The demo's regimes (A, B, C1, C2) are derived from src/experiments/regimes.ts, so that
 * `mcm sweep --preset A` measures the same points, bit for bit, as regime A of `mcm demo` (a point's seed
 * depends only on the master seed and its config; the control runs as many walkers as the regime; C1's control,
 * which cannot reach the regime's threshold, is left out: `--activation linear --threshold T` runs it).
 *
 * `--quick` picks a preset's smaller variant where it has one: for a sweep, the three smallest d of its
 * grid and a quarter of its walkers (at least 6), so the same law at a fraction of the cost with wider
 * intervals; for the demo, `mcm demo --quick`.
 */
import { type Config, type ConfigInput, configSchema, fieldMeta, resolveConfig } from "../config/schema.js";
import { CUBIC_REGIME } from "./cubic.js";
import { thresholdFromPlateau, thresholdProblem } from "./plateau.js";
import { COVARIANCE_REGIME, HIGHER_ORDER_REGIME, REGIME_B, type RegimeConfig, SIGN_REGIME } from "./regimes.js";

/** The commands that take `--preset`. */
export const PRESET_COMMANDS = [
  "demo",
  "sweep",
  "predict",
  "exponent",
  "phase-diagram",
  "generate",
  "images",
  "diffusion",
] as const;
export type PresetCommand = (typeof PRESET_COMMANDS)[number];

/** Flags as typed: "--flag" -> its text, or true for a switch ("--no-train-skip": true). */
export type PresetArgs = Readonly<Record<string, string | true>>;

export interface Preset {
  name: string;
  command: PresetCommand;
  /** One line: what it measures and which claim it backs. */
  description: string;
  /** The doc (and section) that reports it. */
  doc: string;
  /** The expected wall time on a 2-core machine (measured, or from the doc that reports it). */
  time: string;
  /** The committed output it reproduces (a path in the repository, or the doc's table). */
  reference: string;
  /** The smaller variant's time, when it has one (`--quick`). */
  quickTime?: string;
  /** The page's view of the preset: one d, a few walkers, the budget at that d. */
  page?: { d: number; walkers: number };
  /** The flags; a regime's are derived from its config object. */
  args: () => PresetArgs;
  /** The flags `--quick` changes (none: no quick variant). */
  quick?: (args: PresetArgs) => PresetArgs;
}

/** The flag of a config field (src/config/schema.ts metadata). */
export function flagOfField(field: string): string {
  const schema = (configSchema.shape as Record<string, Parameters<typeof fieldMeta>[0]>)[field];
  const meta = schema ? fieldMeta(schema) : undefined;
  if (!meta) throw new RangeError(`preset: ${field} is not a config field with a flag`);
  return meta.flag;
}

/** Config fields as flags: booleans as a switch or its negation, everything else as text. */
export function configArgs(config: ConfigInput): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (const [field, value] of Object.entries(config)) {
    if (value === undefined) continue;
    const flag = flagOfField(field);
    if (typeof value === "boolean") out[value ? flag : flag.replace(/^--/, "--no-")] = true;
    else out[flag] = String(value);
  }
  return out;
}

/** The demo's master seed: the presets of its regimes reproduce its points. */
export const DEMO_SEED = "2026";

function controlReaches(base: ConfigInput, r: RegimeConfig): boolean {
  const control = resolveConfig({ ...base, activation: r.control.activation, d: r.d[0] }) as Config;
  return thresholdProblem(control, r.direction) === null;
}

/** A regime of the demo as `mcm sweep` flags (with its linear control as a grid axis where it can reach the
 * regime's threshold). */
export function regimeArgs(r: RegimeConfig): Record<string, string | true> {
  const base: ConfigInput = { ...r.base };
  if (r.thresholdFromPlateau) {
    base.threshold = thresholdFromPlateau(resolveConfig({ ...base, d: r.d[0] }) as Config, r.direction);
  }
  return {
    ...configArgs(base),
    "--d": r.d.join(","),
    "--seeds": String(r.seeds),
    "--steps": r.steps,
    "--directions": r.direction,
    "--stop-after-hit": String(r.stopAfterHit),
    // The control as a grid axis where it can reach the regime's threshold; where it cannot (C1), a sweep
    // would refuse that threshold for it, and the demo judges it at its own.
    ...(controlReaches(base, r) ? { "--control": r.control.activation } : {}),
    "--seed": DEMO_SEED,
  };
}

/** A sweep's quick variant: the three smallest d and a quarter of the walkers (at least 6). */
export function quickSweep(args: PresetArgs): PresetArgs {
  const d = String(args["--d"] ?? "")
    .split(",")
    .map(Number)
    .filter((x) => x > 0)
    .sort((a, b) => a - b)
    .slice(0, 3);
  const seeds = Number(args["--seeds"] ?? 16);
  return { ...args, "--d": d.join(","), "--seeds": String(Math.max(6, Math.round(seeds / 4))) };
}

/** A demo regime as a sweep preset: named by its id, reproducing the demo's points. */
function regimePreset(
  r: RegimeConfig,
  description: string,
  o: { time: string; quickTime: string; pageD: number; reference?: string },
): Preset {
  return {
    name: r.id,
    command: "sweep",
    description,
    doc: `docs/demo.md section ${r.id}`,
    time: o.time,
    quickTime: o.quickTime,
    reference: o.reference ?? `docs/demo/demo.json (regime ${r.id})`,
    page: { d: o.pageD, walkers: 16 },
    args: () => regimeArgs(r),
    quick: quickSweep,
  };
}

/** A preset of `mcm generate` at docs/generate.md's Results settings. */
function generatePreset(name: string, description: string, doc: string, reference: string, over: PresetArgs): Preset {
  return {
    name,
    command: "generate",
    description,
    doc: `docs/generate.md (${doc})`,
    time: "about 1 to 3 min",
    reference,
    args: () => ({ ...GENERATE_BASE, ...over }),
  };
}

const cubicArgs = (over: Record<string, string | true>) => ({
  "--backend": "reduced",
  ...configArgs({ ...CUBIC_REGIME }),
  "--directions": "v",
  ...over,
});

/** The lower bound's regime: the former regime B (tanh at t = 0.5, betaV = 5) with v alone. */
const lowerBound = (p: string, lr: string) => ({
  "--backend": "reduced",
  "--beta-u": "0",
  "--lr-exponent": p,
  "--lr": lr,
  "--d": "16,24,32,48,64",
  "--directions": "v",
  "--steps": "200*d^3",
  "--seeds": "16",
  "--seed": DEMO_SEED,
});

const GENERATE_BASE = {
  "--d": "64",
  "--steps": "400*d*log(d)",
  "--levels": "24",
  "--samples": "8000",
  "--snapshots": "16",
  "--walkers": "8",
  "--seed": "1",
} as const;

export const PRESETS: readonly Preset[] = [
  {
    name: "demo",
    command: "demo",
    description: "the main job: regimes A, B, C1, C2 beside their linear controls, the phase-transition summary",
    doc: "README.md, docs/demo.md",
    time: "about 2 to 3 min",
    quickTime: "about 30 s",
    reference: "docs/demo/ (demo.json, hitting-times, overlaps, collapse)",
    args: () => ({ "--seed": DEMO_SEED }),
    quick: (args) => ({ ...args, "--quick": true }),
  },
  regimePreset(COVARIANCE_REGIME, "the covariance direction u (k = 2): n* ~ d log d, beside its linear control", {
    time: "about 20 s",
    quickTime: "about 5 s",
    pageD: 256,
  }),
  regimePreset(REGIME_B, "the cumulant direction v, independent latents (k = 4): n* ~ d^3 in the cubic config", {
    time: "about 3 min",
    quickTime: "about 10 s",
    pageD: 32,
    reference: "docs/demo/demo.json (regime B; its control here has 32 walkers, the demo's 8)",
  }),
  regimePreset(
    SIGN_REGIME,
    "v with sign latents: learned in d log d through the covariance (control: --activation linear --threshold 0.153)",
    {
      time: "about 30 s",
      quickTime: "about 5 s",
      pageD: 512,
    },
  ),
  regimePreset(
    HIGHER_ORDER_REGIME,
    "v with uncorrelated latents and relu: learned in d log d from higher-order statistics",
    {
      time: "about 10 s",
      quickTime: "about 5 s",
      pageD: 2048,
    },
  ),
  {
    name: "cubic",
    command: "sweep",
    description: "the cubic regime out to d = 1024, 192 walkers per d: n* ~ d^2.98 [2.91, 3.03] beside the limit",
    doc: "docs/cubic.md",
    time: "about 96 min",
    quickTime: "about 20 s",
    reference: "docs/cubic/ (sweep-spec.json, sweep.json, sweep.csv, hitting-times, overlaps, collapse)",
    page: { d: 64, walkers: 16 },
    args: () =>
      cubicArgs({
        "--d": "32,64,128,256,512,1024",
        "--seeds": "192",
        "--steps": "6*d^3",
        "--seed": DEMO_SEED,
      }),
    quick: quickSweep,
  },
  {
    name: "lower-bound",
    command: "sweep",
    description: "the cumulant direction with eta = 0.5 d^-1.5: its cost grows faster than d^3",
    doc: "docs/lower-bound.md",
    time: "about 1 to 4 min",
    quickTime: "about 10 s",
    reference: "docs/lower-bound.md (table: p = 1.5, delta = 0.5)",
    args: () => lowerBound("1.5", "0.5"),
    quick: quickSweep,
  },
  {
    name: "lower-bound-p2",
    command: "sweep",
    description: "the lower bound's reference: the same regime at p = 2, where n* ~ d^3",
    doc: "docs/lower-bound.md",
    time: "about 1 to 4 min",
    quickTime: "about 10 s",
    reference: "docs/lower-bound.md (table: p = 2, delta = 0.5)",
    args: () => lowerBound("2", "0.5"),
    quick: quickSweep,
  },
  {
    name: "theory",
    command: "sweep",
    description: "the limit theory's validation: measured median n* of u inside the predicted band, 200 walkers per d",
    doc: "docs/theory.md",
    time: "about 2 min",
    quickTime: "about 10 s",
    reference: "docs/theory/ (sweep-spec.json, sweep.csv, hitting-times)",
    args: () => ({
      "--backend": "reduced",
      "--d": "256,512,1024,2048,4096",
      "--directions": "u",
      "--seeds": "200",
      "--steps": "40*d",
      "--seed": DEMO_SEED,
    }),
    quick: quickSweep,
  },
  {
    name: "predict",
    command: "predict",
    description: "the limit theory's predicted quartiles of n* per direction at d = 1024, and the best delta",
    doc: "docs/theory.md",
    time: "about 3 s",
    reference: "docs/theory.md (its first table)",
    args: () => ({ "--d": "1024" }),
  },
  {
    name: "predict-cubic",
    command: "predict",
    description: "the limit's predicted quartiles of n*/d^3 in the cubic regime (16000 SDE paths), d = 256",
    doc: "docs/theory.md (The cubic regime)",
    time: "about 1 min of CPU",
    reference: "docs/theory.md (the table of CUBIC_REGIME's predicted quartiles, column d = 256)",
    args: () => ({ ...configArgs({ ...CUBIC_REGIME }), "--d": "256", "--paths": "16000" }),
  },
  {
    name: "exponent-sign",
    command: "exponent",
    description: "the diffusion information exponent with sign latents: v at k = 1 once u is learned",
    doc: "docs/demo.md section C1",
    time: "about 2 s",
    reference: "docs/demo.md (the table of section C1)",
    args: () => ({ "--correlation": "sign" }),
  },
  {
    name: "phase-diagram",
    command: "phase-diagram",
    description:
      "v's first hit over mixed:P (P = 0 to 1) and d = 64 to 4096 beside the theory, and the crossover per P",
    doc: "docs/phase-diagram.md",
    time: "about 20 CPU-minutes (11 min on 2 threads; 30 of 42 cells)",
    quickTime: "about 1 min",
    reference: "docs/phase-diagram/ (phase.json, phase-diagram, crossover)",
    args: () => ({ "--seed": DEMO_SEED, "--threads": "2" }),
    quick: (args) => ({ ...args, "--p": "0,0.5,1", "--d": "32,64,128", "--walkers": "16" }),
  },
  generatePreset(
    "generate",
    "samples generated by a family per noise level, independent latents: statistics against n/d",
    "Results",
    "docs/generate/independent-stats.png (through scripts/generate-figures.mjs)",
    { "--correlation": "independent" },
  ),
  generatePreset(
    "generate-sign",
    "the same with sign latents: E[(x·u)(x·v)] arrives with the variance, the kurtosis stays small",
    "Results",
    "docs/generate/sign-stats.png, sign-histograms.png",
    { "--correlation": "sign" },
  ),
  generatePreset(
    "generate-uncorrelated",
    "uncorrelated latents with relu: the mixed moment E[(x·u)^2 (x·v)] arrives at order 100 d",
    "Dependent latents",
    "docs/generate/uncorrelated-relu-stats.png",
    { "--correlation": "uncorrelated", "--activation": "relu" },
  ),
  {
    name: "generate-cubic",
    command: "generate",
    description: "the cubic regime at d = 16: the kurtosis along v arrives once v's overlap escapes",
    doc: "docs/generate.md (Once v's overlap escapes)",
    time: "about 12 s",
    reference: "docs/generate.md (the d = 16 run)",
    args: () => ({
      "--d": "16",
      "--beta-u": "0",
      "--lr": "0.5",
      "--lr-exponent": "2",
      "--steps": "150*d^3",
      "--levels": "16",
      "--sampler": "ddim",
      "--samples": "4000",
      "--snapshots": "10",
      "--seed": "1",
    }),
  },
  {
    name: "images",
    command: "images",
    description: "denoisers on MNIST against the Wiener denoiser and a Gaussian clone (the defaults)",
    doc: "docs/images.md",
    time: "about 4 to 6 min",
    reference: "docs/images/ (default-curves, default-gaps, default-digits)",
    args: () => ({}),
  },
  {
    name: "diffusion-mnist",
    command: "diffusion",
    description:
      "the simplicity bias on pooled MNIST: a U-Net and its Gaussian twins over five seeds, decided in dsb.json",
    doc: "docs/diffusion.md",
    time: "about 17 CPU-min (5 seeds of 180 to 230 CPU s)",
    reference: "docs/diffusion/mnist14-dsb.json",
    args: () => ({
      "--dataset": "mnist",
      "--seeds": "1,2,3,4,5",
      "--steps": "600",
      "--n-eval": "64",
      "--n-samples": "32",
      "--threads": "2",
    }),
  },
  {
    name: "diffusion-fashion",
    command: "diffusion",
    description: "the same on pooled Fashion-MNIST, three seeds",
    doc: "docs/diffusion.md",
    time: "about 10 CPU-min (3 seeds of 185 to 210 CPU s)",
    reference: "docs/diffusion/fashion-mnist14-dsb.json",
    args: () => ({
      "--dataset": "fashion-mnist",
      "--seeds": "1,2,3",
      "--steps": "600",
      "--n-eval": "64",
      "--n-samples": "32",
      "--threads": "2",
    }),
  },
  {
    name: "diffusion-mnist28",
    command: "diffusion",
    description: "the same on MNIST at 28 x 28 (no pooling), three seeds of 400 steps: does the gap grow with d?",
    doc: "docs/diffusion.md",
    time: "about 30 CPU-min (3 seeds of 585 to 630 CPU s)",
    reference: "docs/diffusion/mnist28-dsb.json",
    args: () => ({
      "--dataset": "mnist",
      "--pool": "1",
      "--seeds": "1,2,3",
      "--steps": "400",
      "--n-eval": "64",
      "--n-samples": "32",
      "--threads": "2",
    }),
  },
  {
    name: "diffusion-showcase",
    command: "diffusion",
    description: "digits: one U-Net at 28 x 28 for 4000 steps, t up to 2.5, EMA 0.999 (no twins)",
    doc: "docs/diffusion.md",
    time: "about 21 CPU-min",
    reference: "docs/diffusion/showcase-mnist28.png, showcase-mnist28-result.json",
    args: () => ({
      "--dataset": "mnist",
      "--pool": "1",
      "--no-twin": true,
      "--seed": "1",
      "--steps": "4000",
      "--t-max": "2.5",
      "--ema": "0.999",
      "--per-decade": "1",
      "--n-samples": "64",
      "--n-eval": "64",
      "--eval-t": "0.1,0.5,1.5",
      "--threads": "2",
    }),
  },
];

/** The preset of a name, or null. */
export function findPreset(name: string): Preset | null {
  return PRESETS.find((p) => p.name === name) ?? null;
}

/** The presets a command takes. */
export function presetsOf(command: PresetCommand): Preset[] {
  return PRESETS.filter((p) => p.command === command);
}

/** A preset's flags, its quick variant's when asked. */
export function presetArgs(preset: Preset, quick = false): PresetArgs {
  const args = preset.args();
  if (!quick) return args;
  if (!preset.quick) throw new RangeError(`preset ${preset.name} has no quick variant`);
  return preset.quick(args);
}

/** The flags as one shell line: values quoted where the shell would read them. */
export function commandLine(preset: Preset, quick = false): string {
  const quote = (s: string) => (/^[A-Za-z0-9_.,:/+=-]+$/.test(s) ? s : `'${s}'`);
  const parts = ["mcm", preset.command];
  for (const [flag, value] of Object.entries(presetArgs(preset, quick))) {
    parts.push(value === true ? flag : `${flag} ${quote(value)}`);
  }
  return parts.join(" ");
}
