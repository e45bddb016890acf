#!/usr/bin/env node
/**
 * `npm run bench [-- --quick] [-- --json]`: runs the benchmark and prints the table (or JSON). Until the
 * CLI has an `mcm bench` command, this is the entry; that command can call runBench/formatBench alike.
 */
import { formatBench, runBench } from "./index.js";

const USAGE = "usage: bench [--quick] [--json] [--no-native] [--reps N] [--seconds S]";

function parse(argv: string[]) {
  const opts = {
    quick: false,
    json: false,
    native: true,
    repetitions: undefined as number | undefined,
    seconds: undefined as number | undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") opts.quick = true;
    else if (a === "--json") opts.json = true;
    else if (a === "--no-native") opts.native = false;
    else if (a === "--reps" || a === "--seconds") {
      const v = Number(argv[++i]);
      if (a === "--reps") opts.repetitions = v;
      else opts.seconds = v;
    } else if (a === "--help" || a === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else {
      console.error(`bench: unknown option ${JSON.stringify(a)}\n${USAGE}`);
      process.exit(2);
    }
  }
  return opts;
}

const opts = parse(process.argv.slice(2));
try {
  const result = await runBench({
    quick: opts.quick,
    native: opts.native,
    repetitions: opts.repetitions,
    seconds: opts.seconds,
    onProgress: (m) => process.stderr.write(`bench: ${m}\n`),
  });
  console.log(opts.json ? JSON.stringify(result, null, 2) : formatBench(result));
} catch (e) {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
