#pragma once
// Resolves each node's OpDef, then infers dtypes and shapes in topological order, folding nodes whose outputs
// are fully determined at load (all inputs constant, or a value inference can compute, such as Shape of a
// static input) into constants.
#include <cstdint>
#include <unordered_set>
#include <vector>

#include "graph/graph.h"
#include "ops/registry.h"

namespace ssdx {

// The OpDef of every node, in node order. Unknown ops are reported all at once: op type, domain, opset, node.
std::vector<const OpDef*> resolve_ops(const Graph& g, const OpRegistry& registry);

// The ValueInfo of node input i as the graph knows it now.
std::vector<ValueInfo> node_input_infos(const Graph& g, const Node& n);

struct InferenceStats {
  int folded = 0;
};

enum class Fold {
  None,              // infer only
  All,               // fold every node whose outputs are known at load
  KeepDequantize,    // all but DequantizeLinear: quantized weights stay int8 + DQ until the QDQ fusion has seen them
};

// Runs inference over the whole graph, storing dtype/shape in each Value and folding constants as `fold` says.
// Folded nodes are marked dead (the caller compacts). Fails naming the node on any inconsistency.
// The constants it holds, new folded ones included, must stay within `max_constant_bytes`: a fold whose output
// would go over fails before it is computed (when inference knows its shape) or as soon as it is made.
InferenceStats infer_shapes(Graph& g, const std::vector<const OpDef*>& defs, Fold fold,
                            uint64_t max_constant_bytes = UINT64_MAX);

// Bytes of the distinct buffers behind the graph's constants (a folded Identity shares its input's); constants a
// session released after its kernels packed them hold none.
uint64_t constant_bytes(const Graph& g);

}  // namespace ssdx
