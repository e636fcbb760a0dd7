// ssdx quantize: static post-training quantization of a float image model, calibrated on sample images.
#include <iostream>

#include "graph/error.h"
#include "graph/graph_writer.h"
#include "app/calibration_images.h"
#include "quantizer/calibration.h"
#include "tools/cli.h"
#include "quantizer/quantizer.h"

namespace ssdx::cli {
namespace {

quantizer::QuantFormat parse_format(const std::string& s) {
  if (s == "qdq") return quantizer::QuantFormat::QDQ;
  if (s == "qoperator") return quantizer::QuantFormat::QOperator;
  fail("quantize: unknown --format '", s, "' (qdq or qoperator)");
}

quantizer::QdqStyle parse_qdq_style(const std::string& s) {
  if (s == "absorbed") return quantizer::QdqStyle::Absorbed;
  if (s == "ort") return quantizer::QdqStyle::Ort;
  fail("quantize: unknown --qdq-style '", s, "' (absorbed or ort)");
}

quantizer::CalibrationMethod parse_method(const std::string& s) {
  if (s == "minmax") return quantizer::CalibrationMethod::MinMax;
  if (s == "percentile") return quantizer::CalibrationMethod::Percentile;
  if (s == "entropy") return quantizer::CalibrationMethod::Entropy;
  fail("quantize: unknown --method '", s, "' (minmax, percentile or entropy)");
}

const char* method_name(quantizer::CalibrationMethod m) {
  return m == quantizer::CalibrationMethod::MinMax ? "minmax" : m == quantizer::CalibrationMethod::Percentile ? "percentile" : "entropy";
}

bool is_option(const std::string& a) { return a.size() > 1 && a[0] == '-'; }

}  // namespace

int cmd_quantize(Args& args) {
  std::string model, out, format;
  std::vector<std::string> images;
  bool calib_given = false, style_given = false;
  quantizer::QuantizeOptions q;
  quantizer::CalibrationOptions c;
  while (!args.done()) {
    const std::string a = args.next("");
    if (a == "--calib") {
      calib_given = true;
      while (!args.done() && !is_option(args.peek())) images.push_back(args.next(a));
      if (images.empty()) fail("quantize: --calib needs at least one image");
    } else if (a == "--format") {
      format = args.next(a);
      q.format = parse_format(format);
    } else if (a == "--qdq-style") {
      q.qdq_style = parse_qdq_style(args.next(a));
      style_given = true;
    } else if (a == "--per-channel") {
      q.per_channel = true;
    } else if (a == "--method") {
      c.method = parse_method(args.next(a));
    } else if (a == "--percentile") {
      c.percentile = parse_double(args.next(a), a, 50, 100);
    } else if (a == "--opset") {
      q.opset = parse_int(args.next(a), a, 10, 100);
    } else if (a == "--threads") {
      c.threads = parse_int(args.next(a), a, 1, kMaxThreads);
    } else if (a == "-o" || a == "--output") {
      out = args.next(a);
    } else if (is_option(a)) {
      fail("quantize: unknown option '", a, "'");
    } else if (model.empty()) {
      model = a;
    } else {
      fail("quantize: unexpected argument '", a, "' (images follow --calib)");
    }
  }
  if (model.empty())
    fail("quantize: no model given (ssdx quantize MODEL --calib IMAGE... --format qdq|qoperator -o OUT.onnx)");
  if (!calib_given) fail("quantize: no calibration images (--calib IMAGE...)");
  if (format.empty()) fail("quantize: no --format given (qdq or qoperator)");
  if (out.empty()) fail("quantize: no output file given (-o OUT.onnx)");
  if (style_given && q.format != quantizer::QuantFormat::QDQ) fail("quantize: --qdq-style needs --format qdq");

  Graph g = quantizer::load_for_quantization(model);
  const std::vector<Tensor> inputs = app::load_calibration_images(g, images);
  quantizer::check_quantizable(g);  // before calibration spends time on the model
  const std::vector<std::string> tensors = quantizer::tensors_to_calibrate(g, q.qdq_style);
  const quantizer::RangeMap ranges = quantizer::calibrate(g, tensors, inputs, c);
  const quantizer::QuantizeReport r = quantizer::quantize_graph(g, ranges, q);
  save_graph(g, out);
  std::cout << "calibrated " << tensors.size() << " tensors on " << images.size() << " image"
            << (images.size() == 1 ? "" : "s") << " (" << method_name(c.method) << ")\n"
            << "quantized " << r.convs << " Conv, " << r.adds << " Add, " << r.maxpools << " MaxPool; removed "
            << r.relus_removed << " Relu" << (r.clips_removed ? ", " + std::to_string(r.clips_removed) + " Clip" : "")
            << (r.relus_kept ? "; kept " + std::to_string(r.relus_kept) + " float Relu" : "")
            << (r.clips_kept ? "; kept " + std::to_string(r.clips_kept) + " float Clip" : "")
            << "; " << r.tensors << " uint8 activations\n"
            << "wrote " << out << ": " << format << (q.per_channel ? " per-channel" : " per-tensor") << ", opset "
            << r.opset << "\n";
  return 0;
}

}  // namespace ssdx::cli
