#include "study/model_cost.h"

namespace ssdx::study {

bool is_conv_op(const Node& n) {
  if (n.domain.empty()) return n.op_type == "Conv" || n.op_type == "QLinearConv" || n.op_type == "ConvInteger";
  return n.domain == "ssdx" && n.op_type == "FusedConv";
}

double node_macs(const Graph& g, const Node& n) {
  if (!is_conv_op(n) || n.outputs.empty() || n.outputs[0] == kNoValue) return 0;
  const size_t w_index = n.op_type == "QLinearConv" ? 3 : 1;
  if (!n.has_input(static_cast<int>(w_index))) return 0;
  const Value& w = g.value(n.inputs[w_index]);
  const Value& y = g.value(n.outputs[0]);
  const Shape& ws = w.constant ? w.constant->shape() : w.shape;
  if ((!w.constant && !w.shape_known) || !y.shape_known || !shape_is_static(y.shape) || !shape_is_static(ws) ||
      ws.size() < 2)
    return 0;
  double per_output = 1;
  for (size_t d = 1; d < ws.size(); ++d) per_output *= static_cast<double>(ws[d]);
  return static_cast<double>(shape_numel(y.shape)) * per_output;
}

}  // namespace ssdx::study
