/**
 * The model's spike directions (docs/model.md section 2): u the covariance spike, v the cumulant spike,
 * m the mean spike, in the order of the overlap arrays' last axis. Defined once: the engine, the theory,
 * the experiments, the reports and the page name a direction with this type.
 */
export const DIRECTIONS = ["u", "v", "m"] as const;
export type Direction = (typeof DIRECTIONS)[number];
