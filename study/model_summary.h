#pragma once
// `ssdx inspect MODEL` without --plan: the model as written in its file (before any of ssdx's rewrites).
#include <map>
#include <string>
#include <vector>

#include "engine/session.h"

namespace ssdx::study {

struct NodeCost {
  std::string name, op_type;
  Shape output;
  double macs = 0;
};

struct ModelSummary {
  std::string path;
  int64_t ir_version = 0;
  std::map<std::string, int64_t> opsets;  // domain ("" = ai.onnx) -> version
  std::vector<TensorInfo> inputs, outputs;
  size_t nodes = 0;
  std::map<std::string, int> op_histogram;  // "Conv", "com.microsoft.QLinearAdd", ...
  // The nodes with subgraphs, in graph order: "If 'name' (2 branches, 7 nodes)" (nodes of every nesting level).
  std::vector<std::string> subgraphs;
  size_t initializers = 0;
  int64_t parameters = 0, parameter_bytes = 0;  // elements and bytes of all initializers
  std::map<std::string, int64_t> parameters_by_dtype;
  std::vector<NodeCost> costs;  // the nodes with a known cost, in graph order
  double total_macs = 0;
  std::string shape_error;      // why shapes (hence costs) are unknown; empty when inference ran
  std::map<std::string, std::string> metadata;  // the model's metadata_props (preprocessing, labels, ...)
};

// Parses the file and infers shapes without folding anything, so every node of the file is counted. `input_shapes`
// fixes free input dims first (--input-shape); costs stay unknown while some input dim is free.
ModelSummary summarize_model(const std::string& path, const std::map<std::string, Shape>& input_shapes = {});

// "Conv" for the default domain, "com.microsoft.QLinearAdd" otherwise.
std::string qualified_op(const std::string& domain, const std::string& op_type);

}  // namespace ssdx::study
