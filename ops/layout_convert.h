#pragma once
// Conversion of a tensor in a oneDNN layout back to plain row-major, for kernels that index elements.
#include "graph/tensor.h"

namespace ssdx {

Tensor to_plain(const Tensor& t);

}  // namespace ssdx
