#include "engine/options.h"

#include <omp.h>

namespace ssdx {

void apply_thread_count(int threads) {
  if (threads > 0) omp_set_num_threads(threads);
}

}  // namespace ssdx
