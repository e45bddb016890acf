// Sweeps: bit-identical on 1 and 2 threads and for any chunking; an interrupted sweep resumes.
import { describe, expect, it } from "vitest";
import { runSweep, type SweepSpec } from "../src/experiments/sweep.js";
import type { TaskResult } from "../src/experiments/sweep-task.js";

const spec: SweepSpec = {
  base: { betaU: 5, betaV: 5 },
  grid: { d: [16, 32], correlation: ["independent", "sign"] },
  seeds: 6,
  steps: (c) => 20 * c.d,
  seed: 77,
};

const strip = (r: Awaited<ReturnType<typeof runSweep>>) => JSON.stringify(r.points);

describe("sweep", () => {
  it("gives identical results on 1 and 2 worker threads, inline, and with other chunk sizes", async () => {
    const one = await runSweep(spec, { threads: 1 });
    const two = await runSweep(spec, { threads: 2, chunk: 2 });
    const inline = await runSweep(spec, { threads: 0, chunk: 6 });
    expect(strip(two)).toBe(strip(one));
    expect(strip(inline)).toBe(strip(one));
    expect(one.points).toHaveLength(4);
    // The covariance direction was learned within 20 d at these settings in most walkers.
    const hitsU = one.points.flatMap((p) => p.directions.u?.hits ?? []);
    expect(hitsU.filter((h) => h !== null).length).toBeGreaterThan(hitsU.length / 2);
  });

  it("an interrupted sweep resumes from its finished tasks and ends identical", async () => {
    const full = await runSweep(spec, { threads: 0, chunk: 3 });
    const finished = new Map<string, TaskResult>();
    const stop = new AbortController();
    await expect(
      runSweep(spec, {
        threads: 0,
        chunk: 3,
        signal: stop.signal,
        onTask: (key, r) => {
          finished.set(key, r);
          if (finished.size === 3) stop.abort();
        },
      }),
    ).rejects.toThrow(/aborted/);
    expect(finished.size).toBe(3);
    let ran = 0;
    const resumed = await runSweep(spec, { threads: 0, chunk: 3, finished, onTask: () => ran++ });
    expect(ran).toBe(8 - 3);
    expect(strip(resumed)).toBe(strip(full));
  });

  it("fits an exponent per direction and correlation law over d", async () => {
    const r = await runSweep(spec, { threads: 0 });
    expect(r.fits.map((f) => `${f.direction}:${f.at.correlation}`).sort()).toEqual(
      ["u:independent", "u:sign", "v:independent", "v:sign"].sort(),
    );
  });
});
