#include "engine/planner.h"

#include <algorithm>
#include <map>
#include <set>
#include <numeric>

namespace ssdx {

namespace {

constexpr size_t kAlignment = 64;
size_t aligned(size_t n) { return (n + kAlignment - 1) / kAlignment * kAlignment; }

// The arena's free ranges below its current top, coalesced, findable both by size (best fit) and by offset
// (merging a freed range with its neighbours). Every operation is O(log ranges).
class FreeRanges {
 public:
  explicit FreeRanges(uint64_t& work) : work_(work) {}

  // The offset of `size` bytes: the smallest free range that holds them (the lowest of equal ones), else the top.
  size_t take(size_t size) {
    ++work_;
    const auto fit = by_size_.lower_bound({size, 0});
    if (fit != by_size_.end()) {
      const auto [range_size, offset] = *fit;
      erase(offset, range_size);
      if (range_size > size) insert(offset + size, range_size - size);
      return offset;
    }
    const size_t offset = top_;  // no free range ends at the top (give_back lowers it instead)
    top_ += size;
    arena_ = std::max(arena_, top_);
    return offset;
  }

  void give_back(size_t offset, size_t size) {
    ++work_;
    auto next = by_offset_.lower_bound(offset);
    if (next != by_offset_.end() && offset + size == next->first) {
      size += next->second;
      erase(next->first, next->second);
    }
    next = by_offset_.lower_bound(offset);
    if (next != by_offset_.begin()) {
      const auto prev = std::prev(next);
      if (prev->first + prev->second == offset) {
        offset = prev->first;
        size += prev->second;
        erase(prev->first, prev->second);
      }
    }
    if (offset + size == top_) top_ = offset;  // the top comes down: a later request may grow from there
    else insert(offset, size);
  }

  size_t arena_bytes() const { return arena_; }

 private:
  void insert(size_t offset, size_t size) {
    by_offset_.emplace(offset, size);
    by_size_.emplace(size, offset);
  }
  void erase(size_t offset, size_t size) {
    by_offset_.erase(offset);
    by_size_.erase({size, offset});
  }

  std::map<size_t, size_t> by_offset_;           // offset -> size
  std::set<std::pair<size_t, size_t>> by_size_;  // (size, offset)
  size_t top_ = 0, arena_ = 0;
  uint64_t& work_;
};

// Steps in order; within one step the buffers born there are placed largest first, while those dying there are
// still held (lifetimes are inclusive), and only then freed. O(n log n).
MemoryPlan sweep_steps(const std::vector<BufferRequest>& requests) {
  MemoryPlan plan;
  plan.offsets.assign(requests.size(), 0);
  std::vector<size_t> births(requests.size()), deaths(requests.size());
  std::iota(births.begin(), births.end(), 0);
  std::iota(deaths.begin(), deaths.end(), 0);
  std::stable_sort(births.begin(), births.end(), [&](size_t a, size_t b) {
    if (requests[a].first_step != requests[b].first_step) return requests[a].first_step < requests[b].first_step;
    return requests[a].bytes > requests[b].bytes;
  });
  auto last_step = [&](size_t r) { return std::max(requests[r].first_step, requests[r].last_step); };
  std::stable_sort(deaths.begin(), deaths.end(), [&](size_t a, size_t b) { return last_step(a) < last_step(b); });
  FreeRanges arena(plan.work);
  size_t born = 0, died = 0;
  while (born < births.size()) {
    const int step = requests[births[born]].first_step;
    for (; died < deaths.size() && last_step(deaths[died]) < step; ++died) {
      const BufferRequest& r = requests[deaths[died]];
      if (r.bytes) arena.give_back(plan.offsets[deaths[died]], aligned(r.bytes));
    }
    for (; born < births.size() && requests[births[born]].first_step == step; ++born) {
      const BufferRequest& r = requests[births[born]];
      if (r.bytes) plan.offsets[births[born]] = arena.take(aligned(r.bytes));
    }
  }
  plan.arena_bytes = arena.arena_bytes();
  return plan;
}

bool lifetimes_overlap(const BufferRequest& a, const BufferRequest& b) {
  return a.first_step <= std::max(b.first_step, b.last_step) && b.first_step <= std::max(a.first_step, a.last_step);
}

// Largest first, each at the lowest offset clear of every placed buffer whose lifetime overlaps: knowing the whole
// future, it often packs tighter than the sweep, but compares every pair of requests.
MemoryPlan place_largest_first(const std::vector<BufferRequest>& requests) {
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
    plan.work += placed.size();
    for (size_t p : placed)
      if (lifetimes_overlap(requests[p], requests[r]))
        taken.emplace_back(plan.offsets[p], plan.offsets[p] + aligned(requests[p].bytes));
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

MemoryPlan place(const std::vector<BufferRequest>& requests) {
  MemoryPlan swept = sweep_steps(requests);
  if (requests.size() > kMaxRequestsPlacedLargestFirst) return swept;
  MemoryPlan largest_first = place_largest_first(requests);
  largest_first.work += swept.work;
  swept.work = largest_first.work;
  return largest_first.arena_bytes <= swept.arena_bytes ? largest_first : swept;
}

int last_step_of(const BufferRequest& r) { return std::max(r.first_step, r.last_step); }

}  // namespace

// Requests become buffers: an in-place taker joins its predecessor's buffer (extending its lifetime), a workspace
// is a buffer of its one step; the buffers are placed and each request gets its buffer's offset.
MemoryPlan plan_memory(const std::vector<BufferRequest>& requests) {
  const size_t n = requests.size();
  std::vector<int> buffer_of(n, -1);
  std::vector<bool> taken_over(n, false);
  std::vector<BufferRequest> buffers;
  MemoryPlan plan;
  plan.reused.assign(n, false);
  for (size_t r = 0; r < n; ++r) {
    const BufferRequest& req = requests[r];
    if (req.kind == BufferKind::Workspace) {
      plan.workspace_bytes = std::max(plan.workspace_bytes, req.bytes);
      buffer_of[r] = static_cast<int>(buffers.size());
      buffers.push_back({req.bytes, req.first_step, req.first_step});
      continue;
    }
    const int z = req.reuse_of;
    if (z >= 0 && static_cast<size_t>(z) < r && requests[static_cast<size_t>(z)].kind == BufferKind::Tensor &&
        !taken_over[static_cast<size_t>(z)] && req.bytes > 0 && requests[static_cast<size_t>(z)].bytes == req.bytes &&
        last_step_of(requests[static_cast<size_t>(z)]) == req.first_step) {
      taken_over[static_cast<size_t>(z)] = true;
      plan.reused[r] = true;
      buffer_of[r] = buffer_of[static_cast<size_t>(z)];
      BufferRequest& b = buffers[static_cast<size_t>(buffer_of[r])];
      b.last_step = std::max(last_step_of(b), last_step_of(req));
      continue;
    }
    buffer_of[r] = static_cast<int>(buffers.size());
    buffers.push_back({req.bytes, req.first_step, req.last_step});
  }
  const MemoryPlan placed = place(buffers);
  plan.offsets.assign(n, 0);
  for (size_t r = 0; r < n; ++r) plan.offsets[r] = placed.offsets[static_cast<size_t>(buffer_of[r])];
  plan.arena_bytes = placed.arena_bytes;
  plan.work = placed.work;
  return plan;
}

}  // namespace ssdx
