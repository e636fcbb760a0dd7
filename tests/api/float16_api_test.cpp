// float16 through the public API: a float16 model is fed float16 bits and gives float16 bits back.
#include <unistd.h>

#include <cstdio>

#include "graph/half.h"
#include "graph/onnx_builder.h"
#include "ssdx/ssdx.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

TEST(ApiFloat16, Float16ModelTakesAndGivesFloat16Tensors) {
  const std::string path = ::testing::TempDir() + "ssdx_api_float16_" + std::to_string(getpid()) + ".onnx";
  ModelBuilder b(13);
  b.add_input("x", DataType::Float16, {3});
  b.add_output("y", DataType::Float16, {3});
  b.add_initializer("k", round_to_half(make_tensor<float>({1}, {0.5f}), DataType::Float16));
  b.add_node("Add", {"x", "k"}, {"y"});
  b.save(path);
  const api::Session s = api::Session::load(path);
  std::remove(path.c_str());
  EXPECT_EQ(s.inputs()[0].dtype, api::DType::Float16);
  EXPECT_EQ(s.outputs()[0].dtype, api::DType::Float16);
  // 1 + 0.5 exact; 0.1 (0x2e66 = 0.0999755859375) + 0.5 = 0.5999755859375, between the float16 values 0.599609375
  // and 0.60009765625 (steps of 2^-11): nearer the second, 0x38cd; 65504 + 0.5 rounds back to 65504.
  const uint16_t x[3] = {0x3c00, 0x2e66, 0x7bff};
  const api::NamedTensors out = s.run({{"x", api::Tensor::borrow(api::DType::Float16, {3}, static_cast<const void*>(x), sizeof x)}});
  const api::Tensor& y = out.at("y");
  ASSERT_EQ(y.dtype(), api::DType::Float16);
  const auto* bits = static_cast<const uint16_t*>(y.raw());
  EXPECT_EQ(bits[0], 0x3e00);  // 1.5
  EXPECT_EQ(bits[1], 0x38cd);
  EXPECT_EQ(bits[2], 0x7bff);
}

}  // namespace
}  // namespace ssdx::test
