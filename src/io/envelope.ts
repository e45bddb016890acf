/**
 * The one checkpoint envelope (docs/reliability.md): every checkpoint file a command resumes from carries a
 * format version, its kind (which command wrote it), a header (options, seed, kernel build, tool version) and
 * a SHA-256 over its whole content, verified before anything in it is believed. Layout:
 *
 *   mcm-checkpoint/1 KIND SHA256 LENGTH\n     one ASCII line
 *   {header JSON}\n                          one line
 *   payload                                  the command's own bytes (JSON text or a binary encoding)
 *
 * SHA256 (64 hex digits) covers the LENGTH bytes after the first line: the header line and the payload, so
 * a changed bit anywhere is refused (in the first line it breaks the format, the kind, the digest or the
 * length). `mcm run`'s checkpoint.npz stays a plain numpy archive: its digest sits in the zip comment
 * (sealZip), which numpy ignores.
 */
import { createHash } from "node:crypto";

export const ENVELOPE_FORMAT = "mcm-checkpoint/1";

/** A checkpoint whose bytes cannot be trusted (corrupted, truncated, not a checkpoint): exit 1. */
export class EnvelopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EnvelopeError";
  }
}

/** A sound checkpoint that belongs to another command or run, or whose header a new run would refuse: exit 2. */
export class EnvelopeMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EnvelopeMismatchError";
  }
}

/** What every envelope's header holds (commands add their own fields). */
export interface EnvelopeHeader {
  tool: "mcm";
  /** The package version that wrote it. */
  version: string;
  /** The options a new run would be given, as the command's schema resolved them. */
  options: unknown;
  seed: string;
  /** The kernel build that computed it (null where the command does not pin one). */
  build: { flavour: string; hash: string } | null;
  [extra: string]: unknown;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const enc = new TextEncoder();

/** The envelope's bytes around a payload. */
export function sealEnvelope(kind: string, header: EnvelopeHeader, payload: Uint8Array | string): Uint8Array {
  if (!/^[a-z][a-z-]*$/.test(kind)) throw new Error(`envelope kind: got ${JSON.stringify(kind)}`);
  const head = enc.encode(`${JSON.stringify(header)}\n`);
  const body = typeof payload === "string" ? enc.encode(payload) : payload;
  const content = new Uint8Array(head.length + body.length);
  content.set(head, 0);
  content.set(body, head.length);
  const first = enc.encode(`${ENVELOPE_FORMAT} ${kind} ${sha256(content)} ${content.length}\n`);
  const out = new Uint8Array(first.length + content.length);
  out.set(first, 0);
  out.set(content, first.length);
  return out;
}

/**
 * Opens an envelope of the expected kind: the first line, then the digest over the rest, then the header.
 * `file` names the file in every message.
 */
export function openEnvelope(
  bytes: Uint8Array,
  file: string,
  kind: string,
): { header: EnvelopeHeader; payload: Uint8Array } {
  const nl = bytes.indexOf(10);
  const line = nl > 0 && nl < 200 ? new TextDecoder().decode(bytes.subarray(0, nl)) : "";
  const m = /^mcm-checkpoint\/(\d+) ([a-z][a-z-]*) ([0-9a-f]{64}) (\d+)$/.exec(line);
  if (!m) {
    throw new EnvelopeError(
      `${file}: not an mcm checkpoint (expected a first line "${ENVELOPE_FORMAT} KIND SHA256 LENGTH"; written by an older mcm, or corrupted)`,
    );
  }
  if (`mcm-checkpoint/${m[1]}` !== ENVELOPE_FORMAT) {
    // Another format version (a newer mcm wrote it): refused like any file of another kind, exit 2.
    throw new EnvelopeMismatchError(`${file}: format: expected ${ENVELOPE_FORMAT}, found mcm-checkpoint/${m[1]}`);
  }
  const content = bytes.subarray(nl + 1);
  if (content.length !== Number(m[4])) {
    throw new EnvelopeError(
      `${file}: length: expected ${m[4]} bytes after the first line, found ${content.length} (truncated or corrupted)`,
    );
  }
  const digest = sha256(content);
  if (digest !== m[3]) {
    throw new EnvelopeError(
      `${file}: checksum: expected SHA-256 ${m[3]}, found ${digest} (the file is corrupted or was edited)`,
    );
  }
  if (m[2] !== kind) {
    throw new EnvelopeMismatchError(`${file}: kind: expected a ${kind} checkpoint, found a ${m[2]} checkpoint`);
  }
  const hl = content.indexOf(10);
  let header: EnvelopeHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(content.subarray(0, hl < 0 ? content.length : hl)));
  } catch {
    throw new EnvelopeError(`${file}: header: not JSON`);
  }
  if (header === null || typeof header !== "object" || header.tool !== "mcm") {
    throw new EnvelopeMismatchError(`${file}: header: expected an object with tool "mcm"`);
  }
  return { header, payload: content.subarray(hl + 1) };
}

/** The checkpoint's seed and build against what this run expects, each difference named (exit 2 / exit 1). */
export function checkHeader(
  file: string,
  header: EnvelopeHeader,
  expect: { seed?: string; build?: { flavour: string; hash: string } | null },
): void {
  if (expect.seed !== undefined && header.seed !== expect.seed) {
    throw new EnvelopeMismatchError(`${file}: seed: expected ${expect.seed}, found ${JSON.stringify(header.seed)}`);
  }
  if (expect.build && header.build && header.build.hash !== expect.build.hash) {
    throw new EnvelopeError(
      `${file}: build: expected ${expect.build.hash} (this build's ${expect.build.flavour} kernels), found ${header.build.hash} (${header.build.flavour}); resume with the build that wrote it`,
    );
  }
}

// ---- zip (checkpoint.npz) ----

const SIG_END = 0x06054b50;
const ZIP_TAG = "mcm-sha256:";

function endRecord(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (view.getUint32(i, true) === SIG_END) return i;
  }
  return -1;
}

/** A zip archive with the SHA-256 of everything before its comment written as the comment. */
export function sealZip(zip: Uint8Array): Uint8Array {
  const end = endRecord(zip);
  if (end < 0 || end + 22 !== zip.length) throw new Error("sealZip: expected a zip archive without a comment");
  const comment = enc.encode(`${ZIP_TAG}${"0".repeat(64)}`);
  const out = new Uint8Array(zip.length + comment.length);
  out.set(zip, 0);
  new DataView(out.buffer).setUint16(end + 20, comment.length, true);
  out.set(enc.encode(ZIP_TAG + sha256(out.subarray(0, end + 22))), end + 22);
  return out;
}

/** Checks a sealed zip archive's digest (before its members are read); throws EnvelopeError naming the file. */
export function verifyZip(bytes: Uint8Array, file: string): void {
  const end = endRecord(bytes);
  const tail = end < 0 ? "" : new TextDecoder().decode(bytes.subarray(end + 22));
  const stated = end < 0 ? 0 : new DataView(bytes.buffer, bytes.byteOffset).getUint16(end + 20, true);
  const m = /^mcm-sha256:([0-9a-f]{64})$/.exec(tail);
  if (!m || stated !== tail.length) {
    throw new EnvelopeError(
      `${file}: checksum: expected a zip comment "${ZIP_TAG}SHA256" after the end-of-central-directory record, found ${end < 0 ? "no such record (truncated or not a zip archive)" : "none (truncated, corrupted, or written by an older mcm)"}`,
    );
  }
  const digest = sha256(bytes.subarray(0, end + 22));
  if (digest !== m[1]) {
    throw new EnvelopeError(
      `${file}: checksum: expected SHA-256 ${m[1]}, found ${digest} (the file is corrupted or was edited)`,
    );
  }
}
