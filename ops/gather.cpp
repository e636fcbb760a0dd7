#include "ops/registry.h"

namespace ssdx {

void register_gather_ops(OpRegistry& r) {}

}  // namespace ssdx
