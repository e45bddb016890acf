/**
 * Shard runners (./shards.ts): inline on the trainer's network, or on `threads` worker threads
 * (node:worker_threads, ./worker.ts) each holding its own network. Shard i goes to worker i mod threads;
 * the split and the order of the sum do not depend on the thread count, so neither do the results.
 */
import { Worker } from "node:worker_threads";
import type { KernelFlavour } from "../engine/kernels.js";
import type { NetSpec, Network } from "./net.js";
import { type ShardRunner, shardsInline } from "./shards.js";
import type { WorkerReply, WorkerRequest } from "./worker.js";

/** Computes the shards one after the other on the trainer's own network. */
export function inlineRunner(net: Network): ShardRunner {
  const keep: Float32Array[] = [];
  return {
    run: async (w, shards, batch) => {
      const own = net.heap.f32(net.w, net.size);
      if (w !== own) own.set(w);
      return shardsInline(net, shards, batch, keep);
    },
    close: async () => {},
  };
}

/** The compiled worker module: next to this file in dist/, or in dist/ when running from src/ (tests). */
function workerUrl(): URL {
  const here = new URL(import.meta.url);
  if (here.pathname.endsWith(".ts")) return new URL("../../dist/diffusion/worker.js", here);
  return new URL("./worker.js", here);
}

class ThreadWorker {
  private readonly w: Worker;
  private pending: { resolve(r: WorkerReply): void; reject(e: Error): void } | null = null;
  constructor() {
    this.w = new Worker(workerUrl());
    this.w.on("message", (r: WorkerReply) => {
      const p = this.pending;
      this.pending = null;
      if (!p) return;
      if (r.kind === "error") p.reject(new Error(`diffusion worker: ${r.message}`));
      else p.resolve(r);
    });
    this.w.on("error", (e) => {
      const p = this.pending;
      this.pending = null;
      p?.reject(e);
    });
  }
  request(m: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
    if (this.pending) return Promise.reject(new Error("diffusion worker: a request is already pending"));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.w.postMessage(m, transfer);
    });
  }
  terminate(): Promise<number> {
    return this.w.terminate();
  }
}

/** Starts `threads` workers with their own network of `spec` for shards of up to maxN samples. */
export async function threadRunner(
  threads: number,
  flavour: KernelFlavour,
  spec: NetSpec,
  maxN: number,
): Promise<ShardRunner> {
  const workers = Array.from({ length: threads }, () => new ThreadWorker());
  try {
    await Promise.all(workers.map((w) => w.request({ kind: "init", flavour, spec, maxN })));
  } catch (e) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw e;
  }
  return {
    run: async (w, shards, batch) => {
      const replies = await Promise.all(
        workers.map((worker, j) => {
          const mine = shards.filter((_, i) => i % threads === j);
          if (mine.length === 0) return Promise.resolve({ kind: "done", outs: [] } as WorkerReply);
          return worker.request({ kind: "step", w: w.slice(), shards: mine, batch });
        }),
      );
      return replies.flatMap((r) => (r.kind === "done" ? r.outs : []));
    },
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
