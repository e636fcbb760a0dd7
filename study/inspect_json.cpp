#include <sstream>

#include "study/inspect_report.h"
#include "graph/json.h"

namespace ssdx::study {
namespace {

std::string shape_json(const Shape& s, bool known = true) {
  if (!known) return "null";
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + (s[i] < 0 ? std::string("null") : std::to_string(s[i]));
  return out + "]";
}

std::string infos_json(const std::vector<TensorInfo>& ts) {
  std::string out = "[";
  for (size_t i = 0; i < ts.size(); ++i)
    out += (i ? ", " : "") + std::string("{\"name\": ") + json_quote(ts[i].name) + ", \"dtype\": " +
           json_quote(dtype_name(ts[i].dtype)) + ", \"shape\": " + shape_json(ts[i].shape) + "}";
  return out + "]";
}

std::string quant_json(const QuantParams& q) {
  return "{\"role\": " + json_quote(q.role) + ", \"tensor\": " + json_quote(q.tensor) + ", \"dtype\": " +
         json_quote(dtype_name(q.dtype)) + ", \"per_channel\": " + (q.per_channel() ? "true" : "false") +
         ", \"count\": " + std::to_string(q.count) + ", \"scale\": " + json_number(q.scale_median) +
         ", \"scale_min\": " + json_number(q.scale_min) + ", \"scale_max\": " + json_number(q.scale_max) +
         ", \"scale_median\": " + json_number(q.scale_median) + ", \"zero_point_min\": " + std::to_string(q.zp_min) +
         ", \"zero_point_max\": " + std::to_string(q.zp_max) + "}";
}

std::string tensor_json(const PlanTensor& t) {
  return "{\"name\": " + json_quote(t.name) + ", \"dtype\": " + json_quote(dtype_name(t.dtype)) + ", \"precision\": " +
         json_quote(t.precision) + ", \"shape\": " + shape_json(t.shape, t.shape_known) + ", \"layout\": " +
         json_quote(t.layout) + "}";
}

template <typename T, typename F>
std::string list_json(const std::vector<T>& items, F to_json, const char* sep = ", ") {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + to_json(items[i]);
  return out + "]";
}

std::string plan_json(const ExecPlan& p) {
  std::ostringstream os;
  os << "{\"kernels_count\": " << p.kernels.size() << ", \"fused_nodes\": " << p.fused << ", \"folded_nodes\": "
     << p.folded << ", \"arena_bytes\": " << p.arena_bytes << ", \"total_gmac\": " << json_number(p.total_macs / 1e9)
     << ",\n  \"inputs\": " << list_json(p.inputs, tensor_json)
     << ", \"outputs\": " << list_json(p.outputs, [](const std::string& s) { return json_quote(s); })
     << ",\n  \"kernels\": [";
  for (size_t i = 0; i < p.kernels.size(); ++i) {
    const PlanKernel& k = p.kernels[i];
    os << (i ? ",\n   " : "\n   ") << "{\"index\": " << i << ", \"name\": " << json_quote(k.name)
       << ", \"op_type\": " << json_quote(k.op_type) << ", \"precision\": " << json_quote(k.precision)
       << ", \"impl\": " << json_quote(k.impl) << ", \"gmac\": " << json_number(k.macs / 1e9)
       << ", \"fused_from\": " << list_json(k.fused_from, [](const NodeOrigin& o) {
            return "{\"op_type\": " + json_quote(o.op_type) + ", \"name\": " + json_quote(o.name) + "}";
          })
       << ", \"inputs\": " << list_json(k.inputs, [](const std::string& s) { return json_quote(s); })
       << ", \"outputs\": " << list_json(k.outputs, tensor_json) << ", \"quant\": " << list_json(k.quant, quant_json)
       << "}";
  }
  os << "]}";
  return os.str();
}

}  // namespace

std::string inspect_json(const ModelSummary& s, const ExecPlan* plan) {
  std::ostringstream os;
  os << "{\"model\": " << json_quote(s.path) << ", \"ir_version\": " << s.ir_version << ", \"opsets\": {";
  const char* sep = "";
  for (const auto& [domain, v] : s.opsets) {
    os << sep << json_quote(domain.empty() ? "ai.onnx" : domain) << ": " << v;
    sep = ", ";
  }
  os << "},\n \"inputs\": " << infos_json(s.inputs) << ",\n \"outputs\": " << infos_json(s.outputs)
     << ",\n \"nodes\": " << s.nodes << ", \"op_histogram\": {";
  sep = "";
  for (const auto& [op, k] : s.op_histogram) {
    os << sep << json_quote(op) << ": " << k;
    sep = ", ";
  }
  os << "}, \"subgraphs\": [";
  sep = "";
  for (const std::string& sg : s.subgraphs) {
    os << sep << json_quote(sg);
    sep = ", ";
  }
  os << "],\n \"initializers\": " << s.initializers << ", \"parameters\": " << s.parameters
     << ", \"parameter_bytes\": " << s.parameter_bytes << ", \"parameters_by_dtype\": {";
  sep = "";
  for (const auto& [t, k] : s.parameters_by_dtype) {
    os << sep << json_quote(t) << ": " << k;
    sep = ", ";
  }
  os << "},\n \"metadata\": {";
  sep = "";
  for (const auto& [key, value] : s.metadata) {
    os << sep << json_quote(key) << ": " << json_quote(value);
    sep = ", ";
  }
  os << "},\n \"shape_error\": " << (s.shape_error.empty() ? "null" : json_quote(s.shape_error))
     << ", \"total_gmac\": " << json_number(s.total_macs / 1e9) << ",\n \"node_costs\": "
     << list_json(s.costs, [](const NodeCost& c) {
          return "{\"name\": " + json_quote(c.name) + ", \"op_type\": " + json_quote(c.op_type) + ", \"output\": " +
                 shape_json(c.output) + ", \"gmac\": " + json_number(c.macs / 1e9) + "}";
        }, ",\n  ");
  if (plan) os << ",\n \"plan\": " << plan_json(*plan);
  os << "}\n";
  return os.str();
}

}  // namespace ssdx::study
