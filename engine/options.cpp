#include "engine/options.h"

#include <omp.h>

#include "engine/thread_start.h"

namespace ssdx {

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
