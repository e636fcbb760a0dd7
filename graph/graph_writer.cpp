#include "graph/graph_writer.h"

#include <set>

#include "graph/onnx_builder.h"
#include "graph/tensor_io.h"
#include "onnx.pb.h"

namespace ssdx {
namespace {

const std::string& name_of(const Graph& g, int id) {
  const std::string& name = g.value(id).name;
  if (name.empty()) fail(g.source, ": cannot write a value without a name (id ", id, ")");
  return name;
}

// Unknown dims get a name of their own (ModelBuilder's default "d<i>" would tie dims of different values together).
std::vector<std::string> dim_names(const Value& v) {
  std::vector<std::string> names;
  for (size_t i = 0; i < v.shape.size(); ++i) names.push_back(v.name + "_dim" + std::to_string(i));
  return names;
}

// ModelBuilder always writes a shape; a value whose rank is unknown must have none (an empty one means a scalar).
std::string drop_shapes(const std::string& bytes, const std::set<std::string>& rank_unknown) {
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes)) fail("cannot re-read the serialized model");
  auto clear = [&](google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>* infos) {
    for (auto& vi : *infos)
      if (rank_unknown.count(vi.name())) vi.mutable_type()->mutable_tensor_type()->clear_shape();
  };
  clear(model.mutable_graph()->mutable_input());
  clear(model.mutable_graph()->mutable_output());
  std::string out;
  if (!model.SerializeToString(&out)) fail("cannot serialize the model");
  return out;
}

}  // namespace

std::string serialize_graph(const Graph& g) {
  if (g.opset("") <= 0) fail(g.source, ": the graph imports no opset for the default ONNX domain");
  ModelBuilder b(g.opset(""), g.ir_version > 0 ? g.ir_version : 7);
  for (const auto& [domain, version] : g.opsets)
    if (!domain.empty()) b.set_opset(domain, version);
  for (const auto& [key, value] : g.metadata) b.set_metadata(key, value);

  std::set<std::string> rank_unknown;
  for (int id : g.inputs) {
    const Value& v = g.value(id);
    b.add_input(name_of(g, id), v.dtype, v.shape_known ? v.shape : Shape{}, dim_names(v));
    if (!v.shape_known) rank_unknown.insert(v.name);
  }
  for (int id : g.outputs) {
    const Value& v = g.value(id);
    b.add_output(name_of(g, id), v.dtype, v.shape_known ? v.shape : Shape{}, dim_names(v));
    if (!v.shape_known) rank_unknown.insert(v.name);
  }

  // Initializers in order of first use: only constants something still reads (passes leave replaced ones behind).
  std::vector<char> written(g.values.size(), 0);
  auto add_constant = [&](int id) {
    if (id == kNoValue || !g.value(id).constant || written[static_cast<size_t>(id)]) return;
    written[static_cast<size_t>(id)] = 1;
    b.add_initializer(name_of(g, id), *g.value(id).constant);
  };
  for (const Node& n : g.nodes)
    if (!n.dead)
      for (int in : n.inputs) add_constant(in);
  for (int id : g.outputs) add_constant(id);

  for (const Node& n : g.nodes) {
    if (n.dead) continue;
    std::vector<std::string> ins, outs;
    for (int in : n.inputs) ins.push_back(in == kNoValue ? "" : name_of(g, in));
    for (int out : n.outputs) outs.push_back(out == kNoValue ? "" : name_of(g, out));
    try {
      b.add_node(n.op_type, ins, outs, n.attrs, n.name, n.domain);
    } catch (const Error& e) {
      fail(g.source, ": ", g.node_label(n), ": ", e.what());
    }
  }
  const std::string bytes = b.serialize();
  return rank_unknown.empty() ? bytes : drop_shapes(bytes, rank_unknown);
}

void save_graph(const Graph& g, const std::string& path) { write_file_bytes(path, serialize_graph(g)); }

}  // namespace ssdx
