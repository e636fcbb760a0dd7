#include "engine/options.h"

#include <cstdio>

#include <omp.h>

namespace ssdx {

ThreadCountScope::ThreadCountScope(int threads) {
  if (threads <= 0) return;
  previous_ = omp_get_max_threads();
  omp_set_num_threads(threads);
}

ThreadCountScope::~ThreadCountScope() {
  if (previous_ > 0) omp_set_num_threads(previous_);
}

}  // namespace ssdx

namespace ssdx {

std::string bytes_str(uint64_t bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace ssdx
