// `ssdx quantize` as a user runs it, on the tiny Conv/Relu/Add/MaxPool image model and two small PNGs: the happy
// path in every format and method, and a one-line error (exit 1) for each way the command line can be wrong.
#include <gtest/gtest.h>

#include "graph/graph_writer.h"
#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"
#include "graph/tensor_io.h"
#include "tests/quantize_models.h"
#include "tests/tools/cli_runner.h"
#include "app/image.h"

namespace ssdx::test {
namespace {

class QuantizeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir();
    model_ = dir_ + "/tiny.onnx";
    save_tiny_quant_model(model_);
    for (int k = 0; k < 2; ++k) {  // gradients of different directions: varied activations
      app::Image im;
      im.width = 20;
      im.height = 14;
      for (int y = 0; y < im.height; ++y)
        for (int x = 0; x < im.width; ++x)
          for (int c = 0; c < 3; ++c)
            im.rgb.push_back(static_cast<uint8_t>(k ? 17 * x + 40 * c : 255 - 18 * y - 30 * c));
      const std::string path = dir_ + "/calib" + std::to_string(k) + ".png";
      app::save_png(im, path);
      images_ += " " + path;
    }
  }

  std::string dir_, model_, images_;
};

std::map<std::string, int> op_histogram(const Graph& g) {
  std::map<std::string, int> h;
  for (const Node& n : g.nodes) ++h[n.op_type];
  return h;
}

TEST_F(QuantizeCli, WritesAQdqModel) {
  const std::string out = dir_ + "/q.onnx";
  const CommandResult r = run_command("quantize " + model_ + " --calib" + images_ + " --format qdq -o " + out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_NE(r.out.find("calibrated 4 tensors on 2 images (minmax)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("quantized 2 Conv, 1 Add, 1 MaxPool; removed 2 Relu"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("wrote " + out + ": qdq per-tensor, opset 12"), std::string::npos) << r.out;
  const Graph g = load_onnx(out);
  EXPECT_EQ(op_histogram(g)["QuantizeLinear"], 4);
  EXPECT_EQ(op_histogram(g)["Relu"], 0);
  // The written model runs in ssdx.
  const CommandResult run = run_command("run " + out + " --random-inputs --output-dir " + dir_ + "/run");
  EXPECT_EQ(run.exit_code, 0) << run.err;
}

// The metadata says how to use the model; the quantized model is used the same way, so it keeps every key (and
// calibration reads the images as the metadata says: letterboxed, Pillow's resize).
TEST_F(QuantizeCli, KeepsTheModelsMetadata) {
  Graph g = load_onnx(model_);
  g.metadata = {{"ssdx.input.resize", "letterbox"},
                {"ssdx.input.interpolation", "pillow-bilinear"},
                {"ssdx.input.pad_value", "114"},
                {"ssdx.labels", "1 face\n2 two words\n"},
                {"ssdx.model.description", "tiny, with metadata"},
                {"other.key", "kept too"}};
  const std::string with_metadata = dir_ + "/tiny_meta.onnx";
  save_graph(g, with_metadata);
  ASSERT_EQ(load_onnx(with_metadata).metadata, g.metadata);  // the graph writer round-trips it
  for (const std::string format : {"qdq", "qoperator"}) {
    const std::string out = dir_ + "/q_" + format + ".onnx";
    const CommandResult r =
        run_command("quantize " + with_metadata + " --calib" + images_ + " --format " + format + " -o " + out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(load_onnx(out).metadata, g.metadata) << format;
  }
  g.metadata["ssdx.input.mean"] = "1,2";
  save_graph(g, with_metadata);
  expect_one_line_error(run_command("quantize " + with_metadata + " --calib" + images_ + " --format qdq -o " + dir_ +
                                    "/bad.onnx"),
                        "ssdx.input.mean '1,2' needs 3 comma-separated numbers");
}

TEST_F(QuantizeCli, EveryFormatAndMethod) {
  const std::vector<std::pair<std::string, int64_t>> variants = {
      {"--format qdq --per-channel --method percentile --percentile 99.9", 13},
      {"--format qoperator --method entropy --threads 1", 12},
      {"--format qoperator --per-channel --opset 13", 13},
      {"--format qdq --qdq-style ort", 12}};
  for (const auto& [v, opset] : variants) {
    SCOPED_TRACE(v);
    const std::string out = dir_ + "/v.onnx";
    // Options before and after the images: --calib stops at the next option.
    const CommandResult r = run_command("quantize " + model_ + " -o " + out + " --calib" + images_ + " " + v);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const Graph g = load_onnx(out);
    const bool qdq = v.find("qdq") != std::string::npos;
    EXPECT_EQ(op_histogram(g)[qdq ? "Conv" : "QLinearConv"], 2);
    EXPECT_EQ(g.opset(""), opset);
  }
}

TEST_F(QuantizeCli, Errors) {
  const std::string out = " -o " + dir_ + "/e.onnx";
  const std::string calib = " --calib" + images_;
  expect_one_line_error(run_command("quantize " + model_ + " --format qdq" + out), "no calibration images (--calib");
  expect_one_line_error(run_command("quantize " + model_ + " --calib --format qdq" + out),
                        "--calib needs at least one image");
  expect_one_line_error(run_command("quantize " + model_ + calib + " --format int4" + out), "unknown --format 'int4'");
  expect_one_line_error(run_command("quantize " + model_ + calib + " --format qdq --method kl" + out),
                        "unknown --method 'kl'");
  expect_one_line_error(run_command("quantize " + model_ + calib + out), "no --format");
  expect_one_line_error(run_command("quantize " + model_ + calib + " --format qdq --qdq-style tf" + out),
                        "unknown --qdq-style 'tf'");
  expect_one_line_error(run_command("quantize " + model_ + calib + " --format qoperator --qdq-style ort" + out),
                        "--qdq-style needs --format qdq");
  expect_one_line_error(run_command("quantize " + model_ + calib + " --format qdq"), "no output file");
  expect_one_line_error(run_command("quantize --calib" + images_ + " --format qdq" + out), "no model");
  expect_one_line_error(run_command("quantize " + model_ + calib + " --format qdq --bogus" + out), "'--bogus'");
  expect_one_line_error(run_command("quantize " + model_ + calib + " --format qdq --percentile 120" + out),
                        "--percentile");
  expect_one_line_error(run_command("quantize " + dir_ + "/absent.onnx" + calib + " --format qdq" + out),
                        "absent.onnx");
  // Images: missing, and not an image at all.
  expect_one_line_error(run_command("quantize " + model_ + " --calib " + dir_ + "/nope.png --format qdq" + out),
                        "nope.png");
  write_file_bytes(dir_ + "/text.png", "not a png\n");
  expect_one_line_error(run_command("quantize " + model_ + " --calib " + dir_ + "/text.png --format qdq" + out),
                        "text.png");
  // Per-channel QDQ cannot stay at opset 12.
  expect_one_line_error(run_command("quantize " + model_ + calib + " --format qdq --per-channel --opset 12" + out),
                        "per-channel QDQ needs opset 13");
}

TEST_F(QuantizeCli, RefusesModelsItCannotCalibrateOrQuantize) {
  const std::string out = " -o " + dir_ + "/e.onnx";
  // Not an image model: a flat input.
  ModelBuilder flat(12);
  flat.add_input("v", DataType::Float, {1, 16});
  flat.add_node("Relu", {"v"}, {"y"});
  flat.add_output("y", DataType::Float, {1, 16});
  flat.save(dir_ + "/flat.onnx");
  expect_one_line_error(run_command("quantize " + dir_ + "/flat.onnx --calib" + images_ + " --format qdq" + out),
                        "one input, a float32 image ([1,3,H,W], [1,H,W,3] or [3,H,W])");
  // An image model without a convolution.
  ModelBuilder relu(12);
  relu.add_input("x", DataType::Float, {1, 3, 8, 8});
  relu.add_node("Relu", {"x"}, {"y"});
  relu.add_output("y", DataType::Float, {1, 3, 8, 8});
  relu.save(dir_ + "/relu.onnx");
  expect_one_line_error(run_command("quantize " + dir_ + "/relu.onnx --calib" + images_ + " --format qdq" + out),
                        "no convolution with constant weights");
  // An op ssdx does not know is reported before any work.
  ModelBuilder unknown(12);
  unknown.add_input("x", DataType::Float, {1, 3, 8, 8});
  unknown.add_node("Frobnicate", {"x"}, {"y"}, {}, "frob");
  unknown.add_output("y", DataType::Float, {1, 3, 8, 8});
  unknown.save(dir_ + "/unknown.onnx");
  expect_one_line_error(run_command("quantize " + dir_ + "/unknown.onnx --calib" + images_ + " --format qdq" + out),
                        "Frobnicate");
}

}  // namespace
}  // namespace ssdx::test
