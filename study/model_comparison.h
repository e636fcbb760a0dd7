#pragma once
// `ssdx compare`: two detectors (typically fp32 and its int8 form) on the same pre-processed images, layer by layer
// and detection by detection. A is the reference: errors are B - A.
#include <string>
#include <vector>

#include "engine/session.h"
#include "app/detection_match.h"
#include "study/layer_error.h"
#include "study/tensor_probes.h"

namespace ssdx::study {

struct LayerComparison {
  ProbePair pair;
  std::string kernel_a, kernel_b;  // the kernels writing the tensors after each session's passes (QLinearConv, ...)
  ErrorStats error;
};

struct ImageAgreement {
  std::string image;
  app::DetectionAgreement agreement;
};

struct Comparison {
  std::string model_a, model_b;
  Shape input;                   // the image input both models take
  size_t probes_a = 0, probes_b = 0;  // comparable tensors found in each graph
  std::vector<LayerComparison> layers;  // in A's execution order
  bool detections = false;       // both models have bboxes/labels/scores outputs
  float threshold = 0;
  size_t image_count = 0;
  std::vector<ImageAgreement> images;  // when detections are compared
  app::DetectionAgreement total;
};

// A model as compare reads it: dtypes and shapes inferred, constants folded as a session folds them (dequantized
// weights kept for the QDQ fusion), so find_probes() ids stay valid in the session built from it.
Graph load_for_probes(const std::string& path);

// The session compare reads a model's probes from: the model as any session runs it, watched by an observer, with
// the probes kept computed (SessionOptions::keep_values) where a fusion would otherwise swallow them.
std::unique_ptr<Session> probe_session(Graph g, const std::vector<const Probe*>& probes, SessionOptions opts);

// Fails with one line on a missing or unloadable model or image, on models whose image inputs differ, or with no
// images. Each model runs with its own options (the same model twice with another precision shows what bf16 costs).
Comparison compare_models(const std::string& model_a, const std::string& model_b,
                          const std::vector<std::string>& images, float threshold, const SessionOptions& opts_a,
                          const SessionOptions& opts_b);

}  // namespace ssdx::study
