#pragma once
// What `ssdx compare` prints (text table or JSON) and draws (--plot: SQNR by layer as an SVG bar chart).
#include <string>

#include "study/model_comparison.h"

namespace ssdx::study {

std::string comparison_text(const Comparison& c);
std::string comparison_json(const Comparison& c);
// A self-contained SVG: one bar per compared layer in A's execution order, height = SQNR in dB (an infinite SQNR
// reaches the top, marked "inf"), coloured by band (>= 30 dB, 20-30, < 20), tensor names under the axis.
std::string sqnr_plot_svg(const Comparison& c);

// min / median / max of the finite SQNRs (NaN when none), and how many layers are exact.
struct SqnrSummary {
  double min = 0, median = 0, max = 0;
  size_t exact = 0, finite = 0;
  std::string worst;  // tensor of the minimum
};
SqnrSummary summarize_sqnr(const Comparison& c);

}  // namespace ssdx::study
