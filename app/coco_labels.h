#pragma once
// COCO's 80 object classes as the SSD models number them: contiguous labels 1..80 (0 is background).
#include <cstdint>
#include <string>

namespace ssdx::app {

constexpr int64_t kNumCocoClasses = 80;

// "person" for 1 ... "toothbrush" for 80; any other label prints as "class_<n>".
std::string coco_class_name(int64_t label);

}  // namespace ssdx::app
