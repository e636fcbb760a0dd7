// `ssdx compare` as a user runs it on the generated 480 SSD: a model against itself is exact everywhere (SQNR inf,
// zero error, identical detections), fp32 against its int8 form gives finite, plausible SQNRs and detection
// agreement, the plot has one bar per layer; tensors of a QOperator model (renamed by the quantizer) are still
// found through its int8 kernels; a model against itself in bf16 (--precision-b) differs by bf16's rounding; and
// one-line errors.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "graph/onnx_builder.h"
#include "graph/tensor_io.h"
#include "tests/photos.h"
#include "tests/test_util.h"
#include "tests/tools/cli_runner.h"
#include "tests/tools/json_value.h"
#include "tests/tools/ssd480_models.h"
#include "study/model_comparison.h"
#include "study/tensor_probes.h"
#include "ops/cpu_isa.h"

namespace ssdx::test {
namespace {

TEST(CompareCli, ModelAgainstItselfIsExact) {
  SSDX_NEED_PHOTOS(photos);
  const std::string& model = ssd480_fp32();
  const CommandResult r = run_command("compare " + model + " " + model + " " + photos + "/motorcycle_left.png --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json j = parse_json(r.out);
  const Json& layers = j["layers"];
  EXPECT_GE(layers.size(), 60u);  // 51 conv chains, the max pool, the input, post-processing
  for (const Json& l : layers.items) {
    SCOPED_TRACE(l["tensor"].str);
    EXPECT_TRUE(l["exact"].b);
    EXPECT_TRUE(l["sqnr_db"].is_null());  // infinite
    EXPECT_EQ(l["max_abs_error"].num, 0);
    EXPECT_EQ(l["mean_abs_error"].num, 0);
  }
  EXPECT_EQ(j["sqnr_summary"]["exact_layers"].num, layers.size());
  const Json& d = j["detections"]["total"];
  EXPECT_GT(d["a"].num, 0);
  EXPECT_EQ(d["a"].num, d["b"].num);
  EXPECT_EQ(d["matched"].num, d["a"].num);
  EXPECT_EQ(d["missed"].num, 0);
  EXPECT_EQ(d["extra"].num, 0);
  EXPECT_EQ(d["max_score_diff"].num, 0);
}

TEST(CompareCli, Fp32AgainstInt8) {
  SSDX_NEED_PHOTOS(photos);
  const std::string dir = temp_dir();
  const CommandResult r = run_command("compare " + ssd480_fp32() + " " + ssd480_int8(photos).qdq + " " + photos +
                                      "/motorcycle_left.png --json --plot " + dir + "/sqnr.svg");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json j = parse_json(r.out);
  const Json& layers = j["layers"];
  ASSERT_GE(layers.size(), 60u);
  int int8_layers = 0;
  for (const Json& l : layers.items) {
    SCOPED_TRACE(l["tensor"].str);
    ASSERT_FALSE(l["sqnr_db"].is_null());
    // Measured on this photo: 18 dB (a 1x1 head whose range is set by two calibration photos) to 65 dB (box
    // decoding, where quantization noise is small next to the default boxes); uint8 activations sit near 30 dB.
    EXPECT_GT(l["sqnr_db"].num, 10);
    EXPECT_LT(l["sqnr_db"].num, 80);
    EXPECT_GT(l["max_abs_error"].num, 0);
    EXPECT_LE(l["mean_abs_error"].num, l["max_abs_error"].num);
    if (l["kernel_b"].str == "QLinearConv" || l["kernel_b"].str == "QLinearAdd") {
      ++int8_layers;
      EXPECT_GE(l["saturated_share"].num, 0);
      EXPECT_LT(l["saturated_share"].num, 0.2);
    }
  }
  EXPECT_EQ(int8_layers, 51 + 13);
  EXPECT_GT(j["sqnr_summary"]["median_db"].num, 20);
  EXPECT_LT(j["sqnr_summary"]["median_db"].num, 40);
  EXPECT_EQ(layers[0]["tensor"].str, "image");  // the input's own quantization: ~46 dB
  EXPECT_EQ(layers[0]["kernel_b"].str, "QuantizeLinear");
  const Json& d = j["detections"]["total"];
  EXPECT_GT(d["matched"].num, 0.8 * d["a"].num);  // 189 of 200 when measured
  EXPECT_EQ(d["missed"].num, d["a"].num - d["matched"].num);
  EXPECT_EQ(d["extra"].num, d["b"].num - d["matched"].num);
  EXPECT_GT(d["max_score_diff"].num, 0);
  EXPECT_LT(d["mean_score_diff"].num, 0.05);
  EXPECT_GT(d["mean_iou"].num, 0.9);

  const std::string svg = read_file_bytes(dir + "/sqnr.svg");
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_EQ(count_of(svg, "class=\"bar\""), layers.size());  // one mark per matched layer
  EXPECT_NE(svg.find(">image</text>"), std::string::npos);   // labelled by tensor
  EXPECT_EQ(svg.find("< 20"), std::string::npos);            // escaped: the file is well-formed XML
}

// One model against itself with B's convolutions in bf16 (--precision-b): every tensor a convolution writes differs,
// by what bf16's 8-bit significand costs. One rounding to bf16 has a relative error of rms 2^-9/sqrt(3), an SQNR of
// 59 dB; a convolution rounds both its input and weights (56 dB), and the errors grow along the layers (measured on
// astronaut.png: 52 dB after the first, 41 dB at worst, median 46 dB; box decoding, dominated by the default boxes,
// 76-79 dB).
TEST(CompareCli, Fp32AgainstItselfInBf16) {
  SSDX_NEED_PHOTOS(photos);
  if (!bf16_convolutions_supported()) GTEST_SKIP() << "no native bf16 convolutions on this CPU";
  const std::string& model = ssd480_fp32();
  const CommandResult r = run_command("compare " + model + " " + model + " " + photos +
                                      "/motorcycle_left.png --json --precision-b bf16");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const Json j = parse_json(r.out);
  const Json& layers = j["layers"];
  ASSERT_GE(layers.size(), 60u);
  EXPECT_EQ(layers[0]["tensor"].str, "image");
  EXPECT_TRUE(layers[0]["exact"].b);
  int conv_layers = 0;
  for (size_t i = 1; i < layers.size(); ++i) {
    const Json& l = layers[i];
    SCOPED_TRACE(l["tensor"].str);
    ASSERT_FALSE(l["sqnr_db"].is_null());
    EXPECT_GT(l["sqnr_db"].num, 30);
    EXPECT_LT(l["sqnr_db"].num, 90);
    if (l["kernel_a"].str.find("Conv") == std::string::npos) continue;
    ++conv_layers;
    EXPECT_LT(l["sqnr_db"].num, 60);  // no better than one bf16 rounding
  }
  EXPECT_GE(conv_layers, 40);
  EXPECT_GT(j["sqnr_summary"]["median_db"].num, 38);
  EXPECT_LT(j["sqnr_summary"]["median_db"].num, 56);
  const Json& d = j["detections"]["total"];
  EXPECT_GT(d["matched"].num, 0.9 * d["a"].num);  // 195 of 200 on astronaut.png
  EXPECT_LT(d["max_score_diff"].num, 0.02);
  EXPECT_GT(d["mean_iou"].num, 0.99);
}

// The QOperator model renames what it quantizes ("X_quantized" written by QLinearConv, read by the next one):
// those tensors are paired through the int8 kernels' inputs instead, as many as in the QDQ form.
TEST(CompareCli, QOperatorTensorsMatchedThroughTheirKernels) {
  SSDX_NEED_PHOTOS(photos);
  const Graph fp32 = study::load_for_probes(ssd480_fp32());
  const Graph qdq = study::load_for_probes(ssd480_int8(photos).qdq);
  const Graph qop = study::load_for_probes(ssd480_int8(photos).qoperator);
  const auto p_fp32 = study::find_probes(fp32);
  const auto by_name = study::match_probes(fp32, p_fp32, qdq, study::find_probes(qdq));
  const auto both = study::match_probes(fp32, p_fp32, qop, study::find_probes(qop));
  EXPECT_EQ(both.size(), by_name.size());
  size_t structural = 0;
  for (const study::ProbePair& p : both) {
    structural += p.matched_by == "structure";
    if (p.b.op == "QLinearConv") {
      EXPECT_TRUE(p.b.quantized);
      EXPECT_EQ(p.a.shape, p.b.shape);
    }
    // Only convolution chains, adds and the max pool are found by structure; the pair is the same tensor the QDQ
    // form pairs by name.
    if (p.matched_by != "structure") continue;
    EXPECT_EQ(p.b.name, p.a.float_name + "_quantized");
  }
  EXPECT_GE(structural, 40u);
}

// The int8 session compare studies is the one `ssdx run` builds: watching its probes keeps every kernel, layout and
// the arena, and a watched tensor holds what the same tensor made a graph output holds.
TEST(CompareCli, WatchedInt8SessionIsTheSessionThatRuns) {
  SSDX_NEED_PHOTOS(photos);
  const std::string& model = ssd480_int8(photos).qdq;
  const Graph g = study::load_for_probes(model);
  const std::vector<study::Probe> probes = study::find_probes(g);
  std::vector<const study::Probe*> watched;
  for (const study::Probe& p : probes) watched.push_back(&p);
  ASSERT_GE(watched.size(), 60u);
  const auto studied = study::probe_session(g, watched, {});
  const auto runs = Session::load(model);
  ASSERT_EQ(studied->plan().steps.size(), runs->plan().steps.size());
  for (size_t i = 0; i < runs->plan().steps.size(); ++i) {
    const PlannedStep &a = studied->plan().steps[i], &b = runs->plan().steps[i];
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.impl, b.impl) << b.name;
    ASSERT_EQ(a.outputs.size(), b.outputs.size());
    for (size_t o = 0; o < a.outputs.size(); ++o) {
      EXPECT_EQ(a.outputs[o].layout, b.outputs[o].layout) << b.name;
      EXPECT_EQ(a.outputs[o].arena_offset, b.outputs[o].arena_offset) << b.name;
    }
  }
  EXPECT_EQ(studied->arena_bytes(), runs->arena_bytes());

  // A blocked int8 tensor in the middle of the backbone, watched, against the same tensor made a graph output.
  std::map<std::string, std::string> layouts;
  for (const PlannedStep& s : studied->plan().steps)
    for (const PlannedOutput& o : s.outputs) layouts[o.name] = o.layout;
  const study::Probe* inner = nullptr;
  for (const study::Probe* p : watched)
    if (!inner && p->quantized && layouts[p->name] != "plain") inner = p;
  ASSERT_NE(inner, nullptr);
  Graph exposed = g;
  exposed.value(inner->value).is_graph_output = true;
  exposed.outputs.push_back(inner->value);
  const Session reference(std::move(exposed), {});
  struct Watch : RunObserver {
    std::string name;
    Tensor seen;
    void on_step(const StepView& step, const std::vector<const Tensor*>&, const std::vector<Tensor>& outputs) override {
      for (size_t o = 0; o < outputs.size(); ++o)
        if (step.output_name(o) == name) seen = plain_copy(outputs[o]);
    }
  } watch;
  watch.name = inner->name;
  const Tensor x = random_tensor(studied->inputs()[0].shape, 5, 0, 1);
  studied->run({{studied->inputs()[0].name, x}}, nullptr, &watch);
  const TensorMap out = reference.run({{reference.inputs()[0].name, x}});
  ASSERT_EQ(watch.seen.dtype(), out.at(inner->name).dtype());
  EXPECT_EQ(watch.seen.nbytes(), out.at(inner->name).nbytes());
  EXPECT_EQ(std::memcmp(watch.seen.raw(), out.at(inner->name).raw(), watch.seen.nbytes()), 0) << inner->name;
}

// The fp32 session differs from the one that runs only where a probe would be fused away: the output of each
// residual block's BatchNormalization, which the int8 form quantizes before its QLinearAdd. Those 13 Adds (and the
// Relus after them) then run on their own; every other kernel is fused as in `ssdx run`.
TEST(CompareCli, WatchedFp32SessionKeepsOnlyTheResidualInputs) {
  const std::string& model = ssd480_fp32();
  const Graph g = study::load_for_probes(model);
  const std::vector<study::Probe> probes = study::find_probes(g);
  std::vector<const study::Probe*> watched;
  for (const study::Probe& p : probes) watched.push_back(&p);
  const auto studied = study::probe_session(g, watched, {});
  const auto runs = Session::load(model);
  std::map<std::string, int> extra;  // op type -> steps in the watched session minus in the running one
  for (const PlannedStep& s : studied->plan().steps) ++extra[s.op_type];
  for (const PlannedStep& s : runs->plan().steps) --extra[s.op_type];
  for (const auto& [op, n] : extra) {
    if (op == "Add" || op == "Relu" || op == "Conv") EXPECT_EQ(n, 13) << op;
    else if (op == "FusedConv") EXPECT_EQ(n, -13) << op;
    else EXPECT_EQ(n, 0) << op;
  }
  EXPECT_EQ(studied->fused_nodes(), runs->fused_nodes() - 2 * 13);
}

TEST(CompareCli, Errors) {
  const std::string& model = ssd480_fp32();
  const std::string dir = temp_dir();
  expect_one_line_error(run_command("compare " + model), "needs two models and at least one image");
  expect_one_line_error(run_command("compare " + model + " " + model), "compare: no images");
  expect_one_line_error(run_command("compare " + model + " /nonexistent/b.onnx x.png"), "/nonexistent/b.onnx");
  expect_one_line_error(run_command("compare " + model + " " + model + " /nonexistent/i.png"), "/nonexistent/i.png");
  // A model taking another image size: refused before anything runs.
  ModelBuilder b(12);
  b.add_input("image", DataType::Float, {1, 3, 64, 64});
  b.add_node("Relu", {"image"}, {"y"});
  b.add_output("y", DataType::Float, {1, 3, 64, 64});
  b.save(dir + "/small.onnx");
  expect_one_line_error(run_command("compare " + model + " " + dir + "/small.onnx x.png"),
                        "takes images [1,3,480,480] but " + dir + "/small.onnx takes [1,3,64,64]");
}

}  // namespace
}  // namespace ssdx::test

namespace ssdx::test {
namespace {

// What compare must report of a family model's int8 form against its fp32 one: at least 5 fp32 detections, this
// share of them matched, the matched scores' differences within these (no bound on the mean when unset).
struct Int8KeepsDetections {
  double min_matched_share;
  std::optional<double> max_mean_score_diff;
  double max_score_diff;
};

// Writes `arch`'s generated model, quantizes it (QDQ, per channel) calibrated on the `calib` photos, and compares
// the two on the `held_out` photos at `threshold`.
void expect_int8_keeps_detections(const std::string& arch, const std::string& photos,
                                  const std::vector<std::string>& calib, const std::vector<std::string>& held_out,
                                  const std::string& threshold, const Int8KeepsDetections& want) {
  const std::string dir = temp_dir(), fp32 = dir + "/fp32.onnx", int8 = dir + "/int8.onnx";
  ASSERT_EQ(run_command("make-model " + fp32 + " --arch " + arch).exit_code, 0);
  std::string calib_args, held_out_args;
  for (const std::string& photo : calib) calib_args += " " + photos + "/" + photo;
  for (const std::string& photo : held_out) held_out_args += " " + photos + "/" + photo;
  const CommandResult q = run_command("quantize " + fp32 + " -o " + int8 + " --format qdq --per-channel --calib" + calib_args);
  ASSERT_EQ(q.exit_code, 0) << q.err;
  const CommandResult r =
      run_command("compare " + fp32 + " " + int8 + held_out_args + " --threshold " + threshold + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json j = parse_json(r.out);
  const Json& d = j["detections"]["total"];
  EXPECT_GE(d["a"].num, 5);
  EXPECT_GE(d["matched"].num, want.min_matched_share * d["a"].num);
  if (want.max_mean_score_diff) EXPECT_LE(d["mean_score_diff"].num, *want.max_mean_score_diff);
  EXPECT_LE(d["max_score_diff"].num, want.max_score_diff);
}

// A torchvision model (unbatched [3,H,W] input, boxes/scores/labels outputs): quantize calibrates it in its own
// layout and compare matches its fp32 and int8 detections. The int8 form must keep most of them (measured: 18 of 20
// at 0.2 on coffee + astronaut), every matched score within 0.05 of fp32's.
TEST(CompareCli, TorchvisionFamilyFp32AgainstInt8) {
  SSDX_NEED_PHOTOS(photos);
  expect_int8_keeps_detections("tv-ssdlite320_mobilenet_v3_large", photos, {"astronaut.png", "chelsea.png"},
                               {"coffee.png"}, "0.2", {0.8, std::nullopt, 0.05});
}

// A gluon-cv model (ids/scores/bboxes with -1 padding, boxes in input pixels; mx2onnx's in-graph NMS): quantize
// calibrates it on four photos and compare matches its fp32 and int8 detections on two others. Measured at 0.3: 50 of
// 53 matched, |score diff| mean 0.03, max 0.16 (MobileNet's depthwise convs quantized per channel; calibrated on two
// photos only, one layer's range is too narrow for the held-out ones and most detections are lost).
TEST(CompareCli, GluonFamilyFp32AgainstInt8) {
  SSDX_NEED_PHOTOS(photos);
  expect_int8_keeps_detections("gluon-ssd_512_mobilenet1.0", photos,
                               {"astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg"},
                               {"motorcycle_left.png", "camera.png"}, "0.3", {0.85, 0.06, 0.25});
}

}  // namespace
}  // namespace ssdx::test
