/**
 * The checkpoints of sweep, generate, images and diffusion in the one envelope (src/io/envelope.ts): the
 * header every command writes, and the reading that verifies a checkpoint before it is believed (checksum,
 * kind, then every option against the schema a new run faces), each refusal naming the file and the field.
 */
import { readFileSync } from "node:fs";
import { type EnvelopeHeader, EnvelopeMismatchError, openEnvelope, sealEnvelope } from "../io/envelope.js";
import { canonicalJson } from "../io/json.js";
import { packageVersion } from "../io/stamp.js";
import type { RunDir } from "./rundir.js";

/** The header of a checkpoint: this mcm's version and the run's options, seed and kernel build. */
export function header(
  options: unknown,
  seed: string | number,
  build: EnvelopeHeader["build"],
  extra: Record<string, unknown> = {},
): EnvelopeHeader {
  return { tool: "mcm", version: packageVersion(), options, seed: String(seed), build, ...extra };
}

/** Writes a checkpoint of `kind` in its envelope (atomically) and marks the run as landed. */
export function writeEnvelope(
  dir: RunDir,
  name: string,
  kind: string,
  head: EnvelopeHeader,
  payload: Uint8Array | string,
): void {
  dir.writeCheckpoint(name, sealEnvelope(kind, head, payload));
}

/**
 * Reads DIR/NAME as a checkpoint of `kind`: the checksum and kind first, then `resolve` (the schema of a new
 * run) must accept the header's options and give them back unchanged. Returns the options and the payload.
 */
export function readEnvelope<O>(
  dir: RunDir,
  name: string,
  kind: string,
  resolve: (raw: unknown) => O,
): { header: EnvelopeHeader; options: O; payload: Uint8Array } {
  const file = dir.path(name);
  const { header, payload } = openEnvelope(new Uint8Array(readFileSync(file)), file, kind);
  return { header, options: checkOptions(file, header.options, resolve), payload };
}

/** Options a file records, checked as a new run's would be: refused naming the file and the field. */
export function checkOptions<O>(file: string, raw: unknown, resolve: (raw: unknown) => O): O {
  let options: O;
  try {
    options = resolve(raw);
  } catch (e) {
    throw new EnvelopeMismatchError(`${file}: options: ${(e as Error).message}`);
  }
  const a = raw as Record<string, unknown>;
  const b = options as Record<string, unknown>;
  for (const key of new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])) {
    if (canonicalJson(a?.[key] ?? null) !== canonicalJson(b?.[key] ?? null)) {
      throw new EnvelopeMismatchError(
        `${file}: options: ${key}: the file has ${JSON.stringify(a?.[key])}, which a new run would take as ${JSON.stringify(b?.[key])}`,
      );
    }
  }
  return options;
}

/** The checkpoint's options against the options file beside it: a checkpoint of another run is refused. */
export function sameOptions(file: string, options: unknown, recordFile: string, recorded: unknown): void {
  const a = options as Record<string, unknown>;
  const b = recorded as Record<string, unknown>;
  for (const key of new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])) {
    if (canonicalJson(a?.[key] ?? null) !== canonicalJson(b?.[key] ?? null)) {
      throw new EnvelopeMismatchError(
        `${file}: options: ${key}: ${JSON.stringify(a?.[key])} in the checkpoint, ${JSON.stringify(b?.[key])} in ${recordFile} (a checkpoint of another run?)`,
      );
    }
  }
}

/** A JSON file a run directory records (options, spec): its parse error names the file. */
export { readJsonFile } from "./read-json.js";
