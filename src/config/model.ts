/**
 * deriveModel: every quantity the engine, the theory, the summaries and the page derive from a config,
 * computed once: the learning rate eta, the process's alpha and sigma, the initial skip, the spikes that
 * are present, the parsed latent and correlation laws, and the kernels' codes for them (src/engine/abi.ts,
 * generated from assembly/params.ts).
 */

import {
  ACT_ERF,
  ACT_HE3,
  ACT_LINEAR,
  ACT_RELU,
  ACT_SIGN,
  ACT_TABLE,
  ACT_TANH,
  CORR_INDEPENDENT,
  CORR_MIXED,
  CORR_SIGN,
  CORR_UNCORRELATED,
  LATENT_TWO_POINT,
  LATENT_UNIFORM,
  SPIKES_BASIS,
  SPIKES_RANDOM,
  TARGET_NOISE,
  TARGET_X0,
} from "../engine/abi.js";
import type { Direction } from "./directions.js";
import { isExpressionActivation, type ParsedActivation, parseExpressionActivation } from "./expr.js";
import { alphaSigma, optimalSkip } from "./process.js";
import {
  type Activation,
  type Config,
  type CorrelationLaw,
  type LatentLaw,
  parseCorrelation,
  parseLatent,
} from "./schema.js";

/** The kernels' code of each activation (assembly/activation.ts). */
export const ACT_CODE = {
  tanh: ACT_TANH,
  erf: ACT_ERF,
  relu: ACT_RELU,
  sign: ACT_SIGN,
  linear: ACT_LINEAR,
  he3: ACT_HE3,
} as const satisfies Record<Activation, number>;

export type { CorrelationLaw, LatentLaw } from "./schema.js";

const LATENT_CODE = { "two-point": LATENT_TWO_POINT, uniform: LATENT_UNIFORM } as const;
const CORR_CODE = {
  independent: CORR_INDEPENDENT,
  sign: CORR_SIGN,
  mixed: CORR_MIXED,
  uncorrelated: CORR_UNCORRELATED,
} as const;

/** The kernels' table of a formula activation (built by src/engine/table.ts; docs/activations.md). */
export interface ActivationTable {
  /** The formula of g and its symbolic derivative, in the expression language. */
  readonly formula: string;
  readonly derivative: string;
  /** The table covers [-range, range] with `intervals` cubic Hermite pieces of width `spacing`. */
  readonly range: number;
  readonly spacing: number;
  readonly intervals: number;
  /** The bound met on a dense grid: |table - f| <= tolerance max(1, |f|) for f = g and g'. */
  readonly tolerance: number;
  /** The largest relative errors found on that grid. */
  readonly maxError: { readonly g: number; readonly gp: number };
  /** FNV-1a 64 of the table's bytes, as 16 hex digits. */
  readonly checksum: string;
  /** [intervals, 8] coefficients, then g(-range), g'(-range), g(range), g'(range). */
  readonly data: Float64Array;
}

/** What outputs record of a table (config.json, summary.json, checkpoints): all but its data. */
export type ActivationTableRecord = Omit<ActivationTable, "data">;

export function activationTableRecord(table: ActivationTable): ActivationTableRecord {
  const { data: _data, ...record } = table;
  return record;
}

export interface Model {
  readonly config: Config;
  /** The activation: a built-in, or a formula (parsed) that the engine tabulates. */
  readonly activation: ParsedActivation;
  /** The half-width L of the table of a formula activation: the pre-activation h = w . xt stays within
   * alpha betaM + 10 sd(h) (sd(h)^2 <= alpha^2 (1 + betaU) + sigma^2 for a unit w), rounded up, at least 6. */
  readonly tableRange: number;
  /** The table, once the engine has built it (createSimulation). */
  readonly table?: ActivationTable;
  /** eta = delta d^-lrExponent (docs/model.md section 4). */
  readonly eta: number;
  /** xt = alpha x0 + sigma xi (docs/model.md section 3). */
  readonly alpha: number;
  readonly sigma: number;
  /** The initial skip b: the optimal isotropic skip unless config.skip is a number. */
  readonly skip0: number;
  /** The spikes present: u and v, and m when betaM > 0. */
  readonly directions: readonly Direction[];
  /** Number of spikes present, q = directions.length (2 or 3). */
  readonly q: number;
  readonly latent: LatentLaw;
  readonly correlation: CorrelationLaw;
  /** The kernels' enum codes (src/engine/abi.ts). */
  readonly codes: {
    readonly act: number;
    readonly latent: number;
    readonly corr: number;
    readonly target: number;
    readonly spikes: number;
  };
}

/** eta = delta * d^(-lrExponent) (docs/model.md section 4). */
export function learningRate(config: Pick<Config, "delta" | "d" | "lrExponent">): number {
  return config.delta * config.d ** -config.lrExponent;
}

/** The initial skip of a config: config.skip, or the optimal isotropic skip. */
export function initialSkip(config: Pick<Config, "skip" | "process" | "t" | "target">): number {
  return config.skip === "optimal" ? optimalSkip(config.process, config.t, config.target) : config.skip;
}

/** The spikes present: u and v, and m when the mean spike is on (betaM > 0). */
export function spikeDirections(config: Pick<Config, "betaM">): readonly Direction[] {
  return config.betaM > 0 ? ["u", "v", "m"] : ["u", "v"];
}

/** Number of spikes present, q: 3 with the mean spike, else 2. */
export function spikeCount(config: Pick<Config, "betaM">): number {
  return spikeDirections(config).length;
}

/** The pre-activation range a formula's table covers (Model.tableRange). */
export function tableRange(alpha: number, sigma: number, config: Pick<Config, "betaU" | "betaM">): number {
  const sd = Math.sqrt(alpha * alpha * (1 + config.betaU) + sigma * sigma);
  return Math.max(6, Math.ceil(Math.abs(alpha) * config.betaM + 10 * sd));
}

/** The activation of a config: a built-in name, or a formula ("expr:..." or a shortcut) parsed. */
export function parseActivation(name: string): ParsedActivation {
  return isExpressionActivation(name) ? parseExpressionActivation(name) : { kind: "builtin", name };
}

/** Everything derived from a validated config (resolveConfig's output). */
export function deriveModel(config: Config): Model {
  const latent = parseLatent(config.latent);
  const correlation = parseCorrelation(config.correlation);
  if (!latent || !correlation) throw new Error("deriveModel: config was not validated (use resolveConfig)");
  const { alpha, sigma } = alphaSigma(config.process, config.t);
  const directions = spikeDirections(config);
  const activation = parseActivation(config.activation);
  return {
    config,
    activation,
    tableRange: tableRange(alpha, sigma, config),
    eta: learningRate(config),
    alpha,
    sigma,
    skip0: initialSkip(config),
    directions,
    q: directions.length,
    latent,
    correlation,
    codes: {
      act: activation.kind === "expr" ? ACT_TABLE : ACT_CODE[config.activation as Activation],
      latent: LATENT_CODE[latent.kind],
      corr: CORR_CODE[correlation.kind],
      target: config.target === "x0" ? TARGET_X0 : TARGET_NOISE,
      spikes: config.spikes === "basis" ? SPIKES_BASIS : SPIKES_RANDOM,
    },
  };
}
