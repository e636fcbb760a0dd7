// The ssdx binary as a user runs it: exit codes, one-line errors, and `ssdx run` reproducing ONNX's expected outputs.
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>

#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"
#include "graph/tensor_io.h"
#include "tests/test_util.h"
#include "tests/tools/cli_runner.h"

namespace ssdx::test {
namespace {

const std::string kData = SSDX_ONNX_TEST_DATA_DIR;

bool has_test_data() {
  struct stat st;
  return stat((kData + "/test_relu").c_str(), &st) == 0;
}

TEST(Cli, TruncatedModel) {
  if (!has_test_data()) GTEST_SKIP();
  const std::string bytes = read_file_bytes(kData + "/test_conv_with_strides_padding/model.onnx");
  const std::string dir = temp_dir();
  write_file_bytes(dir + "/cut.onnx", bytes.substr(0, bytes.size() / 2));
  expect_one_line_error(run_command("run " + dir + "/cut.onnx --random-inputs"), "cut.onnx");
}

TEST(Cli, NotAnOnnxFile) {
  const std::string dir = temp_dir();
  write_file_bytes(dir + "/notes.onnx", "hello, this is a text file\n");
  expect_one_line_error(run_command("run " + dir + "/notes.onnx --random-inputs"), "notes.onnx");
  expect_one_line_error(run_command("run " + dir + "/absent.onnx"), "no such file");
}

TEST(Cli, MissingInitializer) {
  const std::string dir = temp_dir();
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {2});
  b.add_node("Add", {"x", "bias"}, {"y"}, {}, "add_bias");
  b.add_output("y", DataType::Float, {2});
  b.save(dir + "/m.onnx");
  expect_one_line_error(run_command("run " + dir + "/m.onnx --random-inputs"), "'bias'");
}

TEST(Cli, CyclicGraph) {
  const std::string dir = temp_dir();
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {2});
  b.add_node("Add", {"x", "b"}, {"a"}, {}, "loop_add");
  b.add_node("Relu", {"a"}, {"b"}, {}, "loop_relu");
  b.add_output("b", DataType::Float, {2});
  b.save(dir + "/m.onnx");
  expect_one_line_error(run_command("run " + dir + "/m.onnx --random-inputs"), "cycle");
}

TEST(Cli, UnknownOps) {
  const std::string dir = temp_dir();
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {2});
  b.add_node("Frobnicate", {"x"}, {"a"}, {}, "f1");
  b.add_node("Frobnicate", {"a"}, {"y"}, {}, "f2");
  b.add_output("y", DataType::Float, {2});
  b.save(dir + "/m.onnx");
  const CommandResult r = run_command("run " + dir + "/m.onnx --random-inputs");
  expect_one_line_error(r, "2 unsupported ops");
  EXPECT_NE(r.err.find("'f1'"), std::string::npos);
  EXPECT_NE(r.err.find("'f2'"), std::string::npos);
}

TEST(Cli, BadArguments) {
  expect_one_line_error(run_command("run"), "no model");
  expect_one_line_error(run_command("run m.onnx --threads zero"), "--threads");
  expect_one_line_error(run_command("run m.onnx --bogus"), "--bogus");
  EXPECT_EQ(run_command("frobnicate").exit_code, 2);
}

TEST(Cli, MissingAndMistypedInputs) {
  if (!has_test_data()) GTEST_SKIP();
  const std::string model = kData + "/test_add_bcast/model.onnx";
  expect_one_line_error(run_command("run " + model), "was not given");
  const std::string in = kData + "/test_add_bcast/test_data_set_0/input_0.pb";
  expect_one_line_error(run_command("run " + model + " --input x=" + in + " --input y=" + in), "must have shape");
}

// The memory ceilings: a model whose initializers or planned arena exceed them fails to load with one line.
TEST(Cli, MemoryCeilings) {
  const std::string dir = temp_dir();
  ModelBuilder b;
  b.add_input("x", DataType::Float, {1, 64, 128, 128});
  b.add_initializer("w", random_tensor({64, 64, 3, 3}, 1));  // 147,456 bytes
  b.add_node("Conv", {"x", "w"}, {"y"}, Attributes::ints("pads", {1, 1, 1, 1}));
  b.add_node("Relu", {"y"}, {"z"});
  b.add_node("Relu", {"z"}, {"out"});
  b.add_output("out", DataType::Float, {1, 64, 128, 128});
  b.save(dir + "/m.onnx");
  // 4 MiB activations (x, y and z: 4 MiB each) fit in 64 MiB, not in 1 MiB; 144 KiB of weights fit in 1 MiB.
  const std::string run = "run " + dir + "/m.onnx --random-inputs --output-dir " + dir;
  EXPECT_EQ(run_command(run + " --max-weights-mb 1 --max-arena-mb 64").exit_code, 0);
  expect_one_line_error(run_command(run + " --max-arena-mb 1"), "over the arena limit of 1.0 MiB");
  ModelBuilder big;
  big.add_input("x", DataType::Float, {512, 1024});
  big.add_initializer("w", random_tensor({512, 1024}, 2));  // 2 MiB
  big.add_node("Add", {"x", "w"}, {"y"});
  big.add_output("y", DataType::Float, {512, 1024});
  big.save(dir + "/big.onnx");
  expect_one_line_error(run_command("run " + dir + "/big.onnx --random-inputs --max-weights-mb 1"),
                        "initializer 'w': the tensors loaded so far take 2.0 MiB, over the weight limit of 1.0 MiB");
  expect_one_line_error(run_command("run " + dir + "/big.onnx --max-arena-mb 0"), "--max-arena-mb");
}

// --reference-kernels (an engine option): the plan names the reference loop for every kernel, and the run works.
TEST(Cli, ReferenceKernels) {
  const std::string dir = temp_dir();
  ModelBuilder b;
  b.add_input("x", DataType::Float, {1, 8, 10, 10});
  b.add_initializer("w", random_tensor({8, 8, 3, 3}, 1));
  b.add_node("Conv", {"x", "w"}, {"y"}, Attributes::ints("pads", {1, 1, 1, 1}));
  b.add_node("Softmax", {"y"}, {"out"});
  b.add_output("out", DataType::Float, {1, 8, 10, 10});
  b.save(dir + "/m.onnx");
  const CommandResult fast = run_command("inspect " + dir + "/m.onnx --plan");
  ASSERT_EQ(fast.exit_code, 0) << fast.err;
  EXPECT_NE(fast.out.find("onednn:"), std::string::npos) << fast.out;
  EXPECT_NE(fast.out.find("softmax:"), std::string::npos) << fast.out;
  const CommandResult ref = run_command("inspect " + dir + "/m.onnx --plan --reference-kernels");
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  EXPECT_EQ(ref.out.find("onednn:"), std::string::npos) << ref.out;
  EXPECT_EQ(ref.out.find("softmax:"), std::string::npos) << ref.out;
  EXPECT_NE(ref.out.find(" ref "), std::string::npos) << ref.out;
  EXPECT_EQ(run_command("run " + dir + "/m.onnx --random-inputs --reference-kernels --output-dir " + dir).exit_code, 0);
}

// `ssdx run` with a test's inputs writes outputs equal to the test's expected outputs.
class CliRunsNodeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CliRunsNodeTest, ReproducesExpectedOutputs) {
  const std::string dir = kData + "/" + GetParam();
  struct stat st;
  if (stat(dir.c_str(), &st) != 0) GTEST_SKIP() << "no test data";
  const std::string set = dir + "/test_data_set_0";
  std::string args = "run " + dir + "/model.onnx";
  for (int i = 0;; ++i) {
    const std::string file = set + "/input_" + std::to_string(i) + ".pb";
    if (stat(file.c_str(), &st) != 0) break;
    std::string name;
    load_tensor_pb(file, &name);
    args += " --input " + name + "=" + file;
  }
  const std::string out_dir = temp_dir();
  const CommandResult r = run_command(args + " --output-dir " + out_dir + " --threads 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (int i = 0;; ++i) {
    const std::string file = set + "/output_" + std::to_string(i) + ".pb";
    if (stat(file.c_str(), &st) != 0) break;
    std::string name;
    Tensor expected = load_tensor_pb(file, &name);
    EXPECT_NE(r.out.find(name + ": "), std::string::npos) << "stdout lacks a summary of " << name;
    EXPECT_TRUE(tensors_close(expected, load_tensor_pb(out_dir + "/" + name + ".pb"), 1e-5, 1e-4)) << name;
  }
}

std::vector<std::string> cli_cases() {
  std::vector<std::string> names;
  if (DIR* d = opendir(kData.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string n = e->d_name;
      for (const char* prefix : {"test_nonmaxsuppression_", "test_top_k", "test_conv_", "test_slice"})
        if (n.rfind(prefix, 0) == 0) names.push_back(n);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  if (names.empty()) names.push_back("test_data_missing");
  return names;
}

INSTANTIATE_TEST_SUITE_P(NodeTests, CliRunsNodeTest, ::testing::ValuesIn(cli_cases()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace ssdx::test
