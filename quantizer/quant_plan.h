#pragma once
// Which nodes and tensors of a prepared float graph `ssdx quantize` quantizes (the scheme is in quantizer.h):
// computed once for calibration (which ranges to collect) and again for the rewrite, from the same graph.
#include <vector>

#include "graph/graph.h"

namespace ssdx::quantizer {

inline bool is_default_op(const Node& n, const char* op) { return n.op_type == op && n.domain.empty(); }

// Where a QDQ model's Q/DQ pairs go around a Relu that follows a quantized Add. Absorbed (ssdx's default): the Relu
// goes, one pair on its output. Ort (onnxruntime's quantizer writes this for a ResNet): the Relu stays a float op with
// a pair on each side, Add -> Q -> DQ -> Relu -> Q -> DQ, each tensor with its own range. A Relu after a Conv is
// absorbed in both. A Clip with constant bounds lo <= 0 <= hi (ReLU6 is Clip(0, 6)) is treated as a Relu: the
// quantization of its output range saturates exactly where it clips.
enum class QdqStyle { Absorbed, Ort };

struct QuantPlan {
  std::vector<char> qnode;             // per node: a quantized Conv, Add or MaxPool
  std::vector<char> removed;           // per node: a Relu or Clip its producer absorbs
  std::vector<int> writes;             // per node: the value a quantized Conv/Add writes (the absorbed one's output)
  std::vector<char> qvalue;            // per value: a quantized activation
  std::vector<int> params_of;          // per value: the value whose range sets its scale and zero point
  std::vector<int> order;              // quantized values in graph order
  std::vector<std::vector<int>> uses;  // per value: consuming nodes
  int convs = 0, adds = 0, maxpools = 0, relus = 0, relus_kept = 0, clips = 0, clips_kept = 0;
};

QuantPlan plan_quantization(const Graph& g, QdqStyle style = QdqStyle::Absorbed);

}  // namespace ssdx::quantizer
