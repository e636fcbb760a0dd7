#include "engine/layout_negotiation.h"

namespace ssdx {

std::vector<bool> negotiate_layouts(const Graph& g, const std::vector<const OpDef*>& defs) {
  std::vector<bool> blocked_ok(g.values.size(), false);
  for (size_t id = 0; id < g.values.size(); ++id) {
    const Value& v = g.values[id];
    bool ok = v.producer >= 0 && !v.is_graph_output && !v.consumers.empty();
    for (size_t c = 0; ok && c < v.consumers.size(); ++c) {
      const size_t reader = static_cast<size_t>(v.consumers[c]);
      const Node& n = g.nodes[reader];
      const OpDef* def = reader < defs.size() ? defs[reader] : nullptr;
      for (size_t k = 0; ok && k < n.inputs.size(); ++k)
        if (n.inputs[k] == static_cast<int>(id)) ok = def && def->traits.reads_blocked && def->traits.reads_blocked(g, n, k);
    }
    blocked_ok[id] = ok;
  }
  return blocked_ok;
}

}  // namespace ssdx
