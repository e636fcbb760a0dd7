#pragma once
// The load-time front of every session (and of each If branch it compiles): dead code is dropped, shapes are
// inferred and constants folded (constant Ifs inlined) before the support check, so that only the ops still needed
// after folding must exist: an op ssdx lacks in a branch a constant condition never takes, or feeding only dead
// code, does not stop a model from loading.
#include <cstdint>

#include "engine/shape_inference.h"

namespace ssdx {

// Drops dead nodes, then infers and folds as `fold` says, inlining If nodes whose condition folds to a constant
// (engine/if_inlining.h) and inferring again until none is left; then drops what folding left dead and fails with
// one line naming every op ssdx lacks among the nodes still live (shape_inference.h fail_unsupported). Returns the
// number of nodes folded. The graph comes out compacted and in topological order.
int fold_and_resolve(Graph& g, Fold fold, uint64_t max_constant_bytes);

}  // namespace ssdx
