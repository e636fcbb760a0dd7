#pragma once
// Op registry keyed by (domain, op_type, opset range). Families register explicitly, in visible lists.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ops/op.h"

namespace ssdx {

class OpRegistry {
 public:
  void add(OpDef def);
  // The entry with the highest since_version <= opset, if that entry still covers opset; nullptr otherwise.
  const OpDef* find(const std::string& domain, const std::string& op_type, int64_t opset) const;
  std::vector<std::string> op_types(const std::string& domain) const;

  // The registry with every op family of the engine: the families of ops/ (register_builtin_ops) and of the
  // libraries layered above ops (int8/). Defined in engine/op_registry.cpp, the first layer that sees them all,
  // so ops never depends on quant; every binary that calls it links ssdx_engine.
  static const OpRegistry& global();

 private:
  std::map<std::pair<std::string, std::string>, std::vector<OpDef>> defs_;
};

// The traits of node n's op at g's opset for its domain; empty traits for an op `r` does not have.
const OpTraits& op_traits(const OpRegistry& r, const Graph& g, const Node& n);

// Every family of ops/, in a visible list (ops/registry.cpp).
void register_builtin_ops(OpRegistry& r);

// One per family file (ops/<family>.cpp); called from register_builtin_ops.
void register_conv_ops(OpRegistry& r);
void register_batchnorm_ops(OpRegistry& r);
void register_pool_ops(OpRegistry& r);
void register_elementwise_ops(OpRegistry& r);
void register_elementwise_math_ops(OpRegistry& r);
void register_compare_ops(OpRegistry& r);
void register_activation_ops(OpRegistry& r);
void register_softmax_ops(OpRegistry& r);
void register_reduce_ops(OpRegistry& r);
void register_layout_ops(OpRegistry& r);
void register_gather_ops(OpRegistry& r);
void register_constant_ops(OpRegistry& r);
void register_topk_ops(OpRegistry& r);
void register_nms_ops(OpRegistry& r);
void register_expand_ops(OpRegistry& r);   // Expand, Tile
void register_range_ops(OpRegistry& r);
void register_split_ops(OpRegistry& r);
void register_pad_ops(OpRegistry& r);
void register_scatter_ops(OpRegistry& r);  // ScatterND, ScatterElements, Scatter
void register_nonzero_ops(OpRegistry& r);
void register_normalize_ops(OpRegistry& r);
void register_resize_ops(OpRegistry& r);

}  // namespace ssdx
