#pragma once
// One detected object, in the pixel coordinates of the image it was found in.
#include <cstdint>

namespace ssdx::app {

struct Detection {
  int64_t label = 0;  // the model's class label: COCO 1..80 for the SSD family (0 = background)
  float score = 0;
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // corners in pixels, x rightwards, y downwards
};

}  // namespace ssdx::app
