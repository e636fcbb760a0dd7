#pragma once
// Calibration inputs from photos: `ssdx quantize` calibrates on images preprocessed exactly as `ssdx detect` does.
#include <string>
#include <vector>

#include "graph/graph.h"

namespace ssdx::app {

// The model's image inputs for calibration: one float32 input [1,3,H,W] (static H and W) is required; each image is
// loaded and preprocessed exactly as `ssdx detect` does. Fails naming the model or the image.
std::vector<Tensor> load_calibration_images(const Graph& g, const std::vector<std::string>& paths);

}  // namespace ssdx::app
