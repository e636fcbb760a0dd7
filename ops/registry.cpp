#include "ops/registry.h"

#include <algorithm>

namespace ssdx {

void OpRegistry::add(OpDef def) {
  auto& list = defs_[{def.domain, def.op_type}];
  if (def.end_version < def.since_version)
    fail("op ", def.op_type, " registered for the empty opset range [", def.since_version, ", ", def.end_version, "]");
  // Ranges of one op must not overlap: find() would silently pick one of two definitions for the same opset.
  for (const OpDef& d : list)
    if (d.since_version <= def.end_version && def.since_version <= d.end_version)
      fail("op ", def.op_type, " registered twice for opsets ", std::max(d.since_version, def.since_version), "..",
           std::min(d.end_version, def.end_version));
  list.push_back(std::move(def));
  std::sort(list.begin(), list.end(), [](const OpDef& a, const OpDef& b) { return a.since_version < b.since_version; });
}

const OpDef* OpRegistry::find(const std::string& domain, const std::string& op_type, int64_t opset) const {
  auto it = defs_.find({domain, op_type});
  if (it == defs_.end()) return nullptr;
  const OpDef* best = nullptr;
  for (const OpDef& d : it->second)
    if (d.since_version <= opset) best = &d;
  if (best && opset > best->end_version) return nullptr;
  return best;
}

std::vector<std::string> OpRegistry::op_types(const std::string& domain) const {
  std::vector<std::string> names;
  for (const auto& kv : defs_)
    if (kv.first.first == domain) names.push_back(kv.first.second);
  return names;
}

const OpTraits& op_traits(const OpRegistry& r, const Graph& g, const Node& n) {
  static const OpTraits kNone;
  const OpDef* def = r.find(n.domain, n.op_type, g.opset(n.domain));
  return def ? def->traits : kNone;
}

void register_builtin_ops(OpRegistry& r) {
  register_conv_ops(r);
  register_batchnorm_ops(r);
  register_pool_ops(r);
  register_elementwise_ops(r);
  register_elementwise_math_ops(r);
  register_compare_ops(r);
  register_activation_ops(r);
  register_softmax_ops(r);
  register_reduce_ops(r);
  register_layout_ops(r);
  register_gather_ops(r);
  register_constant_ops(r);
  register_topk_ops(r);
  register_nms_ops(r);
  register_expand_ops(r);
  register_range_ops(r);
  register_split_ops(r);
  register_pad_ops(r);
  register_scatter_ops(r);
  register_nonzero_ops(r);
  register_normalize_ops(r);
  register_resize_ops(r);
}

}  // namespace ssdx
