/**
 * The sample-complexity law of a direction with information exponent k (docs/model.md section 7): the
 * first hit needs n* ∝ d samples for k = 1, d log d for k = 2 and d^(k-1) for k >= 3. Defined once, with
 * its label: the exponent calculator, the phase summary, its median check and the sweep plots read it here.
 */

export interface ScalingLaw {
  /** The exponent of d: 1 for k <= 2, k - 1 beyond. */
  exponent: number;
  /** k = 2: the law carries a factor log d. */
  logCorrected: boolean;
  /** "d", "d log d", "d^2", ... */
  label: string;
  /** The law's value at d: d^exponent, times ln d when logCorrected. */
  at(d: number): number;
}

/** The law of exponent k (k >= 1); null when k is null (never learned). */
export function scalingLaw(k: number | null): ScalingLaw | null {
  if (k === null) return null;
  const exponent = k <= 2 ? 1 : k - 1;
  const logCorrected = k === 2;
  return {
    exponent,
    logCorrected,
    label: logCorrected ? "d log d" : exponent === 1 ? "d" : `d^${exponent}`,
    at: (d) => d ** exponent * (logCorrected ? Math.log(d) : 1),
  };
}

/** "d", "d log d", "d^2", ... for an exponent k (k >= 1). */
export function scalingOf(k: number): string {
  return (scalingLaw(k) as ScalingLaw).label;
}
