#include "engine/subgraph.h"

#include <algorithm>

#include "engine/load_folding.h"
#include "engine/session.h"

namespace ssdx {

Graph bind_branch(const Graph& branch, const Node& n, const std::vector<ValueInfo>& outer, const std::string& which) {
  if (!branch.inputs.empty())
    fail(which, " has ", branch.inputs.size(), " input", branch.inputs.size() > 1 ? "s" : "",
         "; If branches take none (they read the enclosing graph's values by name)");
  Graph g = branch;
  g.source = which;  // messages from inside: "then_branch: Add node 'a': ...", behind the If node's own label
  for (int id : g.captured) {
    Value& v = g.value(id);
    const auto it = std::find(n.implicit_names.begin(), n.implicit_names.end(), v.name);
    const size_t k = static_cast<size_t>(it - n.implicit_names.begin());
    if (it == n.implicit_names.end() || k >= outer.size())
      fail(which, " reads '", v.name, "', which the node does not pass it");
    const ValueInfo& info = outer[k];
    v.dtype = info.dtype;
    v.shape = info.shape;
    v.shape_known = info.shape_known;
    if (info.constant && !info.constant->empty_storage()) {
      v.is_graph_input = false;
      v.constant = std::make_shared<const Tensor>(*info.constant);  // shares the enclosing graph's storage
      v.shape = info.constant->shape();
      v.shape_known = true;
    } else {
      g.inputs.push_back(id);
    }
  }
  g.captured.clear();
  g.link();
  return g;
}

std::vector<ValueInfo> infer_branch(const Graph& branch, const Node& n, const std::vector<ValueInfo>& outer,
                                    const std::string& which) {
  Graph g = bind_branch(branch, n, outer, which);
  try {
    fold_and_resolve(g, Fold::All, SessionOptions().max_weight_bytes);
  } catch (const UnsupportedOpsError& e) {
    std::vector<UnsupportedNode> nodes = e.nodes();
    for (UnsupportedNode& u : nodes) u.node = n.name + "/" + which + "/" + u.node;
    throw UnsupportedOpsError(e.what(), std::move(nodes));
  }
  std::vector<ValueInfo> outs;
  for (int id : g.outputs) {
    const Value& v = g.value(id);
    ValueInfo info;
    info.dtype = v.dtype;
    info.shape = v.shape;
    info.shape_known = v.shape_known;
    outs.push_back(std::move(info));
  }
  return outs;
}

SubgraphProgram::SubgraphProgram(const Graph& branch, const Node& n, const std::vector<ValueInfo>& outer,
                                 const std::string& which, const SessionOptions& opts) {
  Graph g = bind_branch(branch, n, outer, which);
  for (int id : g.inputs) {
    const std::string& name = g.value(id).name;
    const auto it = std::find(n.implicit_names.begin(), n.implicit_names.end(), name);
    feeds_.push_back({name, static_cast<size_t>(it - n.implicit_names.begin())});
  }
  for (int id : g.outputs) outputs_.push_back(g.value(id).name);
  SessionOptions branch_opts = opts;
  branch_opts.keep_values.clear();    // names of the enclosing graph
  branch_opts.input_shapes.clear();   // so are --input-shape's (a dynamic model compiled per shape passes them)
  branch_opts.dump_passes = nullptr;  // the dump shows the model's graph
  session_ = std::make_unique<Session>(std::move(g), branch_opts);
}

SubgraphProgram::~SubgraphProgram() = default;

size_t SubgraphProgram::steps() const { return session_->plan().steps.size(); }

std::vector<Tensor> SubgraphProgram::run(const std::vector<const Tensor*>& outer) const {
  TensorMap feeds;
  for (const auto& [name, k] : feeds_) {
    if (k >= outer.size() || !outer[k]) fail("the branch input '", name, "' was not passed");
    feeds[name] = *outer[k];  // shares the enclosing run's buffer for the length of this call
  }
  TensorMap results = session_->run(feeds);
  std::vector<Tensor> outs;
  outs.reserve(outputs_.size());
  for (const std::string& name : outputs_) outs.push_back(std::move(results.at(name)));
  return outs;
}

}  // namespace ssdx
