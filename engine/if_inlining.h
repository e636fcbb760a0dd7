#pragma once
// Constant-condition If, inlined: when folding makes an If's condition a constant, the branch it picks replaces it
// in the enclosing graph (its values renamed where their names are taken), so its nodes fold and fuse like any
// other and the plan has no If step; the other branch is dropped unchecked (it may hold ops ssdx lacks).
#include "graph/graph.h"

namespace ssdx {

// Inlines every live If whose condition is a constant one-element bool. Returns how many; the inlined nodes are
// appended, so the caller topo-sorts before anything that needs the order.
int inline_constant_ifs(Graph& g);

}  // namespace ssdx
