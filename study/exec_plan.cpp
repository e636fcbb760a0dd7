#include "study/exec_plan.h"

#include <algorithm>
#include <map>

#include "ops/registry.h"
#include "study/model_cost.h"
#include "study/model_summary.h"

namespace ssdx::study {
namespace {

bool is_8bit(DataType t) { return t == DataType::UInt8 || t == DataType::Int8; }

// Layouts are the session's plan's (what each kernel writes); values no step writes are plain.
PlanTensor plan_tensor(const Graph& g, const std::map<std::string, std::string>& layouts, int id) {
  const Value& v = g.value(id);
  auto it = layouts.find(v.name);
  return {v.name, v.dtype, v.shape, v.shape_known, precision_of(v.dtype), it == layouts.end() ? "plain" : it->second};
}

// What the kernel computes in: the format conversions say so, int8 whenever 8-bit activations flow through it.
std::string kernel_precision(const Graph& g, const Node& n) {
  const OpTraits& t = op_traits(OpRegistry::global(), g, n);
  if (t.quantizes()) return "fp32->int8";
  if (t.dequantizes()) return "int8->fp32";
  bool has_8bit = false, has_float = false;
  DataType first = DataType::Undefined;
  for (const std::vector<int>* ids : {&n.inputs, &n.outputs})
    for (int id : *ids) {
      if (id == kNoValue || g.value(id).constant) continue;
      const DataType t = g.value(id).dtype;
      if (first == DataType::Undefined) first = t;
      has_8bit = has_8bit || is_8bit(t);
      has_float = has_float || t == DataType::Float;
    }
  if (has_8bit) return "int8";
  if (has_float) return "fp32";
  return precision_of(first);
}

}  // namespace

std::string precision_of(DataType t) {
  switch (t) {
    case DataType::Float: return "fp32";
    case DataType::UInt8:
    case DataType::Int8: return "int8";
    case DataType::BFloat16: return "bf16";
    case DataType::Float16: return "fp16";
    default: return dtype_name(t);
  }
}

std::string describe_origins(const std::vector<NodeOrigin>& origins) {
  std::vector<std::pair<std::string, int>> counts;  // in order of first appearance
  for (const NodeOrigin& o : origins) {
    auto it = std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == o.op_type; });
    if (it == counts.end()) counts.push_back({o.op_type, 1});
    else ++it->second;
  }
  std::string s;
  for (const auto& [op, k] : counts) s += (s.empty() ? "" : " + ") + op + (k > 1 ? " x" + std::to_string(k) : "");
  return s;
}

ExecPlan describe_plan(const Session& session) {
  const Graph& g = session.graph();  // for what the plan does not say: dtypes, shapes, MACs, quantization
  const ExecutionPlan& executed = session.plan();
  std::map<std::string, std::string> layouts;
  for (const PlannedStep& s : executed.steps)
    for (const PlannedOutput& o : s.outputs) layouts[o.name] = o.layout;
  ExecPlan plan;
  plan.arena_bytes = executed.arena_bytes;
  plan.folded = executed.folded;
  plan.fused = executed.fused;
  for (int id : g.inputs) plan.inputs.push_back(plan_tensor(g, layouts, id));
  for (int id : g.outputs) plan.outputs.push_back(g.value(id).name);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    PlanKernel k;
    k.name = n.name;
    k.op_type = qualified_op(n.domain, n.op_type);
    k.impl = i < executed.steps.size() ? executed.steps[i].impl : "";
    const std::string computed = i < executed.steps.size() ? executed.steps[i].compute_precision : "";
    k.precision = computed.empty() ? kernel_precision(g, n) : computed;
    k.macs = node_macs(g, n);
    k.fused_from = n.fused_from;
    for (int id : n.inputs)
      if (id != kNoValue && !g.value(id).constant) k.inputs.push_back(g.value(id).name);
    for (int id : n.outputs)
      if (id != kNoValue) k.outputs.push_back(plan_tensor(g, layouts, id));
    k.quant = quant_params_of(g, n);
    plan.total_macs += k.macs;
    plan.kernels.push_back(std::move(k));
  }
  return plan;
}

}  // namespace ssdx::study
