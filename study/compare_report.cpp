#include "study/compare_report.h"

#include "graph/printable.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "graph/json.h"
#include "study/printf_string.h"

namespace ssdx::study {
namespace {

std::string db(double v) { return std::isinf(v) && v > 0 ? "inf" : printf_string("%.1f", v); }

std::string share(double v) { return std::isnan(v) ? "-" : printf_string("%.2f", 100 * v); }

std::string agreement_text(const app::DetectionAgreement& d) {
  return printf_string("A %d, B %d: matched %d, missed %d, extra %d; |score diff| mean %.4f max %.4f; IoU mean %.3f",
                       d.a, d.b, d.matched, d.missed, d.extra, d.mean_score_diff(), d.max_score_diff, d.mean_iou());
}

std::string agreement_json(const app::DetectionAgreement& d) {
  return "{\"a\": " + std::to_string(d.a) + ", \"b\": " + std::to_string(d.b) + ", \"matched\": " +
         std::to_string(d.matched) + ", \"missed\": " + std::to_string(d.missed) + ", \"extra\": " +
         std::to_string(d.extra) + ", \"mean_score_diff\": " + json_number(d.mean_score_diff()) +
         ", \"max_score_diff\": " + json_number(d.max_score_diff) + ", \"mean_iou\": " + json_number(d.mean_iou()) + "}";
}

}  // namespace

SqnrSummary summarize_sqnr(const Comparison& c) {
  SqnrSummary s;
  std::vector<double> finite;
  double lowest = std::numeric_limits<double>::infinity();
  for (const LayerComparison& l : c.layers) {
    const double v = l.error.sqnr_db();
    if (std::isinf(v) && v > 0) {
      ++s.exact;
      continue;
    }
    finite.push_back(v);
    if (v < lowest) {
      lowest = v;
      s.worst = l.pair.a.float_name;
    }
  }
  s.finite = finite.size();
  if (finite.empty()) {
    s.min = s.median = s.max = std::numeric_limits<double>::quiet_NaN();
    return s;
  }
  std::sort(finite.begin(), finite.end());
  s.min = finite.front();
  s.max = finite.back();
  s.median = finite[finite.size() / 2];
  return s;
}

std::string comparison_text(const Comparison& c) {
  size_t by_structure = 0, name_w = 6, op_w = 4;
  for (const LayerComparison& l : c.layers) {
    by_structure += l.pair.matched_by == "structure";
    name_w = std::max(name_w, printable(l.pair.a.float_name).size());
    op_w = std::max(op_w, l.kernel_a.size() + l.kernel_b.size() + 4);
  }
  name_w = std::min<size_t>(name_w, 36);
  std::string out = "compare " + printable(c.model_a) + " (A, reference) with " + printable(c.model_b) + " (B) on " +
                    std::to_string(c.image_count) + " image(s), input " + shape_str(c.input) + "\n";
  out += printf_string("layers: %zu compared (%zu by name, %zu by structure); comparable tensors: A %zu, B %zu\n",
                       c.layers.size(), c.layers.size() - by_structure, by_structure, c.probes_a, c.probes_b);
  out += printf_string("%4s  %-*s  %-*s  %-18s  %8s  %10s  %10s  %6s\n", "#", static_cast<int>(name_w), "tensor",
                       static_cast<int>(op_w), "kernel A -> B", "shape", "SQNR dB", "max|err|", "mean|err|", "sat%");
  for (size_t i = 0; i < c.layers.size(); ++i) {
    const LayerComparison& l = c.layers[i];
    out += printf_string("%4zu  %-*.*s  %-*s  %-18s  %8s  %10.4g  %10.4g  %6s\n", i, static_cast<int>(name_w),
                         static_cast<int>(name_w), printable(l.pair.a.float_name).c_str(), static_cast<int>(op_w),
                         (l.kernel_a + " -> " + l.kernel_b).c_str(), shape_str(l.pair.a.shape).c_str(),
                         db(l.error.sqnr_db()).c_str(), l.error.max_abs, l.error.mean_abs(),
                         share(l.error.saturated_share()).c_str());
  }
  const SqnrSummary s = summarize_sqnr(c);
  if (s.finite > 0)
    out += printf_string("SQNR: min %.1f dB (%s), median %.1f dB, max %.1f dB; %zu layer(s) exact\n", s.min,
                         s.worst.c_str(), s.median, s.max, s.exact);
  else
    out += printf_string("SQNR: every one of the %zu layers is exact (inf)\n", s.exact);
  if (!c.detections) return out + "detections: not compared (the outputs are no family detect reads, e.g. raw head maps)\n";
  out += printf_string("detections scoring >= %.2f, matched by IoU >= 0.5 and the same label:\n", c.threshold);
  for (const ImageAgreement& im : c.images) out += "  " + im.image + ": " + agreement_text(im.agreement) + "\n";
  if (c.images.size() > 1) out += "  all: " + agreement_text(c.total) + "\n";
  return out;
}

std::string comparison_json(const Comparison& c) {
  std::ostringstream os;
  os << "{\"model_a\": " << json_quote(c.model_a) << ", \"model_b\": " << json_quote(c.model_b)
     << ", \"input_shape\": " << json_quote(shape_str(c.input)) << ", \"probes_a\": " << c.probes_a
     << ", \"probes_b\": " << c.probes_b << ",\n \"layers\": [";
  for (size_t i = 0; i < c.layers.size(); ++i) {
    const LayerComparison& l = c.layers[i];
    const double sqnr = l.error.sqnr_db();
    os << (i ? ",\n  " : "\n  ") << "{\"index\": " << i << ", \"tensor\": " << json_quote(l.pair.a.float_name)
       << ", \"tensor_a\": " << json_quote(l.pair.a.name) << ", \"tensor_b\": " << json_quote(l.pair.b.name)
       << ", \"op_a\": " << json_quote(l.pair.a.op) << ", \"op_b\": " << json_quote(l.pair.b.op)
       << ", \"kernel_a\": " << json_quote(l.kernel_a) << ", \"kernel_b\": " << json_quote(l.kernel_b)
       << ", \"matched_by\": " << json_quote(l.pair.matched_by) << ", \"shape\": " << json_quote(shape_str(l.pair.a.shape))
       << ", \"exact\": " << (l.error.noise == 0 ? "true" : "false") << ", \"sqnr_db\": " << json_number(sqnr)
       << ", \"max_abs_error\": " << json_number(l.error.max_abs) << ", \"mean_abs_error\": "
       << json_number(l.error.mean_abs()) << ", \"saturated_share\": " << json_number(l.error.saturated_share())
       << ", \"b_scale\": " << (l.pair.b.quantized ? json_number(l.pair.b.scale) : "null") << "}";
  }
  const SqnrSummary s = summarize_sqnr(c);
  os << "],\n \"sqnr_summary\": {\"exact_layers\": " << s.exact << ", \"finite_layers\": " << s.finite
     << ", \"min_db\": " << json_number(s.min) << ", \"median_db\": " << json_number(s.median) << ", \"max_db\": "
     << json_number(s.max) << ", \"worst\": " << json_quote(s.worst) << "},\n \"detections\": ";
  if (!c.detections) return os.str() + "null}\n";
  os << "{\"threshold\": " << json_number(c.threshold) << ", \"min_iou\": 0.5, \"images\": [";
  for (size_t i = 0; i < c.images.size(); ++i)
    os << (i ? ", " : "") << "{\"image\": " << json_quote(c.images[i].image) << ", \"agreement\": "
       << agreement_json(c.images[i].agreement) << "}";
  os << "],\n  \"total\": " << agreement_json(c.total) << "}}\n";
  return os.str();
}

}  // namespace ssdx::study
