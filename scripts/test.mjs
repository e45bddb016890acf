// Runs vitest with a JSON report and prints the plain closing line "N passed, N failed" that CI reads.
// Extra arguments go to vitest (e.g. a file filter).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";

const report = ".vitest-report.json";
rmSync(report, { force: true });
const args = [
  "vitest",
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
];
const result = spawnSync("npx", args, { stdio: "inherit" });
if (!existsSync(report)) {
  console.error("scripts/test.mjs: vitest wrote no JSON report");
  console.log("0 passed, 1 failed");
  process.exit(1);
}
const json = JSON.parse(readFileSync(report, "utf8"));
const passed = json.numPassedTests ?? 0;
// A file that fails to load has no test results of its own: count it as one failure.
const brokenFiles = (json.testResults ?? []).filter(
  (r) => r.status === "failed" && r.assertionResults.length === 0,
).length;
const failed = (json.numFailedTests ?? 0) + brokenFiles;
const skipped = (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(result.status === 0 && failed === 0 ? 0 : 1);
