// OpRegistry::global() lives here rather than in ops/: the engine is the first layer that links every op library
// (ops <- quant <- engine), so the full registry is assembled without ops depending on the layers above it.
#include "ops/registry.h"
#include "int8/register_quant.h"

namespace ssdx {

const OpRegistry& OpRegistry::global() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    register_builtin_ops(r);
    register_quant_ops(r);
    return r;
  }();
  return registry;
}

}  // namespace ssdx
