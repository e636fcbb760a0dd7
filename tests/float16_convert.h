#pragma once
// A test-side float16 converter in the manner of onnxconverter-common's convert_float_to_float16 with
// keep_io_types=True: every float32 initializer and Constant/ConstantOfShape value becomes float16, every Cast to
// float32 a Cast to float16, and each float32 graph input gets a Cast to float16 after it, each float32 output a
// Cast back to float32 before it. (The real converter also clamps weights to +-1e4 and 1e-7; the generated
// models' weights are well inside that.)
#include <string>

#include "graph/graph_edit.h"
#include "graph/graph_writer.h"
#include "graph/half.h"
#include "graph/onnx_parser.h"

namespace ssdx::test {

inline void convert_model_to_float16(const std::string& in_path, const std::string& out_path) {
  Graph g = load_onnx(in_path);
  g.link();
  const auto f16 = static_cast<int64_t>(DataType::Float16);
  for (Value& v : g.values) {
    if (v.constant && v.dtype == DataType::Float) {
      v.constant = std::make_shared<const Tensor>(round_to_half(*v.constant, DataType::Float16));
      v.dtype = DataType::Float16;
    } else if (!v.is_graph_input && !v.is_graph_output && v.dtype == DataType::Float) {
      v.dtype = DataType::Float16;
    }
  }
  for (Node& n : g.nodes) {
    if (n.op_type == "Cast" && n.attrs.get_int("to", 0) == static_cast<int64_t>(DataType::Float)) n.attrs.set_int("to", f16);
    if ((n.op_type == "Constant" || n.op_type == "ConstantOfShape") && n.attrs.has("value") &&
        n.attrs.get_tensor("value").dtype() == DataType::Float)
      n.attrs.set_tensor("value", round_to_half(n.attrs.get_tensor("value"), DataType::Float16));
  }
  auto cast_node = [&](const std::string& name, int in, int out, int64_t to) {
    Node c;
    c.name = fresh_value_name(g, name);
    c.op_type = "Cast";
    c.attrs.set_int("to", to);
    c.inputs = {in};
    c.outputs = {out};
    g.add_node(std::move(c));
  };
  for (int in : std::vector<int>(g.inputs)) {
    if (g.value(in).dtype != DataType::Float) continue;
    const int half = add_fresh_value(g, g.value(in).name + "_fp16", DataType::Float16, g.value(in).shape, g.value(in).shape_known);
    for (Node& n : g.nodes)
      for (int& x : n.inputs)
        if (x == in) x = half;
    cast_node(g.value(in).name + "_cast_fp16", in, half, f16);
  }
  for (int out : std::vector<int>(g.outputs)) {
    if (g.value(out).dtype != DataType::Float || g.value(out).producer < 0) continue;
    const int half = add_fresh_value(g, g.value(out).name + "_fp16", DataType::Float16, g.value(out).shape, g.value(out).shape_known);
    for (int& o : g.nodes[static_cast<size_t>(g.value(out).producer)].outputs)
      if (o == out) o = half;
    cast_node(g.value(out).name + "_cast_fp32", half, out, static_cast<int64_t>(DataType::Float));
  }
  g.topo_sort();
  save_graph(g, out_path);
}

}  // namespace ssdx::test
