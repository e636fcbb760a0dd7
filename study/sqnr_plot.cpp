// compare --plot: SQNR by layer as a hand-written SVG (no plotting library; opens in any browser).
#include <algorithm>
#include <cmath>

#include "study/compare_report.h"
#include "study/printf_string.h"

namespace ssdx::study {
namespace {

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '&') out += "&amp;";
    else if (ch == '<') out += "&lt;";
    else if (ch == '>') out += "&gt;";
    else if (ch == '"') out += "&quot;";
    else out += ch;
  }
  return out;
}

// Bands a reader can act on: >= 30 dB is usually harmless for detection, < 20 dB is where accuracy goes.
const char* band_colour(double sqnr) {
  if (sqnr >= 30) return "#009E73";
  if (sqnr >= 20) return "#E69F00";
  return "#D55E00";
}

std::string short_name(const std::string& s) { return s.size() <= 28 ? s : s.substr(0, 12) + "..." + s.substr(s.size() - 13); }

}  // namespace

std::string sqnr_plot_svg(const Comparison& c) {
  const size_t n = c.layers.size();
  const double left = 70, right = 30, top = 90, bottom = 200, plot_h = 330;
  const double step = 16, plot_w = std::max(700.0, step * static_cast<double>(n));
  const double width = left + plot_w + right, height = top + plot_h + bottom;
  const SqnrSummary s = summarize_sqnr(c);
  const double hi = s.finite ? std::max(40.0, std::ceil(s.max / 10) * 10 + 10) : 40.0;
  const double lo = s.finite && s.min < 0 ? std::floor(s.min / 10) * 10 : 0.0;
  auto y_of = [&](double v) { return top + plot_h * (hi - std::clamp(v, lo, hi)) / (hi - lo); };

  std::string svg = printf_string(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
      "font-family=\"Helvetica, Arial, sans-serif\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
      width, height, width, height);
  svg += printf_string("<text x=\"%.0f\" y=\"24\" font-size=\"18\" font-weight=\"bold\">SQNR by layer: %s vs %s</text>\n",
                       left, xml_escape(c.model_b).c_str(), xml_escape(c.model_a).c_str());
  std::string sub = printf_string("%zu layers, %zu image(s); ", n, c.image_count);
  sub += s.finite ? printf_string("min %.1f dB (%s), median %.1f dB", s.min, xml_escape(s.worst).c_str(), s.median)
                  : std::string("every layer exact");
  if (c.detections)
    sub += printf_string("; detections: %d of %d matched, %d missed, %d extra", c.total.matched, c.total.a,
                         c.total.missed, c.total.extra);
  svg += printf_string("<text x=\"%.0f\" y=\"44\" font-size=\"12\" fill=\"#333\">%s</text>\n", left, sub.c_str());
  // Grid and y axis.
  const double tick = hi - lo > 60 ? 20 : 10;
  for (double v = lo; v <= hi + 1e-9; v += tick) {
    svg += printf_string("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", left,
                         left + plot_w, y_of(v), y_of(v));
    svg += printf_string("<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%.0f</text>\n", left - 6,
                         y_of(v) + 4, v);
  }
  svg += printf_string("<text transform=\"translate(20 %.1f) rotate(-90)\" font-size=\"12\" text-anchor=\"middle\">"
                       "SQNR (dB, higher is better)</text>\n", top + plot_h / 2);
  // Bars, one per layer: the class "bar" marks them (tests count them), the title is the hover text.
  const double bar_w = std::min(step, plot_w / std::max<double>(1, static_cast<double>(n))) * 0.75;
  for (size_t i = 0; i < n; ++i) {
    const LayerComparison& l = c.layers[i];
    const double v = l.error.sqnr_db(), x = left + (static_cast<double>(i) + 0.5) * plot_w / static_cast<double>(n);
    const bool exact = std::isinf(v) && v > 0;
    const double y = exact ? top : y_of(v), base = y_of(std::max(lo, 0.0));
    svg += printf_string(
        "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s (%s -> %s): "
        "%s dB, max |err| %.4g, saturated %.2f%%</title></rect>\n",
        x - bar_w / 2, std::min(y, base), bar_w, std::fabs(base - y), exact ? "#56B4E9" : band_colour(v),
        xml_escape(l.pair.a.float_name).c_str(), xml_escape(l.kernel_a).c_str(), xml_escape(l.kernel_b).c_str(),
        exact ? "inf" : printf_string("%.1f", v).c_str(), l.error.max_abs,
        std::isnan(l.error.saturated_share()) ? 0.0 : 100 * l.error.saturated_share());
    if (exact)
      svg += printf_string("<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"middle\">inf</text>\n", x, top - 3);
    svg += printf_string("<text transform=\"translate(%.1f %.1f) rotate(-60)\" font-size=\"10\" text-anchor=\"end\">"
                         "%s</text>\n", x + 3, top + plot_h + 10, xml_escape(short_name(l.pair.a.float_name)).c_str());
  }
  svg += printf_string("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", left, left + plot_w,
                       y_of(std::max(lo, 0.0)), y_of(std::max(lo, 0.0)));
  svg += printf_string("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", left, left, top,
                       top + plot_h);
  // Legend.
  const char* labels[] = {"&gt;= 30 dB", "20-30 dB", "&lt; 20 dB", "exact (inf)"};
  const char* colours[] = {"#009E73", "#E69F00", "#D55E00", "#56B4E9"};
  for (int k = 0; k < 4; ++k) {
    const double lx = left + 110 * k;
    svg += printf_string("<rect x=\"%.1f\" y=\"56\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%.1f\" y=\"66\" "
                         "font-size=\"11\">%s</text>\n", lx, colours[k], lx + 16, labels[k]);
  }
  svg += printf_string("<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">layer (tensor compared, in "
                       "execution order)</text>\n", left + plot_w / 2, height - 12);
  return svg + "</svg>\n";
}

}  // namespace ssdx::study
