#pragma once
// The internal graph: values (edges) and nodes, addressed by integer ids. Names are kept for messages only.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "graph/attributes.h"
#include "graph/domains.h"
#include "graph/tensor.h"

namespace ssdx {

constexpr int kNoValue = -1;  // an omitted optional input

struct Value {
  std::string name;
  DataType dtype = DataType::Undefined;  // Undefined until the loader or shape inference sets it
  Shape shape;                           // dims may be kUnknownDim
  bool shape_known = false;              // false: even the rank is unknown
  std::shared_ptr<const Tensor> constant;  // set for initializers and folded constants
  int producer = -1;                     // node id, -1 for graph inputs and constants
  std::vector<int> consumers;            // node ids (a node listed once per use)
  bool is_graph_input = false;
  bool is_graph_output = false;
};

// One ONNX node as written (op type and name): what a fused kernel was made from.
struct NodeOrigin {
  std::string op_type, name;
};

struct Node {
  std::string name;
  std::string op_type;
  std::string domain;   // "" is the default ONNX domain ("ai.onnx" is normalized to "")
  Attributes attrs;
  std::vector<int> inputs;   // value ids, kNoValue for omitted optional inputs
  std::vector<int> outputs;  // value ids, kNoValue for omitted optional outputs
  bool dead = false;         // removed by a pass; compact() drops it
  // The ONNX nodes this node computes once a pass has merged others into it: itself as written first, then the
  // absorbed ones in the order merged. Empty while no pass merged anything (the node is just itself). Tools show it.
  std::vector<NodeOrigin> fused_from;
  // The outer-scope values this node's subgraphs read (onnxruntime's "implicit inputs"; If branches reading the
  // enclosing graph's tensors), by the names the subgraphs use. Their value ids are the last
  // implicit_names.size() entries of `inputs`, in this order, after the inputs the ONNX node lists: as inputs they
  // order the node after their producers and keep those alive (dead code, last use, memory plan). Bound by
  // position, so a pass that renames or replaces the outer value keeps the binding. The ONNX writer leaves them out.
  std::vector<std::string> implicit_names;

  int num_inputs() const { return static_cast<int>(inputs.size()); }
  // The inputs as the ONNX node lists them, before the implicit ones.
  int explicit_inputs() const { return num_inputs() - static_cast<int>(implicit_names.size()); }
  bool has_input(int i) const { return i < num_inputs() && inputs[static_cast<size_t>(i)] != kNoValue; }
};

// The ONNX nodes `n` stands for: fused_from, or the node itself when nothing was merged into it.
inline std::vector<NodeOrigin> origins_of(const Node& n) {
  return n.fused_from.empty() ? std::vector<NodeOrigin>{{n.op_type, n.name}} : n.fused_from;
}

// Records that a pass merged `absorbed` into `into`. Call before the pass changes `into`'s op type, so the list starts
// with the op as written.
inline void record_fused(Node& into, const Node& absorbed) {
  if (into.fused_from.empty()) into.fused_from.push_back({into.op_type, into.name});
  for (NodeOrigin& o : origins_of(absorbed)) into.fused_from.push_back(std::move(o));
}

class Graph {
 public:
  std::string source;  // file name for messages
  int64_t ir_version = 0;
  std::map<std::string, int64_t> opsets;  // domain -> version
  // The model's metadata_props (key -> value): how to use the model (preprocessing, labels), kept through passes
  // and written back by the graph writer.
  std::map<std::string, std::string> metadata;

  std::vector<Value> values;
  std::vector<Node> nodes;
  std::vector<int> inputs;   // graph inputs that are not initializers, in declaration order
  std::vector<int> outputs;
  // A subgraph's values read from enclosing graphs, in first-use order: placeholders marked is_graph_input (so
  // the graph verifies on its own) but not listed in `inputs`; named as the subgraph reads them. Empty for a model's
  // main graph.
  std::vector<int> captured;

  int add_value(const std::string& name);
  int find_value(const std::string& name) const;  // -1 if absent
  int value_for(const std::string& name);        // find or add
  int add_constant(const std::string& name, Tensor t);
  int add_node(Node n);

  Value& value(int id) { return values.at(static_cast<size_t>(id)); }
  const Value& value(int id) const { return values.at(static_cast<size_t>(id)); }
  const Tensor* constant(int id) const {
    return id == kNoValue ? nullptr : value(id).constant.get();
  }
  int64_t opset(const std::string& domain) const;  // 0 if the domain is not imported

  // Rebuilds producer/consumer links; fails if a value has two producers.
  void link();
  // Orders nodes so producers come before consumers; fails naming a node on a cycle.
  void topo_sort();
  // Drops dead nodes and values no node or graph edge refers to any more; relinks.
  void compact();
  // Checks invariants: every used value is produced, a graph input or a constant; outputs exist.
  void verify() const;

  std::string node_label(const Node& n) const;  // "Conv node 'conv1'"

 private:
  std::map<std::string, int> by_name_;
};

}  // namespace ssdx
