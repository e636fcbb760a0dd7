// `ssdx quantize` on a generated 480x480 SSD-ResNet34: calibrated on two photos, quantized three ways (QDQ per
// tensor at opset 12, QDQ per channel at opset 13, QOperator per channel), each int8 model runs in onnxruntime and
// in ssdx on a third photo. Detections are compared as sets: a detection of the reference matches when the other
// side has one of the same label with IoU >= 0.5 among its own top 20 (int8 noise reorders near-equal scores, so
// positions are not compared).
#include <unistd.h>

#include <cmath>
#include <cstdio>

#include "graph/graph_writer.h"
#include "graph/onnx_parser.h"
#include "tests/ort_oracle.h"
#include "tests/photos.h"
#include "tests/quantize_models.h"
#include "tests/ssd_parity.h"
#include "app/calibration_images.h"
#include "quantizer/calibration.h"
#include "app/image.h"
#include "app/preprocess.h"
#include "quantizer/quantizer.h"
#include "models/ssd_model.h"

namespace ssdx::test {
namespace {

constexpr int kSize = 480;
constexpr size_t kTop = 20;

struct Det {
  int64_t label;
  float score;
  float box[4];
};

std::vector<Det> top_detections(const TensorMap& out, size_t k) {
  const Tensor &boxes = out.at("bboxes"), &labels = out.at("labels"), &scores = out.at("scores");
  std::vector<Det> d;
  for (int64_t i = 0; i < scores.numel() && d.size() < k; ++i)
    d.push_back({labels.int_at(i),
                 static_cast<float>(scores.float_at(i)),
                 {static_cast<float>(boxes.float_at(4 * i)), static_cast<float>(boxes.float_at(4 * i + 1)),
                  static_cast<float>(boxes.float_at(4 * i + 2)), static_cast<float>(boxes.float_at(4 * i + 3))}});
  return d;
}

double iou(const Det& a, const Det& b) {
  const double w = std::min(a.box[2], b.box[2]) - std::max(a.box[0], b.box[0]);
  const double h = std::min(a.box[3], b.box[3]) - std::max(a.box[1], b.box[1]);
  if (w <= 0 || h <= 0) return 0;
  const double area = [](const Det& d) { return (d.box[2] - d.box[0]) * static_cast<double>(d.box[3] - d.box[1]); }(a) +
                      (b.box[2] - b.box[0]) * static_cast<double>(b.box[3] - b.box[1]);
  return w * h / (area - w * h);
}

struct Agreement {
  int matched = 0, total = 0;
  double max_score_diff = 0;  // over matched pairs
};

// Each of ref's top detections takes the best-overlapping unused detection of `other` with its label (IoU >= 0.5).
Agreement agreement(const TensorMap& ref, const TensorMap& other) {
  const std::vector<Det> a = top_detections(ref, kTop), b = top_detections(other, kTop);
  std::vector<bool> used(b.size(), false);
  Agreement r;
  r.total = static_cast<int>(a.size());
  for (const Det& d : a) {
    int best = -1;
    double best_iou = 0.5;
    for (size_t j = 0; j < b.size(); ++j)
      if (!used[j] && b[j].label == d.label && iou(d, b[j]) >= best_iou)
        best = static_cast<int>(j), best_iou = iou(d, b[j]);
    if (best < 0) continue;
    used[static_cast<size_t>(best)] = true;
    ++r.matched;
    r.max_score_diff =
        std::max(r.max_score_diff, std::fabs(static_cast<double>(d.score) - b[static_cast<size_t>(best)].score));
  }
  return r;
}

struct Variant {
  const char* name;
  quantizer::QuantFormat format;
  bool per_channel;
  int64_t opset;
};

// One test, so the model, its calibration and the float runs are made once (ctest runs each test in its own
// process). The ranges do not depend on the format, so one calibration serves the three variants.
TEST(QuantizedSsd, ThreeFormatsRunInBothEnginesCloseToFloat) {
  SSDX_NEED_ORT();
  SSDX_NEED_PHOTOS(photos);
  const std::string base = std::string(SSDX_BINARY_DIR) + "/quantize_ssd_" + std::to_string(getpid());
  const std::string fp32_path = base + "_fp32.onnx";
  models::SsdModelOptions mo;
  mo.size = kSize;
  models::write_ssd_model(mo, fp32_path);
  const Graph prepared = quantizer::load_for_quantization(fp32_path);
  const std::vector<Tensor> calib =
      app::load_calibration_images(prepared, {photos + "/astronaut.png", photos + "/coffee.png"});
  quantizer::CalibrationOptions c;
  c.threads = 2;
  const quantizer::RangeMap ranges = calibrate(prepared, quantizer::tensors_to_calibrate(prepared), calib, c);
  // Preprocessed as the model's metadata says (Pillow's resize), like the calibration images.
  const Tensor image = app::preprocess(app::load_image(photos + "/motorcycle_left.png"), kSize, kSize,
                                       app::parse_model_spec(prepared.metadata, fp32_path).input);
  const TensorMap fp32_ssdx = Session(load_onnx(fp32_path), SessionOptions{2}).run({{"image", image}});
  const TensorMap fp32_ort = run_ort(fp32_path, {{"image", image}}, 2);
  std::remove(fp32_path.c_str());

  for (const Variant& v :
       {Variant{"qdq_per_tensor", quantizer::QuantFormat::QDQ, false, 12}, Variant{"qdq_per_channel", quantizer::QuantFormat::QDQ, true, 13},
        Variant{"qoperator_per_channel", quantizer::QuantFormat::QOperator, true, 12}}) {
    SCOPED_TRACE(v.name);
    Graph g = prepared;
    quantizer::QuantizeOptions o;
    o.format = v.format;
    o.per_channel = v.per_channel;
    const quantizer::QuantizeReport rep = quantize_graph(g, ranges, o);
    EXPECT_EQ(rep.opset, v.opset);
    EXPECT_EQ(rep.convs, 51);  // the whole backbone, extras and heads
    EXPECT_EQ(rep.adds, 13);   // every residual sum
    EXPECT_EQ(rep.relus_removed, 37);
    const std::string path = base + "_" + v.name + ".onnx";
    save_graph(g, path);
    const TensorMap ort = run_ort(path, {{"image", image}}, 2);
    const TensorMap ours = Session(load_onnx(path), SessionOptions{2}).run({{"image", image}});
    std::remove(path.c_str());
    ASSERT_GT(ort.at("scores").numel(), 0);
    ASSERT_GT(ours.at("scores").numel(), 0);

    const Agreement ssdx_fp = agreement(fp32_ssdx, ours), ort_fp = agreement(fp32_ort, ort),
                    engines = agreement(ort, ours);
    // For information: whether the engines' int8 outputs are the same list (the fp32 parity contract, 1e-4).
    const SsdDetectionsMatch strict = match_detections(ours, ort);
    std::printf(
        "[quantize] %s: fp32 top-%zu matched by int8 (label, IoU >= 0.5): ssdx %d/%d, ORT %d/%d; "
        "ORT int8 top-%zu matched by ssdx int8 %d/%d (max |score diff| %.4f); detections ORT %lld, ssdx %lld; "
        "all detections equal within 1e-4: %s\n",
        v.name, kTop, ssdx_fp.matched, ssdx_fp.total, ort_fp.matched, ort_fp.total, kTop, engines.matched,
        engines.total, engines.max_score_diff, static_cast<long long>(ort.at("scores").numel()),
        static_cast<long long>(ours.at("scores").numel()), strict.ok ? "yes" : strict.message.c_str());
    // Bounds from the measured agreement: int8 keeps most of the float model's top detections, and the two engines
    // running the same int8 model agree on nearly all of theirs.
    EXPECT_GE(ssdx_fp.matched, 14) << "of " << ssdx_fp.total;
    EXPECT_GE(ort_fp.matched, 14) << "of " << ort_fp.total;
    EXPECT_GE(engines.matched, 17) << "of " << engines.total;
  }

  // The histogram methods clip some range; the int8 model must still keep most of the float model's detections.
  for (quantizer::CalibrationMethod m : {quantizer::CalibrationMethod::Percentile, quantizer::CalibrationMethod::Entropy}) {
    const char* name = m == quantizer::CalibrationMethod::Percentile ? "percentile" : "entropy";
    SCOPED_TRACE(name);
    c.method = m;
    Graph g = prepared;
    quantizer::QuantizeOptions o;
    o.format = quantizer::QuantFormat::QOperator;
    o.per_channel = true;
    quantizer::quantize_graph(g, calibrate(prepared, quantizer::tensors_to_calibrate(prepared), calib, c), o);
    const TensorMap ours = Session(std::move(g), SessionOptions{2}).run({{"image", image}});
    const Agreement a = agreement(fp32_ssdx, ours);
    std::printf("[quantize] qoperator_per_channel, %s calibration: fp32 top-%zu matched by ssdx int8 %d/%d\n", name,
                kTop, a.matched, a.total);
    EXPECT_GE(a.matched, 14) << "of " << a.total;
  }
}

// The tiny Conv/Relu/Conv/Add/Relu/MaxPool model quantized four ways: both engines run the same int8 arithmetic, so
// their outputs agree to within one quantization step of y (rounding of a requantized value may differ by one).
void expect_tiny_parity(int opset) {
  const std::string base = std::string(SSDX_BINARY_DIR) + "/quantize_tiny_" + std::to_string(getpid());
  save_tiny_quant_model(base + ".onnx", opset, 16);
  const Graph prepared = quantizer::load_for_quantization(base + ".onnx");
  std::remove((base + ".onnx").c_str());
  std::vector<Tensor> calib;
  for (uint32_t seed = 1; seed <= 4; ++seed) calib.push_back(random_tensor({1, 3, 16, 16}, seed, -2.f, 2.f));
  const quantizer::RangeMap ranges = quantizer::calibrate(prepared, quantizer::tensors_to_calibrate(prepared), calib, {});
  const float y_step = quantizer::activation_params(ranges.at("r2")).scale;
  const Tensor x = random_tensor({1, 3, 16, 16}, 77, -2.f, 2.f);
  for (quantizer::QuantFormat format : {quantizer::QuantFormat::QDQ, quantizer::QuantFormat::QOperator})
    for (bool per_channel : {false, true}) {
      const std::string name = std::string(format == quantizer::QuantFormat::QDQ ? "qdq" : "qoperator") +
                               (per_channel ? "_per_channel" : "") + "_from_opset" + std::to_string(opset);
      SCOPED_TRACE(name);
      Graph g = prepared;
      quantizer::QuantizeOptions o;
      o.format = format;
      o.per_channel = per_channel;
      quantizer::quantize_graph(g, ranges, o);
      const std::string path = base + "_" + name + ".onnx";
      save_graph(g, path);
      const Tensor ort = run_ort(path, {{"x", x}}, 2).at("y");
      const Tensor ours = Session(load_onnx(path), SessionOptions{2}).run({{"x", x}}).at("y");
      std::remove(path.c_str());
      const double diff = max_abs_diff(ort, ours);
      std::printf("[quantize] tiny %s: max |ssdx - ORT| %.5f (%.2f steps of y)\n", name.c_str(), diff, diff / y_step);
      EXPECT_LE(diff, 1.01 * y_step);
    }
}

TEST(QuantizedTiny, OnnxRuntimeAndSsdxAgree) {
  SSDX_NEED_ORT();
  expect_tiny_parity(12);
}

// From opset 10: QOperator keeps MaxPool float (uint8 MaxPool needs opset 12); per-channel QDQ upgrades 10 -> 13.
TEST(QuantizedTiny, OnnxRuntimeAndSsdxAgreeFromOpset10) {
  SSDX_NEED_ORT();
  expect_tiny_parity(10);
}

}  // namespace
}  // namespace ssdx::test
