#include <limits>

#include "tests/test_util.h"

namespace ssdx::test {
namespace {

TEST(Elementwise, AddBroadcastsRowVector) {
  Tensor a = make_tensor<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = make_tensor<float>({3}, {10, 20, 30});
  auto out = run_op("Add", 13, {}, {&a, &b});
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 3}, {11, 22, 33, 14, 25, 36}), out[0]));
}

TEST(Elementwise, SubBroadcastsBothSides) {
  Tensor a = make_tensor<float>({2, 1}, {1, 2});
  Tensor b = make_tensor<float>({1, 3}, {1, 2, 3});
  auto out = run_op("Sub", 13, {}, {&a, &b});
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 3}, {0, -1, -2, 1, 0, -1}), out[0]));
}

TEST(Elementwise, IntegerDivTruncatesAndRejectsZero) {
  Tensor a = make_tensor<int64_t>({3}, {7, -7, 9});
  Tensor b = make_tensor<int64_t>({3}, {2, 2, 3});
  auto out = run_op("Div", 13, {}, {&a, &b});
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({3}, {3, -3, 3}), out[0]));
  Tensor z = make_tensor<int64_t>({1}, {0});
  EXPECT_THROW(run_op("Div", 13, {}, {&a, &z}), Error);
}

// ONNX (numpy) integer arithmetic wraps around; C++'s signed overflow is undefined and INT_MIN / -1 traps (SIGFPE).
template <typename T>
void expect_wrapping(int64_t opset) {
  constexpr T lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  const Tensor a = make_tensor<T>({4}, {lo, hi, lo, T(-3)});
  const Tensor b = make_tensor<T>({4}, {T(-1), T(1), T(-1), T(-1)});
  auto ints = [](const Tensor& t) { return t.to_int_vector(); };
  EXPECT_EQ(ints(run_op("Div", opset, {}, {&a, &b})[0]), (std::vector<int64_t>{lo, hi, lo, 3}));
  EXPECT_EQ(ints(run_op("Add", opset, {}, {&a, &b})[0]), (std::vector<int64_t>{hi, lo, hi, -4}));
  EXPECT_EQ(ints(run_op("Sub", opset, {}, {&a, &b})[0]), (std::vector<int64_t>{lo + 1, hi - 1, lo + 1, -2}));
  EXPECT_EQ(ints(run_op("Mul", opset, {}, {&a, &b})[0]), (std::vector<int64_t>{lo, hi, lo, 3}));
  const Tensor h = make_tensor<T>({1}, {hi});
  EXPECT_EQ(ints(run_op("Mul", opset, {}, {&h, &h})[0]), (std::vector<int64_t>{1}));  // (2^k - 1)^2 mod 2^(k+1)
}

TEST(Elementwise, IntegerArithmeticWrapsAroundAndMinOverMinusOneDoesNotTrap) {
  expect_wrapping<int64_t>(13);
  expect_wrapping<int32_t>(13);
}

TEST(Elementwise, MismatchedShapesFail) {
  Tensor a = make_tensor<float>({2}, {1, 2});
  Tensor b = make_tensor<float>({3}, {1, 2, 3});
  EXPECT_THROW(run_op("Mul", 13, {}, {&a, &b}), Error);
}

TEST(Elementwise, ReluAndExp) {
  Tensor x = make_tensor<float>({4}, {-2, -0.f, 0.5f, 3});
  EXPECT_TRUE(tensors_close(make_tensor<float>({4}, {0, 0, 0.5f, 3}), run_op("Relu", 14, {}, {&x})[0]));
  Tensor e = make_tensor<float>({2}, {0, 1});
  EXPECT_TRUE(tensors_close(make_tensor<float>({2}, {1, 2.718281828f}), run_op("Exp", 13, {}, {&e})[0]));
}

}  // namespace
}  // namespace ssdx::test
