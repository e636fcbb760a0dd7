#include "app/coco_labels.h"

namespace ssdx::app {
namespace {

// COCO 2017 category names in category-id order (the 80 ids that are used, gaps removed).
const char* const kCocoNames[kNumCocoClasses] = {
    "person",        "bicycle",      "car",           "motorcycle",    "airplane",     "bus",
    "train",         "truck",        "boat",          "traffic light", "fire hydrant", "stop sign",
    "parking meter", "bench",        "bird",          "cat",           "dog",          "horse",
    "sheep",         "cow",          "elephant",      "bear",          "zebra",        "giraffe",
    "backpack",      "umbrella",     "handbag",       "tie",           "suitcase",     "frisbee",
    "skis",          "snowboard",    "sports ball",   "kite",          "baseball bat", "baseball glove",
    "skateboard",    "surfboard",    "tennis racket", "bottle",        "wine glass",   "cup",
    "fork",          "knife",        "spoon",         "bowl",          "banana",       "apple",
    "sandwich",      "orange",       "broccoli",      "carrot",        "hot dog",      "pizza",
    "donut",         "cake",         "chair",         "couch",         "potted plant", "bed",
    "dining table",  "toilet",       "tv",            "laptop",        "mouse",        "remote",
    "keyboard",      "cell phone",   "microwave",     "oven",          "toaster",      "sink",
    "refrigerator",  "book",         "clock",         "vase",          "scissors",     "teddy bear",
    "hair drier",    "toothbrush"};

// gluon-cv's VOCDetection.CLASSES, the order its VOC models number their 20 classes in.
const char* const kVocNames[kNumVocClasses] = {
    "aeroplane", "bicycle", "bird",  "boat",        "bottle", "bus",         "car",   "cat",  "chair", "cow",
    "diningtable", "dog",   "horse", "motorbike",   "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor"};

// The COCO category ids the 2017 annotations leave unused (torchvision's "N/A" entries).
constexpr int64_t kCoco91Gaps[] = {12, 26, 29, 30, 45, 66, 68, 69, 71, 83};

}  // namespace

const char* voc_class_name(int64_t id) { return id >= 0 && id < kNumVocClasses ? kVocNames[id] : nullptr; }

const char* coco91_class_name(int64_t id) {
  if (id < 1 || id > kNumCoco91Ids) return nullptr;
  int64_t skipped = 0;
  for (int64_t gap : kCoco91Gaps) {
    if (gap == id) return nullptr;
    if (gap < id) ++skipped;
  }
  return kCocoNames[id - 1 - skipped];
}

std::string coco_class_name(int64_t label) {
  if (label >= 1 && label <= kNumCocoClasses) return kCocoNames[label - 1];
  return "class_" + std::to_string(label);
}

}  // namespace ssdx::app
