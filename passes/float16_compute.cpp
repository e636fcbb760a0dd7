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

// Ops whose first output has the element type of their first input (Where: of its second) and whose outputs
// besides are not floats (MaxPool's indices, TopK's indices, Dropout's mask), or all float (Split). Another op's
// outputs are not taken for 16-bit floats: a Cast after them then keeps no rounding it should have, never gains
// one it should not.
const std::set<std::string>& ops_following_their_input() {
  static const std::set<std::string> ops = {
      "Abs", "Add", "AveragePool", "BatchNormalization", "Ceil", "Celu", "Clip", "Concat", "Conv", "ConvTranspose",
      "Cos", "CumSum", "DepthToSpace", "Div", "Dropout", "Elu", "Erf", "Exp", "Expand", "Flatten", "Floor", "Gather",
      "GatherElements", "GatherND", "Gemm", "GlobalAveragePool", "GlobalMaxPool", "HardSigmoid", "HardSwish",
      "Identity", "InstanceNormalization", "LayerNormalization", "LeakyRelu", "Log", "LogSoftmax", "LRN", "MatMul",
      "Max", "MaxPool", "Mean", "Min", "Mish", "Mul", "Neg", "Pad", "Pow", "PRelu", "Reciprocal", "ReduceL1",
      "ReduceL2", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum",
      "ReduceSumSquare", "Relu", "Reshape", "Resize", "Round", "ScatterElements", "ScatterND", "Selu", "Sigmoid",
      "Sign", "Sin", "Slice", "Softmax", "Softplus", "Softsign", "SpaceToDepth", "Split", "Sqrt", "Squeeze", "Sub",
      "Sum", "Tanh", "ThresholdedRelu", "Tile", "TopK", "Transpose", "Unsqueeze", "Upsample", "Where"};
  return ops;
}

DataType cast_attribute_type(const Node& n) {
  const int64_t to = n.attrs.get_int("to", 0);
  return to > 0 && to <= INT32_MAX && dtype_is_known(static_cast<int32_t>(to)) ? static_cast<DataType>(to)
                                                                                : DataType::Undefined;
}

// Per value, the 16-bit float type it has in the graph as written (Undefined for any other): from the inputs,
// constants, Constant/ConstantOfShape values and casts, through the ops that keep their input's type. Needs the
// nodes in topological order.
std::vector<DataType> written_half_types(const Graph& g) {
  std::vector<DataType> half(g.values.size(), DataType::Undefined);
  auto of = [&](int id) { return id == kNoValue ? DataType::Undefined : half[static_cast<size_t>(id)]; };
  for (size_t v = 0; v < g.values.size(); ++v)
    if (is_half_type(g.values[v].dtype) && (g.values[v].constant || g.values[v].is_graph_input))
      half[v] = g.values[v].dtype;
  for (const Node& n : g.nodes) {
    if (n.dead || !n.domain.empty() || n.outputs.empty() || n.outputs[0] == kNoValue) continue;
    DataType t = DataType::Undefined;
    if (n.op_type == "Cast") t = cast_attribute_type(n);
    else if (n.op_type == "CastLike") t = n.inputs.size() == 2 ? of(n.inputs[1]) : DataType::Undefined;
    else if ((n.op_type == "Constant" || n.op_type == "ConstantOfShape") && n.attrs.has("value"))
      t = n.attrs.at("value").kind == Attribute::Kind::Tensor ? n.attrs.get_tensor("value").dtype() : DataType::Undefined;
    else if (n.op_type == "Where") t = n.inputs.size() == 3 ? of(n.inputs[1]) : DataType::Undefined;
    else if (ops_following_their_input().count(n.op_type) && !n.inputs.empty()) t = of(n.inputs[0]);
    if (!is_half_type(t)) continue;
    const size_t outputs = n.op_type == "Split" ? n.outputs.size() : 1;
    for (size_t o = 0; o < outputs; ++o)
      if (n.outputs[o] != kNoValue) half[static_cast<size_t>(n.outputs[o])] = t;
  }
  return half;
}

void ensure_internal_opset(Graph& g) {
  if (!g.opsets.count(kInternalDomain)) g.opsets[kInternalDomain] = 1;
}

// Turns `n` into ssdx.CastRoundTrip through `via` on its first input.
void make_round_trip(Graph& g, Node& n, DataType via) {
  n.inputs.resize(1);
  n.op_type = "CastRoundTrip";
  n.domain = kInternalDomain;
  n.attrs = Attributes::integer("to", static_cast<int64_t>(via));
  ensure_internal_opset(g);
}

// The graph's own casts keep their roundings once the 16-bit values around them are float32: a Cast (CastLike) to
// float16/bfloat16 becomes ssdx.CastRoundTrip; one from such a value first rounds its (now float32) input to the
// type the graph wrote there, as the graph held it, so the final Cast to float32 of keep_io_types still rounds.
// Returns whether anything changed.
bool keep_roundings(Graph& g, int node, const std::vector<DataType>& written) {
  Node& n = g.nodes[static_cast<size_t>(node)];
  if (!n.domain.empty() || (n.op_type != "Cast" && n.op_type != "CastLike") || n.inputs.empty() || n.inputs[0] == kNoValue)
    return false;
  const DataType from = written[static_cast<size_t>(n.inputs[0])];
  const DataType to = n.op_type == "Cast" ? cast_attribute_type(n)
                      : n.inputs.size() == 2 && n.inputs[1] != kNoValue ? written[static_cast<size_t>(n.inputs[1])]
                                                                        : DataType::Undefined;
  if (!is_half_type(from) && !is_half_type(to)) return false;
  if (is_half_type(from) && to == DataType::Float && n.op_type == "Cast") {  // the rounding is the whole Cast now
    make_round_trip(g, n, from);
    return true;
  }
  if (is_half_type(from)) {
    const int rounded = add_fresh_value(g, g.value(n.inputs[0]).name + "_as_" + dtype_name(from), DataType::Float, {}, false);
    Node r;
    r.name = fresh_value_name(g, g.nodes[static_cast<size_t>(node)].name + "_input_rounding");
    r.inputs = {g.nodes[static_cast<size_t>(node)].inputs[0]};
    r.outputs = {rounded};
    make_round_trip(g, r, from);
    g.nodes[static_cast<size_t>(node)].inputs[0] = rounded;
    g.add_node(std::move(r));  // invalidates `n`
  }
  if (is_half_type(to)) make_round_trip(g, g.nodes[static_cast<size_t>(node)], to);
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
  g.topo_sort();
  const std::vector<DataType> written = written_half_types(g);
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
    if (g.nodes[i].dead) continue;
    bool c = keep_roundings(g, static_cast<int>(i), written);
    Node& n = g.nodes[i];
    if (n.domain.empty() && (n.op_type == "Constant" || n.op_type == "ConstantOfShape"))
      c = widen_tensor_attribute(n, "value") || c;
    changed += (c ? 1 : 0) + convert_subgraphs(n);
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
