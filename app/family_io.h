#pragma once
// The input and output conventions of the SSD families detect reads (docs/model_metadata.md has the table):
// which family a model follows (its metadata, else its outputs' names), how its image input is laid out (metadata,
// else the input's shape), the input tensor for a batch of preprocessed images, and the detections of one image of
// a run, boxes mapped to that image's pixels.
#include <string>
#include <vector>

#include "app/detection.h"
#include "app/input_spec.h"
#include "app/preprocess.h"
#include "engine/session.h"

namespace ssdx::app {

// The family from the metadata (`declared`) when given, else from the output names: bboxes/labels/scores (ssd-12),
// ids/scores/bboxes (gluon-cv), dets/labels (mmdeploy), boxes/scores/labels (torchvision), only cls_score*/bbox_pred*
// (mmdet-ssd300's raw heads). Fails with one line naming the model and its outputs when none fits.
Family detect_family(const std::vector<TensorInfo>& outputs, std::optional<Family> declared, const std::string& model);
// Checks that the outputs the family reads are there with usable dtypes and ranks; raw mmdet heads fail with the
// add-postprocess command to run.
void check_family_outputs(Family family, const std::vector<TensorInfo>& outputs, const std::string& model);

// The image input's layout from the metadata when given, else its rank and where the 3 channels are:
// [3,H,W] CHW, [B,3,H,W] NCHW, [B,H,W,3] NHWC. Fails naming the model when the input is none of them.
Layout detect_layout(const TensorInfo& input, std::optional<Layout> declared, const std::string& model);

struct ImageInput {
  Layout layout = Layout::Nchw;
  int64_t batch = 1;      // the input's batch dim: 1, kUnknownDim (free) or a static B; CHW has none (1)
  int height = 0, width = 0;  // 0: free (the image is fed at its own size, torchvision's dynamic-size export)
};
ImageInput image_input(const TensorInfo& input, Layout layout, const std::string& model);

// Stacks preprocessed images ([1,3,H,W] each, all the same size) into the model's layout: [N,3,H,W], [N,H,W,3], or
// [3,H,W] (CHW, one image only).
Tensor stack_images(const std::vector<Tensor>& images, Layout layout);

// The detections of image `index` of a run scoring at least `min_score`, best first. `input_width/height` is the size
// the image was fed at (pixel boxes are divided by it), `mapping` takes normalised input coordinates to the image.
std::vector<Detection> read_family_detections(Family family, const TensorMap& outputs, int64_t index,
                                              int input_width, int input_height, const BoxMapping& mapping,
                                              float min_score, const std::string& model);

}  // namespace ssdx::app
