/*
 * The timers of the native benchmarks (step.c, conv.c): wall time, and CPU time of this process, which
 * unlike wall time does not count time spent descheduled.
 */
#ifndef MCM_BENCH_TIMER_H
#define MCM_BENCH_TIMER_H
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static double cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}
#endif
