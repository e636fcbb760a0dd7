#pragma once
// make-model's torchvision archs (tools/make_model_torchvision.cpp).
#include <cstdint>
#include <string>

namespace ssdx::cli {

// Writes `arch` to `out` when it names a torchvision model and returns true; false for any other arch.
// size 0: the model's own size; dynamic: symbolic H and W.
bool make_torchvision_model(const std::string& arch, const std::string& out, uint32_t seed, int size, bool dynamic);

}  // namespace ssdx::cli
