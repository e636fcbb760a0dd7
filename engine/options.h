#pragma once
// Session-wide settings.
#include <cstdint>

namespace ssdx {

struct SessionOptions {
  int threads = 0;              // 0: OpenMP's default (all cores)
  bool constant_folding = true; // fold nodes whose inputs are all constants at load
  bool optimize = true;         // fold BatchNormalization, fuse Conv+Add+Relu, drop Identity
  bool winograd = true;         // Winograd 3x3 stride-1 convolutions (~1.8x faster; ~1e-6 relative rounding
                                // differences from direct convolution, within the ORT parity tolerances)
  bool verbose = false;         // print each pass and kernel choice to stderr
};

// Applies a thread count to OpenMP (our kernels) and thereby oneDNN (built on the OpenMP runtime).
void apply_thread_count(int threads);

}  // namespace ssdx
