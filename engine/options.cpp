#include "engine/options.h"

#include <pthread.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include <omp.h>

#include "graph/error.h"

namespace ssdx {
namespace {

// Starts `threads` - 1 threads like libgomp's (default attributes, so the same stacks) and joins them, failing with
// an Error if one cannot start; then has libgomp start its own, which it keeps for the calling thread's later
// parallel regions of as many threads. Once per calling thread and larger count.
void start_threads(int threads) {
  thread_local int started = 1;
  if (threads <= started) return;
  std::vector<pthread_t> probes;
  int error = 0;
  for (int i = 1; i < threads && !error; ++i) {
    pthread_t t;
    error = pthread_create(&t, nullptr, [](void*) -> void* { return nullptr; }, nullptr);
    if (!error) probes.push_back(t);
  }
  for (pthread_t t : probes) pthread_join(t, nullptr);
  if (error)
    fail("cannot start ", threads, " threads (out of memory, or a process limit): ", std::strerror(error),
         "; try fewer with --threads");
#pragma omp parallel num_threads(threads)
  {
  }
  started = threads;
}

}  // namespace

ThreadCountScope::ThreadCountScope(int threads) {
  start_threads(threads > 0 ? threads : omp_get_max_threads());
  if (threads <= 0) return;
  previous_ = omp_get_max_threads();
  omp_set_num_threads(threads);
}

ThreadCountScope::~ThreadCountScope() {
  if (previous_ > 0) omp_set_num_threads(previous_);
}

}  // namespace ssdx
