// `ssdx compare` as a user runs it on the generated 480 SSD: a model against itself is exact everywhere (SQNR inf,
// zero error, identical detections), fp32 against its int8 form gives finite, plausible SQNRs and detection
// agreement, the plot has one bar per layer; tensors of a QOperator model (renamed by the quantizer) are still
// found through its int8 kernels; and one-line errors.
#include <gtest/gtest.h>

#include "graph/onnx_builder.h"
#include "graph/tensor_io.h"
#include "tests/photos.h"
#include "tests/tools/cli_runner.h"
#include "tests/tools/json_value.h"
#include "tests/tools/ssd480_models.h"
#include "study/model_comparison.h"
#include "study/tensor_probes.h"

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
