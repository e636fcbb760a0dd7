#include "engine/thread_start.h"

#include <pthread.h>

#include <cstring>
#include <vector>

#include "graph/error.h"

namespace ssdx {

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

}  // namespace ssdx
