/**
 * The log-spaced grid of steps at which overlaps are recorded: step 0, every ceil(10^(j / perDecade))
 * for j = 0, 1, 2, ..., and the final step. It does not depend on the final step, so a resumed run
 * logs at the same steps as an uninterrupted one.
 */

/** The smallest grid step strictly greater than `step`. */
export function nextGridStep(step: number, perDecade: number): number {
  if (step < 1) return 1;
  // Start from an estimate and correct for rounding in log10.
  let j = Math.floor(Math.log10(step) * perDecade) - 1;
  if (j < 0) j = 0;
  for (;;) {
    const s = Math.ceil(10 ** (j / perDecade) - 1e-9);
    if (s > step) return s;
    j++;
  }
}

/** All grid steps in [0, total], total included. */
export function gridSteps(total: number, perDecade: number): number[] {
  const steps = [0];
  for (let s = nextGridStep(0, perDecade); s < total; s = nextGridStep(s, perDecade)) steps.push(s);
  if (total > 0) steps.push(total);
  return steps;
}
