#pragma once
// Static memory plan: buffers with lifetimes (first and last step that touch them, inclusive) get offsets in one
// 64-byte aligned arena. The steps are swept in order: the buffers born at a step take the best-fitting free range
// (largest buffers first), else grow the arena; the buffers whose last step has passed give their range back,
// merged with its free neighbours. O(n log n) in the number of requests, whatever their lifetimes. Plans of up to
// kMaxRequestsPlacedLargestFirst requests are also placed largest first (each at the lowest offset clear of the
// buffers live with it: often tighter, but it compares every pair), and the smaller arena wins.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ssdx {

struct BufferRequest {
  size_t bytes = 0;
  int first_step = 0, last_step = 0;  // a last step before the first counts as the first
};

struct MemoryPlan {
  std::vector<size_t> offsets;  // per request
  size_t arena_bytes = 0;
  // Work done: free-range operations (each O(log n), at most two per request) plus the pair comparisons of the
  // largest-first placement (none beyond kMaxRequestsPlacedLargestFirst requests).
  uint64_t work = 0;
};

// 2048 requests: at most ~2M pair comparisons; real models have a few hundred buffers.
constexpr size_t kMaxRequestsPlacedLargestFirst = 2048;

MemoryPlan plan_memory(const std::vector<BufferRequest>& requests);

}  // namespace ssdx
