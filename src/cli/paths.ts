/**
 * Output directories the user names (--out, resume DIR): checked before anything is written, so that a bad
 * path is a usage error (exit 2) naming the flag, the value and what is accepted, never a raw ENOTDIR, a
 * hang or a write into the current directory. Directories are created one level at a time: Node 20's
 * recursive mkdir loops forever where mkdir fails with ENOENT on an existing parent (e.g. under /proc).
 */
import { accessSync, constants, mkdirSync, readdirSync, rmdirSync, statSync } from "node:fs";
import { join, parse, resolve, sep } from "node:path";
import { UsageError } from "./errors.js";

/** Linux limits: bytes per path component and per path. */
const NAME_MAX = 255;
const PATH_MAX = 4095;

const ACCEPTED = "expected a path to a directory you can write (existing or to be created)";

const quote = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 60)}...` : s);

/** Why an errno makes a path unusable, in words. */
export function errnoText(code: string | undefined): string {
  switch (code) {
    case "ENOTDIR":
      return "a part of it is a file, not a directory (ENOTDIR)";
    case "EISDIR":
      return "it is a directory where a file is expected (EISDIR)";
    case "ENAMETOOLONG":
      return "the name is too long (ENAMETOOLONG)";
    case "EACCES":
    case "EPERM":
      return `permission denied (${code})`;
    case "EROFS":
      return "the file system is read-only (EROFS)";
    case "ENOENT":
      return "no directory can be created there (ENOENT)";
    case "ENOSPC":
      return "no space left on the device (ENOSPC)";
    default:
      return code ?? "unknown error";
  }
}

/** A file-system error on a path the user named, as a usage error naming the flag. */
export function pathError(flag: string, raw: string, e: unknown, accepted = ACCEPTED): UsageError | unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (typeof code !== "string") return e;
  return new UsageError(`${flag}: got ${quote(raw)}: ${errnoText(code)}; ${accepted}`);
}

/**
 * Checks a directory path given by the user without touching the disk beyond stat and access: not empty, not
 * too long, every existing part a directory, the deepest existing one writable. Returns the absolute path.
 */
export function checkOutDir(flag: string, raw: string): string {
  if (raw.trim() === "") throw new UsageError(`${flag}: got "", ${ACCEPTED}`);
  if (raw.includes("\0")) throw new UsageError(`${flag}: got ${quote(raw)} (contains a NUL byte), ${ACCEPTED}`);
  const dir = resolve(raw);
  const bytes = (s: string) => Buffer.byteLength(s);
  if (bytes(dir) > PATH_MAX) {
    throw new UsageError(`${flag}: got a path of ${bytes(dir)} bytes: ${errnoText("ENAMETOOLONG")}; ${ACCEPTED}`);
  }
  const { root } = parse(dir);
  const parts = dir.slice(root.length).split(sep).filter(Boolean);
  const long = parts.find((p) => bytes(p) > NAME_MAX);
  if (long !== undefined) {
    throw new UsageError(
      `${flag}: got ${quote(raw)}: the name ${quote(long)} has ${bytes(long)} bytes, more than ${NAME_MAX} (ENAMETOOLONG); ${ACCEPTED}`,
    );
  }
  let at = root;
  for (const part of parts) {
    const next = join(at, part);
    let isDir: boolean;
    try {
      isDir = statSync(next).isDirectory();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") break;
      throw pathError(flag, raw, e);
    }
    if (!isDir) throw new UsageError(`${flag}: got ${quote(raw)}: ${next} is a file, not a directory; ${ACCEPTED}`);
    at = next;
  }
  try {
    accessSync(at, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw pathError(flag, raw, e);
  }
  return dir;
}

/**
 * Checks a directory path (checkOutDir) and creates what is missing, one level at a time. Returns the
 * absolute path and the directories created (outermost first), so that a rejected command can remove them.
 */
export function makeOutDir(flag: string, raw: string): { dir: string; created: string[] } {
  const dir = checkOutDir(flag, raw);
  const { root } = parse(dir);
  const created: string[] = [];
  let at = root;
  for (const part of dir.slice(root.length).split(sep).filter(Boolean)) {
    at = join(at, part);
    try {
      mkdirSync(at);
      created.push(at);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST" && statSync(at).isDirectory()) continue;
      removeCreated(created);
      throw pathError(flag, raw, e);
    }
  }
  return { dir, created };
}

/** Removes directories made by makeOutDir, innermost first, as long as they are empty. */
export function removeCreated(created: readonly string[]): void {
  for (const d of [...created].reverse()) {
    try {
      if (readdirSync(d).length > 0) return;
      rmdirSync(d);
    } catch {
      return;
    }
  }
}

/** A UTC timestamp for default output directories, safe in file names: 2026-11-29T10-00-00Z. */
export function utcStamp(now = new Date()): string {
  return now
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replace(/:/g, "-");
}
