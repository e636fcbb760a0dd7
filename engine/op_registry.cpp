// OpRegistry::global() lives here rather than in ops/: the engine is the first layer that links every op library
// (ops <- quant <- engine), so the full registry is assembled without ops depending on the layers above it; the
// engine's own ops (If, which compiles its branches with the engine) join them here.
#include "ops/registry.h"
#include "engine/if_op.h"
#include "int8/register_quant.h"

namespace ssdx {

const OpRegistry& OpRegistry::global() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    register_builtin_ops(r);
    register_quant_ops(r);
    register_if_op(r);
    return r;
  }();
  return registry;
}

}  // namespace ssdx
