#include "engine/load_folding.h"

#include "engine/if_inlining.h"
#include "passes/eliminate_dead.h"

namespace ssdx {

int fold_and_resolve(Graph& g, Fold fold, uint64_t max_constant_bytes) {
  const OpRegistry& registry = OpRegistry::global();
  int folded = 0;
  eliminate_dead_nodes(g);
  for (;;) {  // each round inlines at least one If, so the rounds are bounded by the If nodes there are
    std::vector<std::pair<int, UnsupportedNode>> unsupported;
    folded += infer_shapes(g, find_ops(g, registry), fold, max_constant_bytes, &unsupported).folded;
    if (fold != Fold::None && inline_constant_ifs(g) > 0) {
      g.topo_sort();
      eliminate_dead_nodes(g);
      continue;
    }
    mark_dead_nodes(g);  // indices stay: `unsupported` still names nodes by them
    std::vector<UnsupportedNode> needed;
    for (auto& [index, node] : unsupported)
      if (!g.nodes[static_cast<size_t>(index)].dead) needed.push_back(std::move(node));
    if (!needed.empty()) fail_unsupported(g.source, std::move(needed));
    eliminate_dead_nodes(g);
    return folded;
  }
}

}  // namespace ssdx
