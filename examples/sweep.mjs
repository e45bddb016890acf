// A sweep from a script, as `mcm sweep` runs it but writing nothing: medians of the first-hitting step n*
// per d with their 95% intervals, the fitted exponent of n*(d) beside the theory, progress and cancellation.
// Run by test/examples.test.ts.
import { sweep } from "mcm-diffusion";

const spec = { grid: { d: [16, 32, 64] }, seeds: 8, steps: "20*d*log(d)", seed: 1, directions: ["u"] };

const result = await sweep(spec, {
  onProgress: ({ done, total }) => process.stderr.write(`\rsweep: ${done}/${total} tasks`),
});
process.stderr.write("\n");
for (const p of result.points) {
  const m = p.directions.u.median; // hits: one step per walker, null where censored (beyond p.steps)
  console.log(`d = ${p.config.d}: median n* ${m.median} [${m.lo}, ${m.hi}], ${m.censored}/${m.n} censored`);
}
const row = result.phase[0];
console.log(`w.u: n* ~ d^${row.measured?.toFixed(2)} [${row.ci?.map((x) => x.toFixed(2)).join(", ")}], theory: ${row.predictedScaling}`);

// Cancellation: an AbortSignal stops a sweep; the tasks finished before were reported through onTask.
const controller = new AbortController();
const kept = new Map();
try {
  await sweep(
    { ...spec, grid: { d: [128, 256] }, seeds: 64 },
    { threads: 0, signal: controller.signal, onTask: (key, r) => (kept.set(key, r), controller.abort()) },
  );
} catch (e) {
  console.log(`second sweep cancelled after ${kept.size} task (${e.message}); pass them back as \`finished\` to continue`);
}
