#pragma once
// COCO's 80 object classes as the SSD models number them: contiguous labels 1..80 (0 is background).
#include <cstdint>
#include <string>

namespace ssdx::app {

constexpr int64_t kNumCocoClasses = 80;

// "person" for 1 ... "toothbrush" for 80; any other label prints as "class_<n>".
std::string coco_class_name(int64_t label);

// The 20 PASCAL VOC classes in gluon-cv's order ("aeroplane" ... "tvmonitor"), for ids 0..19; nullptr outside.
constexpr int64_t kNumVocClasses = 20;
const char* voc_class_name(int64_t id);

// torchvision's COCO-91 ids (COCO's category ids, 1..90): the COCO class at that id, or nullptr for one of the 10 ids
// COCO leaves unused (12, 26, 29, 30, 45, 66, 68, 69, 71, 83), which torchvision names "N/A".
constexpr int64_t kNumCoco91Ids = 90;
const char* coco91_class_name(int64_t id);

}  // namespace ssdx::app
