#include "ops/registry.h"

namespace ssdx {

void register_conv_ops(OpRegistry& r) {}

}  // namespace ssdx
