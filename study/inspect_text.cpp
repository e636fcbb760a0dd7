#include <algorithm>

#include "graph/printable.h"
#include "study/inspect_report.h"
#include "study/printf_string.h"

namespace ssdx::study {
namespace {

std::string tensor_list(const std::vector<TensorInfo>& ts) {
  std::string s;
  for (const TensorInfo& t : ts) s += (s.empty() ? "" : ", ") + printable(t.name) + " " + tensor_type(t.dtype, t.shape);
  return s.empty() ? "none" : s;
}

std::string domain_name(const std::string& d) { return d.empty() ? "ai.onnx" : printable(d); }

std::string origins_line(const std::vector<NodeOrigin>& from) {
  std::string s;
  for (const NodeOrigin& o : from) s += (s.empty() ? "" : ", ") + printable(o.op_type) + " " + printable(o.name);
  return s;
}

}  // namespace

std::string tensor_type(DataType dtype, const Shape& shape, bool shape_known) {
  return std::string(dtype_name(dtype)) + " " + (shape_known ? shape_str(shape) : "[?]");
}

// One line a key; a value of several lines (a label map) shows its line count and first lines.
static std::string metadata_text(const std::map<std::string, std::string>& metadata) {
  if (metadata.empty()) return "metadata: none\n";
  std::string out = "metadata:\n";
  for (const auto& [key, value] : metadata) {
    std::vector<std::string> lines(1);
    for (char c : value) {
      if (c == '\n') lines.emplace_back();
      else lines.back() += c;
    }
    if (lines.size() > 1 && lines.back().empty()) lines.pop_back();
    out += "  " + printable(key) + ": ";
    if (lines.size() <= 1) {
      out += printable_capped(value, 2000) + "\n";
      continue;
    }
    out += std::to_string(lines.size()) + " lines: ";
    for (size_t i = 0; i < std::min<size_t>(lines.size(), 3); ++i) out += (i ? ", " : "") + printable(lines[i]);
    out += lines.size() > 3 ? ", ...\n" : "\n";
  }
  return out;
}

std::string summary_text(const ModelSummary& s) {
  std::string out = "model " + printable(s.path) + ": IR " + std::to_string(s.ir_version) + ", opsets";
  for (const auto& [domain, v] : s.opsets) out += " " + domain_name(domain) + " " + std::to_string(v);
  out += "\ninputs:  " + tensor_list(s.inputs) + "\noutputs: " + tensor_list(s.outputs) + "\n";
  out += "nodes: " + std::to_string(s.nodes) + " (";
  std::string hist;
  for (const auto& [op, k] : s.op_histogram) hist += (hist.empty() ? "" : ", ") + printable(op) + " " + std::to_string(k);
  out += hist + ")\n";
  if (!s.subgraphs.empty()) {
    std::string list;
    for (size_t i = 0; i < s.subgraphs.size() && i < 8; ++i) list += (i ? ", " : "") + printable(s.subgraphs[i]);
    if (s.subgraphs.size() > 8) list += " and " + std::to_string(s.subgraphs.size() - 8) + " more";
    out += "subgraphs: " + list + "\n";
  }
  std::string dtypes;
  for (const auto& [t, k] : s.parameters_by_dtype) dtypes += (dtypes.empty() ? "" : ", ") + t + " " + thousands(k);
  out += printf_string("parameters: %s in %zu initializers (%s), %.1f MB\n", thousands(s.parameters).c_str(),
                       s.initializers, dtypes.c_str(), static_cast<double>(s.parameter_bytes) / 1e6);
  out += metadata_text(s.metadata);
  if (!s.shape_error.empty()) return out + "cost: unknown (shapes could not be inferred: " + printable_capped(s.shape_error, 2000) + ")\n";
  out += printf_string("cost: %.2f GMAC in %zu convolutions\n", s.total_macs / 1e9, s.costs.size());
  if (s.costs.empty()) return out;
  size_t w = 4;
  for (const NodeCost& c : s.costs) w = std::max(w, printable(c.name).size());
  out += printf_string("  %-*s  %-12s  %-18s  %8s  %6s\n", static_cast<int>(w), "node", "op", "output", "GMAC", "share%");
  for (const NodeCost& c : s.costs)
    out += printf_string("  %-*s  %-12s  %-18s  %8.3f  %6.2f\n", static_cast<int>(w), printable(c.name).c_str(), printable(c.op_type).c_str(),
                         shape_str(c.output).c_str(), c.macs / 1e9, 100 * c.macs / s.total_macs);
  return out;
}

std::string plan_text(const ExecPlan& p) {
  std::string out = printf_string(
      "\nplan after ssdx's passes: %zu kernels (%d nodes merged into others, %d folded into constants), arena %.1f MiB, "
      "%.2f GMAC\n",
      p.kernels.size(), p.fused, p.folded, static_cast<double>(p.arena_bytes) / (1 << 20), p.total_macs / 1e9);
  size_t name_w = 6, op_w = 2, impl_w = 4;
  for (const PlanKernel& k : p.kernels) {
    name_w = std::max(name_w, printable(k.name).size());
    op_w = std::max(op_w, printable(k.op_type).size());
    impl_w = std::max(impl_w, k.impl.size());
  }
  name_w = std::min<size_t>(name_w, 40);
  out += printf_string("%4s  %-*s  %-*s  %-10s  %7s  %-*s  %s\n", "#", static_cast<int>(name_w), "kernel",
                       static_cast<int>(op_w), "op", "precision", "GMAC", static_cast<int>(impl_w), "impl",
                       "output: precision shape layout");
  for (size_t i = 0; i < p.kernels.size(); ++i) {
    const PlanKernel& k = p.kernels[i];
    std::string outs;
    for (const PlanTensor& t : k.outputs)
      outs += (outs.empty() ? "" : ", ") + printable(t.name) + ": " + t.precision + " " + (t.shape_known ? shape_str(t.shape) : "[?]") +
              " " + t.layout;
    const std::string gmac = k.macs > 0 ? printf_string("%7.3f", k.macs / 1e9) : "      -";
    out += printf_string("%4zu  %-*.*s  %-*s  %-10s  %s  %-*s  %s\n", i, static_cast<int>(name_w), static_cast<int>(name_w),
                         printable(k.name).c_str(), static_cast<int>(op_w), printable(k.op_type).c_str(), k.precision.c_str(), gmac.c_str(),
                         static_cast<int>(impl_w), k.impl.c_str(), outs.c_str());
    if (!k.fused_from.empty()) out += "      fused from: " + origins_line(k.fused_from) + "\n";
    if (k.quant.empty()) continue;
    std::string q;
    for (const QuantParams& qp : k.quant) q += (q.empty() ? "" : "  |  ") + qp.role + " " + printable(qp.tensor) + ": " + describe(qp);
    out += "      quant: " + q + "\n";
  }
  return out;
}

}  // namespace ssdx::study
