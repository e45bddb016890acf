/**
 * The one run-directory lifecycle of every long command (run, sweep, generate, images, diffusion, demo,
 * phase-diagram; docs/reliability.md states it for users):
 *
 * 1. open: the path is checked as `--out` is everywhere (paths.ts: exit 2 naming the flag), missing
 *    directories are made one level at a time, and DIR/.mcm.lock is created exclusively (O_EXCL) with this
 *    process's pid; a live holder refuses the second process at once naming its pid, a dead one's lock is
 *    taken over. Temporary files of killed writers are removed, and a `--force` replacement a kill cut short
 *    is settled (below).
 * 2. a new run refuses a DIR that holds this command's files (or, for a strict command, anything) unless
 *    --force, which moves them aside into DIR/.mcm-replaced-PID/ ...
 * 3. ... and deletes them only when the new run's first checkpoint has landed (`landed()`). A kill before
 *    that gives them back on the next open of DIR; a refusal or failure gives them back at once.
 * 4. writes are atomic (src/io/atomic.ts), the checkpoint that marks a phase done is written last.
 * 5. a refused or failed command (`around`) removes what it wrote and the directories it made, unless it
 *    had landed a checkpoint worth keeping; a signal keeps everything (that is what resume continues).
 *    The lock goes in every case, also on process.exit.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { isAtomicTemp, writeFileAtomic } from "../io/atomic.js";
import { Interrupted, UsageError } from "./errors.js";
import { checkOutDir, makeOutDir, removeCreated } from "./paths.js";

export const LOCK_FILE = ".mcm.lock";
const ASIDE_PREFIX = ".mcm-replaced-";
const MANIFEST = "manifest.json";

/** Entries of a run directory that are the lifecycle's own, not contents. */
export function isLifecycleEntry(name: string): boolean {
  return name === LOCK_FILE || name.startsWith(`${LOCK_FILE}.`) || name.startsWith(ASIDE_PREFIX) || isAtomicTemp(name);
}

/** What a command writes in its directory. */
export interface RunDirSpec {
  /** The command, for messages: "run", "images", ... */
  command: string;
  /** Every file the command writes (what counts as "holds a COMMAND run"). */
  files: readonly string[];
  /** The file whose first write marks the new run as worth keeping (its checkpoint). */
  checkpoint: string;
  /** Refuse any other content too (not only this command's files) unless --force. */
  strict?: boolean;
  /** Its files without the checkpoint hold nothing to resume (a start killed before its first checkpoint):
   * a new run replaces them without --force. (Not for `mcm run`, whose config.json alone is resumable.) */
  checkpointOnly?: boolean;
}

interface Manifest {
  checkpoint: string;
  files: string[];
  moved: string[];
}

function alive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

const readText = (path: string) => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
};

export class RunDir {
  readonly dir: string;
  private readonly lockPath: string;
  private readonly written: string[] = [];
  private created: string[] = [];
  private aside: string | null = null;
  private kept = false;
  private locked = false;
  private readonly onExit = () => this.release();

  private constructor(
    readonly spec: RunDirSpec,
    readonly flag: string,
    dir: string,
  ) {
    this.dir = dir;
    this.lockPath = join(dir, LOCK_FILE);
  }

  /** A new run in `raw` (the value of `flag`): checked, made, locked, and cleared or refused (see above). */
  static create(spec: RunDirSpec, flag: string, raw: string, force: boolean): RunDir {
    const rd = new RunDir(spec, flag, checkOutDir(flag, raw));
    rd.created = makeOutDir(flag, raw).created;
    try {
      rd.lock();
      rd.settle();
      rd.clear(force);
    } catch (e) {
      rd.undo();
      throw e;
    }
    return rd;
  }

  /** An existing run directory to continue: it must exist; locked and settled, nothing refused. */
  static open(spec: RunDirSpec, flag: string, raw: string): RunDir {
    const dir = checkOutDir(flag, raw);
    if (!existsSync(dir)) throw new UsageError(`${flag}: ${raw} does not exist`);
    if (!statSync(dir).isDirectory()) throw new UsageError(`${flag}: ${raw} is a file, expected a run directory`);
    const rd = new RunDir(spec, flag, dir);
    rd.lock();
    try {
      rd.settle();
    } catch (e) {
      rd.release();
      throw e;
    }
    return rd;
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  has(name: string): boolean {
    return existsSync(this.path(name));
  }

  /** Writes a file atomically; one this command made is removed again if the command is refused or fails. */
  write(name: string, data: string | Uint8Array): void {
    const path = this.path(name);
    if (!this.written.includes(path) && !existsSync(path)) this.written.push(path);
    writeFileAtomic(path, data);
  }

  /** Writes the checkpoint (atomically) and marks the run as landed. */
  writeCheckpoint(name: string, data: string | Uint8Array): void {
    this.write(name, data);
    this.landed();
  }

  /** The new run has a checkpoint: what --force moved aside is deleted, and a failure no longer undoes. */
  landed(keep = true): void {
    if (this.aside !== null) {
      rmSync(this.aside, { recursive: true, force: true });
      this.aside = null;
    }
    if (keep) this.kept = true;
  }

  /** Runs the command's work: a failure (not a signal) undoes what it wrote; the lock goes in every case. */
  async around<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      if (!(e instanceof Interrupted)) this.undo();
      throw e;
    } finally {
      this.release();
    }
  }

  /** Removes what this command wrote and made and gives back what --force moved aside (unless landed). */
  undo(): void {
    if (!this.kept) {
      for (const f of this.written) rmSync(f, { force: true });
      if (this.aside !== null) this.restoreAside(this.aside);
      this.aside = null;
    }
    this.release();
    if (!this.kept) removeCreated(this.created);
  }

  release(): void {
    if (!this.locked) return;
    this.locked = false;
    process.off("exit", this.onExit);
    if (readText(this.lockPath)?.split(" ")[0] === String(process.pid)) rmSync(this.lockPath, { force: true });
  }

  /** O_EXCL lock file "PID COMMAND"; a dead holder's lock is taken over, a live one refuses at once. */
  private lock(): void {
    const mine = `${process.pid} ${this.spec.command}\n`;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const fd = openSync(this.lockPath, "wx", 0o644);
        try {
          writeSync(fd, mine);
        } finally {
          closeSync(fd);
        }
        this.locked = true;
        process.on("exit", this.onExit);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw this.pathError(e);
      }
      const held = readText(this.lockPath);
      if (held === null) continue; // released meanwhile
      const [pidText, command] = held.trim().split(" ");
      const pid = Number(pidText);
      if (alive(pid) && pid !== process.pid) {
        throw new UsageError(
          `${this.flag}: ${this.dir} is in use by process ${pid} (mcm ${command ?? "?"}; lock file ${this.lockPath}); wait for it to end or stop it, or choose another directory`,
        );
      }
      // Stale (its process is gone): move it away under a name of our own, then check that it was that one.
      const stale = `${this.lockPath}.stale-${process.pid}`;
      try {
        renameSync(this.lockPath, stale);
      } catch {
        continue;
      }
      if (readText(stale) !== held) {
        // Another process took it over between our read and our rename: put its lock back and refuse.
        try {
          renameSync(stale, this.lockPath);
        } catch {
          /* it will be stale for the next one */
        }
        continue;
      }
      rmSync(stale, { force: true });
    }
    throw new UsageError(`${this.flag}: ${this.dir}: could not take the lock ${this.lockPath}; try again`);
  }

  private pathError(e: unknown): unknown {
    const code = (e as NodeJS.ErrnoException)?.code;
    return typeof code === "string" ? new UsageError(`${this.flag}: ${this.dir}: cannot write there (${code})`) : e;
  }

  /** With the lock held: removes killed writers' temporary files and settles a replacement cut short. */
  private settle(): void {
    for (const name of readdirSync(this.dir)) {
      if (isAtomicTemp(name) || name.startsWith(`${LOCK_FILE}.stale-`)) rmSync(this.path(name), { force: true });
      if (!name.startsWith(ASIDE_PREFIX)) continue;
      const aside = this.path(name);
      let manifest: Manifest | null = null;
      try {
        manifest = JSON.parse(readFileSync(join(aside, MANIFEST), "utf8")) as Manifest;
      } catch {
        manifest = null;
      }
      if (manifest === null || this.has(manifest.checkpoint)) {
        rmSync(aside, { recursive: true, force: true }); // the new run had landed: the old one goes
      } else {
        for (const f of manifest.files) rmSync(this.path(f), { force: true }); // the new run had not
        this.restoreAside(aside);
      }
    }
  }

  private restoreAside(aside: string): void {
    let moved: string[] = [];
    try {
      moved = (JSON.parse(readFileSync(join(aside, MANIFEST), "utf8")) as Manifest).moved;
    } catch {
      moved = readdirSync(aside).filter((f) => f !== MANIFEST);
    }
    for (const f of moved) {
      if (existsSync(join(aside, f))) renameSync(join(aside, f), this.path(f));
    }
    rmSync(aside, { recursive: true, force: true });
  }

  /** The contents a new run meets: refused unless --force, which moves this command's files aside. */
  private clear(force: boolean): void {
    const entries = readdirSync(this.dir).filter((f) => !isLifecycleEntry(f));
    const held = this.spec.files.filter((f) => entries.includes(f));
    const { command } = this.spec;
    const nothingToResume = this.spec.checkpointOnly === true && !held.includes(this.spec.checkpoint);
    if (held.length > 0 && !force && !nothingToResume) {
      throw new UsageError(
        `${this.flag}: ${this.dir} already holds ${command === "run" ? "a run" : `${/^[aeiou]/.test(command) ? "an" : "a"} ${command} run`} (${held.join(", ")}); continue it with \`mcm resume ${this.dir}\`, choose another directory, or pass --force to replace it`,
      );
    }
    if (this.spec.strict && held.length === 0 && entries.length > 0 && !force) {
      throw new UsageError(
        `${this.flag}: ${this.dir} exists and is not empty; choose another directory or pass --force`,
      );
    }
    if (held.length === 0) return;
    const aside = this.path(`${ASIDE_PREFIX}${process.pid}`);
    mkdirSync(aside);
    const manifest: Manifest = { checkpoint: this.spec.checkpoint, files: [...this.spec.files], moved: held };
    writeFileSync(join(aside, MANIFEST), JSON.stringify(manifest));
    this.aside = aside;
    for (const f of held) renameSync(this.path(f), join(aside, f));
  }
}

/**
 * The flags given with a resume: each must be one of `allowed` (attribute names), otherwise the resume is
 * refused naming them (a resumed run keeps the options it was started with; nothing is silently ignored).
 */
export function refuseResumeFlags(cmd: Command, allowed: readonly string[], dir: string): void {
  const given = cmd.options
    .filter((o) => {
      const src = cmd.getOptionValueSource(o.attributeName());
      return (src === "cli" || src === "env") && !allowed.includes(o.attributeName());
    })
    .map((o) => o.long ?? o.short ?? o.name());
  if (given.length === 0) return;
  const ok = cmd.options.filter((o) => allowed.includes(o.attributeName())).map((o) => o.long ?? o.name());
  throw new UsageError(
    `${given.join(", ")}: cannot be given with a resume (the run in ${dir} keeps the options it was started with; start a new --out to change them); a resume accepts ${ok.join(", ")}`,
  );
}
