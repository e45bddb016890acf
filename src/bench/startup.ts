/**
 * Start-up time of the `mcm` command line beside a bare Node process, measured side by side: the runs of
 * `node -e ''`, `mcm --version` and `mcm run --help` are interleaved, so that the machine's load affects
 * all three alike; medians of wall time, and each command's excess over bare Node and its ratio to it.
 * The target (docs/architecture.md): both commands within 0.3 s of bare Node.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { median } from "../experiments/stats.js";

export interface StartupRow {
  command: string;
  /** Median wall seconds. */
  seconds: number;
  /** seconds minus bare Node's. */
  excess: number;
  /** seconds over bare Node's. */
  ratio: number;
}

export interface StartupBench {
  runs: number;
  node: number;
  rows: StartupRow[];
  /** Both excesses within 0.3 s. */
  met: boolean;
}

export const STARTUP_TARGET_SECONDS = 0.3;

function wallSeconds(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: "ignore" });
  if (r.status !== 0) throw new Error(`startup bench: node ${args.join(" ")} exited ${r.status}`);
  return (performance.now() - t0) / 1000;
}

/** Interleaved runs of bare Node, `mcm --version` and `mcm run --help` (needs the built dist/). */
export function runStartupBench(options: { quick?: boolean } = {}): StartupBench {
  const cli = fileURLToPath(new URL("../cli/index.js", import.meta.url));
  const cases: { command: string; args: string[] }[] = [
    { command: "node -e ''", args: ["-e", ""] },
    { command: "mcm --version", args: [cli, "--version"] },
    { command: "mcm run --help", args: [cli, "run", "--help"] },
  ];
  const runs = options.quick ? 5 : 15;
  const times = cases.map(() => [] as number[]);
  for (let r = 0; r < runs; r++) {
    // Rotate the order each round, so that no case always runs first.
    for (let i = 0; i < cases.length; i++) {
      const j = (i + r) % cases.length;
      times[j].push(wallSeconds(cases[j].args));
    }
  }
  const node = median(times[0]);
  const rows = cases.slice(1).map((c, i) => {
    const seconds = median(times[i + 1]);
    return { command: c.command, seconds, excess: seconds - node, ratio: seconds / node };
  });
  return { runs, node, rows, met: rows.every((r) => r.excess <= STARTUP_TARGET_SECONDS) };
}

/** The start-up table as text. */
export function formatStartupBench(b: StartupBench): string {
  return [
    "",
    `CLI start-up, wall time, median of ${b.runs} interleaved runs: node -e '' ${b.node.toFixed(3)} s`,
    ...b.rows.map(
      (r) =>
        `  ${r.command.padEnd(16)} ${r.seconds.toFixed(3)} s = node + ${r.excess.toFixed(3)} s (ratio ${r.ratio.toFixed(2)})`,
    ),
    `  ${b.met ? "met    " : "NOT met"}  both within ${STARTUP_TARGET_SECONDS} s of bare node`,
  ].join("\n");
}
