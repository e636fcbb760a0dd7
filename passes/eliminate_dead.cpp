#include "passes/eliminate_dead.h"

namespace ssdx {

namespace {

// Marks the unneeded nodes dead; `any_dead` tells whether the graph holds dead nodes afterwards.
int mark_dead(Graph& g, bool& any_dead) {
  g.link();
  std::vector<char> live_value(g.values.size(), 0);
  for (int out : g.outputs) live_value[static_cast<size_t>(out)] = 1;
  int removed = 0;
  any_dead = false;  // nodes other passes already marked dead are dropped by the same compaction
  // Nodes are in topological order, so one backward sweep sees every consumer before its producer.
  for (size_t i = g.nodes.size(); i-- > 0;) {
    Node& n = g.nodes[i];
    if (n.dead) {
      any_dead = true;
      continue;
    }
    bool needed = false;
    for (int out : n.outputs)
      if (out != kNoValue && live_value[static_cast<size_t>(out)]) needed = true;
    if (!needed) {
      n.dead = true;
      ++removed;
      continue;
    }
    for (int in : n.inputs)
      if (in != kNoValue) live_value[static_cast<size_t>(in)] = 1;
  }
  any_dead = any_dead || removed > 0;
  return removed;
}

}  // namespace

int mark_dead_nodes(Graph& g) {
  bool any_dead = false;
  return mark_dead(g, any_dead);
}

int eliminate_dead_nodes(Graph& g) {
  bool any_dead = false;
  const int removed = mark_dead(g, any_dead);
  if (any_dead) g.compact();
  return removed;
}

}  // namespace ssdx
