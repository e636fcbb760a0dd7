#include "ops/registry.h"

namespace ssdx {

void register_pool_ops(OpRegistry& r) {}

}  // namespace ssdx
