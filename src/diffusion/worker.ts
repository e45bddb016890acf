/**
 * The worker-thread entry of data-parallel training (./workers.ts starts it): one kernel instance and one
 * Network per thread, built from the spec it is sent; per step it takes the weights and its shards and
 * answers each shard's loss and gradient (./shards.ts), computed exactly as the inline path computes it.
 */
import { parentPort } from "node:worker_threads";
import type { KernelFlavour } from "../engine/kernels.js";
import { loadDiffusionKernels } from "./kernels.js";
import { type NetSpec, Network } from "./net.js";
import { type ShardInput, type ShardOutput, shardGradient } from "./shards.js";

export type WorkerRequest =
  | { kind: "init"; flavour: KernelFlavour; spec: NetSpec; maxN: number }
  | { kind: "step"; w: Float32Array; shards: ShardInput[]; batch: number };

export type WorkerReply =
  | { kind: "ready" }
  | { kind: "done"; outs: ShardOutput[] }
  | { kind: "error"; message: string };

let net: Network | null = null;

async function handle(m: WorkerRequest): Promise<WorkerReply> {
  if (m.kind === "init") {
    const kernels = await loadDiffusionKernels(m.flavour);
    net = new Network(await kernels.instantiate(), m.spec, m.maxN);
    return { kind: "ready" };
  }
  if (!net) throw new Error("diffusion worker: step before init");
  net.heap.f32(net.w, net.size).set(m.w);
  const outs = m.shards.map((s) => {
    const { loss, g } = shardGradient(net as Network, s, m.batch);
    return { index: s.index, loss, g: g.slice() };
  });
  return { kind: "done", outs };
}

const port = parentPort;
if (port) {
  port.on("message", (m: WorkerRequest) => {
    handle(m).then(
      (r) => port.postMessage(r, r.kind === "done" ? r.outs.map((o) => o.g.buffer as ArrayBuffer) : []),
      (e: unknown) => port.postMessage({ kind: "error", message: (e as Error)?.message ?? String(e) }),
    );
  });
}
