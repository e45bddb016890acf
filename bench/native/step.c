/*
 * Native reference for the benchmark: the same xoshiro256** streams, ziggurat normals and full-backend
 * SGD step as the WASM kernels (assembly/sgd.ts, fused form), at the default model of docs/model.md
 * section 9 (VP at t = 0.5, betaU = betaV = 5, Rademacher nu independent of lambda, tanh, predict x0,
 * fixed a = 1 and optimal skip b, eta = 0.5 / d). Compiled by the bench with gcc -O3 -march=native.
 *
 * Usage (each prints the wall and CPU seconds of the timed part, then a checksum):
 *   step gauss N          N standard normals
 *   step dot D REPS       REPS dot products of length D
 *   step axpy D REPS      REPS axpys of length D
 *   step step D K N       N SGD steps of one walker
 *   step check D K N      runs N steps from seed 1 and prints the overlaps [K, 3] (for cross-checks)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "timer.h"

/* ---- xoshiro256** and SplitMix64 seeding, as assembly/rng.ts ---- */
typedef struct { uint64_t s0, s1, s2, s3; } rng_t;

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t mix64(uint64_t x) {
  uint64_t z = x + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static void seed_stream(rng_t *r, uint64_t seed, uint32_t stream, uint32_t walker) {
  uint64_t key = mix64(seed);
  key = mix64(key ^ mix64(0x53545245414d0000ULL + stream));
  key = mix64(key ^ mix64(0x57414c4b45520000ULL + walker));
  r->s0 = mix64(key);
  r->s1 = mix64(key + 0x9e3779b97f4a7c15ULL);
  r->s2 = mix64(key + 2 * 0x9e3779b97f4a7c15ULL);
  r->s3 = mix64(key + 3 * 0x9e3779b97f4a7c15ULL);
  if ((r->s0 | r->s1 | r->s2 | r->s3) == 0) r->s0 = 1;
}

static inline uint64_t next_u64(rng_t *r) {
  const uint64_t result = rotl(r->s1 * 5, 7) * 9;
  const uint64_t t = r->s1 << 17;
  r->s2 ^= r->s0;
  r->s3 ^= r->s1;
  r->s1 ^= r->s2;
  r->s0 ^= r->s3;
  r->s2 ^= t;
  r->s3 = rotl(r->s3, 45);
  return result;
}

static inline double uniform(rng_t *r) { return (double)(int64_t)(next_u64(r) >> 11) * 1.1102230246251565e-16; }
static inline double uniform_pos(rng_t *r) { return (double)(int64_t)((next_u64(r) >> 11) + 1) * 1.1102230246251565e-16; }

#define ZIG_R 3.6541528853610088
#define ZIG_V 0.00492867323399
static double ZX[257], ZF[257], ZR[256];

static void build_ziggurat(void) {
  const double fR = exp(-0.5 * ZIG_R * ZIG_R);
  ZX[0] = ZIG_V / fR;
  ZX[1] = ZIG_R;
  for (int i = 2; i < 256; i++) ZX[i] = sqrt(-2.0 * log(ZIG_V / ZX[i - 1] + exp(-0.5 * ZX[i - 1] * ZX[i - 1])));
  ZX[256] = 0.0;
  for (int i = 0; i <= 256; i++) ZF[i] = exp(-0.5 * ZX[i] * ZX[i]);
  for (int i = 0; i < 256; i++) ZR[i] = ZX[i + 1] / ZX[i];
}

static double gauss_slow(rng_t *r, unsigned i, double f) {
  for (;;) {
    const double x = f * ZX[i];
    if (fabs(f) < ZR[i]) return x;
    if (i == 0) {
      double tx, ty;
      do {
        tx = log(uniform_pos(r)) / ZIG_R;
        ty = log(uniform_pos(r));
      } while (-2.0 * ty < tx * tx);
      return f < 0 ? tx - ZIG_R : ZIG_R - tx;
    }
    if (ZF[i + 1] + (ZF[i] - ZF[i + 1]) * uniform(r) < exp(-0.5 * x * x)) return x;
    const uint64_t bits = next_u64(r);
    i = (unsigned)(bits & 0xff);
    f = (double)(int64_t)(bits >> 12) * 4.440892098500626e-16 - 1.0;
  }
}

static inline double gauss(rng_t *r) {
  const uint64_t bits = next_u64(r);
  const unsigned i = (unsigned)(bits & 0xff);
  const double f = (double)(int64_t)(bits >> 12) * 4.440892098500626e-16 - 1.0;
  if (fabs(f) < ZR[i]) return f * ZX[i];
  return gauss_slow(r, i, f);
}

/* The state lives in four locals, so the compiler keeps it in registers; only the rare slow path
 * (about 1.2% of draws) passes it through memory. */
static void fill_gauss(rng_t *r, double *out, int n) {
  uint64_t s0 = r->s0, s1 = r->s1, s2 = r->s2, s3 = r->s3;
  for (int i = 0; i < n; i++) {
    const uint64_t bits = rotl(s1 * 5, 7) * 9;
    const uint64_t t = s1 << 17;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 45);
    const unsigned j = (unsigned)(bits & 0xff);
    const double f = (double)(int64_t)(bits >> 12) * 4.440892098500626e-16 - 1.0;
    if (__builtin_expect(fabs(f) < ZR[j], 1)) {
      out[i] = f * ZX[j];
    } else {
      rng_t tmp = {s0, s1, s2, s3};
      out[i] = gauss_slow(&tmp, j, f);
      s0 = tmp.s0; s1 = tmp.s1; s2 = tmp.s2; s3 = tmp.s3;
    }
  }
  r->s0 = s0; r->s1 = s1; r->s2 = s2; r->s3 = s3;
}

/* The passes are vectorised by hand with GCC vector extensions (4 doubles, AVX2 width), as the SIMD
 * WASM build is with f64x2: without -ffast-math gcc will not reorder a running sum, so a plain
 * reduction loop runs at one add per FP-add latency and even LANES-wide partial-sum arrays vectorise
 * poorly (measured: 0.74, 0.39 and 0.11 ns per element for a dot product at d = 1000). */
typedef double v4d __attribute__((vector_size(32)));

static inline v4d ld(const double *p) {
  v4d v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline void st(double *p, v4d v) { memcpy(p, &v, sizeof v); }
static inline double hsum(v4d v) { return (v[0] + v[1]) + (v[2] + v[3]); }
static inline v4d splat(double x) { return (v4d){x, x, x, x}; }

static double dot(const double *restrict a, const double *restrict b, int n) {
  v4d s0 = splat(0), s1 = splat(0);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    s0 += ld(a + i) * ld(b + i);
    s1 += ld(a + i + 4) * ld(b + i + 4);
  }
  double s = hsum(s0 + s1);
  for (; i < n; i++) s += a[i] * b[i];
  return s;
}

static void axpy(double *restrict y, double a, const double *restrict x, int n) {
  for (int i = 0; i < n; i++) y[i] += a * x[i];
}

static void dot2(const double *restrict a, const double *restrict b, const double *restrict x, int n, double *da,
                 double *db) {
  v4d sa = splat(0), sb = splat(0);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const v4d v = ld(x + i);
    sa += ld(a + i) * v;
    sb += ld(b + i) * v;
  }
  double ra = hsum(sa), rb = hsum(sb);
  for (; i < n; i++) {
    ra += a[i] * x[i];
    rb += b[i] * x[i];
  }
  *da = ra;
  *db = rb;
}

static void axpy2(double *restrict y, double ca, const double *restrict a, double cb, const double *restrict b, int n) {
  for (int i = 0; i < n; i++) y[i] += ca * a[i] + cb * b[i];
}

/* ---- the model and one walker ---- */
typedef struct {
  int d, K;
  double alpha, sigma, sqrtBetaU, sqrtBetaV, whitenC, nuP, nuHi, nuLo, eta, b;
  double *u, *v, *m, *x0, *xi, *xt, *r, *w, *a, *scale, *ovl;
  rng_t train;
} model_t;

static double *alloc(int n) {
  double *p = aligned_alloc(64, ((size_t)n * 8 + 63) / 64 * 64);
  memset(p, 0, (size_t)n * 8);
  return p;
}

static void orthonormal_random(model_t *M, rng_t *r, double *out, const double *p, const double *q) {
  const int d = M->d;
  for (int i = 0; i < d; i++) out[i] = gauss(r);
  for (int pass = 0; pass < 2; pass++) {
    if (p) axpy(out, -dot(out, p, d), p, d);
    if (q) axpy(out, -dot(out, q, d), q, d);
  }
  const double inv = 1.0 / sqrt(dot(out, out, d));
  for (int i = 0; i < d; i++) out[i] *= inv;
}

static void model_init(model_t *M, int d, int K, uint64_t seed) {
  memset(M, 0, sizeof *M);
  M->d = d;
  M->K = K;
  const double t = 0.5, betaU = 5, betaV = 5;
  M->alpha = exp(-t);
  M->sigma = sqrt(-expm1(-2 * t));
  M->sqrtBetaU = sqrt(betaU);
  M->sqrtBetaV = sqrt(betaV);
  M->whitenC = betaV / (1.0 + betaV + sqrt(1.0 + betaV));
  M->nuP = 0.5;
  M->nuHi = sqrt((1.0 - M->nuP) / M->nuP);
  M->nuLo = -sqrt(M->nuP / (1.0 - M->nuP));
  M->eta = 0.5 / d;
  M->b = M->alpha / (M->alpha * M->alpha + M->sigma * M->sigma);
  M->u = alloc(d); M->v = alloc(d); M->m = alloc(d);
  M->x0 = alloc(d); M->xi = alloc(d); M->xt = alloc(d); M->r = alloc(d);
  M->w = alloc(K * d); M->a = alloc(K); M->scale = alloc(K); M->ovl = alloc(3 * K);
  rng_t r;
  seed_stream(&r, seed, 0, 0);
  orthonormal_random(M, &r, M->u, NULL, NULL);
  orthonormal_random(M, &r, M->v, M->u, NULL);
  if (d >= 3) orthonormal_random(M, &r, M->m, M->u, M->v);
  seed_stream(&r, seed, 1, 0);
  for (int k = 0; k < K; k++) {
    for (int i = 0; i < d; i++) M->w[k * d + i] = gauss(&r);
    M->a[k] = 1.0;
  }
  for (int k = 0; k < K; k++) {
    double *wk = M->w + (size_t)k * d;
    const double c = 1.0 / sqrt(dot(wk, wk, d));
    for (int i = 0; i < d; i++) wk[i] *= c;
    M->scale[k] = 1.0;
  }
  seed_stream(&M->train, seed, 2, 0);
}

/* One step, fused as in assembly/sgd.ts: each unit is stored unnormalised as y_k, w_k = scale[k] y_k,
 * and the scale folds into the coefficients; K > 1 builds r two units per pass. */
/* out[k] = scale_k w_k . x for the units k >= k0, two units per pass over x. */
static void unit_dots(const model_t *M, int k0, const double *x, double *out) {
  const int d = M->d, K = M->K;
  const double *sc = M->scale;
  for (int k = k0; k < K; k += 2) {
    if (k + 1 < K) {
      double da, db;
      dot2(M->w + (size_t)k * d, M->w + (size_t)(k + 1) * d, x, d, &da, &db);
      out[k] = sc[k] * da;
      out[k + 1] = sc[k + 1] * db;
    } else out[k] = sc[k] * dot(M->w + (size_t)k * d, x, d);
  }
}

static void sgd_step(model_t *M) {
  const int d = M->d, K = M->K;
  rng_t *rng = &M->train;
  const double lambda = gauss(rng);
  const double nu = uniform(rng) >= 1.0 - M->nuP ? M->nuHi : M->nuLo;
  fill_gauss(rng, M->x0, d);
  fill_gauss(rng, M->xi, d);
  const double cu = M->sqrtBetaU * lambda;
  const double cv = M->sqrtBetaV * nu * (1.0 - M->whitenC) - M->whitenC * dot(M->v, M->x0, d);
  const double alpha = M->alpha, sigma = M->sigma, b = M->b, eta = M->eta;
  double *restrict x0 = M->x0, *restrict xi = M->xi, *restrict xt = M->xt, *restrict r = M->r;
  const double *restrict u = M->u, *restrict v = M->v, *restrict m = M->m;
  const double *restrict w0 = M->w;
  v4d ah = splat(0), awr = splat(0);
  int i = 0;
  for (; i + 4 <= d; i += 4) {
    const v4d x = ld(x0 + i) + splat(cu) * ld(u + i) + splat(cv) * ld(v + i);
    const v4d y = splat(alpha) * x + splat(sigma) * ld(xi + i);
    const v4d ri = splat(b) * y - x;
    const v4d wi = ld(w0 + i);
    st(xt + i, y);
    st(r + i, ri);
    ah += wi * y;
    awr += wi * ri;
  }
  double h0 = hsum(ah), wr0 = hsum(awr);
  for (; i < d; i++) {
    const double x = x0[i] + cu * u[i] + cv * v[i];
    const double y = alpha * x + sigma * xi[i];
    const double ri = b * y - x;
    const double wi = w0[i];
    xt[i] = y;
    r[i] = ri;
    h0 += wi * y;
    wr0 += wi * ri;
  }
  const double *sc = M->scale;
  double h[64], g[64], gp[64], wr[64];
  h[0] = sc[0] * h0;
  unit_dots(M, 1, xt, h);
  for (int k = 0; k < K; k++) {
    g[k] = tanh(h[k]);
    gp[k] = 1.0 - g[k] * g[k];
  }
  if (K == 1) {
    wr[0] = sc[0] * wr0 + M->a[0] * g[0]; /* w.w = 1 */
  } else {
    for (int k = 0; k < K; k += 2) {
      const double ck = M->a[k] * g[k] * sc[k];
      if (k + 1 < K)
        axpy2(r, ck, M->w + (size_t)k * d, M->a[k + 1] * g[k + 1] * sc[k + 1], M->w + (size_t)(k + 1) * d, d);
      else axpy(r, ck, M->w + (size_t)k * d, d);
    }
    unit_dots(M, 0, r, wr);
  }
  for (int k = 0; k < K; k++) {
    const double ak = M->a[k];
    const double cw0 = 1.0 + eta * ak * wr[k] * (g[k] + gp[k] * h[k]);
    const double cr = -eta * ak * g[k];
    const double cx = -eta * ak * gp[k] * wr[k];
    /* with K = 1 the residual is r0 + a g w, folded into the coefficient of w */
    const double cw = (K == 1 ? cw0 + cr * ak * g[k] : cw0) * M->scale[k];
    double *restrict wk = M->w + (size_t)k * d;
    v4d an = splat(0), au = splat(0), av = splat(0), am = splat(0);
    int i = 0;
    for (; i + 4 <= d; i += 4) {
      const v4d y = splat(cw) * ld(wk + i) + splat(cr) * ld(r + i) + splat(cx) * ld(xt + i);
      st(wk + i, y);
      an += y * y;
      au += y * ld(u + i);
      av += y * ld(v + i);
      am += y * ld(m + i);
    }
    double n2 = hsum(an), ou = hsum(au), ov = hsum(av), om = hsum(am);
    for (; i < d; i++) {
      const double y = cw * wk[i] + cr * r[i] + cx * xt[i];
      wk[i] = y;
      n2 += y * y;
      ou += y * u[i];
      ov += y * v[i];
      om += y * m[i];
    }
    const double s = 1.0 / sqrt(n2);
    M->scale[k] = s;
    M->ovl[3 * k] = s * ou;
    M->ovl[3 * k + 1] = s * ov;
    M->ovl[3 * k + 2] = s * om;
  }
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: step gauss N | dot D REPS | axpy D REPS | step D K N | check D K N\n");
    return 2;
  }
  build_ziggurat();
  const char *mode = argv[1];
  if (!strcmp(mode, "gauss")) {
    const int n = atoi(argv[2]);
    const int chunk = 4096;
    double *buf = alloc(chunk);
    rng_t r;
    seed_stream(&r, 1, 4, 0);
    double sum = 0;
    const double t0 = now(), c0 = cpu();
    for (int done = 0; done < n; done += chunk) {
      fill_gauss(&r, buf, n - done < chunk ? n - done : chunk);
      sum += buf[0];
    }
    printf("%.9f %.9f %.17g\n", now() - t0, cpu() - c0, sum);
  } else if (!strcmp(mode, "dot") || !strcmp(mode, "axpy")) {
    const int d = atoi(argv[2]), reps = atoi(argv[3]);
    double *x = alloc(d), *y = alloc(d);
    rng_t r;
    seed_stream(&r, 1, 4, 0);
    fill_gauss(&r, x, d);
    fill_gauss(&r, y, d);
    double sum = 0;
    const int isDot = !strcmp(mode, "dot");
    const double t0 = now(), c0 = cpu();
    for (int k = 0; k < reps; k++) {
      if (isDot) sum += dot(x, y, d);
      else axpy(y, 1e-9, x, d);
      __asm__ volatile("" ::: "memory");
    }
    const double el = now() - t0, cl = cpu() - c0;
    printf("%.9f %.9f %.17g\n", el, cl, sum + y[0]);
  } else if (!strcmp(mode, "step") || !strcmp(mode, "check")) {
    const int d = atoi(argv[2]), K = atoi(argv[3]);
    const long n = atol(argv[4]);
    if (K < 1 || K > 64) return 2;
    model_t M;
    model_init(&M, d, K, 1);
    const double t0 = now(), c0 = cpu();
    for (long s = 0; s < n; s++) sgd_step(&M);
    const double el = now() - t0, cl = cpu() - c0;
    if (!strcmp(mode, "check")) {
      for (int k = 0; k < 3 * K; k++) printf("%.17g\n", M.ovl[k]);
    } else {
      printf("%.9f %.9f %.17g\n", el, cl, M.ovl[0]);
    }
  } else {
    fprintf(stderr, "step: unknown mode %s\n", mode);
    return 2;
  }
  return 0;
}
