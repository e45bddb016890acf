/*
 * Native reference for the diffusion bench: the same im2col + GEMM 3 x 3 convolution (stride 1, zero
 * padding 1, f32, [N, C, H, W]) as assembly/diffusion/conv.ts, written as plain loops for gcc -O2 to
 * compile (and vectorise as it sees fit). Prints the wall and CPU seconds of the timed part and a checksum.
 *
 *   conv gemm M N K REPS          REPS products C[M, N] = A[M, K] B[K, N]
 *   conv conv NB CIN COUT H W REPS REPS forward passes of a batch of NB images
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "timer.h"

/* C[M, N] = A[M, K] B[K, N], the loop order i, k, j (rows of B streamed, C's row kept hot). */
static void gemm(int M, int N, int K, const float *A, const float *B, float *C) {
  for (int i = 0; i < M; i++) {
    float *c = C + (size_t)i * N;
    memset(c, 0, sizeof(float) * N);
    for (int k = 0; k < K; k++) {
      const float a = A[(size_t)i * K + k];
      const float *b = B + (size_t)k * N;
      for (int j = 0; j < N; j++) c[j] += a * b[j];
    }
  }
}

static void im2col(const float *x, int C, int H, int W, float *col) {
  for (int c = 0; c < C; c++)
    for (int ky = 0; ky < 3; ky++)
      for (int kx = 0; kx < 3; kx++) {
        float *out = col + (size_t)(c * 9 + ky * 3 + kx) * H * W;
        for (int y = 0; y < H; y++) {
          int sy = y + ky - 1;
          for (int xx = 0; xx < W; xx++) {
            int sx = xx + kx - 1;
            out[y * W + xx] = (sy < 0 || sy >= H || sx < 0 || sx >= W) ? 0.0f : x[(size_t)c * H * W + sy * W + sx];
          }
        }
      }
}

static float *filled(size_t n, unsigned seed) {
  float *p = malloc(sizeof(float) * n);
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    p[i] = (float)((seed >> 8) & 0xffff) / 65536.0f - 0.5f;
  }
  return p;
}

int main(int argc, char **argv) {
  if (argc >= 6 && strcmp(argv[1], "gemm") == 0) {
    int M = atoi(argv[2]), N = atoi(argv[3]), K = atoi(argv[4]), reps = atoi(argv[5]);
    float *A = filled((size_t)M * K, 1), *B = filled((size_t)K * N, 2), *C = filled((size_t)M * N, 3);
    double w0 = now(), c0 = cpu();
    for (int r = 0; r < reps; r++) gemm(M, N, K, A, B, C);
    printf("%.6f %.6f %g\n", now() - w0, cpu() - c0, (double)C[0] + C[(size_t)M * N - 1]);
    return 0;
  }
  if (argc >= 8 && strcmp(argv[1], "conv") == 0) {
    int NB = atoi(argv[2]), Cin = atoi(argv[3]), Cout = atoi(argv[4]), H = atoi(argv[5]), W = atoi(argv[6]);
    int reps = atoi(argv[7]);
    size_t HW = (size_t)H * W;
    float *x = filled((size_t)NB * Cin * HW, 1), *w = filled((size_t)Cout * Cin * 9, 2);
    float *y = filled((size_t)NB * Cout * HW, 3), *col = filled((size_t)Cin * 9 * HW, 4);
    double w0 = now(), c0 = cpu();
    for (int r = 0; r < reps; r++)
      for (int n = 0; n < NB; n++) {
        im2col(x + (size_t)n * Cin * HW, Cin, H, W, col);
        gemm(Cout, (int)HW, Cin * 9, w, col, y + (size_t)n * Cout * HW);
      }
    printf("%.6f %.6f %g\n", now() - w0, cpu() - c0, (double)y[0] + y[(size_t)NB * Cout * HW - 1]);
    return 0;
  }
  fprintf(stderr, "usage: conv gemm M N K REPS | conv conv NB CIN COUT H W REPS\n");
  return 2;
}
