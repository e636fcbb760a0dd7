// Hostile inputs at the command line (issue 12, items 5 and 9): special files as --input or image refused with one
// line, without reading a device or blocking on a FIFO; the memory settings parsed strictly and bounding what a
// tiny model can make ssdx allocate.
#include <sys/stat.h>

#include "graph/onnx_builder.h"
#include "tests/tools/cli_runner.h"
#include "app/image.h"

namespace ssdx::test {
namespace {

// A hang guard, not a timing assertion: before the fix a FIFO blocked forever; `timeout` turns that into exit 124.
const std::string kNoHang = "timeout 120";

std::string relu_model(const std::string& dir) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {2});
  b.add_node("Relu", {"x"}, {"y"});
  b.add_output("y", DataType::Float, {2});
  b.save(dir + "/model.onnx");
  return dir + "/model.onnx";
}

TEST(HostileInput, SpecialFilesAsInputsAreRefused) {
  const std::string dir = temp_dir();
  const std::string model = relu_model(dir);
  ASSERT_EQ(mkfifo((dir + "/fifo.npy").c_str(), 0644), 0);
  ASSERT_EQ(mkfifo((dir + "/fifo.pb").c_str(), 0644), 0);
  for (const std::string& file : {std::string("/dev/zero"), dir + "/fifo.npy", dir + "/fifo.pb"}) {
    SCOPED_TRACE(file);
    expect_one_line_error(run_command("run " + model + " --input x=" + file, kNoHang), "not a regular file");
  }
}

TEST(HostileInput, AFifoAsAnImageIsRefused) {
  const std::string fifo = temp_dir() + "/photo.jpg";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0644), 0);
  std::string e;
  try {
    app::load_image(fifo);
  } catch (const Error& err) {
    e = err.what();
  }
  EXPECT_NE(e.find("not a regular file"), std::string::npos) << e;
}

TEST(HostileInput, MaxTensorBytesIsParsedStrictly) {
  const std::string model = relu_model(temp_dir());
  for (const char* bad : {"-1", "10kb", "0", "''"}) {
    SCOPED_TRACE(bad);
    expect_one_line_error(run_command("run " + model + " --random-inputs", std::string("SSDX_MAX_TENSOR_BYTES=") + bad),
                          "SSDX_MAX_TENSOR_BYTES");
  }
  EXPECT_EQ(run_command("run " + model + " --random-inputs", "SSDX_MAX_TENSOR_BYTES=4096").exit_code, 0);
}

// Three ConstantOfShape of 2^28 floats: a 300-byte model that made 5 GB of constants under a 10 MB weight ceiling.
TEST(HostileInput, FoldedConstantsStayUnderTheWeightCeiling) {
  const std::string dir = temp_dir();
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {1});
  b.add_initializer("n", make_tensor<int64_t>({1}, {int64_t{1} << 28}));
  for (const char* c : {"c1", "c2", "c3"}) b.add_node("ConstantOfShape", {"n"}, {c});
  b.add_node("Add", {"c1", "c2"}, {"s"});
  b.add_node("Add", {"s", "c3"}, {"t"});
  b.add_node("ReduceMax", {"t"}, {"m"});
  b.add_node("Add", {"x", "m"}, {"y"});
  b.add_output("y", DataType::Float, {1});
  b.save(dir + "/bomb.onnx");
  expect_one_line_error(run_command("run " + dir + "/bomb.onnx --random-inputs --max-weights-mb 10 --max-arena-mb 10"),
                        "over the weight limit of 10.0 MiB");
}

}  // namespace
}  // namespace ssdx::test
