#include "engine/shape_specialization.h"

#include <limits>
#include <sstream>

#include "graph/error.h"

namespace ssdx {

void apply_input_shapes(Graph& g, const std::map<std::string, Shape>& shapes) {
  for (const auto& [name, shape] : shapes) {
    const int id = g.find_value(name);
    if (id < 0 || !g.value(id).is_graph_input) {
      std::ostringstream names;
      for (int in : g.inputs) names << (names.tellp() > 0 ? ", " : "") << g.value(in).name;
      fail(g.source, ": --input-shape names '", name, "', which is not a graph input (inputs: ", names.str(), ")");
    }
    Value& v = g.value(id);
    for (int64_t d : shape)
      if (d < 0) fail(g.source, ": --input-shape ", name, "=", shape_str(shape), ": dims must be >= 0");
    if (v.shape_known) {
      if (v.shape.size() != shape.size())
        fail(g.source, ": input '", name, "' has rank ", v.shape.size(), " (", shape_str(v.shape), "), --input-shape gives ",
             shape.size(), " dims (", shape_str(shape), ")");
      for (size_t d = 0; d < shape.size(); ++d)
        if (v.shape[d] >= 0 && v.shape[d] != shape[d])
          fail(g.source, ": input '", name, "' has dim ", d, " fixed at ", v.shape[d], " (", shape_str(v.shape),
               "), --input-shape gives ", shape[d]);
    }
    v.shape = shape;
    v.shape_known = true;
  }
}

bool has_free_input_dims(const Graph& g) {
  for (int id : g.inputs) {
    const Value& v = g.value(id);
    if (!v.shape_known || !shape_is_static(v.shape)) return true;
  }
  return false;
}

Shape parse_shape(const std::string& text, const std::string& what) {
  Shape shape;
  size_t pos = 0;
  while (true) {
    const size_t end = text.find_first_of("x,", pos);
    const std::string dim = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    size_t used = 0;
    long long v = -1;
    try {
      v = std::stoll(dim, &used);
    } catch (...) {
      used = 0;
    }
    if (dim.empty() || used != dim.size() || v < 0 || v > (int64_t{1} << 40))
      fail(what, ": expected dims like 1x3x300x300 (each 0..2^40), got '", text, "'");
    shape.push_back(v);
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return shape;
}

std::pair<std::string, Shape> parse_input_shape(const std::string& spec) {
  const size_t eq = spec.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
    fail("--input-shape expects NAME=D0xD1x... (e.g. input=32x3x300x300), got '", spec, "'");
  return {spec.substr(0, eq), parse_shape(spec.substr(eq + 1), "--input-shape " + spec)};
}

std::shared_ptr<const Session> CompiledShapes::get(const Key& key) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it)
      if (it->first == key) {
        entries_.splice(entries_.begin(), entries_, it);
        return it->second;
      }
  }
  std::shared_ptr<const Session> compiled = compile_(key);  // outside the lock: other shapes keep running
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& e : entries_)
    if (e.first == key) return e.second;  // another run compiled it meanwhile
  entries_.emplace_front(key, compiled);
  while (entries_.size() > capacity_) entries_.pop_back();
  return compiled;
}

size_t CompiledShapes::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

std::vector<CompiledShapes::Key> CompiledShapes::keys() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Key> keys;
  for (const auto& e : entries_) keys.push_back(e.first);
  return keys;
}

}  // namespace ssdx
