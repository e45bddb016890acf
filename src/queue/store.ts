/**
 * What a distributed sweep keeps in Redis, and the schemas that check it on the way back.
 *
 *   mcm:sweeps                 set of sweep ids
 *   mcm:sweep:ID               the sweep record (JSON): serialisable spec, steps per point, chunk, task count
 *   mcm:sweep:ID:results       hash task key -> stored result (JSON), written with HSETNX: first result wins
 *   bull:mcm-sweeps:*          BullMQ's queue; job id ID__TASKKEY, job data { sweepId, key, task }
 *
 * A job carries only the validated config and its stream identifiers (seed, walker offset), never code.
 */
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import { type Config, type ConfigInput, resolveConfig } from "../config/schema.js";
import { DIRECTIONS, type Direction } from "../engine/layout.js";
import { type SweepSpec, taskKey } from "../experiments/sweep.js";
import type { SweepTask, TaskResult } from "../experiments/sweep-task.js";
import { canonicalJson } from "../io/json.js";

export const QUEUE_NAME = "mcm-sweeps";
export const SWEEPS_KEY = "mcm:sweeps";
export const recordKey = (id: string) => `mcm:sweep:${id}`;
export const resultsKey = (id: string) => `mcm:sweep:${id}:results`;
export const jobId = (sweepId: string, key: string) => `${sweepId}__${key}`;
/** The sweep id and task key of a job id, or null for jobs that are not ours. */
export function parseJobId(id: string | undefined): { sweepId: string; key: string } | null {
  const m = /^(.+)__([0-9a-f]{16})$/.exec(id ?? "");
  return m ? { sweepId: m[1], key: m[2] } : null;
}

const SWEEP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export function checkSweepId(id: string): string {
  if (typeof id !== "string" || !SWEEP_ID.test(id) || id.includes("__")) {
    throw new RangeError(
      `sweep id: got ${JSON.stringify(id)}, expected 1 to 64 letters, digits, ".", "_" or "-" (no "__"), starting with a letter or digit`,
    );
  }
  return id;
}

/** A sweep spec that can be stored: `steps` is a number or an expression in the config's fields. */
export interface QueueSweepSpec extends Omit<SweepSpec, "steps"> {
  steps: number | string | ((config: Config) => number);
}

export interface SweepRecord {
  version: 1;
  id: string;
  createdAt: string;
  spec: Omit<QueueSweepSpec, "steps"> & { steps: number | string };
  /** Step budget per point, keyed by the canonical JSON of the point's resolved config. */
  pointSteps: Record<string, number>;
  /** Walkers per job. */
  chunk: number;
  /** Number of jobs (tasks) of the sweep. */
  tasks: number;
}

const recordSchema = z.object({
  version: z.literal(1),
  id: z.string(),
  createdAt: z.string(),
  spec: z.object({
    base: z.record(z.string(), z.unknown()),
    grid: z.record(z.string(), z.array(z.unknown())),
    seeds: z.int().min(1),
    steps: z.union([z.number(), z.string()]),
    seed: z.union([z.number(), z.string()]),
    directions: z.array(z.enum(DIRECTIONS)).optional(),
    stopWhenHit: z.boolean().optional(),
    stopAfterHit: z.number().optional(),
  }),
  pointSteps: z.record(z.string(), z.int().min(1)),
  chunk: z.int().min(1),
  tasks: z.int().min(0),
});

export async function loadRecord(redis: Redis, id: string): Promise<SweepRecord | null> {
  const text = await redis.get(recordKey(id));
  if (text === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`sweep ${id}: the stored record is not JSON`);
  }
  const r = recordSchema.safeParse(parsed);
  if (!r.success) throw new Error(`sweep ${id}: the stored record is invalid (${formatIssue(r.error, parsed)})`);
  return r.data as SweepRecord;
}

/** The local SweepSpec of a stored record: steps come from the stored table, so no expression is re-parsed. */
export function specOfRecord(record: SweepRecord): SweepSpec {
  const { steps: label, ...rest } = record.spec;
  return {
    ...rest,
    base: rest.base as ConfigInput,
    steps: (config) => {
      const n = record.pointSteps[canonicalJson(config)];
      if (n === undefined) throw new Error(`sweep ${record.id}: no stored step budget for a point (steps ${label})`);
      return n;
    },
  };
}

/** Job data: the sweep, the task key (checked against the task) and the task itself. */
export interface JobData {
  sweepId: string;
  key: string;
  task: SweepTask;
}

/** A stored result: the task result and which kernel build and host computed it. */
export interface StoredResult {
  build: string;
  flavour: string;
  host: string;
  result: TaskResult;
}

/** Thrown for a job whose data does not pass validation; the message says which field and why. */
export class JobDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JobDataError";
  }
}

const jobSchema = z
  .object({
    sweepId: z.string({ error: "a sweep id" }).regex(SWEEP_ID, { error: "a sweep id" }),
    key: z.string({ error: "16 hex digits" }).regex(/^[0-9a-f]{16}$/, { error: "16 hex digits" }),
    task: z
      .object({
        config: z.record(z.string(), z.unknown(), { error: "an object" }),
        seed: z.string({ error: "a decimal integer string" }).regex(/^[0-9]{1,20}$/, {
          error: "a decimal integer string",
        }),
        walkerOffset: z
          .int({ error: "an integer in [0, 2^32 - 1]" })
          .min(0)
          .max(2 ** 32 - 1),
        steps: z.int({ error: "a whole number >= 1" }).min(1, { error: "a whole number >= 1" }),
        stopWhenHit: z.array(z.enum(DIRECTIONS), { error: 'a list of "u", "v", "m"' }).max(3),
        stopAfterHit: z
          .number({ error: "a number in [1, 1e6]" })
          .min(1, { error: "a number in [1, 1e6]" })
          .max(1e6, { error: "a number in [1, 1e6]" }),
      })
      .strict(),
  })
  .strict();

function formatIssue(error: z.ZodError, input: unknown): string {
  const issue = error.issues[0];
  if (issue.code === "unrecognized_keys") {
    const where = issue.path.length ? `${issue.path.join(".")}.` : "";
    return `${where}${issue.keys[0]}: unknown field`;
  }
  let value: unknown = input;
  for (const p of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[p as PropertyKey];
  const shown = value === undefined ? "nothing" : (JSON.stringify(value) ?? String(value));
  return `${issue.path.join(".") || "data"}: got ${shown.length > 80 ? `${shown.slice(0, 77)}...` : shown}, expected ${issue.message}`;
}

/** Validates job data with the same config schema as the CLI; the task key must match the task. */
export function parseJobData(data: unknown): JobData {
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new JobDataError(`job data: got ${JSON.stringify(data) ?? String(data)}, expected an object`);
  }
  const r = jobSchema.safeParse(data);
  if (!r.success) throw new JobDataError(formatIssue(r.error, data));
  let config: Config;
  try {
    config = resolveConfig(r.data.task.config);
  } catch (err) {
    throw new JobDataError(`task.config.${(err as Error).message}`);
  }
  if (r.data.task.walkerOffset + config.walkers > 2 ** 32) {
    throw new JobDataError(`task.walkerOffset: got ${r.data.task.walkerOffset}, expected at most 2^32 - walkers`);
  }
  const task: SweepTask = { ...r.data.task, config, stopWhenHit: r.data.task.stopWhenHit as Direction[] };
  const key = taskKey(task);
  if (key !== r.data.key) {
    throw new JobDataError(
      `key: got ${r.data.key}, but the task hashes to ${key} (the job was altered or built elsewhere)`,
    );
  }
  return { sweepId: r.data.sweepId, key, task };
}

/** Stores a task result unless one is there already; true when this call stored it. */
export async function storeResult(redis: Redis, sweepId: string, key: string, stored: StoredResult): Promise<boolean> {
  return (await redis.hsetnx(resultsKey(sweepId), key, JSON.stringify(stored))) === 1;
}

const steps = z.array(z.int({ error: "a list of whole numbers" }), { error: "a list of whole numbers" });
const values = z.array(z.number({ error: "a list of numbers" }), { error: "a list of numbers" });
const storedResultSchema = z.object({
  build: z.string({ error: "a string" }),
  flavour: z.string({ error: "a string" }),
  host: z.string({ error: "a string" }),
  result: z.object(
    { hits: steps, walkerSteps: steps, overlaps: values, logSteps: steps, logOverlaps: z.array(values) },
    { error: "an object" },
  ),
});

/** A stored result that cannot be a task's (not JSON, wrong fields or lengths): names the task and how to
 * recompute it, before the sweep is assembled from it. */
export class StoredResultError extends Error {
  constructor(sweepId: string, key: string, why: string) {
    super(
      `sweep ${sweepId}: the stored result of task ${key} is malformed (${why}); delete it ` +
        `(redis-cli HDEL ${resultsKey(sweepId)} ${key}) and resume with --resume ${sweepId} to compute it again`,
    );
    this.name = "StoredResultError";
  }
}

/** All stored results of a sweep, by task key, each checked for the fields and types of a result. */
export async function loadResults(redis: Redis, sweepId: string): Promise<Map<string, StoredResult>> {
  const all = await redis.hgetall(resultsKey(sweepId));
  const out = new Map<string, StoredResult>();
  for (const [key, text] of Object.entries(all)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new StoredResultError(sweepId, key, "not JSON");
    }
    const r = storedResultSchema.safeParse(parsed);
    if (!r.success) throw new StoredResultError(sweepId, key, formatIssue(r.error, parsed));
    out.set(key, r.data);
  }
  return out;
}

/** Checks that a stored result has the lengths of its task: walkers x K x 3 hits, overlaps and log rows. */
export function checkResultShape(sweepId: string, key: string, task: SweepTask, result: TaskResult): void {
  const n = task.config.walkers * task.config.K * 3;
  const wrong = (field: string, got: number, expected: number) =>
    new StoredResultError(sweepId, key, `result.${field}: ${got} values, expected ${expected}`);
  if (result.hits.length !== n) throw wrong("hits", result.hits.length, n);
  if (result.overlaps.length !== n) throw wrong("overlaps", result.overlaps.length, n);
  if (result.walkerSteps.length !== task.config.walkers)
    throw wrong("walkerSteps", result.walkerSteps.length, task.config.walkers);
  if (result.logOverlaps.length !== result.logSteps.length)
    throw wrong("logOverlaps", result.logOverlaps.length, result.logSteps.length);
  const row = result.logOverlaps.findIndex((r) => r.length !== n);
  if (row >= 0) throw wrong(`logOverlaps[${row}]`, result.logOverlaps[row].length, n);
}

/** Opens a BullMQ queue on a shared connection (the caller closes both). */
export function openQueue(redis: Redis): Queue {
  const queue = new Queue(QUEUE_NAME, { connection: redis });
  queue.on("error", () => {
    // Connection errors are reported by the connection's own handler, redacted.
  });
  return queue;
}
