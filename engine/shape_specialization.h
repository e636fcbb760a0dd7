#pragma once
// Dynamic input dimensions at full speed. The engine's fast kernels, fusions and memory plan need static shapes,
// so a model whose inputs have free dims (a dynamic batch) is handled in two ways:
//   - fix the dims at load (SessionOptions::input_shapes, the CLI's --input-shape): apply_input_shapes;
//   - otherwise compile the model again for each input shape it meets, as if those shapes had been fixed at load,
//     and keep the last few compiled forms (CompiledShapes), so a second run at a shape costs what the static
//     model costs.
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace ssdx {

class Session;

// Fixes the shapes of the graph inputs named in `shapes`. Fails with one line when a name is not a graph input,
// the rank differs from the declared one, a dim the file fixes differs, or a dim is negative.
void apply_input_shapes(Graph& g, const std::map<std::string, Shape>& shapes);

// Whether some graph input has a dim (or its rank) unknown at load.
bool has_free_input_dims(const Graph& g);

// Parses "3x300x300" (or "3,300,300") into a shape; `what` names the option in errors.
Shape parse_shape(const std::string& text, const std::string& what);
// Parses NAME=D0xD1x... (the last '=' splits, so names may hold '=').
std::pair<std::string, Shape> parse_input_shape(const std::string& spec);

// The sessions compiled for the input shapes met so far, most recently used first, at most `capacity`. A missing
// one is compiled outside the lock (other runs go on), so two runs meeting the same new shape may both compile it;
// the first one stored wins. Runs still holding an evicted session keep it alive until they finish.
class CompiledShapes {
 public:
  using Key = std::vector<Shape>;  // the graph inputs' shapes, in input order
  using Compile = std::function<std::shared_ptr<const Session>(const Key&)>;
  CompiledShapes(size_t capacity, Compile compile) : capacity_(capacity), compile_(std::move(compile)) {}
  std::shared_ptr<const Session> get(const Key& key);
  size_t size() const;
  std::vector<Key> keys() const;  // most recently used first

 private:
  size_t capacity_;
  Compile compile_;
  mutable std::mutex mutex_;
  std::list<std::pair<Key, std::shared_ptr<const Session>>> entries_;  // most recently used first
};

}  // namespace ssdx
