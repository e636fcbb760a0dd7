#include "ops/registry.h"

namespace ssdx {

void register_layout_ops(OpRegistry& r) {}

}  // namespace ssdx
