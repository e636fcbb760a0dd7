#include "engine/planner.h"

#include <algorithm>
#include <numeric>

namespace ssdx {

namespace {
constexpr size_t kAlignment = 64;
size_t aligned(size_t n) { return (n + kAlignment - 1) / kAlignment * kAlignment; }
bool lifetimes_overlap(const BufferRequest& a, const BufferRequest& b) {
  return a.first_step <= b.last_step && b.first_step <= a.last_step;
}
}  // namespace

MemoryPlan plan_memory(const std::vector<BufferRequest>& requests) {
  MemoryPlan plan;
  plan.offsets.assign(requests.size(), 0);
  std::vector<size_t> order(requests.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return requests[a].bytes > requests[b].bytes; });
  std::vector<size_t> placed;
  for (size_t r : order) {
    const size_t size = aligned(requests[r].bytes);
    // Memory ranges taken by live-at-the-same-time buffers, sorted by offset; take the first gap that fits.
    std::vector<std::pair<size_t, size_t>> taken;
    for (size_t p : placed)
      if (lifetimes_overlap(requests[p], requests[r])) taken.emplace_back(plan.offsets[p], plan.offsets[p] + aligned(requests[p].bytes));
    std::sort(taken.begin(), taken.end());
    size_t offset = 0;
    for (const auto& [begin, end] : taken) {
      if (offset + size <= begin) break;
      offset = std::max(offset, end);
    }
    plan.offsets[r] = offset;
    plan.arena_bytes = std::max(plan.arena_bytes, offset + size);
    placed.push_back(r);
  }
  return plan;
}

}  // namespace ssdx
