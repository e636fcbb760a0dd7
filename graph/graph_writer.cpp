#include "graph/graph_writer.h"

#include <memory>
#include <set>

#include "graph/onnx_builder.h"
#include "graph/tensor_io.h"

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

void add_graph_input(ModelBuilder& b, const Graph& g, int id) {
  const Value& v = g.value(id);
  if (v.shape_known) b.add_input(name_of(g, id), v.dtype, v.shape, dim_names(v));
  else b.add_input_of_unknown_rank(name_of(g, id), v.dtype);
}

void add_graph_output(ModelBuilder& b, const Graph& g, int id) {
  const Value& v = g.value(id);
  if (v.shape_known) b.add_output(name_of(g, id), v.dtype, v.shape, dim_names(v));
  else b.add_output_of_unknown_rank(name_of(g, id), v.dtype);
}

// Writes g's inputs, outputs, initializers and nodes into b; subgraphs go into builders of their own, recursively.
void write_graph(const Graph& g, ModelBuilder& b) {
  for (int id : g.inputs) add_graph_input(b, g, id);
  for (int id : g.outputs) add_graph_output(b, g, id);

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

  std::set<std::string> names;  // every value name in g, for the renaming Identity below
  for (const Value& v : g.values) names.insert(v.name);
  for (const Node& n : g.nodes) {
    if (n.dead) continue;
    std::vector<std::string> ins, outs;
    for (int k = 0; k < n.explicit_inputs(); ++k) {
      const int in = n.inputs[static_cast<size_t>(k)];
      ins.push_back(in == kNoValue ? "" : name_of(g, in));
    }
    for (int out : n.outputs) outs.push_back(out == kNoValue ? "" : name_of(g, out));
    // A subgraph reads outer values by name: when a pass renamed the value bound to one of the names (an inlined
    // branch's values are renamed), an Identity gives it that name again, where the name is free.
    for (size_t k = 0; k < n.implicit_names.size(); ++k) {
      const std::string& wanted = n.implicit_names[k];
      const std::string& actual = name_of(g, n.inputs[static_cast<size_t>(n.explicit_inputs()) + k]);
      if (wanted == actual) continue;
      if (names.count(wanted))
        fail(g.source, ": ", g.node_label(n), ": its subgraphs read '", wanted, "', now a different value than the '",
             actual, "' they are bound to");
      b.add_node("Identity", {actual}, {wanted}, {}, n.name + "/" + wanted);
      names.insert(wanted);
    }
    try {
      Attributes plain;
      std::vector<std::unique_ptr<ModelBuilder>> sub_builders;
      std::vector<SubgraphAttribute> subgraphs;
      for (const auto& [name, a] : n.attrs.all()) {
        if (a.kind == Attribute::Kind::Graph) {
          sub_builders.push_back(std::make_unique<ModelBuilder>(g.opset("")));
          write_graph(*a.graph, *sub_builders.back());
          subgraphs.push_back({name, sub_builders.back().get()});
        } else {
          plain.set(name, a);  // a Graphs attribute (no op ssdx knows has one) fails in the builder
        }
      }
      b.add_node(n.op_type, ins, outs, plain, n.name, n.domain, subgraphs);
    } catch (const Error& e) {
      fail(g.source, ": ", g.node_label(n), ": ", e.what());
    }
  }
}

}  // namespace

std::string serialize_graph(const Graph& g) {
  if (g.opset("") <= 0) fail(g.source, ": the graph imports no opset for the default ONNX domain");
  ModelBuilder b(g.opset(""), g.ir_version > 0 ? g.ir_version : 7);
  for (const auto& [domain, version] : g.opsets)
    if (!domain.empty()) b.set_opset(domain, version);
  for (const auto& [key, value] : g.metadata) b.set_metadata(key, value);
  write_graph(g, b);
  return b.serialize();
}

void save_graph(const Graph& g, const std::string& path) { write_file_bytes(path, serialize_graph(g)); }

}  // namespace ssdx
