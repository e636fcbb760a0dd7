#include "ops/registry.h"

namespace ssdx {

void register_batchnorm_ops(OpRegistry& r) {}

}  // namespace ssdx
