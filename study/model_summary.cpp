#include "study/model_summary.h"

#include "engine/shape_inference.h"
#include "graph/onnx_parser.h"
#include "study/model_cost.h"

namespace ssdx::study {

std::string qualified_op(const std::string& domain, const std::string& op_type) {
  return domain.empty() ? op_type : domain + "." + op_type;
}

ModelSummary summarize_model(const std::string& path) {
  ModelSummary s;
  Graph g = load_onnx(path);
  s.path = path;
  s.ir_version = g.ir_version;
  s.opsets = g.opsets;
  s.metadata = g.metadata;
  s.nodes = g.nodes.size();
  for (const Node& n : g.nodes) ++s.op_histogram[qualified_op(n.domain, n.op_type)];
  for (const Value& v : g.values) {
    if (!v.constant) continue;
    ++s.initializers;
    s.parameters += v.constant->numel();
    s.parameter_bytes += static_cast<int64_t>(v.constant->nbytes());
    s.parameters_by_dtype[dtype_name(v.constant->dtype())] += v.constant->numel();
  }
  // Costs need shapes; a model we cannot infer (an op ssdx lacks) still gets its histogram.
  try {
    g.topo_sort();
    g.verify();
    infer_shapes(g, resolve_ops(g, OpRegistry::global()), Fold::None);
  } catch (const Error& e) {
    s.shape_error = e.what();
  }
  auto info = [&](int id) {
    const Value& v = g.value(id);
    return TensorInfo{v.name, v.dtype, v.shape_known ? v.shape : Shape{}};
  };
  for (int id : g.inputs) s.inputs.push_back(info(id));
  for (int id : g.outputs) s.outputs.push_back(info(id));
  if (!s.shape_error.empty()) return s;
  for (const Node& n : g.nodes) {
    const double macs = node_macs(g, n);
    if (macs <= 0) continue;
    s.costs.push_back({n.name, qualified_op(n.domain, n.op_type), g.value(n.outputs[0]).shape, macs});
    s.total_macs += macs;
  }
  return s;
}

}  // namespace ssdx::study
