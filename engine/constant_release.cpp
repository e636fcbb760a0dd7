#include "engine/constant_release.h"

#include <unordered_set>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace ssdx {
namespace {

// Whether every use of value `id` is an input its kernel packed at creation.
bool packed_by_every_reader(const Graph& g, const std::vector<const Kernel*>& kernels, int id) {
  const Value& v = g.value(id);
  if (v.consumers.empty()) return false;
  for (int c : v.consumers) {
    const Node& n = g.nodes.at(static_cast<size_t>(c));
    const Kernel* k = kernels.at(static_cast<size_t>(c));
    for (size_t i = 0; i < n.inputs.size(); ++i)
      if (n.inputs[i] == id && (!k || !k->packs_input(static_cast<int>(i)))) return false;
  }
  return true;
}

}  // namespace

uint64_t release_packed_constants(Graph& g, const std::vector<const Kernel*>& kernels) {
  if (kernels.size() != g.nodes.size()) fail("release_packed_constants: ", kernels.size(), " kernels for ", g.nodes.size(), " nodes");
  std::vector<int> released;
  // Storage that a kept constant shares (a folded Reshape of the weights, say) stays alive: it is not counted.
  std::unordered_set<const void*> kept, freed;
  for (size_t id = 0; id < g.values.size(); ++id) {
    const Value& v = g.values[id];
    if (!v.constant) continue;
    const bool release = !v.constant->empty_storage() && !v.is_graph_output && v.constant->nbytes() > 0 &&
                         packed_by_every_reader(g, kernels, static_cast<int>(id));
    if (release) released.push_back(static_cast<int>(id));
    else kept.insert(v.constant->raw());
  }
  uint64_t bytes = 0;
  for (int id : released) {
    Value& v = g.value(id);
    const Tensor& t = *v.constant;
    if (!kept.count(t.raw()) && freed.insert(t.raw()).second) bytes += t.nbytes();
    v.constant = std::make_shared<const Tensor>(Tensor::wrap(t.dtype(), t.shape(), nullptr, nullptr));
  }
  return bytes;
}

void return_free_heap() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace ssdx
