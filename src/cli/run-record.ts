/** The files of a run directory and its JSON documents (`mcm run`, `mcm resume`); light, for help and checks. */
import type { ActivationTableRecord } from "../config/model.js";
import type { CheckpointEvery, Config } from "../config/schema.js";
import { type Build, stamp } from "../io/stamp.js";
import type { RunSummary } from "../report/summary.js";
import type { RunDirSpec } from "./rundir.js";

export const FILES = {
  config: "config.json",
  series: "series.csv",
  summary: "summary.json",
  checkpoint: "checkpoint.npz",
} as const;

/** The schema names of a run directory's JSON files (docs/outputs.md). */
export const RUN_SCHEMAS = { config: "mcm.run-config/1", summary: "mcm.run-summary/1" } as const;

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
  /** A formula activation's table (docs/activations.md): formula, derivative, range, spacing, bound, checksum. */
  activationTable?: ActivationTableRecord;
}

/** The text of config.json (stamped with the build its kernel field names). */
export function runRecordText(record: RunRecord): string {
  return `${JSON.stringify(stamp(RUN_SCHEMAS.config, record.kernel as Build, record), null, 2)}\n`;
}

/** The text of summary.json (and of `--json`). */
export function summaryText(summary: RunSummary): string {
  return `${JSON.stringify(stamp(RUN_SCHEMAS.summary, summary.kernel as Build, summary), null, 2)}\n`;
}

export function checkpointEveryText(c: CheckpointEvery): string {
  return c.unit === "off" ? "0" : c.unit === "steps" ? `${c.every}steps` : `${c.every}s`;
}

/** `mcm run`'s directory (src/cli/rundir.ts): its files, the checkpoint last; anything else there is refused. */
export const RUN_DIR: RunDirSpec = {
  command: "run",
  files: Object.values(FILES),
  checkpoint: FILES.checkpoint,
  strict: true,
};
