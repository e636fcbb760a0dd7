// ssdx compare: run two detectors (typically fp32 and its int8 form) on the same images and show where they part:
// per-layer SQNR, errors and int8 saturation, then the detection-level agreement; text, JSON or an SVG plot. With
// --precision-b bf16 the same model twice shows what its bf16 convolutions cost, layer by layer.
#include <iostream>
#include <optional>

#include "graph/file_writer.h"
#include "graph/tensor_io.h"
#include "tools/cli.h"
#include "study/compare_report.h"

namespace ssdx::cli {

int cmd_compare(Args& args) {
  std::vector<std::string> positional;
  std::string plot_path;
  bool json = false;
  double threshold = 0.3;  // as ssdx detect: the confident detections a user looks at
  SessionOptions opts;
  std::optional<Precision> precision_b;  // model B's --precision-b, else --precision as for A
  while (!args.done()) {
    const std::string a = args.next("");
    if (a == "--json") json = true;
    else if (a == "--plot") plot_path = args.next(a);
    else if (a == "--threshold") threshold = parse_double(args.next(a), a, 0, 1);
    else if (a == "--precision-b") precision_b = parse_precision(args.next(a), a);
    else if (parse_session_option(a, args, opts)) continue;
    else if (!a.empty() && a[0] == '-') fail("compare: unknown option '", a, "'");
    else positional.push_back(a);
  }
  if (positional.size() < 2) fail("compare: needs two models and at least one image (ssdx compare MODEL_A MODEL_B IMAGE...)");
  const std::vector<std::string> images(positional.begin() + 2, positional.end());
  if (!plot_path.empty()) check_can_create(plot_path);  // an unwritable path fails before the runs
  SessionOptions opts_b = opts;
  if (precision_b) opts_b.precision = *precision_b;
  const study::Comparison c =
      study::compare_models(positional[0], positional[1], images, static_cast<float>(threshold), opts, opts_b);
  if (!plot_path.empty()) write_file_bytes(plot_path, study::sqnr_plot_svg(c));
  std::cout << (json ? study::comparison_json(c) : study::comparison_text(c));
  return 0;
}

}  // namespace ssdx::cli
