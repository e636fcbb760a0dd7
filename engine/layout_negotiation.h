#pragma once
// Layout negotiation: which values a kernel may write in a oneDNN blocked layout. A value may be blocked when it is
// not a graph output (callers get plain tensors), someone reads it, and every node reading it declares, through its
// OpDef::reads_blocked, that it reads that input blocked. The engine names no op here: each op family states its own
// capability. Runs on the optimized graph, before kernels are created; the producing kernel still decides.
#include <vector>

#include "graph/graph.h"
#include "ops/op.h"

namespace ssdx {

// Per value of `g`: whether its producer may write it blocked. `defs` holds each node's resolved OpDef.
std::vector<bool> negotiate_layouts(const Graph& g, const std::vector<const OpDef*>& defs);

}  // namespace ssdx
