#pragma once
// Resolves each node's OpDef, then infers dtypes and shapes in topological order, folding nodes whose outputs
// are fully determined at load (all inputs constant, or a value inference can compute, such as Shape of a
// static input) into constants.
#include <cstdint>
#include <string>
#include <utility>
#include <unordered_set>
#include <vector>

#include "graph/graph.h"
#include "ops/registry.h"

namespace ssdx {

// One node ssdx has no op for. `node` is its name, behind the If nodes and branches it sits in
// ("if1/then_branch/frob") when it is in a subgraph.
struct UnsupportedNode {
  std::string domain, op_type, node;
  int64_t opset = 0;
  bool takes_subgraphs = false;  // Loop, Scan...: control flow ssdx does not run, named in a message of its own
};

// The one-line report of unsupported ops, carrying them for an enclosing graph to report with its own.
class UnsupportedOpsError : public Error {
 public:
  UnsupportedOpsError(const std::string& message, std::vector<UnsupportedNode> nodes)
      : Error(message), nodes_(std::move(nodes)) {}
  const std::vector<UnsupportedNode>& nodes() const { return nodes_; }

 private:
  std::vector<UnsupportedNode> nodes_;
};

// The OpDef of every node, in node order; nullptr where the registry has none (dead nodes included).
std::vector<const OpDef*> find_ops(const Graph& g, const OpRegistry& registry);
// The live nodes `defs` has no op for.
std::vector<UnsupportedNode> unsupported_nodes(const Graph& g, const std::vector<const OpDef*>& defs);
// Throws UnsupportedOpsError: every node at once, in one line, grouped by op type, domain and opset with a count
// and the first node names; an op with subgraphs ssdx lacks (Loop, Scan) leads with a sentence of its own.
[[noreturn]] void fail_unsupported(const std::string& source, std::vector<UnsupportedNode> nodes);

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
// Folding evaluates with the reference kernels: a constant subgraph never depends on a fast kernel. Nodes with
// subgraphs are never evaluated (a constant If is inlined instead: engine/if_inlining.h).
// A node without an op (nullptr in `defs`, or an If whose branches hold one) is skipped, and so is everything that
// reads what it computes; they are collected into `unsupported` when it is given (the caller reports those still
// needed after folding), else reported at the end.
InferenceStats infer_shapes(Graph& g, const std::vector<const OpDef*>& defs, Fold fold,
                            uint64_t max_constant_bytes = UINT64_MAX,
                            std::vector<std::pair<int, UnsupportedNode>>* unsupported = nullptr);

// Bytes of the distinct buffers behind the graph's constants (a folded Identity shares its input's); constants a
// session released after its kernels packed them hold none.
uint64_t constant_bytes(const Graph& g);

}  // namespace ssdx
