// The data-movement ops on uint8 and int8 tensors (the int8 graphs reshape, transpose and concatenate quantized
// tensors; ORT's QDQ rewrite runs them on the 8-bit data): hand-computed expectations.
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

TEST(Int8DataMovement, TransposeConcatReshapeSqueezeUnsqueezeMaxPool) {
  const Tensor a = make_tensor<uint8_t>({1, 2, 3}, {0, 1, 2, 250, 251, 255});
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({1, 3, 2}, {0, 250, 1, 251, 2, 255}),
                            run_op("Transpose", 13, Attributes::ints("perm", {0, 2, 1}), {&a})[0]));
  const Tensor b = make_tensor<uint8_t>({1, 1, 3}, {7, 8, 9});
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({1, 3, 3}, {0, 1, 2, 250, 251, 255, 7, 8, 9}),
                            run_op("Concat", 13, Attributes::integer("axis", 1), {&a, &b})[0]));
  const Tensor shape = make_tensor<int64_t>({2}, {3, -1});
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({3, 2}, {0, 1, 2, 250, 251, 255}), run_op("Reshape", 13, {}, {&a, &shape})[0]));
  const Tensor s = make_tensor<int8_t>({1, 3, 1}, {-128, 0, 127});
  const Tensor axes = make_tensor<int64_t>({1}, {2});
  EXPECT_TRUE(tensors_close(make_tensor<int8_t>({1, 3}, {-128, 0, 127}), run_op("Squeeze", 13, {}, {&s, &axes})[0]));
  EXPECT_TRUE(tensors_close(make_tensor<int8_t>({1, 3, 1, 1}, {-128, 0, 127}), run_op("Unsqueeze", 13, {}, {&s, &axes})[0]));
  // MaxPool on int8 with padding: the padded taps never win, even against -128.
  const Tensor p = make_tensor<int8_t>({1, 1, 2, 2}, {-128, -100, -50, -128});
  Attributes pool = Attributes::ints("kernel_shape", {2, 2});
  pool.set_ints("pads", {1, 1, 0, 0});
  EXPECT_TRUE(tensors_close(make_tensor<int8_t>({1, 1, 2, 2}, {-128, -100, -50, -50}), run_op("MaxPool", 12, pool, {&p})[0]));
}

}  // namespace
}  // namespace ssdx::test
