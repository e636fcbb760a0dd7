#pragma once
// Static memory plan: buffers with lifetimes (first and last step that touch them, inclusive) get offsets in one
// 64-byte aligned arena, largest first, each at the lowest offset free of every buffer whose lifetime overlaps.
#include <cstddef>
#include <vector>

namespace ssdx {

struct BufferRequest {
  size_t bytes = 0;
  int first_step = 0, last_step = 0;
};

struct MemoryPlan {
  std::vector<size_t> offsets;  // per request
  size_t arena_bytes = 0;
};

MemoryPlan plan_memory(const std::vector<BufferRequest>& requests);

}  // namespace ssdx
