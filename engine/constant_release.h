#pragma once
// After load, the graph's copy of a constant that every reader packed into its own form (convolution weights
// reordered for oneDNN, Winograd-transformed weights) is dead weight: this drops its data, keeping its dtype and
// shape so that tools still see a constant of that shape; and then the freed memory goes back to the system.
#include <cstdint>
#include <vector>

#include "graph/graph.h"
#include "ops/op.h"

namespace ssdx {

// `kernels[i]` runs g.nodes[i]. Replaces the data of every constant that is not a graph output and whose every use
// is an input the kernel packs (Kernel::packs_input) with a storage-less tensor of the same dtype and shape.
// Returns the bytes no longer held by the graph (storage shared with a constant still kept does not count).
uint64_t release_packed_constants(Graph& g, const std::vector<const Kernel*>& kernels);

// Hands the allocator's free memory back to the system (glibc's malloc_trim; nothing elsewhere). Loading frees the
// parsed initializers, the tensors folding replaced and the released constants, most of them mid-sized blocks
// the allocator would otherwise keep in its heap: without this they stay in the process's resident set.
void return_free_heap();

}  // namespace ssdx
