#include "ops/registry.h"

namespace ssdx {

void register_nms_ops(OpRegistry& r) {}

}  // namespace ssdx
