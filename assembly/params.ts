// The parameter block: an f64 array the host writes and configure() reads into module globals.
// Slot numbers are mirrored in src/engine/layout.ts (PARAM); keep the two lists in step.

export const P_D = 0;
export const P_K = 1;
export const P_ALPHA = 2;
export const P_SIGMA = 3;
export const P_BETA_U = 4;
export const P_BETA_V = 5;
export const P_BETA_M = 6;
export const P_LATENT = 7; // 0: two-point law (Rademacher, skewed), 1: uniform
export const P_NU_P = 8; // two-point law: P(nu = nuHi)
export const P_CORR = 9; // 0 independent, 1 sign (comonotone), 2 mixed, 3 uncorrelated
export const P_MIX_P = 10;
export const P_ACT = 11; // 0 tanh, 1 erf, 2 relu, 3 sign, 4 linear, 5 he3
export const P_ETA = 12;
export const P_TRAIN_SKIP = 13;
export const P_TRAIN_AMP = 14;
export const P_TARGET = 15; // 0 predict x0, 1 predict the noise xi
export const P_THRESHOLD = 16;
export const P_WALKERS = 17;
// Layout: byte offsets into linear memory.
export const P_U = 20;
export const P_V = 21;
export const P_M = 22;
export const P_X0 = 23; // scratch [d]: z, then x0
export const P_XI = 24; // scratch [d]
export const P_XT = 25; // scratch [d]
export const P_R = 26; // scratch [d]: residual D(xt) - target
export const P_W = 27; // [walkers, K, d]
export const P_A = 28; // [walkers, K]
export const P_B = 29; // [walkers]
export const P_STEP = 30; // [walkers] steps taken (f64, exact below 2^53)
export const P_OVL = 31; // [walkers, K, 3] current overlaps with u, v, m
export const P_HIT = 32; // [walkers, K, 3] first step with |overlap| >= threshold, -1 while not reached
export const P_RNG_TRAIN = 33; // [walkers] 32-byte xoshiro states
export const P_RNG_EVAL = 34; // [walkers]
export const P_UNIT = 35; // scratch [K, 4]: h, g(h), g'(h), w.r
export const P_GRAD = 36; // output of gradAt: [K, d] then dL/db then dL/da [K]
export const P_COUNT = 40;
