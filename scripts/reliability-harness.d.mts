// Types of scripts/reliability-harness.mjs for test/cli-lifecycle.test.ts.
import type { ChildProcess } from "node:child_process";

export interface HarnessCommand {
  args: string[];
  checkpoint: string;
  finished: string | null;
  also: string[];
  compare: Record<string, "bytes" | "json" | "envelope">;
  other: string[];
  resume?: string[];
}
export interface Spawned {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  ms: number;
  pid: number | undefined;
}
export function rng(seed: number): () => number;
export function toyData(dir: string): { img3: string; img2: string };
export function commands(data: { img3: string; img2: string }): Record<string, HarnessCommand>;
export function fingerprint(dir: string, cmd: HarnessCommand): Record<string, string>;
export function mcm(args: string[], o?: { onSpawn?: (c: ChildProcess) => void; timeoutMs?: number }): Promise<Spawned>;
export function interrupt(
  cmd: HarnessCommand,
  out: string,
  o: { signal: NodeJS.Signals; mode: "time" | "write"; ms: number; nth?: number },
): Promise<{ first: Spawned; kept: boolean; finish: Spawned }>;
export function flipBit(path: string, bit: number): void;
export function everyBitFlip(
  bytes: Uint8Array,
  verify: (b: Uint8Array) => unknown,
  bits?: number | null,
): { tried: number; accepted: number };
export function references(
  root: string,
  cmds: Record<string, HarnessCommand>,
): Promise<Record<string, { out: string; ms: number; print: Record<string, string> }>>;
export function corruptCopy(ref: string, cmd: HarnessCommand, to: string, corrupt: (path: string) => void): string;
export function resumeCorrupted(dir: string, cmd: HarnessCommand, refPrint: Record<string, string>): Promise<string>;
