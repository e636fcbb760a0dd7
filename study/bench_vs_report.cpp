// What `ssdx bench A --vs B` prints: text table or JSON.
#include <algorithm>
#include <sstream>

#include "study/bench_vs.h"
#include "graph/printable.h"
#include "graph/json.h"
#include "study/printf_string.h"

namespace ssdx::study {
namespace {

std::string ops_of(const Measurement& m, const std::vector<size_t>& nodes) {
  std::string s;
  for (size_t i : nodes) s += (s.empty() ? "" : "+") + m.nodes[i].op_type;
  return s.empty() ? "-" : s;
}

std::string layer_name(const Measurement& a, const Measurement& b, const LayerTimes& l) {
  const NodeAverage& n = l.a.empty() ? b.nodes[l.b[0]] : a.nodes[l.a[0]];
  return n.name.empty() ? "<" + n.op_type + ">" : n.name;
}

struct Totals {
  int count = 0;
  double ms_a = 0, ms_b = 0;
  int kernels_a = 0, kernels_b = 0;
  void add(const LayerTimes& l) {
    ++count;
    ms_a += l.ms_a;
    ms_b += l.ms_b;
    kernels_a += static_cast<int>(l.a.size());
    kernels_b += static_cast<int>(l.b.size());
  }
  std::string speedup() const { return ms_b > 0 && ms_a > 0 ? printf_string("%.2fx", ms_a / ms_b) : "-"; }
};

std::string latency_json(const std::string& model, double load_ms, const Measurement& m) {
  return "{\"model\": " + json_quote(model) + ", \"load_ms\": " + json_number(load_ms) + ", \"latency_ms\": {\"min\": " +
         json_number(m.latency.min) + ", \"median\": " + json_number(m.latency.median) + ", \"max\": " +
         json_number(m.latency.max) + ", \"mean\": " + json_number(m.latency.mean) + "}}";
}

std::string indices_ops_json(const Measurement& m, const std::vector<size_t>& nodes) {
  std::string s = "[";
  for (size_t k = 0; k < nodes.size(); ++k)
    s += (k ? ", " : "") + std::string("{\"name\": ") + json_quote(m.nodes[nodes[k]].name) + ", \"op_type\": " +
         json_quote(m.nodes[nodes[k]].op_type) + ", \"ms\": " + json_number(m.nodes[nodes[k]].ms) + "}";
  return s + "]";
}

struct Report {
  Totals matched, conv_rows, only_a, only_b;
};

Report totals(const BenchVsResult& r) {
  Report t;
  for (const LayerTimes& l : r.layers) {
    (l.b.empty() ? t.only_a : l.a.empty() ? t.only_b : t.matched).add(l);
    if (!l.a.empty() && !l.b.empty() && (has_conv_kernel(r.a, l.a) || has_conv_kernel(r.b, l.b))) t.conv_rows.add(l);
  }
  return t;
}

double overall_speedup(const BenchVsResult& r) {
  return r.b.latency.median > 0 ? r.a.latency.median / r.b.latency.median : 0;
}

}  // namespace

std::string bench_vs_json(const BenchVsResult& r) {
  const Report t = totals(r);
  std::ostringstream os;
  os << "{\"a\": " << latency_json(r.model_a, r.load_a_ms, r.a) << ",\n \"b\": "
     << latency_json(r.model_b, r.load_b_ms, r.b) << ",\n \"threads\": " << r.a.threads << ", \"runs\": " << r.runs
     << ", \"warmup\": " << r.warmup << ", \"speedup_median\": " << json_number(overall_speedup(r))
     << ",\n \"layers\": [";
  for (size_t k = 0; k < r.layers.size(); ++k) {
    const LayerTimes& l = r.layers[k];
    const bool paired = !l.a.empty() && !l.b.empty();
    os << (k ? ",\n  " : "\n  ") << "{\"name\": " << json_quote(layer_name(r.a, r.b, l)) << ", \"matched_by\": "
       << (paired ? json_quote(l.matched_by) : "null") << ", \"ms_a\": " << json_number(l.ms_a) << ", \"ms_b\": "
       << json_number(l.ms_b) << ", \"speedup\": " << (paired ? json_number(l.speedup()) : "null")
       << ", \"kernels_a\": " << indices_ops_json(r.a, l.a) << ", \"kernels_b\": " << indices_ops_json(r.b, l.b) << "}";
  }
  os << "],\n \"matched\": {\"layers\": " << t.matched.count << ", \"ms_a\": " << json_number(t.matched.ms_a)
     << ", \"ms_b\": " << json_number(t.matched.ms_b) << "}, \"only_a\": {\"kernels\": " << t.only_a.kernels_a
     << ", \"ms\": " << json_number(t.only_a.ms_a) << "}, \"only_b\": {\"kernels\": " << t.only_b.kernels_b
     << ", \"ms\": " << json_number(t.only_b.ms_b) << "}}\n";
  return os.str();
}

std::string bench_vs_text(const BenchVsResult& r) {
  const Report t = totals(r);
  std::string out = printf_string("bench A vs B on the same input: %d threads, %d runs after %d warm-up each, interleaved\n",
                                  r.a.threads, r.runs, r.warmup);
  out += printf_string("A %s: median %.2f ms (min %.2f, load %.0f ms)\nB %s: median %.2f ms (min %.2f, load %.0f ms)\n",
                       r.model_a.c_str(), r.a.latency.median, r.a.latency.min, r.load_a_ms, r.model_b.c_str(),
                       r.b.latency.median, r.b.latency.min, r.load_b_ms);
  out += printf_string("speed-up A/B (medians): %.2fx\n\n", overall_speedup(r));
  std::vector<const LayerTimes*> rows;  // the layers with a convolution: what int8 is about
  size_t name_w = 5, ka_w = 9, kb_w = 9;
  for (const LayerTimes& l : r.layers) {
    if (!has_conv_kernel(r.a, l.a) && !has_conv_kernel(r.b, l.b)) continue;
    rows.push_back(&l);
    name_w = std::max(name_w, printable(layer_name(r.a, r.b, l)).size());
    ka_w = std::max(ka_w, ops_of(r.a, l.a).size());
    kb_w = std::max(kb_w, ops_of(r.b, l.b).size());
  }
  out += "layers with a convolution (mean ms per run; speed-up = A ms / B ms):\n";
  out += printf_string("%-*s  %-*s  %-*s  %9s  %9s  %8s  %s\n", static_cast<int>(name_w), "layer", static_cast<int>(ka_w),
                       "kernels A", static_cast<int>(kb_w), "kernels B", "A ms", "B ms", "speed-up", "matched by");
  for (const LayerTimes* l : rows) {
    const bool paired = !l->a.empty() && !l->b.empty();
    const std::string speedup = paired ? printf_string("%.2fx", l->speedup()) : "-";
    out += printf_string("%-*s  %-*s  %-*s  %9.3f  %9.3f  %8s  %s\n", static_cast<int>(name_w),
                         printable(layer_name(r.a, r.b, *l)).c_str(), static_cast<int>(ka_w), ops_of(r.a, l->a).c_str(),
                         static_cast<int>(kb_w), ops_of(r.b, l->b).c_str(), l->ms_a, l->ms_b, speedup.c_str(),
                         paired ? l->matched_by.c_str() : "(one model only)");
  }
  out += printf_string("\nconvolution layers: A %.2f ms, B %.2f ms, %s over %d layers\n", t.conv_rows.ms_a,
                       t.conv_rows.ms_b, t.conv_rows.speedup().c_str(), t.conv_rows.count);
  out += printf_string("all matched layers: A %.2f ms, B %.2f ms, %s over %d layers\n", t.matched.ms_a, t.matched.ms_b,
                       t.matched.speedup().c_str(), t.matched.count);
  out += printf_string("only in A: %d kernels, %.2f ms; only in B: %d kernels, %.2f ms\n", t.only_a.kernels_a,
                       t.only_a.ms_a, t.only_b.kernels_b, t.only_b.ms_b);
  return out;
}

}  // namespace ssdx::study
