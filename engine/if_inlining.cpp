#include "engine/if_inlining.h"

#include <algorithm>

#include "graph/graph_edit.h"

namespace ssdx {
namespace {

// Copies `branch` into g in place of If node `n`: captured values become the If's implicit inputs, the branch's
// outputs become the If's outputs (through an Identity where the output is not a value the branch computes, or
// is listed twice), every other value a fresh one.
void inline_branch(Graph& g, const Node& n, const Graph& branch) {
  std::vector<int> map(branch.values.size(), kNoValue);
  for (int id : branch.captured) {
    const std::string& name = branch.value(id).name;
    const auto it = std::find(n.implicit_names.begin(), n.implicit_names.end(), name);
    if (it == n.implicit_names.end()) fail(g.node_label(n), ": its branch reads '", name, "', which it does not capture");
    map[static_cast<size_t>(id)] = n.inputs[static_cast<size_t>(n.explicit_inputs() + (it - n.implicit_names.begin()))];
  }
  std::vector<size_t> through_identity;
  for (size_t o = 0; o < branch.outputs.size(); ++o) {
    const int from = branch.outputs[o], to = n.outputs[o];
    if (to == kNoValue) continue;
    if (branch.value(from).producer >= 0 && map[static_cast<size_t>(from)] == kNoValue) map[static_cast<size_t>(from)] = to;
    else through_identity.push_back(o);
  }
  for (size_t id = 0; id < branch.values.size(); ++id) {
    if (map[id] != kNoValue) continue;
    const Value& v = branch.values[id];
    if (v.constant) {
      map[id] = add_fresh_value(g, v.name, v.dtype, v.shape, true);
      g.value(map[id]).constant = v.constant;  // shared, not copied
    } else {
      map[id] = add_fresh_value(g, v.name, v.dtype, v.shape, v.shape_known);
    }
  }
  auto remap = [&](std::vector<int>& ids, size_t from) {
    for (size_t k = from; k < ids.size(); ++k)
      if (ids[k] != kNoValue) ids[k] = map[static_cast<size_t>(ids[k])];
  };
  for (const Node& bn : branch.nodes) {
    if (bn.dead) continue;
    Node copy = bn;
    copy.name = n.name + "/" + bn.name;
    remap(copy.inputs, 0);
    remap(copy.outputs, 0);
    g.add_node(std::move(copy));
  }
  for (size_t o : through_identity) {
    Node id;
    id.name = n.name + "/output_" + std::to_string(o);
    id.op_type = "Identity";
    id.inputs = {map[static_cast<size_t>(branch.outputs[o])]};
    id.outputs = {n.outputs[o]};
    g.add_node(std::move(id));
  }
}

}  // namespace

int inline_constant_ifs(Graph& g) {
  int inlined = 0;
  const size_t count = g.nodes.size();
  for (size_t i = 0; i < count; ++i) {
    const Node& n = g.nodes[i];
    if (n.dead || n.op_type != "If" || !n.domain.empty() || n.explicit_inputs() != 1) continue;
    const Tensor* cond = g.constant(n.inputs[0]);
    if (!cond || cond->dtype() != DataType::Bool || cond->numel() != 1 || cond->empty_storage()) continue;
    const char* pick = cond->data<bool>()[0] ? "then_branch" : "else_branch";
    if (!n.attrs.has(pick) || n.attrs.at(pick).kind != Attribute::Kind::Graph) continue;
    const std::shared_ptr<const Graph> branch = n.attrs.at(pick).graph;
    // Inference checked both already; a branch it could not read stays an If step, which reports it.
    if (!branch || branch->outputs.size() != n.outputs.size() || !branch->inputs.empty()) continue;
    const Node node = n;  // g.nodes grows below
    g.nodes[i].dead = true;
    inline_branch(g, node, *branch);
    ++inlined;
  }
  return inlined;
}

}  // namespace ssdx
