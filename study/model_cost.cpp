#include "study/model_cost.h"

#include "ops/conv.h"
#include "ops/registry.h"

namespace ssdx::study {

double node_macs(const Graph& g, const Node& n) {
  const int w_index = op_traits(OpRegistry::global(), g, n).weight_input;
  if (w_index < 0 || !n.has_input(w_index) || n.outputs.empty() || n.outputs[0] == kNoValue) return 0;
  const Value& w = g.value(n.inputs[static_cast<size_t>(w_index)]);
  const Value& y = g.value(n.outputs[0]);
  const Shape& ws = w.constant ? w.constant->shape() : w.shape;
  if ((!w.constant && !w.shape_known) || !y.shape_known || !shape_is_static(y.shape) || !shape_is_static(ws) ||
      ws.size() < 2)
    return 0;
  return conv_macs(ws, y.shape);
}

}  // namespace ssdx::study
