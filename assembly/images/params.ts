// Slots of the images parameter block (f64 each), written by the host and read once by configure(), and
// the images kernels' enum codes. The host's copy, src/experiments/images/abi.ts, is generated from this
// file by scripts/gen-abi.mjs (keep every line of the form `export const NAME: i32 = N;`).
export const Q_D: i32 = 0; // input dimension d
export const Q_K: i32 = 1; // hidden units K
export const Q_TIED: i32 = 2; // 1: decoder row k is a_k w_k; 0: its own row v_k
export const Q_ACT: i32 = 3; // an ACT_ code of assembly/params.ts
export const Q_ALPHA: i32 = 4; // xt = alpha x0 + sigma xi
export const Q_SIGMA: i32 = 5;
export const Q_BATCH: i32 = 6; // minibatch size (also the chunk of predict())
export const Q_N: i32 = 7; // training samples in DATA
export const Q_OPT: i32 = 8; // an OPT_ code
export const Q_LR: i32 = 9;
export const Q_BETA1: i32 = 10;
export const Q_BETA2: i32 = 11;
export const Q_EPS: i32 = 12;
export const Q_TRAIN_SKIP: i32 = 13; // 0 keeps the skip b at its initial value
export const Q_DATA: i32 = 20; // [N, d] training images
export const Q_PARAMS: i32 = 21; // [P] flat parameters: W [K, d], V [K, d], c [K], a [K], e [d], b
export const Q_GRAD: i32 = 22; // [P]
export const Q_M1: i32 = 23; // [P] Adam first moment
export const Q_M2: i32 = 24; // [P] Adam second moment
export const Q_XT: i32 = 25; // [batch, d] noisy inputs
export const Q_X0: i32 = 26; // [batch, d] clean targets
export const Q_R: i32 = 27; // [batch, d] outputs, then scaled residuals
export const Q_H: i32 = 28; // [batch, K] pre-activations, then back-propagated errors
export const Q_G: i32 = 29; // [batch, K] g(h)
export const Q_GP: i32 = 30; // [batch, K] g'(h)
export const Q_RNG: i32 = 31; // 32 bytes: the training stream (minibatch indices and noise)
export const Q_STEP: i32 = 32; // f64 [2]: optimiser steps taken (Adam's bias correction), running loss sum
export const Q_COUNT: i32 = 40; // slots in the block

// Optimisers.
export const OPT_SGD: i32 = 0;
export const OPT_ADAM: i32 = 1;
