// `ssdx run` on a float16 model: float16 inputs from .npy and .pb files and from --random-inputs, float16 outputs
// written as .pb, and the summary printing their values.
#include "graph/half.h"
#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"
#include "graph/tensor_io.h"
#include "tests/test_util.h"
#include "tests/tools/cli_runner.h"

namespace ssdx::test {
namespace {

// y = Relu(x) * 2 in float16, x [4].
void write_float16_model(const std::string& path) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float16, {4});
  b.add_output("y", DataType::Float16, {4});
  b.add_initializer("two", round_to_half(make_tensor<float>({1}, {2.f}), DataType::Float16));
  b.add_node("Relu", {"x"}, {"r"});
  b.add_node("Mul", {"r", "two"}, {"y"});
  b.save(path);
}

TEST(Float16Cli, RunsFloat16FilesAndWritesFloat16Outputs) {
  const std::string dir = temp_dir();
  write_float16_model(dir + "/m.onnx");
  const Tensor x = round_to_half(make_tensor<float>({4}, {-1.f, 0.1f, 2.5f, 40000.f}), DataType::Float16);
  save_npy(x, dir + "/x.npy");
  save_tensor_pb(x, "x", dir + "/x.pb");
  // 0.1 is 0x2e66 = 0.0999755859375, doubled exactly; 40000 * 2 is beyond float16's 65504: inf.
  const Tensor expected = round_to_half(make_tensor<float>({4}, {0.f, 0.199951171875f, 5.f, INFINITY}), DataType::Float16);
  for (const char* file : {"x.npy", "x.pb"}) {
    SCOPED_TRACE(file);
    const CommandResult r = run_command("run " + dir + "/m.onnx --input x=" + dir + "/" + file + " --output-dir " + dir);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("y: float16 [4] [0, 0.199951, 5, inf]"), std::string::npos) << r.out;
    EXPECT_TRUE(same_bits(expected, load_tensor_pb(dir + "/y.pb")));
  }
  const CommandResult r = run_command("run " + dir + "/m.onnx --random-inputs --output-dir " + dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(load_tensor_pb(dir + "/y.pb").dtype(), DataType::Float16);
}

TEST(Float16Cli, Float16NpyRoundTripsAndBfloat16IsRefused) {
  const std::string dir = temp_dir();
  const Tensor x = round_to_half(make_tensor<float>({2, 2}, {1.f, -2.f, 65504.f, 0.f}), DataType::Float16);
  save_npy(x, dir + "/x.npy");
  // The header names NumPy's float16 ('<f2').
  EXPECT_NE(read_file_bytes(dir + "/x.npy").find("'descr': '<f2'"), std::string::npos);
  EXPECT_TRUE(same_bits(x, load_npy(dir + "/x.npy")));
  EXPECT_THROW(save_npy(round_to_half(widen_to_float32(x), DataType::BFloat16), dir + "/b.npy"), Error);
}

}  // namespace
}  // namespace ssdx::test
