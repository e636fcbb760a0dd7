#pragma once
// Typed node attributes, looked up by name with defaults: attrs.get_int("group", 1).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "graph/tensor.h"

namespace ssdx {

class Graph;  // graph/graph.h: a subgraph attribute holds one (If's then_branch / else_branch, Loop's body)

struct Attribute {
  enum class Kind { Float, Int, String, Tensor, Floats, Ints, Strings, Tensors, Graph, Graphs, Opaque };
  Kind kind = Kind::Int;
  float f = 0;
  int64_t i = 0;
  std::string s;
  ssdx::Tensor t;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  std::vector<ssdx::Tensor> tensors;
  // Kind::Graph: `graph`; Kind::Graphs: `graphs`. Shared and immutable: copies of a node share its subgraphs, and
  // whoever changes one (inlining, an opset upgrade) makes a new Graph.
  std::shared_ptr<const Graph> graph;
  std::vector<std::shared_ptr<const Graph>> graphs;
};

const char* attribute_kind_name(Attribute::Kind k);

class Attributes {
 public:
  // One-attribute sets, for building nodes: Attributes::ints("perm", {0, 2, 1}).
  static Attributes integer(const std::string& name, int64_t v) { Attributes a; a.set_int(name, v); return a; }
  static Attributes ints(const std::string& name, std::vector<int64_t> v) { Attributes a; a.set_ints(name, std::move(v)); return a; }

  void set(const std::string& name, Attribute a) { map_[name] = std::move(a); }
  void set_int(const std::string& name, int64_t v);
  void set_float(const std::string& name, float v);
  void set_ints(const std::string& name, std::vector<int64_t> v);
  void set_floats(const std::string& name, std::vector<float> v);
  void set_string(const std::string& name, std::string v);
  void set_tensor(const std::string& name, Tensor v);
  bool has(const std::string& name) const { return map_.count(name) != 0; }
  void erase(const std::string& name) { map_.erase(name); }

  // Getters fail with the attribute's name when it is present with another kind.
  int64_t get_int(const std::string& name, int64_t def) const;
  float get_float(const std::string& name, float def) const;
  std::string get_string(const std::string& name, const std::string& def) const;
  std::vector<int64_t> get_ints(const std::string& name, const std::vector<int64_t>& def = {}) const;
  std::vector<float> get_floats(const std::string& name, const std::vector<float>& def = {}) const;
  const Tensor& get_tensor(const std::string& name) const;
  // The subgraph of a Kind::Graph attribute; fails when it is missing or of another kind.
  const Graph& get_graph(const std::string& name) const;
  void set_graph(const std::string& name, std::shared_ptr<const Graph> g);
  // Whether any attribute holds a subgraph (Graph or Graphs).
  bool has_subgraphs() const;
  const Attribute& at(const std::string& name) const;

  const std::map<std::string, Attribute>& all() const { return map_; }

 private:
  const Attribute* find(const std::string& name, Attribute::Kind kind) const;
  std::map<std::string, Attribute> map_;
};

}  // namespace ssdx
