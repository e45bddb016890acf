/**
 * The header every JSON output of `mcm` carries at its top level (docs/outputs.md):
 *
 *   tool     "mcm-diffusion"
 *   version  the package version that wrote the file
 *   build    the WASM kernel build that computed it ("simd" or "scalar"), null when no kernel ran
 *   schema   the file kind and its format version, "mcm.<kind>/<n>" (e.g. "mcm.sweep/1")
 *
 * Writers call `stamp` where they serialise; readers of files that `mcm` reads back (resume, --config)
 * call `unstamp`, which accepts files written before the header existed and refuses, naming both, a file
 * of another kind or of a newer format version. Node-only (reads package.json).
 */
import { readFileSync } from "node:fs";

export const TOOL = "mcm-diffusion";

/** The kernel build that produced a file; null when none ran (theory, status, errors). */
export type Build = "simd" | "scalar" | null;

export interface Stamp {
  tool: typeof TOOL;
  version: string;
  build: Build;
  schema: string;
}

const HEADER_KEYS = ["tool", "version", "build", "schema"] as const;

let cachedVersion: string | null = null;

/** The package version from package.json (two levels up from both src/io and dist/io). */
export function packageVersion(): string {
  if (cachedVersion === null) {
    const url = new URL("../../package.json", import.meta.url);
    cachedVersion = (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
  }
  return cachedVersion;
}

/** `doc` with the header in front (the header's values win over same-named fields of `doc`). */
export function stamp<T extends object>(schema: string, build: Build, doc: T): Stamp & T {
  const header: Stamp = { tool: TOOL, version: packageVersion(), build, schema };
  return Object.assign({ ...header }, doc, header);
}

/** Raised by `unstamp` for a file of another kind or a newer format. */
export class StampError extends Error {
  override name = "StampError";
}

const parseSchema = (s: string) => {
  const m = /^(.+)\/([0-9]+)$/.exec(s);
  return m ? { kind: m[1], n: Number(m[2]) } : null;
};

/**
 * The body of a stamped document read back (`tool`, `build` and `schema` removed, and `version` unless
 * `keepVersion`), after checking that it is of the `expected` kind ("mcm.sweep-spec/1") at a format version
 * this build reads (up to the expected one). A document without a schema is taken as written before the
 * header existed (format 0) and returned as it is. `file` names the file in the error.
 */
export function unstamp<T>(file: string, doc: T, expected: string, keepVersion = false): T {
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return doc;
  const record = doc as Record<string, unknown>;
  if (record.schema === undefined) return doc;
  const want = parseSchema(expected);
  const found = typeof record.schema === "string" ? parseSchema(record.schema) : null;
  if (!want || !found || found.kind !== want.kind || found.n > want.n) {
    const by = typeof record.version === "string" ? ` (written by ${TOOL} ${record.version})` : "";
    const why = found && want && found.kind === want.kind ? "; a newer mcm-diffusion reads it" : "";
    throw new StampError(`${file}: schema: expected ${expected}, found ${JSON.stringify(record.schema)}${by}${why}`);
  }
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    if ((HEADER_KEYS as readonly string[]).includes(k) && !(keepVersion && k === "version")) continue;
    body[k] = v;
  }
  return body as T;
}
