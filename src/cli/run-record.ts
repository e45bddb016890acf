/** The files of a run directory and its config.json record (`mcm run`, `mcm resume`); light, for help and checks. */
import type { CheckpointEvery, Config } from "../config/schema.js";

export const FILES = {
  config: "config.json",
  series: "series.csv",
  summary: "summary.json",
  checkpoint: "checkpoint.npz",
} as const;

/** The config.json document of a run directory (also accepted by `mcm run --config`). */
export interface RunRecord {
  config: Config;
  seed: string;
  steps: number;
  stepsExpression: string;
  checkpointEvery: string;
  version: string;
  buildHash: string;
  kernel: string;
  createdAt: string;
}

export function checkpointEveryText(c: CheckpointEvery): string {
  return c.unit === "off" ? "0" : c.unit === "steps" ? `${c.every}steps` : `${c.every}s`;
}
