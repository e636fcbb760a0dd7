#pragma once
// ONNX ModelProto -> Graph. The only reader of the protobuf-generated classes besides onnx_builder.cpp.
#include <string>

#include "graph/graph.h"

namespace ssdx {

struct LoadOptions {
  // Upper bound on the bytes of every tensor the file makes us hold (initializers, tensor attributes) together,
  // checked before each is allocated: hostile files cannot make us allocate more.
  uint64_t max_weight_bytes = uint64_t{8} << 30;
};

// Parses an .onnx file. External data files are resolved relative to the model's folder and must stay inside it.
// Errors name the file, the node or initializer, and the reason.
Graph load_onnx(const std::string& path, const LoadOptions& opts = {});
// Parses a model held in memory; `base_dir` resolves external data ("" forbids external data).
Graph load_onnx_bytes(const std::string& bytes, const std::string& source_name, const std::string& base_dir,
                      const LoadOptions& opts = {});

// A serialized TensorProto (the .pb files of ONNX's test data, and `ssdx run` inputs/outputs).
Tensor load_tensor_pb(const std::string& path, std::string* name = nullptr);
Tensor parse_tensor_pb(const std::string& bytes, const std::string& source_name, std::string* name = nullptr);
void save_tensor_pb(const Tensor& t, const std::string& name, const std::string& path);

}  // namespace ssdx
