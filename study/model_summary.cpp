#include "study/model_summary.h"

#include "engine/shape_inference.h"
#include "engine/shape_specialization.h"
#include "graph/onnx_parser.h"
#include "study/model_cost.h"

namespace ssdx::study {

std::string qualified_op(const std::string& domain, const std::string& op_type) {
  return domain.empty() ? op_type : domain + "." + op_type;
}

namespace {

// The subgraphs of node n, and the nodes they hold at every depth.
void count_subgraphs(const Node& n, size_t& graphs, size_t& nodes) {
  for (const auto& kv : n.attrs.all()) {
    std::vector<const Graph*> list;
    if (kv.second.graph) list.push_back(kv.second.graph.get());
    for (const auto& g : kv.second.graphs) list.push_back(g.get());
    for (const Graph* g : list) {
      ++graphs;
      nodes += g->nodes.size();
      for (const Node& inner : g->nodes) {
        size_t inner_graphs = 0;
        count_subgraphs(inner, inner_graphs, nodes);
      }
    }
  }
}

}  // namespace

ModelSummary summarize_model(const std::string& path, const std::map<std::string, Shape>& input_shapes) {
  ModelSummary s;
  Graph g = load_onnx(path);
  apply_input_shapes(g, input_shapes);
  s.path = path;
  s.ir_version = g.ir_version;
  s.opsets = g.opsets;
  s.metadata = g.metadata;
  s.nodes = g.nodes.size();
  for (const Node& n : g.nodes) {
    ++s.op_histogram[qualified_op(n.domain, n.op_type)];
    if (!n.attrs.has_subgraphs()) continue;
    size_t graphs = 0, nodes = 0;
    count_subgraphs(n, graphs, nodes);
    s.subgraphs.push_back(qualified_op(n.domain, n.op_type) + " '" + n.name + "' (" + std::to_string(graphs) + " branch" +
                          (graphs == 1 ? "" : "es") + ", " + std::to_string(nodes) + " node" + (nodes == 1 ? "" : "s") + ")");
  }
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
  // Costs of a model with free input dims would silently leave out every node whose shape waits for them.
  if (s.shape_error.empty() && has_free_input_dims(g))
    s.shape_error = "the model's inputs have dims known only at run time; give them with --input-shape NAME=D0xD1x...";
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
