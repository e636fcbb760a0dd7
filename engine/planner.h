#pragma once
// Static memory plan: buffers with lifetimes (first and last step that touch them, inclusive) get offsets in one
// 64-byte aligned arena. The steps are swept in order: the buffers born at a step take the best-fitting free range
// (largest buffers first), else grow the arena; the buffers whose last step has passed give their range back,
// merged with its free neighbours. O(n log n) in the number of requests, whatever their lifetimes. Plans of up to
// kMaxRequestsPlacedLargestFirst requests are also placed largest first (each at the lowest offset clear of the
// buffers live with it: often tighter, but it compares every pair), and the smaller arena wins.
// In-place reuse: a request naming an earlier one in `reuse_of` takes over that buffer when it dies at this
// request's first step and their sizes are equal (at most one taker per buffer); the pair then counts as one buffer
// living from the first's first step to the last's last. Whether the data allows it (layouts, the reader not also
// reading it elsewhere) is for the caller to judge: it names reuse_of only where it does.
// Workspaces: scratch that one step uses while it runs, live at that step only (first_step; last_step ignored) and
// never taken over, so a large one reuses the memory of activations dead by then.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ssdx {

enum class BufferKind { Tensor, Workspace };

struct BufferRequest {
  size_t bytes = 0;
  int first_step = 0, last_step = 0;  // a last step before the first counts as the first (workspaces: ignored)
  int reuse_of = -1;                  // an earlier Tensor request whose buffer this one may take over; -1: none
  BufferKind kind = BufferKind::Tensor;
};

struct MemoryPlan {
  std::vector<size_t> offsets;  // per request
  std::vector<bool> reused;     // per request: it took over its reuse_of's buffer
  size_t arena_bytes = 0;
  size_t workspace_bytes = 0;   // the largest workspace
  // Work done: free-range operations (each O(log n), at most two per request) plus the pair comparisons of the
  // largest-first placement (none beyond kMaxRequestsPlacedLargestFirst requests).
  uint64_t work = 0;
};

// 2048 requests: at most ~2M pair comparisons; real models have a few hundred buffers.
constexpr size_t kMaxRequestsPlacedLargestFirst = 2048;

MemoryPlan plan_memory(const std::vector<BufferRequest>& requests);

}  // namespace ssdx
