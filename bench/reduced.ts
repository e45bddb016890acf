/**
 * Throughput of the reduced chain (steps per second of one walker), for the benchmark command to print
 * beside the full backend. Measures process CPU time, so a busy machine does not count against it.
 */
import type { ConfigInput } from "../src/config/schema.js";
import { createSimulation } from "../src/engine/simulation.js";

export interface ReducedBench {
  K: number;
  d: number;
  steps: number;
  /** Steps per CPU-second of one walker. */
  stepsPerCpuSecond: number;
  /** Steps per wall-clock second. */
  stepsPerSecond: number;
}

export async function benchReduced(config: ConfigInput = {}, steps = 4e6): Promise<ReducedBench> {
  const sim = await createSimulation({ d: 256, ...config, walkers: 1, backend: "reduced" });
  sim.init(1);
  sim.advance(Math.min(steps, 1e5)); // warm-up: lets the engine optimise the kernel
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  sim.advance(steps);
  const wall = (performance.now() - wall0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    K: sim.config.K,
    d: sim.config.d,
    steps,
    stepsPerCpuSecond: steps / ((cpu.user + cpu.system) / 1e6),
    stepsPerSecond: steps / wall,
  };
}
