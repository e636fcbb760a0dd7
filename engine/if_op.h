#pragma once
// ONNX If, registered from the engine: its branches are compiled and inferred with the engine's own load pipeline
// (engine/subgraph.h), which ops/ below cannot see.
#include "ops/registry.h"

namespace ssdx {

void register_if_op(OpRegistry& r);

}  // namespace ssdx
