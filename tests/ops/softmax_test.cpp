#include <algorithm>
#include <cmath>
#include <vector>

#include "tests/test_util.h"

namespace ssdx::test {
namespace {

Attributes axis_attr(int64_t axis) {
  Attributes a;
  a.set_int("axis", axis);
  return a;
}

TEST(Softmax, RowOf1D) {
  Tensor x = make_tensor<float>({3}, {1, 2, 3});
  // e^-2, e^-1, 1 over their sum 1.5032147
  auto out = run_op("Softmax", 13, {}, {&x});
  EXPECT_TRUE(tensors_close(make_tensor<float>({3}, {0.09003057f, 0.24472847f, 0.66524096f}), out[0], 1e-7));
}

TEST(Softmax, Opset11CoercesTo2DButOpset13UsesLastAxis) {
  const float ln3 = std::log(3.f);
  Tensor x = make_tensor<float>({1, 2, 2}, {0, 0, 0, ln3});
  // Opset 11, default axis 1: one row of all four values, exps 1,1,1,3 over 6.
  auto o11 = run_op("Softmax", 11, {}, {&x});
  EXPECT_TRUE(tensors_close(make_tensor<float>({1, 2, 2}, {1.f / 6, 1.f / 6, 1.f / 6, 0.5f}), o11[0], 1e-6));
  // Opset 13, default axis -1: rows [0,0] and [0,ln3].
  auto o13 = run_op("Softmax", 13, {}, {&x});
  EXPECT_TRUE(tensors_close(make_tensor<float>({1, 2, 2}, {0.5f, 0.5f, 0.25f, 0.75f}), o13[0], 1e-6));
  // Opset 1 has the same semantics as 11.
  EXPECT_TRUE(tensors_close(o11[0], run_op("Softmax", 1, {}, {&x})[0], 0, 0));
}

TEST(Softmax, Opset13MiddleAxisIsStrided) {
  const float ln3 = std::log(3.f);
  Tensor x = make_tensor<float>({2, 2, 2}, {0, ln3, 0, 0, 5, 5, 5, 5});
  // axis 1: for each (outer, column) pair the two values along the middle dim.
  auto out = run_op("Softmax", 13, axis_attr(1), {&x});
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 2, 2}, {0.5f, 0.75f, 0.5f, 0.25f, 0.5f, 0.5f, 0.5f, 0.5f}), out[0], 1e-6));
  // Opset 11 axis 1 on the same data normalizes both trailing dims together: {1,3,1,1}/6 and 4 x 1/4.
  auto o11 = run_op("Softmax", 11, axis_attr(1), {&x});
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 2, 2}, {1.f / 6, 0.5f, 1.f / 6, 1.f / 6, 0.25f, 0.25f, 0.25f, 0.25f}),
                            o11[0], 1e-6));
}

TEST(Softmax, Opset11AxisZeroNormalizesWholeTensor) {
  Tensor x = make_tensor<float>({2, 2}, {0, 0, 0, 0});
  auto out = run_op("Softmax", 11, axis_attr(0), {&x});
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 2}, {0.25f, 0.25f, 0.25f, 0.25f}), out[0], 0, 0));
  auto neg = run_op("Softmax", 11, axis_attr(-1), {&x});
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 2}, {0.5f, 0.5f, 0.5f, 0.5f}), neg[0], 0, 0));
}

TEST(Softmax, LargeValuesDoNotOverflow) {
  Tensor x = make_tensor<float>({2}, {1000, 1001});
  auto out = run_op("Softmax", 13, {}, {&x});
  EXPECT_TRUE(tensors_close(make_tensor<float>({2}, {0.26894142f, 0.73105858f}), out[0], 1e-7));
}

TEST(Softmax, EmptyInput) {
  Tensor x(DataType::Float, {0, 3});
  auto out = run_op("Softmax", 13, {}, {&x});
  EXPECT_EQ(shape_str(out[0].shape()), "[0,3]");
}

TEST(Softmax, RejectsBadAxisAndDtype) {
  Tensor x(DataType::Float, {2, 3});
  EXPECT_THROW(run_op("Softmax", 13, axis_attr(2), {&x}), Error);
  EXPECT_THROW(run_op("Softmax", 11, axis_attr(-3), {&x}), Error);
  Tensor i = make_tensor<int32_t>({2}, {1, 2});
  EXPECT_THROW(run_op("Softmax", 13, {}, {&i}), Error);
}

// Double-precision reference along one axis.
std::vector<double> reference_softmax(const Tensor& x, int64_t outer, int64_t dim, int64_t inner) {
  std::vector<double> y(static_cast<size_t>(x.numel()));
  const float* p = x.data<float>();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < inner; ++j) {
      double m = -INFINITY, s = 0;
      for (int64_t i = 0; i < dim; ++i) m = std::max(m, double(p[(o * dim + i) * inner + j]));
      for (int64_t i = 0; i < dim; ++i) s += std::exp(double(p[(o * dim + i) * inner + j]) - m);
      for (int64_t i = 0; i < dim; ++i)
        y[size_t((o * dim + i) * inner + j)] = std::exp(double(p[(o * dim + i) * inner + j]) - m) / s;
    }
  return y;
}

TEST(Softmax, BigInputsMatchDoubleReference) {
  // Big enough to take the parallel paths: contiguous rows and the strided (middle axis) case.
  Tensor x = random_tensor({4, 300, 100}, 7, -10.f, 10.f);
  auto last = run_op("Softmax", 13, {}, {&x});
  auto ref_last = reference_softmax(x, 1200, 100, 1);
  auto mid = run_op("Softmax", 13, axis_attr(1), {&x});
  auto ref_mid = reference_softmax(x, 4, 300, 100);
  double err_last = 0, err_mid = 0;
  for (int64_t i = 0; i < x.numel(); ++i) {
    err_last = std::max(err_last, std::fabs(last[0].data<float>()[i] - ref_last[size_t(i)]));
    err_mid = std::max(err_mid, std::fabs(mid[0].data<float>()[i] - ref_mid[size_t(i)]));
  }
  EXPECT_LT(err_last, 1e-6);
  EXPECT_LT(err_mid, 1e-6);
}

}  // namespace
}  // namespace ssdx::test
