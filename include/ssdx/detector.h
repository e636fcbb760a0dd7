#pragma once
// ssdx public API: Detector, an SSD-style object detector (one float32 image input [1,3,H,W] with static H and W;
// outputs bboxes, labels, scores) with image decoding, resizing and ImageNet normalisation built in.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ssdx/session.h"

namespace ssdx::api {

// One detected object, in the pixel coordinates of the image it was found in.
struct Detection {
  int64_t label = 0;       // the model's class label: COCO 1..80 for the SSD family
  std::string class_name;  // "person", ...; "class_<n>" outside COCO's 80
  float score = 0;
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // corners in pixels, x rightwards, y downwards, clipped to the image
};

class Detector {
 public:
  // Loads the model and checks its inputs and outputs. Throws Error naming the file when they do not fit.
  static Detector load(const std::string& model_path, const Options& options = {});
  Detector(Detector&&) noexcept;
  Detector& operator=(Detector&&) noexcept;
  ~Detector();

  int input_width() const;   // the model's input size; images of any size are resized to it
  int input_height() const;

  // The detections scoring at least `min_score`, best first. `rgb` is 8-bit RGB, row-major, width * height * 3
  // bytes, no row padding.
  std::vector<Detection> detect(const uint8_t* rgb, int width, int height, float min_score = 0.3f) const;
  // Same for a PNG or JPEG file (grayscale and alpha are handled; throws Error on a file it cannot decode).
  std::vector<Detection> detect_file(const std::string& image_path, float min_score = 0.3f) const;

  struct Impl;

 private:
  explicit Detector(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ssdx::api
