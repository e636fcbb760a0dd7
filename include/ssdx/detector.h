#pragma once
// ssdx public API: Detector, an SSD-style object detector (one float32 image input [1,3,H,W] with static H and W;
// outputs bboxes, labels, scores) with image decoding and preprocessing built in. The model's metadata says how to
// preprocess (channel order, mean/std, stretch or letterbox, bilinear or Pillow's bilinear), names its classes and
// sets the default threshold; models without it get ssd-12's (RGB, ImageNet mean/std, stretch, bilinear, COCO, 0.3).
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ssdx/session.h"

namespace ssdx::api {

// One detected object, in the pixel coordinates of the image it was found in.
struct Detection {
  int64_t label = 0;       // the model's class label: COCO 1..80 for the SSD family
  std::string class_name;  // from the model's labels ("person", ... by default); "class_<n>" when it names none
  float score = 0;
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // corners in pixels, x rightwards, y downwards, clipped to the image
};

// Choices over the model's own metadata; an empty string keeps the model's.
struct DetectorOptions {
  std::string resize;         // "stretch" or "letterbox"
  std::string interpolation;  // "bilinear" or "pillow-bilinear"
  std::string labels_file;    // "<id> <name>" lines, or plain names one a line (numbered from 0)
};

// As a min_score: the model's own threshold (its ssdx.detect.min_score, 0.3 when it has none).
constexpr float kModelMinScore = -1.f;

class Detector {
 public:
  // Loads the model, checks its inputs and outputs and reads its metadata. Throws Error naming the file when they
  // do not fit or the metadata is malformed.
  static Detector load(const std::string& model_path, const Options& options = {},
                       const DetectorOptions& detector_options = {});
  Detector(Detector&&) noexcept;
  Detector& operator=(Detector&&) noexcept;
  ~Detector();

  int input_width() const;   // the model's input size; images of any size are resized to it
  int input_height() const;

  float default_min_score() const;                 // the model's threshold
  std::string class_name(int64_t label) const;     // the model's (or the labels file's) name for a label
  std::map<std::string, std::string> metadata() const;  // the model's metadata_props, as written

  // The detections scoring at least `min_score` (negative: the model's threshold), best first. `rgb` is 8-bit RGB,
  // row-major, width * height * 3 bytes, no row padding.
  std::vector<Detection> detect(const uint8_t* rgb, int width, int height, float min_score = kModelMinScore) const;
  // Same for a PNG or JPEG file (grayscale and alpha are handled; throws Error on a file it cannot decode).
  std::vector<Detection> detect_file(const std::string& image_path, float min_score = kModelMinScore) const;

  struct Impl;

 private:
  explicit Detector(std::unique_ptr<Impl> impl);
  float threshold(float min_score) const;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ssdx::api
