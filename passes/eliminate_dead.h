#pragma once
#include "graph/graph.h"

namespace ssdx {

// Marks dead every node none of whose outputs reaches a graph output, then compacts the graph.
// Returns the number of nodes removed.
int eliminate_dead_nodes(Graph& g);
// The same without compacting: node indices stay valid (what a caller recorded per node can still be looked up).
int mark_dead_nodes(Graph& g);

}  // namespace ssdx
