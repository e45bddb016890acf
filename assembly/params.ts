// The parameter block and the enum codes of the MCM kernels: the one list of these numbers.
// The host's copy, src/engine/abi.ts, is generated from this file by scripts/gen-abi.mjs at build time
// (and checked by test/abi.test.ts), so keep every line here of the form `export const NAME: i32 = N;`.
// The parameter block is an f64 array the host writes and configure() reads into module globals; each
// P_ constant is the slot of one value.

export const P_D: i32 = 0;
export const P_K: i32 = 1;
export const P_ALPHA: i32 = 2;
export const P_SIGMA: i32 = 3;
export const P_BETA_U: i32 = 4;
export const P_BETA_V: i32 = 5;
export const P_BETA_M: i32 = 6;
export const P_LATENT: i32 = 7; // a LATENT_ code
export const P_NU_P: i32 = 8; // two-point law: P(nu = nuHi)
export const P_CORR: i32 = 9; // a CORR_ code
export const P_MIX_P: i32 = 10;
export const P_ACT: i32 = 11; // an ACT_ code
export const P_ETA: i32 = 12;
export const P_TRAIN_SKIP: i32 = 13;
export const P_TRAIN_AMP: i32 = 14;
export const P_TARGET: i32 = 15; // a TARGET_ code
export const P_THRESHOLD: i32 = 16;
export const P_WALKERS: i32 = 17;
// Layout: byte offsets into linear memory.
export const P_U: i32 = 20;
export const P_V: i32 = 21;
export const P_M: i32 = 22;
export const P_X0: i32 = 23; // scratch [d]: z, then x0
export const P_XI: i32 = 24; // scratch [d]
export const P_XT: i32 = 25; // scratch [d]
export const P_R: i32 = 26; // scratch [d]: residual D(xt) - target
export const P_W: i32 = 27; // [walkers, K, d]
export const P_A: i32 = 28; // [walkers, K]
export const P_B: i32 = 29; // [walkers]
export const P_STEP: i32 = 30; // [walkers] steps taken (f64, exact below 2^53)
export const P_OVL: i32 = 31; // [walkers, K, 3] current overlaps with u, v, m
export const P_HIT: i32 = 32; // [walkers, K, 3] first step with |overlap| >= threshold, -1 while not reached
export const P_RNG_TRAIN: i32 = 33; // [walkers] 32-byte xoshiro states
export const P_RNG_EVAL: i32 = 34; // [walkers]
export const P_UNIT: i32 = 35; // scratch [K, 4]: h, g(h), g'(h), w.r
export const P_TABLE: i32 = 36; // ACT_TABLE: [TABLE_N, 8] cubic coefficients of g and g', then 4 tail values
export const P_TABLE_N: i32 = 37; // intervals of the table
export const P_TABLE_LO: i32 = 38; // its left end -L
export const P_TABLE_INV_DX: i32 = 39; // 1 / its spacing
export const P_COUNT: i32 = 40;

// Activation codes, in the order of ACTIVATIONS in src/config/schema.ts (the images kernels use them too).
export const ACT_TANH: i32 = 0;
export const ACT_ERF: i32 = 1; // erf(h / sqrt 2)
export const ACT_RELU: i32 = 2;
export const ACT_SIGN: i32 = 3;
export const ACT_LINEAR: i32 = 4;
export const ACT_HE3: i32 = 5; // He3(h) / 6
export const ACT_TABLE: i32 = 6; // a formula tabulated by the host (assembly/table.ts, src/engine/table.ts)

// Opcodes of the formula bytecode (assembly/table.ts; src/config/expr-calculus.ts compiles to it): postfix
// pairs (opcode, immediate) of f64; functions in the order of src/config/expr.ts.
export const EXPR_NUM: i32 = 0; // push the immediate
export const EXPR_X: i32 = 1;
export const EXPR_ADD: i32 = 2;
export const EXPR_SUB: i32 = 3;
export const EXPR_MUL: i32 = 4;
export const EXPR_DIV: i32 = 5;
export const EXPR_POW: i32 = 6;
export const EXPR_NEG: i32 = 7;
export const EXPR_EXP: i32 = 8;
export const EXPR_LOG: i32 = 9;
export const EXPR_SQRT: i32 = 10;
export const EXPR_ABS: i32 = 11;
export const EXPR_TANH: i32 = 12;
export const EXPR_SINH: i32 = 13;
export const EXPR_COSH: i32 = 14;
export const EXPR_SIN: i32 = 15;
export const EXPR_COS: i32 = 16;
export const EXPR_ERF: i32 = 17;
export const EXPR_SIGMOID: i32 = 18;
export const EXPR_SOFTPLUS: i32 = 19;
export const EXPR_SIGN: i32 = 20;
export const EXPR_STEP: i32 = 21;
export const EXPR_MAX: i32 = 22;
export const EXPR_MIN: i32 = 23;
export const EXPR_STACK: i32 = 64; // the evaluator's stack depth

// Laws of the latent nu.
export const LATENT_TWO_POINT: i32 = 0; // Rademacher and skewed:P
export const LATENT_UNIFORM: i32 = 1;

// Couplings of nu with lambda.
export const CORR_INDEPENDENT: i32 = 0;
export const CORR_SIGN: i32 = 1; // comonotone
export const CORR_MIXED: i32 = 2;
export const CORR_UNCORRELATED: i32 = 3;

// What the denoiser predicts.
export const TARGET_X0: i32 = 0;
export const TARGET_NOISE: i32 = 1;

// initSpikes: drawn from the seed, or the first basis vectors.
export const SPIKES_RANDOM: i32 = 0;
export const SPIKES_BASIS: i32 = 1;

// generate()'s denoiser family: the oracle E[x0 | xt], or trained denoisers predicting x0 or the noise.
export const FAMILY_ORACLE: i32 = 0;
export const FAMILY_X0: i32 = 1;
export const FAMILY_NOISE: i32 = 2;

// generate()'s reverse process, in the order of SAMPLERS in src/generate/sampler.ts.
export const SAMPLER_DDIM: i32 = 0;
export const SAMPLER_DDPM: i32 = 1; // ancestral
export const SAMPLER_HEUN: i32 = 2; // deterministic, second order
