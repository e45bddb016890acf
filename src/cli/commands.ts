/**
 * The table of `mcm`'s commands: name, one-line summary and the module that registers its flags, help and
 * action. `mcm` loads only the module of the command it runs (src/cli/index.ts), so that `mcm --version`
 * and `mcm run --help` do not pay for every command's dependencies (the plotting stack, the queue client).
 */
import type { Command } from "commander";

export interface CommandEntry {
  name: string;
  summary: string;
  /** How `mcm --help` lists it (commander's form: the name, "[options]", the arguments). */
  term: string;
  /** Registers the command (flags, help, action) on the program and returns it. */
  load: () => Promise<(program: Command) => Command>;
}

/** In the order of `mcm --help`. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "demo",
    summary: "the main job: four regimes and their linear controls, the phase transition, with plots (a few minutes)",
    term: "demo [options]",
    load: async () => (await import("./commands/demo.js")).registerDemo,
  },
  {
    name: "run",
    summary: "train the denoiser with online SGD and write the results",
    term: "run [options]",
    load: async () => (await import("./commands/run.js")).registerRun,
  },
  {
    name: "resume",
    summary: "continue a stopped run from its checkpoint",
    term: "resume [options] <dir>",
    load: async () => (await import("./commands/resume.js")).registerResume,
  },
  {
    name: "exponent",
    summary: "predict each direction's exponent k and sample complexity (no simulation)",
    term: "exponent [options]",
    load: async () => (await import("./commands/exponent.js")).registerExponent,
  },
  {
    name: "predict",
    summary: "predict each direction's first-hitting law and overlap curve from the d -> infinity limit",
    term: "predict [options]",
    load: async () => (await import("./commands/predict.js")).registerPredict,
  },
  {
    name: "sweep",
    summary: "measure hitting times over a grid of configs and fit the sample-complexity exponents",
    term: "sweep [options]",
    load: async () => (await import("./commands/sweep.js")).registerSweep,
  },
  {
    name: "phase-diagram",
    summary:
      "measure the fourth-cumulant direction's first hit over the latents' correlation P and d, and the crossover",
    term: "phase-diagram [options]",
    load: async () => (await import("./commands/phase-diagram.js")).registerPhaseDiagram,
  },
  {
    name: "generate",
    summary: "sample with the oracle denoiser and a trained family of denoisers; compare with the data law",
    term: "generate [options]",
    load: async () => (await import("./commands/generate.js")).registerGenerate,
  },
  {
    name: "images",
    summary: "train denoisers on MNIST (or your .npy) and set them against the Wiener denoiser",
    term: "images [options]",
    load: async () => (await import("./commands/images.js")).registerImages,
  },
  {
    name: "diffusion",
    summary: "train a small U-Net diffusion model on images and measure its simplicity bias",
    term: "diffusion [options]",
    load: async () => (await import("./commands/diffusion.js")).registerDiffusion,
  },
  {
    name: "presets",
    summary: "list the named presets of every claim and figure in the docs (--preset NAME on their command)",
    term: "presets [options] [name]",
    load: async () => (await import("./commands/presets.js")).registerPresets,
  },
  {
    name: "worker",
    summary: "process sweep jobs from a Redis queue (run one per machine)",
    term: "worker [options]",
    load: async () => (await import("./commands/worker.js")).registerWorker,
  },
  {
    name: "queue",
    summary: "inspect the Redis job queue of distributed sweeps",
    term: "queue",
    load: async () => (await import("./commands/queue.js")).registerQueue,
  },
  {
    name: "bench",
    summary: "measure throughput: SIMD and scalar WASM against plain TypeScript and native C",
    term: "bench [options]",
    load: async () => (await import("./commands/bench.js")).registerBench,
  },
  {
    name: "serve",
    summary: "serve the interactive page (simulation in your browser)",
    term: "serve [options]",
    load: async () => (await import("./commands/serve.js")).registerServe,
  },
];

/** The command an argument list runs: its first word that is not an option (after `help`, the next one). */
export function invokedCommand(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith("-"));
  return words[0] === "help" ? words[1] : words[0];
}
