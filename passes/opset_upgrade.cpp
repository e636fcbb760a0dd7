#include "passes/opset_upgrade.h"

#include <algorithm>
#include <memory>
#include <set>

#include "graph/graph_edit.h"

namespace ssdx {
namespace {

// Ops whose inputs or semantics changed at a version and that we do not convert (ONNX's Changelog.md).
struct Unconverted {
  const char* op;
  int64_t version;
};
constexpr Unconverted kUnconverted[] = {{"Slice", 10}, {"TopK", 10}, {"Upsample", 10}, {"Dropout", 10},
                                        {"Pad", 11},   {"Resize", 11},   {"Dropout", 12}};

const std::set<std::string> kReduceAxesAt18 = {"ReduceMax",    "ReduceMin",       "ReduceMean",
                                               "ReduceProd",   "ReduceL1",        "ReduceL2",
                                               "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"};

// Moves the ints attribute `attr` to input `index` as an int64 constant (no-op when the attribute is absent,
// which keeps the optional input omitted: the same meaning in both versions).
void attribute_to_input(Graph& g, Node& n, const std::string& attr, size_t index) {
  if (!n.attrs.has(attr)) return;
  const std::vector<int64_t> v = n.attrs.get_ints(attr);
  const int id = add_fresh_constant(g, n.name + "_" + attr, make_tensor<int64_t>({static_cast<int64_t>(v.size())}, v));
  if (n.inputs.size() < index) n.inputs.resize(index, kNoValue);
  if (n.inputs.size() == index)
    n.inputs.push_back(id);
  else
    fail(g.node_label(n), ": has an input where opset 13 puts '", attr, "'");
  n.attrs.erase(attr);
}

// At 11 Clip's min/max attributes became optional inputs: each present one moves to a scalar float constant (an
// absent one stays omitted: the float limits in both versions).
void convert_clip(Graph& g, Node& n) {
  if (n.inputs.size() > 1) fail(g.node_label(n), ": has inputs where opset 11 puts min and max");
  const char* const names[] = {"min", "max"};
  for (size_t i = 0; i < 2; ++i) {
    if (!n.attrs.has(names[i])) continue;
    const float v = n.attrs.get_float(names[i], 0.f);
    n.inputs.resize(std::max<size_t>(n.inputs.size(), i + 1), kNoValue);
    n.inputs.push_back(add_fresh_constant(g, n.name + "_" + names[i], make_tensor<float>({}, {v})));
    n.attrs.erase(names[i]);
  }
}

// Before 13 the Softmax family flattened the input to 2-D at `axis` (default 1); from 13 it works on one axis
// (default -1). The two agree only when the axis is the last one.
void convert_softmax(const Graph& g, Node& n) {
  const Value& x = g.value(n.inputs.at(0));
  if (!x.shape_known) fail(g.node_label(n), ": input rank unknown, cannot tell whether opset 13 changes its meaning");
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  const int64_t axis = normalize_axis(n.attrs.get_int("axis", 1), rank, "axis");
  if (axis != rank - 1)
    fail(g.node_label(n), ": axis ", axis, " of a rank-", rank,
         " input is not the last axis, and opset 13 changed what that computes; not converted");
  n.attrs.set_int("axis", axis);
}

}  // namespace

void upgrade_opset(Graph& g, int64_t target) {
  const int64_t from = g.opset("");
  if (target < from) fail("cannot lower the opset from ", from, " to ", target);
  if (target > kMaxUpgradeOpset)
    fail("opset ", target, " is beyond the highest supported upgrade (", kMaxUpgradeOpset, ")");
  if (target == from) return;
  auto crosses = [&](int64_t version) { return from < version && target >= version; };
  for (Node& n : g.nodes) {
    if (n.dead || !n.domain.empty()) continue;
    for (const Unconverted& u : kUnconverted)
      if (n.op_type == u.op && crosses(u.version))
        fail(g.node_label(n), ": ", n.op_type, " changed in opset ", u.version,
             " and converting it is not implemented (opset ", from, " -> ", target, ")");
    if (crosses(11) && n.op_type == "Clip") convert_clip(g, n);
    if (crosses(13)) {
      if (n.op_type == "Squeeze" || n.op_type == "Unsqueeze" || n.op_type == "ReduceSum")
        attribute_to_input(g, n, "axes", 1);
      else if (n.op_type == "Split")
        attribute_to_input(g, n, "split", 1);
      else if (n.op_type == "Softmax" || n.op_type == "LogSoftmax" || n.op_type == "Hardmax")
        convert_softmax(g, n);
    }
    if (crosses(18) && kReduceAxesAt18.count(n.op_type)) attribute_to_input(g, n, "axes", 1);
    // The model's opset holds inside its subgraphs (If branches): they are upgraded with it, as new graphs.
    std::vector<std::pair<std::string, std::shared_ptr<Graph>>> upgraded;
    for (const auto& [name, a] : n.attrs.all()) {
      if (a.kind != Attribute::Kind::Graph || !a.graph) continue;
      upgraded.push_back({name, std::make_shared<Graph>(*a.graph)});
      upgraded.back().second->opsets[""] = from;
      try {
        upgrade_opset(*upgraded.back().second, target);
      } catch (const Error& e) {
        fail(g.node_label(n), " ", name, ": ", e.what());
      }
    }
    for (auto& [name, branch] : upgraded) n.attrs.set_graph(name, std::move(branch));
  }
  g.opsets[""] = target;
  g.link();
}

}  // namespace ssdx
