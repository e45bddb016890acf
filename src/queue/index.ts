/**
 * Distributed sweeps on a BullMQ job queue over Redis (Node only; not part of the browser-safe library
 * entry). The CLI wires these into `mcm sweep --queue URL [--resume ID]`, `mcm worker --queue URL
 * [--concurrency N]` and `mcm queue status --queue URL`.
 */
export {
  openRedis,
  PASSWORD_ENV,
  parseRedisUrl,
  QueueUrlError,
  type RedisTarget,
  redact,
  URL_FORMS,
} from "./connection.js";
export { formatStatus, type QueueStatus, queueStatus, type SweepStatus } from "./status.js";
export {
  checkSweepId,
  type JobData,
  JobDataError,
  parseJobData,
  type QueueSweepSpec,
  type StoredResult,
  StoredResultError,
  type SweepRecord,
} from "./store.js";
export {
  newSweepId,
  type QueueProgress,
  type QueueSweepResult,
  resumeSweep,
  type SubmitOptions,
  SweepDetachedError,
  SweepFailedError,
  submitSweep,
  type WaitOptions,
} from "./submit.js";
export { type ProcessResult, type QueueWorker, startWorker, type WorkerOptions } from "./worker.js";
