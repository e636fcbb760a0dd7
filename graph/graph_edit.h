#pragma once
// Small helpers for graph rewrites (passes, quantizer, opset upgrade): names that do not clash, new constants.
#include <string>

#include "graph/graph.h"

namespace ssdx {

// `base` when no value has that name yet, else base_1, base_2, ... (Graph::add_value refuses duplicates).
inline std::string fresh_value_name(const Graph& g, const std::string& base) {
  if (g.find_value(base) < 0) return base;
  for (int i = 1;; ++i) {
    const std::string name = base + "_" + std::to_string(i);
    if (g.find_value(name) < 0) return name;
  }
}

// A new initializer named after `base` (made unique); returns its value id.
inline int add_fresh_constant(Graph& g, const std::string& base, Tensor t) {
  return g.add_constant(fresh_value_name(g, base), std::move(t));
}

// A new activation value named after `base` (made unique) with a known dtype and shape. `shape` is taken by value:
// callers pass another value's shape, which add_value may move.
inline int add_fresh_value(Graph& g, const std::string& base, DataType dtype, Shape shape, bool shape_known) {
  const int id = g.add_value(fresh_value_name(g, base));
  Value& v = g.value(id);
  v.dtype = dtype;
  v.shape = std::move(shape);
  v.shape_known = shape_known;
  return id;
}

}  // namespace ssdx
