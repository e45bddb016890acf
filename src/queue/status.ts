/**
 * Queue status (Node only): per sweep, how many tasks wait, run, are done (result stored) or failed.
 * Everything printed names the server by its redacted URL.
 */
import type { Queue } from "bullmq";
import { openRedis, parseRedisUrl } from "./connection.js";
import { loadRecord, openQueue, parseJobId, resultsKey, SWEEPS_KEY } from "./store.js";

/** BullMQ job states a task can be in before it has a result. */
const LIVE_STATES = ["active", "waiting", "prioritized", "delayed", "waiting-children", "failed"] as const;
export type JobStateName = (typeof LIVE_STATES)[number];

/** Job ids of the queue by state, grouped by sweep id: sweep -> task key -> state. */
async function jobStates(queue: Queue, only?: string): Promise<Map<string, Map<string, JobStateName>>> {
  const out = new Map<string, Map<string, JobStateName>>();
  for (const state of LIVE_STATES) {
    const ids = await queue.getRanges([state], 0, -1, true);
    for (const id of ids) {
      const parsed = parseJobId(id);
      if (!parsed || (only !== undefined && parsed.sweepId !== only)) continue;
      const m = out.get(parsed.sweepId) ?? new Map<string, JobStateName>();
      out.set(parsed.sweepId, m);
      if (!m.has(parsed.key)) m.set(parsed.key, state);
    }
  }
  return out;
}

/** The state of every live or failed job of one sweep, by task key. */
export async function sweepJobStates(queue: Queue, sweepId: string): Promise<Map<string, JobStateName>> {
  return (await jobStates(queue, sweepId)).get(sweepId) ?? new Map();
}

export interface SweepStatus {
  id: string;
  createdAt: string | null;
  /** Tasks of the sweep (null when its record is missing). */
  total: number | null;
  /** Tasks with a stored result. */
  done: number;
  waiting: number;
  active: number;
  /** Waiting for a retry after an error. */
  delayed: number;
  /** Failed for good (kept with their error; `--resume ID` retries them). */
  failed: number;
  /** The first few failure reasons. */
  failures: { key: string; reason: string }[];
}

export interface QueueStatus {
  /** The redacted queue URL. */
  url: string;
  /** Workers connected to the queue now. */
  workers: number;
  sweeps: SweepStatus[];
}

/** Reads the status of every sweep in the queue at `url`. */
export async function queueStatus(url: string, options: { failures?: number } = {}): Promise<QueueStatus> {
  const target = parseRedisUrl(url);
  const redis = await openRedis(target);
  const queue = openQueue(redis);
  try {
    const ids = new Set(await redis.smembers(SWEEPS_KEY));
    const states = await jobStates(queue);
    for (const id of states.keys()) ids.add(id);
    const sweeps: SweepStatus[] = [];
    for (const id of [...ids].sort()) {
      const record = await loadRecord(redis, id).catch(() => null);
      const done = await redis.hlen(resultsKey(id));
      const s: SweepStatus = {
        id,
        createdAt: record?.createdAt ?? null,
        total: record?.tasks ?? null,
        done,
        waiting: 0,
        active: 0,
        delayed: 0,
        failed: 0,
        failures: [],
      };
      const failedKeys: string[] = [];
      for (const [key, state] of states.get(id) ?? []) {
        if (state === "active") s.active++;
        else if (state === "delayed") s.delayed++;
        else if (state === "failed") {
          s.failed++;
          failedKeys.push(key);
        } else s.waiting++;
      }
      for (const key of failedKeys.slice(0, options.failures ?? 3)) {
        const job = await queue.getJob(`${id}__${key}`);
        s.failures.push({ key, reason: job?.failedReason ?? "unknown reason" });
      }
      sweeps.push(s);
    }
    sweeps.sort((a, b) => (a.createdAt ?? "").localeCompare(b.createdAt ?? "") || a.id.localeCompare(b.id));
    return { url: target.display, workers: await queue.getWorkersCount(), sweeps };
  } finally {
    await queue.close().catch(() => {});
    redis.disconnect();
  }
}

/** A plain-text table of a queue status, for people. */
export function formatStatus(status: QueueStatus): string {
  const lines = [`queue ${status.url}: ${status.workers} worker${status.workers === 1 ? "" : "s"} connected`];
  if (status.sweeps.length === 0) return `${lines[0]}\nno sweeps`;
  const head = ["sweep", "done", "total", "waiting", "active", "retrying", "failed"];
  const rows = status.sweeps.map((s) => [
    s.id,
    String(s.done),
    s.total === null ? "?" : String(s.total),
    String(s.waiting),
    String(s.active),
    String(s.delayed),
    String(s.failed),
  ]);
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const fmt = (r: string[]) => r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join("  ");
  lines.push(fmt(head), ...rows.map(fmt));
  for (const s of status.sweeps) {
    for (const f of s.failures) lines.push(`  ${s.id} task ${f.key} failed: ${f.reason}`);
  }
  return lines.join("\n");
}
