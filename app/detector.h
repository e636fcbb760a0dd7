#pragma once
// Any SSD-family detector model (app/family_io.h): one float32 image input ([B,3,H,W], [B,H,W,3] or unbatched
// [3,H,W]) and the outputs of its family: ssd-12's bboxes/labels/scores (boxes normalised to the input), gluon-cv's
// ids/scores/bboxes, mmdeploy's dets/labels, torchvision's boxes/scores/labels (boxes in input pixels).
#include <memory>
#include <string>
#include <vector>

#include "engine/session.h"
#include "app/detection.h"
#include "app/family_io.h"
#include "app/image.h"
#include "app/input_spec.h"
#include "app/preprocess.h"

namespace ssdx::app {

// The checks Detector makes, for tools that build their own Session (compare exposes inner tensors): the one image
// input [1,3,H,W] with static H and W, and the outputs bboxes/labels/scores. Throw Error naming `model`.
const TensorInfo& detector_image_input(const Session& session, const std::string& model);
void check_detector_outputs(const Session& session, const std::string& model);

// The detections in a detector's outputs scoring at least `min_score`, best first, boxes mapped to the image's pixels
// and clipped to it.
std::vector<Detection> read_detections(const TensorMap& outputs, const BoxMapping& mapping, float min_score,
                                       const std::string& model);
// Same for an image that filled the whole input (stretch): boxes scaled to a width x height image.
std::vector<Detection> read_detections(const TensorMap& outputs, int width, int height, float min_score,
                                       const std::string& model);

class Detector {
 public:
  // Loads the model, checks its inputs and outputs and reads its spec (metadata, then `overrides`); throws Error
  // naming `model_path` when they don't fit.
  Detector(const std::string& model_path, const SessionOptions& opts, const SpecOverrides& overrides = {});
  ~Detector();

  int input_width() const { return input_.width; }    // 0: free (images are fed at their own size)
  int input_height() const { return input_.height; }
  Family family() const { return family_; }
  Layout layout() const { return input_.layout; }
  // The most images one run takes: the input's static batch, or `wanted` when the batch dim is free (1 for an
  // unbatched or free-size input).
  int64_t batch_capacity(int64_t wanted) const;
  // How images are preprocessed, the labels' names, the default threshold (ssdx.detect.min_score).
  const ModelSpec& spec() const { return spec_; }
  // The model's metadata_props as written in the file.
  const std::map<std::string, std::string>& metadata() const;

  // The detections scoring at least `min_score`, best first, boxes mapped to `image`'s pixels and clipped to it.
  std::vector<Detection> detect(const Image& image, float min_score) const;
  // Same at the model's own threshold, spec().min_score.
  std::vector<Detection> detect(const Image& image) const { return detect(image, spec_.min_score); }
  // Several images in one run (at most batch_capacity(images.size()); a static batch is filled up with copies of
  // the last image): each image's detections, the same as detect() gives it alone.
  std::vector<std::vector<Detection>> detect_batch(const std::vector<const Image*>& images, float min_score) const;

 private:
  std::string model_path_;
  ModelSpec spec_;
  std::unique_ptr<Session> session_;
  std::string input_name_;
  Family family_ = Family::Ssd12;
  ImageInput input_;
};

}  // namespace ssdx::app
