/**
 * The page's module worker: runs createSimulation off the main thread and streams the overlap log back.
 * One run at a time; "stop" aborts between chunks and still reports the state reached, so the result at a
 * stopped step is as reproducible as a finished one.
 */
/// <reference lib="webworker" />
import { ConfigError } from "../config/errors.js";
import { resolveConfig } from "../config/schema.js";
import { type KernelFlavour, type Kernels, loadKernels } from "../engine/kernels.js";
import { createSimulation } from "../engine/simulation.js";
import { runGenerate } from "../generate/experiment.js";
import { snapshotSteps } from "../generate/family.js";
import { dataDensityV, defaultLevels } from "../generate/law.js";
import type { FromWorker, GenerateRequest, LogPoint, RunRequest, ToWorker } from "./protocol.js";

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (message: FromWorker) => scope.postMessage(message);

const kernelCache = new Map<string, Promise<Kernels>>();
let current: AbortController | null = null;

function kernelsFor(flavour: KernelFlavour | undefined): Promise<Kernels> {
  const key = flavour ?? "auto";
  let k = kernelCache.get(key);
  if (!k) {
    // The default source: the WASM next to the engine module (the bundler copies it as an asset).
    k = loadKernels(undefined, flavour ? { flavour } : {});
    kernelCache.set(key, k);
    k.catch(() => kernelCache.delete(key));
  }
  return k;
}

async function run(request: RunRequest): Promise<void> {
  const controller = new AbortController();
  current = controller;
  const kernels = await kernelsFor(request.flavour);
  const sim = await createSimulation(request.config, { kernels });
  sim.init(request.seed);
  post({
    type: "started",
    config: sim.config,
    flavour: kernels.flavour,
    buildHash: kernels.buildHash,
    eta: sim.eta,
    steps: request.steps,
  });
  let sent = 0;
  let lastProgress = 0;
  const flushLog = () => {
    const log = sim.log;
    if (log.length <= sent) return;
    const points: LogPoint[] = [];
    for (let i = sent; i < log.length; i++) points.push({ step: log[i].step, overlaps: log[i].overlaps });
    sent = log.length;
    post({ type: "log", points });
  };
  flushLog();
  await sim.run(request.steps, {
    signal: controller.signal,
    onProgress: (p) => {
      const now = performance.now();
      if (now - lastProgress < 40 && p.step < p.total) return;
      lastProgress = now;
      flushLog();
      post({ type: "progress", step: p.step, total: p.total, stepsPerSecond: p.stepsPerSecond });
    },
  });
  flushLog();
  post({ type: "done", step: sim.step, overlaps: sim.overlaps(), hits: sim.hits(), stopped: sim.step < request.steps });
}

/** A small generate run: posts the oracle's histogram of x.v, then each snapshot's as it is sampled. */
async function generate(request: GenerateRequest): Promise<void> {
  const controller = new AbortController();
  current = controller;
  const kernels = await kernelsFor(request.flavour);
  const config = resolveConfig({ ...request.config, walkers: 1 });
  const data = Array.from({ length: 161 }, (_, i) => ({
    x: -4 + i * 0.05,
    density: dataDensityV(config, -4 + i * 0.05),
  }));
  const levels = defaultLevels(config.process, request.levels);
  const plan = {
    config,
    seed: request.seed,
    levels,
    sampler: "heun" as const,
    samples: request.samples,
    snapshots: snapshotSteps(request.steps, request.snapshots),
  };
  let posted = 0;
  const state = { plan, levels: [], snapshots: [] };
  await runGenerate(state, {
    kernels,
    signal: controller.signal,
    save: (s) => {
      const shown = [...(s.oracle ? [{ label: "oracle", stats: s.oracle }] : [])];
      for (const snap of s.snapshots) shown.push({ label: `n/d = ${snap.nOverD.toPrecision(3)}`, stats: snap });
      for (; posted < shown.length; posted++) {
        const { label, stats } = shown[posted];
        post({
          type: "generated",
          label,
          ...stats.histogram,
          data,
          varU: stats.varU,
          exKurtV: stats.exKurtV,
          done: posted === plan.snapshots.length,
        });
      }
    },
  });
}

scope.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === "stop") {
    current?.abort();
    return;
  }
  if (message.type === "generate") {
    current?.abort();
    generate(message).catch((e: unknown) => {
      const field = e instanceof ConfigError ? e.field : undefined;
      post({ type: "error", message: e instanceof Error ? e.message : String(e), field });
    });
    return;
  }
  if (message.type === "run") {
    current?.abort();
    run(message).catch((e: unknown) => {
      const field = e instanceof ConfigError ? e.field : undefined;
      post({ type: "error", message: e instanceof Error ? e.message : String(e), field });
    });
  }
};
