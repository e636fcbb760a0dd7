#pragma once
// Imports face-api's trained SSD-MobileNetV1 face detector from its TF.js weights (docs/face_ssd_mobilenetv1.md)
// into an ONNX model that meets ssdx's detector contract: input `image` float32 [1,3,512,512] (RGB, pixel/127.5 - 1,
// said by the model's metadata), outputs bboxes [1,n,4] (xmin, ymin, xmax, ymax normalised), labels [1,n] int64
// (1 = face) and scores [1,n], best first.
#include <string>
#include <vector>

namespace ssdx::models {

constexpr int kFaceSsdInputSize = 512;
constexpr int kFaceSsdAnchors = 5118;
// The manifest's file name inside the weights folder.
constexpr const char* kFaceSsdManifest = "ssd_mobilenetv1_model-weights_manifest.json";

struct FaceSsdOptions {
  bool fold_bn = false;  // false: depthwise Conv + BatchNormalization as trained; true: folded into the Conv at import
  int opset = 12;        // 10 to 13
  // Inner values also made graph outputs (for tests that check the network piece by piece); unknown names fail.
  // Each layer's output after its activation is named after the layer: "MobilenetV1/Conv2d_<i>_pointwise"
  // (i = 0..13, 0 being the first 3x3 conv), "MobilenetV1/Conv2d_<i>_depthwise" (after BatchNorm), the extras
  // "Prediction/Conv2d_<j>_pointwise" (j = 0..7), and the raw NCHW head convolutions
  // "Prediction/BoxPredictor_<k>/BoxEncodingPredictor" and ".../ClassPredictor" (k = 0..5).
  std::vector<std::string> expose_values = {};
};

// Every anchor's decoded box [1, 5118, 4] (xmin, ymin, xmax, ymax) and face score [1, 5118, 1], before NMS.
constexpr const char* kFaceSsdDecodedBoxes = "decoded_boxes";
constexpr const char* kFaceSsdAnchorScores = "anchor_scores";

// The serialized model built from the weights in `weights_dir` (the manifest and its shard).
std::string face_ssd_model_bytes(const std::string& weights_dir, const FaceSsdOptions& opts);
void write_face_ssd_model(const std::string& weights_dir, const FaceSsdOptions& opts, const std::string& path);

}  // namespace ssdx::models
