#pragma once
// make-model's gluon-cv archs (tools/make_model_gluon.cpp).
#include <cstdint>
#include <string>

namespace ssdx::cli {

// Writes `arch` to `out` when it names a gluon-cv model and returns true; false for any other arch.
// classes: 20 (VOC) or 80 (COCO) usually; export_block: the NHWC 0..255 front of gluon-cv's export_block.
bool make_gluon_model(const std::string& arch, const std::string& out, uint32_t seed, int classes, bool export_block);

}  // namespace ssdx::cli
