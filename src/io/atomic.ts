/**
 * Node-only file helpers. Every output is written atomically: a temporary file in the same directory,
 * fsync, then rename over the target, so a reader (or a resume after SIGKILL) sees the old file or the
 * new one, never half of one.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** True for the name of a temporary file writeFileAtomic leaves behind when killed between write and rename. */
export function isAtomicTemp(name: string): boolean {
  return /^\..+\.tmp-[0-9]+-[0-9a-z]+$/.test(name);
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${Date.now().toString(36)}`);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const fd = openSync(tmp, "w", 0o644);
  try {
    let at = 0;
    while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  // Make the rename itself durable; not every platform lets a directory be opened for fsync.
  try {
    const dfd = openSync(dir, "r");
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    /* best effort */
  }
}
