#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "graph/onnx_builder.h"
#include "ops/softmax.h"
#include "tests/ort_oracle.h"
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

std::vector<Isa> supported_isas() {
  std::vector<Isa> out;
  for (Isa isa : {Isa::Baseline, Isa::Avx2, Isa::Avx512})
    if (isa_supported(isa)) out.push_back(isa);
  return out;
}

// Rows of every length up to past two AVX-512 vectors and the SSD row (81), so every tail mask is hit.
std::vector<int64_t> row_lengths() {
  std::vector<int64_t> d;
  for (int64_t i = 1; i <= 40; ++i) d.push_back(i);
  for (int64_t i : {47, 48, 49, 64, 81, 100, 1000}) d.push_back(i);
  return d;
}

// Softmax of each row of x [rows, d] in double, except that the shifted logit x - max is first rounded to float as
// every float kernel does (ORT included): that rounding alone moves e^(x - max) by up to |x - max| * 2^-24 relative,
// which is not the kernel's error.
std::vector<double> reference_rows(const float* x, int64_t rows, int64_t d) {
  std::vector<double> y(static_cast<size_t>(rows * d));
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = x + r * d;
    const float neg_max = -*std::max_element(row, row + d);
    double sum = 0;
    for (int64_t j = 0; j < d; ++j) sum += y[size_t(r * d + j)] = std::exp(double(row[j] + neg_max));
    for (int64_t j = 0; j < d; ++j) y[size_t(r * d + j)] /= sum;
  }
  return y;
}

TEST(Softmax, EveryIsaMatchesDoubleReference) {
  // Logits up to +-100 take many exps below what the polynomial produces: AVX2 and SSE build 2^m from bits, so e^t
  // becomes 0 below t = -87.7 (as in ORT's FMA3 kernel); AVX-512 goes on through the denormals to its clamp at -104.
  // Hence the absolute slack of 1e-38 > e^-87.7. Relative: the polynomial, the reciprocal and the product each round
  // (about 3 float ulps together, seen up to 2.5e-7), plus the sum's rounding, which grows with the row length.
  for (Isa isa : supported_isas()) {
    double worst_rel = 0;
    for (int64_t d : row_lengths()) {
      for (float range : {1.f, 10.f, 100.f}) {
        const int64_t rows = 20;
        Tensor x = random_tensor({rows, d}, static_cast<uint32_t>(d * 7 + range), -range, range);
        std::vector<float> y(static_cast<size_t>(rows * d));
        softmax_rows(x.data<float>(), y.data(), rows, d, isa);
        const std::vector<double> ref = reference_rows(x.data<float>(), rows, d);
        for (size_t i = 0; i < y.size(); ++i) {
          const double err = std::fabs(y[i] - ref[i]);
          const double rel_bound = 3.5e-7 + 3e-10 * static_cast<double>(d);
          ASSERT_LE(err, rel_bound * ref[i] + 1e-38) << isa_name(isa) << " d=" << d << " range=" << range << " i=" << i;
          if (ref[i] > 1e-30) worst_rel = std::max(worst_rel, err / ref[i]);
        }
      }
    }
    std::printf("[ softmax ] %s: largest relative error %.3g\n", isa_name(isa), worst_rel);
  }
}

TEST(Softmax, ExactValuesOfThePolynomial) {
  // exp(0) is exactly 1 in MLAS's polynomial, so equal logits give exactly 1/n; e^(x - max) for the max is 1 too.
  for (Isa isa : supported_isas()) {
    const float x[5] = {3.f, 3.f, 3.f, 3.f, -200.f};  // -203 is below every clamp: e^-104 at most, ~1e-45
    float y[5];
    softmax_rows(x, y, 1, 4, isa);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(y[i], 0.25f) << isa_name(isa);
    softmax_rows(x, y, 1, 5, isa);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(y[i], 0.25f) << isa_name(isa);
    EXPECT_LT(y[4], 1e-37f);
    // softmax([0, -1]) = 1 / (1 + e^-1), e^-1 / (1 + e^-1).
    const float z[2] = {0.f, -1.f};
    softmax_rows(z, y, 1, 2, isa);
    EXPECT_NEAR(y[0], 0.7310585786300049, 6e-8) << isa_name(isa);
    EXPECT_NEAR(y[1], 0.2689414213699951, 3e-8) << isa_name(isa);
  }
}

TEST(Softmax, InPlaceAndNaNRows) {
  for (Isa isa : supported_isas()) {
    Tensor x = random_tensor({3, 81}, 5, -5.f, 5.f);
    std::vector<float> y(243);
    softmax_rows(x.data<float>(), y.data(), 3, 81, isa);
    softmax_rows(x.data<float>(), x.data<float>(), 3, 81, isa);
    EXPECT_EQ(std::memcmp(y.data(), x.data<float>(), y.size() * sizeof(float)), 0) << isa_name(isa);
    float nan_row[20];
    for (int i = 0; i < 20; ++i) nan_row[i] = static_cast<float>(i);
    nan_row[17] = NAN;
    softmax_rows(nan_row, nan_row, 1, 20, isa);
    for (float v : nan_row) EXPECT_TRUE(std::isnan(v)) << isa_name(isa);
  }
}

TEST(Softmax, StridedAxisEqualsTransposedRows) {
  // Opset 13 on a middle axis runs the row kernel on gathered columns, like ORT's transpose: same bits as the rows.
  const int64_t outer = 3, dim = 81, inner = 37;
  Tensor x = random_tensor({outer, dim, inner}, 9, -8.f, 8.f);
  Tensor xt(DataType::Float, {outer, inner, dim});
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < dim; ++i)
      for (int64_t j = 0; j < inner; ++j)
        xt.data<float>()[(o * inner + j) * dim + i] = x.data<float>()[(o * dim + i) * inner + j];
  const Tensor mid = run_op("Softmax", 13, axis_attr(1), {&x})[0];
  const Tensor rows = run_op("Softmax", 13, {}, {&xt})[0];
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < dim; ++i)
      for (int64_t j = 0; j < inner; ++j)
        ASSERT_EQ(mid.data<float>()[(o * dim + i) * inner + j], rows.data<float>()[(o * inner + j) * dim + i]);
}

TEST(Softmax, MatchesOnnxruntimeBitForBit) {
  SSDX_NEED_ORT();
  // ORT runs its AVX-512F kernel where the CPU has it, else AVX2/FMA3: where host_isa() picks the same, every bit
  // must agree. (Our Baseline variant only approximates ORT's SSE2 kernel.)
  const Isa ort_isa = isa_supported(Isa::Avx512) ? Isa::Avx512 : isa_supported(Isa::Avx2) ? Isa::Avx2 : Isa::Baseline;
  const bool exact = host_isa() == ort_isa && ort_isa != Isa::Baseline;
  for (int64_t d : {7, 16, 81, 100}) {
    ModelBuilder b(12);
    const int64_t rows = 2000;
    b.add_input("x", DataType::Float, {1, rows, d});
    b.add_node("Softmax", {"x"}, {"y"}, axis_attr(2));
    b.add_output("y", DataType::Float, {1, rows, d});
    const TempModelFile file(b, "softmax");
    const Tensor x = random_tensor({1, rows, d}, static_cast<uint32_t>(d), -60.f, 60.f);
    const Tensor ref = run_ort(file.path, {{"x", x}}).at("y");
    const Tensor ours = run_op("Softmax", 12, axis_attr(2), {&x})[0];
    if (exact) {
      int64_t differ = 0;
      for (int64_t i = 0; i < x.numel(); ++i) differ += ours.data<float>()[i] != ref.data<float>()[i];
      EXPECT_EQ(differ, 0) << "d=" << d << ": elements differing from ORT (" << isa_name(ort_isa) << ")";
    } else {
      EXPECT_TRUE(tensors_close(ref, ours, 1e-6, 1e-6));
    }
  }
}

}  // namespace
}  // namespace ssdx::test
