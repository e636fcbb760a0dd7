#include "graph/attributes.h"

namespace ssdx {

const char* attribute_kind_name(Attribute::Kind k) {
  switch (k) {
    case Attribute::Kind::Float: return "float";
    case Attribute::Kind::Int: return "int";
    case Attribute::Kind::String: return "string";
    case Attribute::Kind::Tensor: return "tensor";
    case Attribute::Kind::Floats: return "floats";
    case Attribute::Kind::Ints: return "ints";
    case Attribute::Kind::Strings: return "strings";
    case Attribute::Kind::Tensors: return "tensors";
    case Attribute::Kind::Graph: return "graph";
    case Attribute::Kind::Graphs: return "graphs";
    case Attribute::Kind::Opaque: return "opaque";
  }
  return "?";
}

void Attributes::set_int(const std::string& name, int64_t v) {
  Attribute a; a.kind = Attribute::Kind::Int; a.i = v; set(name, std::move(a));
}
void Attributes::set_float(const std::string& name, float v) {
  Attribute a; a.kind = Attribute::Kind::Float; a.f = v; set(name, std::move(a));
}
void Attributes::set_ints(const std::string& name, std::vector<int64_t> v) {
  Attribute a; a.kind = Attribute::Kind::Ints; a.ints = std::move(v); set(name, std::move(a));
}
void Attributes::set_floats(const std::string& name, std::vector<float> v) {
  Attribute a; a.kind = Attribute::Kind::Floats; a.floats = std::move(v); set(name, std::move(a));
}
void Attributes::set_string(const std::string& name, std::string v) {
  Attribute a; a.kind = Attribute::Kind::String; a.s = std::move(v); set(name, std::move(a));
}
void Attributes::set_tensor(const std::string& name, Tensor v) {
  Attribute a; a.kind = Attribute::Kind::Tensor; a.t = std::move(v); set(name, std::move(a));
}

const Attribute* Attributes::find(const std::string& name, Attribute::Kind kind) const {
  auto it = map_.find(name);
  if (it == map_.end()) return nullptr;
  if (it->second.kind != kind)
    fail("attribute '", name, "' is ", attribute_kind_name(it->second.kind), ", expected ", attribute_kind_name(kind));
  return &it->second;
}

const Attribute& Attributes::at(const std::string& name) const {
  auto it = map_.find(name);
  if (it == map_.end()) fail("required attribute '", name, "' is missing");
  return it->second;
}

int64_t Attributes::get_int(const std::string& name, int64_t def) const {
  const Attribute* a = find(name, Attribute::Kind::Int);
  return a ? a->i : def;
}
float Attributes::get_float(const std::string& name, float def) const {
  const Attribute* a = find(name, Attribute::Kind::Float);
  return a ? a->f : def;
}
std::string Attributes::get_string(const std::string& name, const std::string& def) const {
  const Attribute* a = find(name, Attribute::Kind::String);
  return a ? a->s : def;
}
std::vector<int64_t> Attributes::get_ints(const std::string& name, const std::vector<int64_t>& def) const {
  const Attribute* a = find(name, Attribute::Kind::Ints);
  return a ? a->ints : def;
}
std::vector<float> Attributes::get_floats(const std::string& name, const std::vector<float>& def) const {
  const Attribute* a = find(name, Attribute::Kind::Floats);
  return a ? a->floats : def;
}
const Tensor& Attributes::get_tensor(const std::string& name) const {
  const Attribute* a = find(name, Attribute::Kind::Tensor);
  if (!a) fail("required attribute '", name, "' is missing");
  return a->t;
}
const Graph& Attributes::get_graph(const std::string& name) const {
  const Attribute* a = find(name, Attribute::Kind::Graph);
  if (!a || !a->graph) fail("required attribute '", name, "' is missing");
  return *a->graph;
}
void Attributes::set_graph(const std::string& name, std::shared_ptr<const Graph> g) {
  Attribute a; a.kind = Attribute::Kind::Graph; a.graph = std::move(g); set(name, std::move(a));
}
bool Attributes::has_subgraphs() const {
  for (const auto& kv : map_)
    if (kv.second.kind == Attribute::Kind::Graph || kv.second.kind == Attribute::Kind::Graphs) return true;
  return false;
}

}  // namespace ssdx
