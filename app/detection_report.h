#pragma once
// What `ssdx detect` prints: one text line per detection, or one JSON document for the whole run.
#include <string>
#include <vector>

#include "app/detection.h"
#include "app/input_spec.h"

namespace ssdx::app {

struct ImageDetections {
  std::string image;  // the path as given
  int width = 0, height = 0;
  std::vector<Detection> objects;
};

// "IMAGE  class name  0.873  x0 y0 x1 y1\n" per object: fields separated by two spaces (class names contain one).
// Class names from `labels` (COCO's when not given).
std::string format_text(const ImageDetections& result, const LabelMap& labels = coco_labels());

// {"model": ..., "detections": [{"image", "width", "height", "objects": [{"label", "class", "score", "box"}]}]}
std::string format_json(const std::string& model, const std::vector<ImageDetections>& results,
                        const LabelMap& labels = coco_labels());

}  // namespace ssdx::app
