#pragma once
// A rewrite in two halves, as onnxruntime splits its QDQ fusions into selectors and actions: `select` looks at one
// anchor node of the rule's op and, when the pattern holds, fills a Match with what the rewrite needs, changing
// nothing; `apply` rewrites the graph from the Match alone. apply_rule sweeps the nodes in order, so a later anchor
// is selected on the graph as earlier rewrites of the same sweep left it.
#include "graph/graph.h"

namespace ssdx {

template <typename Match>
struct RewriteRule {
  const char* domain;   // the anchor's op
  const char* op_type;
  bool (*select)(const Graph& g, int anchor, Match& m);
  void (*apply)(Graph& g, const Match& m);
};

// Runs `rule` over every live node of its op; returns how many rewrites it made.
template <typename Match>
int apply_rule(Graph& g, const RewriteRule<Match>& rule) {
  g.link();
  int rewrites = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (n.dead || n.domain != rule.domain || n.op_type != rule.op_type) continue;
    Match m;
    if (!rule.select(g, static_cast<int>(i), m)) continue;
    rule.apply(g, m);
    ++rewrites;
  }
  g.link();
  return rewrites;
}

}  // namespace ssdx
