#include "ops/registry.h"

namespace ssdx {

void register_topk_ops(OpRegistry& r) {}

}  // namespace ssdx
