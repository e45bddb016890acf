/**
 * The page's module worker: runs createSimulation off the main thread and streams the overlap log back.
 * One run at a time; "stop" aborts between chunks and still reports the state reached, so the result at a
 * stopped step is as reproducible as a finished one.
 */
/// <reference lib="webworker" />
import { ConfigError } from "../config/schema.js";
import { type KernelFlavour, type Kernels, loadKernels } from "../engine/kernels.js";
import { createSimulation } from "../engine/simulation.js";
import type { FromWorker, LogPoint, RunRequest, ToWorker } from "./protocol.js";

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
  post({ type: "done", step: sim.step, overlaps: sim.overlaps(), stopped: sim.step < request.steps });
}

scope.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === "stop") {
    current?.abort();
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
