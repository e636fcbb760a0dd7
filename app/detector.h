#pragma once
// Any SSD-style detector model: one float32 image input [1,3,H,W] (static H and W) and the outputs
// bboxes [1,n,4] (xmin, ymin, xmax, ymax normalised to the input), labels [1,n] (integers), scores [1,n].
#include <memory>
#include <string>
#include <vector>

#include "engine/session.h"
#include "app/detection.h"
#include "app/image.h"

namespace ssdx::app {

// The checks Detector makes, for tools that build their own Session (compare exposes inner tensors): the one image
// input [1,3,H,W] with static H and W, and the outputs bboxes/labels/scores. Throw Error naming `model`.
const TensorInfo& detector_image_input(const Session& session, const std::string& model);
void check_detector_outputs(const Session& session, const std::string& model);

// The detections in a detector's outputs scoring at least `min_score`, best first, boxes scaled to a width x height
// image and clipped to it.
std::vector<Detection> read_detections(const TensorMap& outputs, int width, int height, float min_score,
                                       const std::string& model);

class Detector {
 public:
  // Loads the model and checks its inputs and outputs; throws Error naming `model_path` when they don't fit.
  Detector(const std::string& model_path, const SessionOptions& opts);
  ~Detector();

  int input_width() const { return width_; }
  int input_height() const { return height_; }

  // The detections scoring at least `min_score`, best first, boxes scaled to `image`'s pixels and clipped to it.
  std::vector<Detection> detect(const Image& image, float min_score) const;

 private:
  std::string model_path_;
  std::unique_ptr<Session> session_;
  std::string input_name_;
  int width_ = 0, height_ = 0;
};

}  // namespace ssdx::app
