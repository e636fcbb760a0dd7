#include "study/plan_dot.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "graph/file_writer.h"
#include "graph/tensor_io.h"
#include "study/printf_string.h"

extern char** environ;

namespace ssdx::study {
namespace {

// Colour-blind-safe fills (Okabe-Ito): int8 orange, fp32 blue, format conversions purple, the rest grey.
const char* fill_for(const std::string& precision) {
  if (precision == "int8") return "#E69F00";
  if (precision == "fp32") return "#56B4E9";
  if (precision == "bf16" || precision == "fp16") return "#009E73";
  if (precision.find("->") != std::string::npos) return "#CC79A7";
  return "#DDDDDD";
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

bool is_conv(const PlanKernel& k) { return k.macs > 0 || k.op_type.find("Conv") != std::string::npos; }

// Kernels that reach no convolution and are none: post-processing in a detector.
std::vector<bool> post_processing(const ExecPlan& plan, const std::map<std::string, size_t>& producer) {
  std::vector<bool> reaches(plan.kernels.size(), false);
  for (size_t i = plan.kernels.size(); i-- > 0;) {  // consumers come later in execution order
    if (!is_conv(plan.kernels[i]) && !reaches[i]) continue;
    for (const std::string& in : plan.kernels[i].inputs) {
      auto it = producer.find(in);
      if (it != producer.end()) reaches[it->second] = true;
    }
  }
  std::vector<bool> post(plan.kernels.size());
  for (size_t i = 0; i < post.size(); ++i) post[i] = !is_conv(plan.kernels[i]) && !reaches[i];
  return post;
}

std::string kernel_label(const PlanKernel& k) {
  std::string label = escape(k.name.empty() ? k.op_type : k.name);
  label += "\\n" + k.op_type + " · " + k.precision;
  if (k.macs > 0) label += printf_string(" · %.3g GMAC", k.macs / 1e9);
  if (!k.fused_from.empty()) label += "\\n= " + escape(describe_origins(k.fused_from));
  for (const QuantParams& q : k.quant)
    if (q.role == "y" || q.role == "w") label += "\\n" + q.role + " " + escape(describe(q));
  return label;
}

}  // namespace

std::string plan_to_dot(const ExecPlan& plan, const DotOptions& opts) {
  std::map<std::string, size_t> producer;
  for (size_t i = 0; i < plan.kernels.size(); ++i)
    for (const PlanTensor& t : plan.kernels[i].outputs) producer[t.name] = i;
  std::map<std::string, const PlanTensor*> tensor;
  for (const PlanKernel& k : plan.kernels)
    for (const PlanTensor& t : k.outputs) tensor[t.name] = &t;
  for (const PlanTensor& t : plan.inputs) tensor[t.name] = &t;
  const std::vector<bool> post = opts.collapse_post ? post_processing(plan, producer) : std::vector<bool>(plan.kernels.size());
  double max_macs = 0;
  for (const PlanKernel& k : plan.kernels) max_macs = std::max(max_macs, k.macs);

  std::string dot = "digraph plan {\n  rankdir=TB; nodesep=0.25; ranksep=0.3;\n";
  dot += "  labelloc=t; label=\"" + escape(opts.title) +
         "\\nfill: int8 orange, fp32 blue, Q/DQ purple, other grey; box size and GMAC: cost\"; fontname=Helvetica;\n";
  dot += "  node [shape=box, style=\"rounded,filled\", fontname=Helvetica, fontsize=10];\n"
         "  edge [color=\"#555555\", arrowsize=0.6];\n";
  auto id_of = [&](const std::string& value) -> std::string {
    auto it = producer.find(value);
    if (it == producer.end()) return "in_" + value;
    return post[it->second] ? "post" : "k" + std::to_string(it->second);
  };
  for (const PlanTensor& t : plan.inputs)
    dot += "  \"in_" + escape(t.name) + "\" [shape=ellipse, style=filled, fillcolor=white, label=\"" + escape(t.name) +
           "\\n" + t.precision + " " + shape_str(t.shape) + "\"];\n";
  int post_count = 0;
  std::map<std::string, int> post_ops;
  for (size_t i = 0; i < plan.kernels.size(); ++i) {
    const PlanKernel& k = plan.kernels[i];
    if (post[i]) {
      ++post_count;
      ++post_ops[k.op_type];
      continue;
    }
    // Area grows with cost, so the convolutions that matter stand out; the rest keep Graphviz's default size.
    const double share = max_macs > 0 ? std::sqrt(k.macs / max_macs) : 0;
    dot += "  k" + std::to_string(i) + " [label=\"" + kernel_label(k) + "\", fillcolor=\"" +
           fill_for(k.precision) + "\"" +
           (k.macs > 0 ? printf_string(", width=%.2f, height=%.2f, fontsize=%.0f", 1.5 + 2.5 * share, 0.5 + 0.7 * share,
                                       10 + 6 * share)
                       : "") +
           ", tooltip=\"" + escape(k.impl) + "\"];\n";
  }
  if (post_count > 0) {
    std::string ops;
    for (const auto& [op, n] : post_ops) ops += (ops.empty() ? "" : ", ") + op + (n > 1 ? " x" + std::to_string(n) : "");
    dot += "  post [label=\"post-processing: " + std::to_string(post_count) + " kernels\\n" + escape(ops) +
           "\", fillcolor=\"#56B4E9\", shape=box3d];\n";
  }
  // Edges, once per pair of boxes (a collapsed box would otherwise receive dozens).
  std::map<std::pair<std::string, std::string>, bool> seen;
  auto edge = [&](const std::string& from, const std::string& to, const std::string& value) {
    if (from == to || seen[{from, to}]) return;
    seen[{from, to}] = true;
    const PlanTensor* t = tensor.count(value) ? tensor[value] : nullptr;
    std::string attrs;
    if (t) attrs = " [tooltip=\"" + escape(t->name + " " + t->precision + " " + shape_str(t->shape) + " " + t->layout) +
                   "\"" + (t->precision == "int8" ? ", color=\"#B07800\"" : "") + "]";
    dot += "  \"" + escape(from) + "\" -> \"" + escape(to) + "\"" + attrs + ";\n";
  };
  for (size_t i = 0; i < plan.kernels.size(); ++i)
    for (const std::string& in : plan.kernels[i].inputs) edge(id_of(in), post[i] ? "post" : "k" + std::to_string(i), in);
  for (const std::string& out : plan.outputs) {
    dot += "  \"out_" + escape(out) + "\" [shape=ellipse, style=filled, fillcolor=white, label=\"" + escape(out) + "\"];\n";
    edge(id_of(out), "out_" + out, out);
  }
  return dot + "}\n";
}

void render_svg(const std::string& dot_text, const std::string& svg_path) {
  std::string dot_bin;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "";
  for (size_t start = 0; start <= dirs.size();) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string candidate = (end > start ? dirs.substr(start, end - start) : ".") + "/dot";
    if (access(candidate.c_str(), X_OK) == 0) {
      dot_bin = candidate;
      break;
    }
    start = end + 1;
  }
  if (dot_bin.empty())
    fail("inspect: --svg needs Graphviz's 'dot' on PATH (apt-get install graphviz); --dot OUT.dot works without it");
  const std::string dot_path = svg_path + ".dot.tmp";
  write_file_bytes(dot_path, dot_text);
  const std::string svg_temporary = temporary_path_for(svg_path);  // dot's partial output never takes the name
  std::vector<std::string> args = {dot_bin, "-Tsvg", dot_path, "-o", svg_temporary};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, dot_bin.c_str(), nullptr, nullptr, argv.data(), environ);
  int status = 0;
  const bool ok = spawned == 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  std::remove(dot_path.c_str());
  if (!ok) {
    std::remove(svg_temporary.c_str());
    fail("inspect: '", dot_bin, "' failed to render ", svg_path);
  }
  commit_temporary(svg_temporary, svg_path);
}

}  // namespace ssdx::study
