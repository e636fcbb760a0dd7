#pragma once
// Reads a TensorFlow.js weights manifest (model-weights_manifest.json) and its binary shards: the format face-api
// ships its trained weights in (docs/face_ssd_mobilenetv1.md §2). Every float tensor comes back as float32 and every
// integer tensor as int32, dequantized when the manifest says it is stored quantized. The manifest and its shards
// are untrusted: every failure is one ssdx::Error line naming the file and the tensor.
#include <map>
#include <string>
#include <vector>

#include "graph/tensor.h"

namespace ssdx::models {

class TfjsWeights {
 public:
  // Reads `manifest_path` and the shard files it names, which must sit in the same folder.
  static TfjsWeights load(const std::string& manifest_path);

  bool has(const std::string& name) const { return tensors_.count(name) != 0; }
  // The tensor called `name`; fails naming the manifest when it is absent or its shape is not `expected_shape`.
  const Tensor& get(const std::string& name, const Shape& expected_shape) const;
  // Tensor names in manifest order.
  const std::vector<std::string>& names() const { return order_; }
  const std::string& manifest_path() const { return manifest_; }

 private:
  std::string manifest_;
  std::map<std::string, Tensor> tensors_;
  std::vector<std::string> order_;
};

}  // namespace ssdx::models
