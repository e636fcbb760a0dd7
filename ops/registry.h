#pragma once
// Op registry keyed by (domain, op_type, opset range). Families register explicitly through register_all().
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

  // The registry with every op family of the engine.
  static const OpRegistry& global();

 private:
  std::map<std::pair<std::string, std::string>, std::vector<OpDef>> defs_;
};

// One per family file (ops/<family>.cpp); called from ops/registry.cpp in a visible list.
void register_conv_ops(OpRegistry& r);
void register_batchnorm_ops(OpRegistry& r);
void register_pool_ops(OpRegistry& r);
void register_elementwise_ops(OpRegistry& r);
void register_softmax_ops(OpRegistry& r);
void register_reduce_ops(OpRegistry& r);
void register_layout_ops(OpRegistry& r);
void register_gather_ops(OpRegistry& r);
void register_constant_ops(OpRegistry& r);
void register_topk_ops(OpRegistry& r);
void register_nms_ops(OpRegistry& r);

}  // namespace ssdx
