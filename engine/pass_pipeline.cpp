#include "engine/pass_pipeline.h"

#include <ostream>
#include <sstream>

#include "engine/shape_inference.h"
#include "passes/eliminate_dead.h"
#include "passes/float16_compute.h"
#include "passes/fuse_conv.h"
#include "passes/fuse_qdq.h"
#include "ops/registry.h"

namespace ssdx {

std::vector<Pass> optimization_passes(const SessionOptions& opts) {
  std::vector<Pass> passes;
  for (const QdqPass& p : qdq_passes()) passes.push_back({p.name, p.run, PassEffect::Fuses});
  passes.push_back({"eliminate_dead", eliminate_dead_nodes, PassEffect::CleansUp});
  if (opts.constant_folding) {
    const uint64_t max_weight_bytes = opts.max_weight_bytes;
    passes.push_back({"fold", [max_weight_bytes](Graph& g) {
                        return infer_shapes(g, resolve_ops(g, OpRegistry::global()), Fold::All, max_weight_bytes).folded;
                      },
                      PassEffect::Folds});
  }
  // In this order: BN folds into the conv first, the residual Add joins it before the Relu (or Clip) after the sum does.
  passes.push_back({"fold_batchnorm", fold_batchnorm, PassEffect::Fuses});
  passes.push_back({"fuse_conv_add", fuse_conv_add, PassEffect::Fuses});
  passes.push_back({"fuse_conv_relu", fuse_conv_relu, PassEffect::Fuses});
  passes.push_back({"fuse_conv_clip", fuse_conv_clip, PassEffect::Fuses});
  passes.push_back({"cast_to_own_type", cast_to_own_type_as_identity, PassEffect::CleansUp});
  passes.push_back({"remove_identity", remove_identity, PassEffect::Fuses});
  passes.push_back({"eliminate_dead", eliminate_dead_nodes, PassEffect::CleansUp});
  return passes;
}

PipelineResult run_pipeline(Graph& g, const std::vector<Pass>& passes, std::ostream* dump) {
  PipelineResult result;
  for (const Pass& pass : passes) {
    const int count = pass.run(g);
    try {
      g.verify();
    } catch (const Error& e) {
      fail("pass '", pass.name, "' left a broken graph: ", e.what());
    }
    result.log.push_back({pass.name, count});
    if (pass.effect == PassEffect::Fuses) result.fused += count;
    if (pass.effect == PassEffect::Folds) result.folded += count;
    if (dump) *dump << "== after " << pass.name << " (" << count << ")\n" << graph_text(g);
  }
  return result;
}

std::string graph_text(const Graph& g) {
  std::ostringstream os;
  auto names = [&](const std::vector<int>& ids) {
    std::string s;
    for (size_t i = 0; i < ids.size(); ++i)
      s += (i ? ", " : "") + (ids[i] == kNoValue ? std::string("\"\"") : g.value(ids[i]).name);
    return s;
  };
  for (const Node& n : g.nodes) {
    if (n.dead) continue;
    os << n.name << ": " << (n.domain.empty() ? "" : n.domain + ".") << n.op_type << "(" << names(n.inputs)
       << ") -> " << names(n.outputs) << "\n";
  }
  return os.str();
}

}  // namespace ssdx
