#include "study/quant_params.h"

#include <algorithm>
#include <cstdio>

namespace ssdx::study {
namespace {

struct Slot {
  const char* role;
  int tensor;  // input index of the quantized tensor, -1: the node's output 0
  int scale, zero_point;
};

std::vector<Slot> slots_of(const Node& n) {
  const bool ms = n.domain == "com.microsoft";
  if (n.domain.empty() && n.op_type == "QLinearConv") return {{"x", 0, 1, 2}, {"w", 3, 4, 5}, {"y", -1, 6, 7}};
  if ((n.domain.empty() && n.op_type == "QLinearMatMul") || (ms && (n.op_type == "QLinearAdd" || n.op_type == "QLinearMul")))
    return {{"a", 0, 1, 2}, {"b", 3, 4, 5}, {"y", -1, 6, 7}};
  if (n.domain.empty() && n.op_type == "QuantizeLinear") return {{"y", -1, 1, 2}};
  if (n.domain.empty() && n.op_type == "DequantizeLinear") return {{"x", 0, 1, 2}};
  return {};
}

std::string num(const char* fmt, double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

}  // namespace

std::vector<QuantParams> quant_params_of(const Graph& g, const Node& n) {
  std::vector<QuantParams> out;
  for (const Slot& s : slots_of(n)) {
    const Tensor* scale = n.has_input(s.scale) ? g.constant(n.inputs[static_cast<size_t>(s.scale)]) : nullptr;
    const Tensor* zp = n.has_input(s.zero_point) ? g.constant(n.inputs[static_cast<size_t>(s.zero_point)]) : nullptr;
    const int tensor = s.tensor < 0 ? (n.outputs.empty() ? kNoValue : n.outputs[0])
                                    : (n.has_input(s.tensor) ? n.inputs[static_cast<size_t>(s.tensor)] : kNoValue);
    if (!scale || scale->numel() == 0 || tensor == kNoValue) continue;
    QuantParams q;
    q.role = s.role;
    q.tensor = g.value(tensor).name;
    q.dtype = zp ? zp->dtype() : DataType::UInt8;  // ONNX's default when the zero point is omitted
    q.count = scale->numel();
    std::vector<float> scales;
    for (int64_t i = 0; i < scale->numel(); ++i) scales.push_back(static_cast<float>(scale->float_at(i)));
    std::sort(scales.begin(), scales.end());
    q.scale_min = scales.front();
    q.scale_max = scales.back();
    q.scale_median = scales[scales.size() / 2];
    if (zp && zp->numel() > 0) {
      q.zp_min = q.zp_max = zp->int_at(0);
      for (int64_t i = 1; i < zp->numel(); ++i) {
        q.zp_min = std::min(q.zp_min, zp->int_at(i));
        q.zp_max = std::max(q.zp_max, zp->int_at(i));
      }
    }
    out.push_back(std::move(q));
  }
  return out;
}

std::string describe(const QuantParams& q) {
  std::string zp = q.zp_min == q.zp_max ? std::to_string(q.zp_min) : std::to_string(q.zp_min) + ".." + std::to_string(q.zp_max);
  if (!q.per_channel()) return "scale " + num("%.6g", q.scale_min) + " zp " + zp;
  return std::to_string(q.count) + " scales " + num("%.4g", q.scale_min) + ".." + num("%.4g", q.scale_max) +
         " (median " + num("%.4g", q.scale_median) + ") zp " + zp;
}

}  // namespace ssdx::study
