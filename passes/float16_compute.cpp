#include "passes/float16_compute.h"

#include <memory>
#include <set>

#include "graph/graph_edit.h"
#include "graph/half.h"

namespace ssdx {
namespace {

void use_instead(Graph& g, int old_id, int new_id, int except_node) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (static_cast<int>(i) == except_node) continue;
    for (int& in : g.nodes[i].inputs)
      if (in == old_id) in = new_id;
  }
}

// A float32 copy of a 16-bit tensor attribute (Constant's and ConstantOfShape's `value`).
bool widen_tensor_attribute(Node& n, const char* name) {
  if (!n.attrs.has(name)) return false;
  const Tensor& t = n.attrs.get_tensor(name);
  if (!is_half_type(t.dtype())) return false;
  n.attrs.set_tensor(name, widen_to_float32(t));
  return true;
}

void ensure_internal_opset(Graph& g) {
  if (!g.opsets.count(kInternalDomain)) g.opsets[kInternalDomain] = 1;
}

// A Cast to float16/bfloat16 becomes ssdx.CastRoundTrip (the same `to`); CastLike too when its `like` is known to be
// one. Returns whether `n` changed.
bool keep_rounding(Graph& g, Node& n) {
  if (!n.domain.empty()) return false;
  DataType via = DataType::Undefined;
  if (n.op_type == "Cast" && n.attrs.has("to")) {
    const int64_t to = n.attrs.get_int("to", 0);
    if (to == static_cast<int64_t>(DataType::Float16) || to == static_cast<int64_t>(DataType::BFloat16))
      via = static_cast<DataType>(to);
  } else if (n.op_type == "CastLike" && n.inputs.size() == 2 && n.inputs[1] != kNoValue) {
    via = g.value(n.inputs[1]).dtype;  // known here for graph inputs, initializers and declared values
    if (is_half_type(via)) {
      n.inputs.resize(1);
      n.attrs.set_int("to", static_cast<int64_t>(via));
    }
  }
  if (!is_half_type(via)) return false;
  n.op_type = "CastRoundTrip";
  n.domain = kInternalDomain;
  for (const char* extra : {"saturate", "round_mode"})  // float8 options of later opsets, meaningless here
    if (n.attrs.has(extra)) n.attrs.erase(extra);
  ensure_internal_opset(g);
  return true;
}

int convert_graph(Graph& g, bool main_graph);

// If branches: converted copies (subgraphs are shared and immutable), their 16-bit values float32 like the rest.
int convert_subgraphs(Node& n) {
  int changed = 0;
  std::vector<std::pair<std::string, std::shared_ptr<const Graph>>> subgraphs;
  for (const auto& [name, attr] : n.attrs.all())
    if (attr.graph) subgraphs.emplace_back(name, attr.graph);
  for (const auto& [name, graph] : subgraphs) {
    auto copy = std::make_shared<Graph>(*graph);
    const int c = convert_graph(*copy, false);
    if (c == 0) continue;
    n.attrs.set_graph(name, copy);
    changed += c;
  }
  return changed;
}

int convert_graph(Graph& g, bool main_graph) {
  g.link();
  int changed = 0;
  // Constants: widened in place, except one the graph also outputs, which keeps its dtype for the output while
  // its readers get a float32 copy.
  const size_t value_count = g.values.size();
  for (size_t v = 0; v < value_count; ++v) {
    if (!g.values[v].constant || !is_half_type(g.values[v].dtype)) continue;
    Tensor wide = widen_to_float32(*g.values[v].constant);
    if (main_graph && g.values[v].is_graph_output) {
      const int id = add_fresh_constant(g, g.values[v].name + "_float32", std::move(wide));
      use_instead(g, static_cast<int>(v), id, -1);
    } else {
      g.values[v].constant = std::make_shared<const Tensor>(std::move(wide));
      g.values[v].dtype = DataType::Float;
    }
    ++changed;
  }
  const size_t node_count = g.nodes.size();
  for (size_t i = 0; i < node_count; ++i) {
    Node& n = g.nodes[i];
    if (n.dead) continue;
    bool c = keep_rounding(g, n);
    if (n.domain.empty() && (n.op_type == "Constant" || n.op_type == "ConstantOfShape"))
      c = widen_tensor_attribute(n, "value") || c;
    changed += (c ? 1 : 0) + convert_subgraphs(g.nodes[i]);
  }
  // Declared dtypes (value_info, a subgraph's outputs and captured values) follow the computation into float32.
  for (Value& v : g.values) {
    if (v.constant || !is_half_type(v.dtype)) continue;
    if (main_graph && (v.is_graph_input || v.is_graph_output)) continue;
    v.dtype = DataType::Float;
    ++changed;
  }
  if (!main_graph) return changed;
  for (int in : std::vector<int>(g.inputs)) {
    const Value& v = g.value(in);
    if (!is_half_type(v.dtype) || v.consumers.empty()) continue;
    const int wide = add_fresh_value(g, v.name + "_float32", DataType::Float, g.value(in).shape, g.value(in).shape_known);
    use_instead(g, in, wide, -1);
    Node cast;
    cast.name = fresh_value_name(g, g.value(in).name + "_to_float32");
    cast.op_type = "Cast";
    cast.attrs.set_int("to", static_cast<int64_t>(DataType::Float));
    cast.inputs = {in};
    cast.outputs = {wide};
    g.add_node(std::move(cast));
    ++changed;
  }
  std::set<int> done;  // a value listed twice among the outputs gets one Cast
  for (int out : std::vector<int>(g.outputs)) {
    const Value& v = g.value(out);
    if (!is_half_type(v.dtype) || v.producer < 0 || !done.insert(out).second) continue;  // inputs, constants: as they are
    const DataType to = v.dtype;
    const int producer = v.producer;
    const int wide = add_fresh_value(g, g.value(out).name + "_float32", DataType::Float, {}, false);
    for (int& o : g.nodes[static_cast<size_t>(producer)].outputs)
      if (o == out) o = wide;
    use_instead(g, out, wide, -1);
    Node cast;
    cast.name = fresh_value_name(g, g.value(out).name + "_to_" + dtype_name(to));
    cast.op_type = "Cast";
    cast.attrs.set_int("to", static_cast<int64_t>(to));
    cast.inputs = {wide};
    cast.outputs = {out};
    g.add_node(std::move(cast));
    ++changed;
  }
  if (changed) {
    g.link();
    g.topo_sort();
  }
  return changed;
}

}  // namespace

int compute_float16_in_float32(Graph& g) {
  return convert_graph(g, true);
}

int cast_to_own_type_as_identity(Graph& g) {
  int count = 0;
  for (Node& n : g.nodes) {
    if (n.dead || !n.domain.empty() || n.op_type != "Cast" || n.inputs.size() != 1 || n.inputs[0] == kNoValue) continue;
    const DataType from = g.value(n.inputs[0]).dtype;
    if (from == DataType::Undefined || static_cast<int64_t>(from) != n.attrs.get_int("to", -1)) continue;
    n.op_type = "Identity";
    n.attrs = Attributes();
    ++count;
  }
  return count;
}

}  // namespace ssdx
