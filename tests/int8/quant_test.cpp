// The int8 reference kernels on hand-computed cases: onnxruntime's rounding (half to even), saturation, NaN,
// per-axis parameters, QLinearConv against a float convolution, and the com.microsoft QLinear* ops.
#include <cmath>
#include <limits>

#include "int8/register_quant.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

Tensor scalar_f(float v) { return make_tensor<float>({}, {v}); }
template <typename T>
Tensor scalar_q(T v) { return make_tensor<T>({}, {v}); }

Tensor quantize(const Tensor& x, const Tensor& scale, const Tensor* zp, int64_t opset = 13, Attributes attrs = {}) {
  return run_op("QuantizeLinear", opset, attrs, {&x, &scale, zp})[0];
}

// ---- QuantizeLinear / DequantizeLinear ----

TEST(QuantizeLinear, RoundsHalfToEven) {
  const Tensor x = make_tensor<float>({6}, {2.5f, 3.5f, -2.5f, 0.5f, -0.5f, 1.5f});
  const Tensor zp = scalar_q<int8_t>(0);
  EXPECT_TRUE(tensors_close(make_tensor<int8_t>({6}, {2, 4, -2, 0, 0, 2}), quantize(x, scalar_f(1.f), &zp)));
  // x / scale lands on the tie: 5 / 2 = 2.5 -> 2, 7 / 2 = 3.5 -> 4.
  const Tensor y = make_tensor<float>({2}, {5.f, 7.f});
  EXPECT_TRUE(tensors_close(make_tensor<int8_t>({2}, {2, 4}), quantize(y, scalar_f(2.f), &zp)));
}

TEST(QuantizeLinear, ZeroPointIsAddedAfterRounding) {
  // 2.5 -> 2, then + 1 = 3 (rounding 3.5 would give 4).
  const Tensor x = make_tensor<float>({1}, {2.5f});
  const Tensor zp = scalar_q<uint8_t>(1);
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({1}, {3}), quantize(x, scalar_f(1.f), &zp)));
}

TEST(QuantizeLinear, SaturatesAndMapsNaNToQmin) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor x = make_tensor<float>({5}, {200.f, -200.f, inf, -inf, nan});
  const Tensor zp_u8 = scalar_q<uint8_t>(128);
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({5}, {255, 0, 255, 0, 0}), quantize(x, scalar_f(1.f), &zp_u8)));
  const Tensor zp_s8 = scalar_q<int8_t>(10);
  EXPECT_TRUE(tensors_close(make_tensor<int8_t>({5}, {127, -128, 127, -128, -128}), quantize(x, scalar_f(1.f), &zp_s8)));
}

TEST(QuantizeLinear, AbsentZeroPointMeansUint8AndZero) {
  const Tensor x = make_tensor<float>({3}, {1.4f, 300.f, -1.f});
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({3}, {1, 255, 0}), quantize(x, scalar_f(1.f), nullptr, 10)));
  EXPECT_EQ(DataType::UInt8, infer_op("QuantizeLinear", 13, {}, {value_info(DataType::Float, {3}), value_info(DataType::Float, {})})[0].dtype);
  EXPECT_EQ(DataType::Int8, infer_op("QuantizeLinear", 13, {},
                                     {value_info(DataType::Float, {3}), value_info(DataType::Float, {}), value_info(DataType::Int8, {})})[0].dtype);
}

TEST(QuantizeLinear, PerAxis) {
  // Channel 0: scale 1, zp 0. Channel 1: scale 2, zp 10: 3 / 2 = 1.5 -> 2 -> 12, 5 / 2 = 2.5 -> 2 -> 12.
  const Tensor x = make_tensor<float>({1, 2, 2}, {1.f, 2.f, 3.f, 5.f});
  const Tensor scale = make_tensor<float>({2}, {1.f, 2.f});
  const Tensor zp = make_tensor<uint8_t>({2}, {0, 10});
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({1, 2, 2}, {1, 2, 12, 12}), quantize(x, scale, &zp)));
  // The last axis instead: column 0 uses (1, 0), column 1 uses (2, 10): 2 / 2 = 1 -> 11, 5 / 2 = 2.5 -> 12.
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({1, 2, 2}, {1, 11, 3, 12}),
                            quantize(x, scale, &zp, 13, Attributes::integer("axis", -1))));
  // Opset 10 has no per-axis form.
  EXPECT_ANY_THROW(quantize(x, scale, &zp, 10));
}

TEST(DequantizeLinear, PerTensorAndPerAxis) {
  const Tensor x = make_tensor<int8_t>({4}, {-128, -1, 0, 127});
  const Tensor zp = scalar_q<int8_t>(-1);
  const Tensor s = scalar_f(0.5f);
  EXPECT_TRUE(tensors_close(make_tensor<float>({4}, {-63.5f, 0.f, 0.5f, 64.f}), run_op("DequantizeLinear", 10, {}, {&x, &s, &zp})[0], 0, 0));

  const Tensor q = make_tensor<uint8_t>({1, 2, 2}, {1, 2, 12, 13});
  const Tensor scale = make_tensor<float>({2}, {1.f, 2.f});
  const Tensor zps = make_tensor<uint8_t>({2}, {0, 10});
  EXPECT_TRUE(tensors_close(make_tensor<float>({1, 2, 2}, {1.f, 2.f, 4.f, 6.f}),
                            run_op("DequantizeLinear", 13, {}, {&q, &scale, &zps})[0], 0, 0));
}

TEST(DequantizeLinear, Int32BiasNeedsZeroPointZero) {
  const Tensor x = make_tensor<int32_t>({2}, {-3, 100000});
  const Tensor s = scalar_f(0.5f);
  EXPECT_TRUE(tensors_close(make_tensor<float>({2}, {-1.5f, 50000.f}), run_op("DequantizeLinear", 13, {}, {&x, &s})[0], 0, 0));
  const Tensor zp = scalar_q<int32_t>(1);
  EXPECT_ANY_THROW(run_op("DequantizeLinear", 13, {}, {&x, &s, &zp}));
}

// ---- QLinearConv / ConvInteger ----

// Float reference for 2-D NCHW: y = conv(DQ(x), DQ(w)) + DQ(bias), then Q with y's parameters. With power-of-two
// scales every step is exact, so ties round the same way in both.
std::vector<uint8_t> qconv_float_reference(const std::vector<uint8_t>& x, float xs, int32_t xz, int64_t c, int64_t h, int64_t wd,
                                           const std::vector<int8_t>& w, const std::vector<float>& ws, int64_t m, int64_t k,
                                           const std::vector<int32_t>& bias, float ys, int32_t yz, int64_t pad, int64_t stride,
                                           int64_t group, int64_t oh, int64_t ow) {
  std::vector<uint8_t> y;
  const int64_t cpg = c / group, mpg = m / group;
  for (int64_t o = 0; o < m; ++o)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) {
        double acc = bias[static_cast<size_t>(o)] * static_cast<double>(xs) * ws[static_cast<size_t>(o)];
        for (int64_t ci = 0; ci < cpg; ++ci)
          for (int64_t a = 0; a < k; ++a)
            for (int64_t b = 0; b < k; ++b) {
              const int64_t r = i * stride - pad + a, s = j * stride - pad + b;
              if (r < 0 || r >= h || s < 0 || s >= wd) continue;
              const int64_t ch = (o / mpg) * cpg + ci;
              acc += (x[static_cast<size_t>((ch * h + r) * wd + s)] - xz) * static_cast<double>(xs) *
                     (w[static_cast<size_t>(((o * cpg + ci) * k + a) * k + b)] * static_cast<double>(ws[static_cast<size_t>(o)]));
            }
        const double q = std::nearbyint(acc / ys) + yz;
        y.push_back(static_cast<uint8_t>(std::min(255.0, std::max(0.0, q))));
      }
  return y;
}

struct QConvCase {
  int64_t group;
};

class QLinearConvTest : public ::testing::TestWithParam<QConvCase> {};

TEST_P(QLinearConvTest, MatchesFloatReferencePerChannel) {
  const int64_t group = GetParam().group, c = 2, h = 4, wd = 5, m = 2, k = 3, pad = 1, stride = 2;
  const int64_t cpg = c / group, oh = (h + 2 * pad - k) / stride + 1, ow = (wd + 2 * pad - k) / stride + 1;
  std::vector<uint8_t> xv;
  for (int64_t i = 0; i < c * h * wd; ++i) xv.push_back(static_cast<uint8_t>((i * 37 + 11) % 256));
  std::vector<int8_t> wv;
  for (int64_t i = 0; i < m * cpg * k * k; ++i) wv.push_back(static_cast<int8_t>((i * 53) % 255 - 127));
  const std::vector<float> wsv = {0.25f, 0.0625f};
  const std::vector<int32_t> bv = {-300, 1000};
  const float xs = 0.5f, ys = 2.f;
  const int32_t xz = 100, yz = 120;

  const Tensor x = make_tensor<uint8_t>({1, c, h, wd}, xv), w = make_tensor<int8_t>({m, cpg, k, k}, wv);
  const Tensor x_scale = scalar_f(xs), x_zp = scalar_q<uint8_t>(static_cast<uint8_t>(xz));
  const Tensor w_scale = make_tensor<float>({m}, wsv), w_zp = make_tensor<int8_t>({m}, {0, 0});
  const Tensor y_scale = scalar_f(ys), y_zp = scalar_q<uint8_t>(static_cast<uint8_t>(yz));
  const Tensor bias = make_tensor<int32_t>({m}, bv);
  Attributes attrs;
  attrs.set_ints("pads", {pad, pad, pad, pad});
  attrs.set_ints("strides", {stride, stride});
  attrs.set_int("group", group);
  const Tensor y = run_op("QLinearConv", 10, attrs, {&x, &x_scale, &x_zp, &w, &w_scale, &w_zp, &y_scale, &y_zp, &bias})[0];
  const auto expected = qconv_float_reference(xv, xs, xz, c, h, wd, wv, wsv, m, k, bv, ys, yz, pad, stride, group, oh, ow);
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({1, m, oh, ow}, expected), y));
}

INSTANTIATE_TEST_SUITE_P(Groups, QLinearConvTest, ::testing::Values(QConvCase{1}, QConvCase{2}));

TEST(QLinearConv, HandComputedTieAndSaturation) {
  // 1x1 conv, one input channel, two output channels: acc = (x - 2) * w.
  // Channel 0: scale (1 * 0.5) / 1 = 0.5: acc 5 -> 2.5 -> 2 (+0); acc 7 -> 3.5 -> 4.
  // Channel 1: scale (1 * 4) / 1 = 4: acc 5*10 = 50 -> 200 -> saturates to 127; acc 7*10 -> 127. With bias -100
  // (added in int32 before the scale): -50 * 4 -> -128 (saturated), -30 * 4 = -120.
  const Tensor x = make_tensor<int8_t>({1, 1, 1, 2}, {7, 9});
  const Tensor w = make_tensor<int8_t>({2, 1, 1, 1}, {1, 10});
  const Tensor xs = scalar_f(1.f), xz = scalar_q<int8_t>(2), ws = make_tensor<float>({2}, {0.5f, 4.f}), wz = scalar_q<int8_t>(0);
  const Tensor ys = scalar_f(1.f), yz = scalar_q<int8_t>(0);
  const Tensor y = run_op("QLinearConv", 10, {}, {&x, &xs, &xz, &w, &ws, &wz, &ys, &yz})[0];
  EXPECT_TRUE(tensors_close(make_tensor<int8_t>({1, 2, 1, 2}, {2, 4, 127, 127}), y));
  const Tensor bias = make_tensor<int32_t>({2}, {0, -100});
  const Tensor yb = run_op("QLinearConv", 10, {}, {&x, &xs, &xz, &w, &ws, &wz, &ys, &yz, &bias})[0];
  EXPECT_TRUE(tensors_close(make_tensor<int8_t>({1, 2, 1, 2}, {2, 4, -128, -120}), yb));
  // onnxruntime rejects weight zero points that differ across channels.
  const Tensor wz2 = make_tensor<int8_t>({2}, {0, 1});
  EXPECT_ANY_THROW(run_op("QLinearConv", 10, {}, {&x, &xs, &xz, &w, &ws, &wz2, &ys, &yz}));
}

TEST(ConvInteger, SubtractsZeroPointsAndPadsWithXZeroPoint) {
  const Tensor x = make_tensor<uint8_t>({1, 1, 2, 2}, {1, 2, 3, 4});
  const Tensor w = make_tensor<uint8_t>({1, 1, 1, 1}, {3});
  const Tensor xz = scalar_q<uint8_t>(1), wz = scalar_q<uint8_t>(1);
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({1, 1, 2, 2}, {0, 2, 4, 6}), run_op("ConvInteger", 10, {}, {&x, &w, &xz, &wz})[0]));
  // Without zero points; a padded border contributes 0.
  const Tensor w2 = make_tensor<uint8_t>({1, 1, 2, 2}, {1, 1, 1, 1});
  const Tensor y = run_op("ConvInteger", 10, Attributes::ints("pads", {1, 1, 0, 0}), {&x, &w2})[0];
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({1, 1, 2, 2}, {1, 3, 4, 10}), y));
}

// ---- com.microsoft QLinearAdd / QLinearMul / QLinearConcat ----

template <typename T>
Tensor qbinary(const char* op, const Tensor& a, float as, T az, const Tensor& b, float bs, T bz, float cs, T cz) {
  const Tensor tas = scalar_f(as), tbs = scalar_f(bs), tcs = scalar_f(cs);
  const Tensor taz = scalar_q<T>(az), tbz = scalar_q<T>(bz), tcz = scalar_q<T>(cz);
  return run_op(op, 1, {}, {&a, &tas, &taz, &b, &tbs, &tbz, &tcs, &tcz}, 1, kMicrosoftDomain)[0];
}

TEST(QLinearAdd, HandComputed) {
  // DQ(A) = [0, 5], DQ(B) = [1, 1.5]; sum / 1 + 3 = [4, 9.5 -> 10].
  const Tensor a = make_tensor<uint8_t>({2}, {10, 20}), b = make_tensor<uint8_t>({2}, {4, 6});
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({2}, {4, 10}), qbinary<uint8_t>("QLinearAdd", a, 0.5f, 10, b, 0.25f, 0, 1.f, 3)));
  // Scalar A broadcast (ORT swaps it into the kernel's B slot): 10 + DQ(B) + 3 = [13, 14, 75.5 -> 76]; with C_zp
  // 250 everything saturates.
  const Tensor s = make_tensor<uint8_t>({1}, {30}), v = make_tensor<uint8_t>({3}, {0, 4, 250});
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({3}, {13, 14, 76}), qbinary<uint8_t>("QLinearAdd", s, 0.5f, 10, v, 0.25f, 0, 1.f, 3)));
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({3}, {255, 255, 255}), qbinary<uint8_t>("QLinearAdd", s, 0.5f, 10, v, 0.25f, 0, 1.f, 250)));
  // int8 ties round to even: -2.5 -> -2, 2.5 -> 2; B broadcast along rows.
  const Tensor a8 = make_tensor<int8_t>({2, 2}, {-5, 5, 7, -7}), b8 = make_tensor<int8_t>({2}, {0, 0});
  EXPECT_TRUE(tensors_close(make_tensor<int8_t>({2, 2}, {-2, 2, 4, -4}), qbinary<int8_t>("QLinearAdd", a8, 0.5f, 0, b8, 1.f, 0, 1.f, 0)));
}

TEST(QLinearAdd, FollowsOnnxruntimeFmaOrder) {
  // In real numbers 0.0123 * (112 + 238) / 0.07 + 128 = 189.5, a tie (-> 190); in float, ORT's AVX2 kernel
  // t = fma(a, rA, fma(b, rB, F)) gives 189.499985 -> 189, while the unfused (F + a*rA) + b*rB gives 189.5 -> 190.
  const Tensor a = make_tensor<uint8_t>({1, 2}, {112, 112}), b = make_tensor<uint8_t>({1, 2}, {238, 238});
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({1, 2}, {189, 189}),
                            qbinary<uint8_t>("QLinearAdd", a, 0.0123f, 0, b, 0.0123f, 0, 0.07f, 128)));
}

TEST(QLinearMul, HandComputed) {
  // r = (0.5 * 0.5) / 2 = 0.125; (A - 10) * B = [6, 12]; t = [0.75 + 1, 1.5 + 1] = [1.75 -> 2, 2.5 -> 2]
  // (C_zp is added before rounding: round(1.5) + 1 would give 3).
  const Tensor a = make_tensor<uint8_t>({2}, {12, 14}), b = make_tensor<uint8_t>({2}, {3, 3});
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({2}, {2, 2}), qbinary<uint8_t>("QLinearMul", a, 0.5f, 10, b, 0.5f, 0, 2.f, 1)));
  // Outer-product broadcast [2,1] x [1,3].
  const Tensor col = make_tensor<uint8_t>({2, 1}, {11, 12}), row = make_tensor<uint8_t>({1, 3}, {1, 2, 3});
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({2, 3}, {1, 2, 3, 2, 4, 6}), qbinary<uint8_t>("QLinearMul", col, 1.f, 10, row, 1.f, 0, 1.f, 0)));
  // int8 saturation both ways.
  const Tensor p = make_tensor<int8_t>({2}, {100, -100}), q = make_tensor<int8_t>({2}, {100, 100});
  EXPECT_TRUE(tensors_close(make_tensor<int8_t>({2}, {127, -128}), qbinary<int8_t>("QLinearMul", p, 1.f, 0, q, 1.f, 0, 1.f, 0)));
}

TEST(QLinearConcat, CopiesOrRequantizesEachInput) {
  // Output scale 1, zp 0. Input 1 shares them (copied); input 2: (20 - 10) * 0.25 = 2.5 -> 2; input 3: 255 * 2
  // saturates to 255.
  const Tensor ys = scalar_f(1.f), yz = scalar_q<uint8_t>(0);
  const Tensor x1 = make_tensor<uint8_t>({1, 2}, {1, 2}), s1 = scalar_f(1.f), z1 = scalar_q<uint8_t>(0);
  const Tensor x2 = make_tensor<uint8_t>({1, 1}, {20}), s2 = scalar_f(0.25f), z2 = scalar_q<uint8_t>(10);
  const Tensor x3 = make_tensor<uint8_t>({1, 1}, {255}), s3 = scalar_f(2.f), z3 = scalar_q<uint8_t>(0);
  const std::vector<const Tensor*> in = {&ys, &yz, &x1, &s1, &z1, &x2, &s2, &z2, &x3, &s3, &z3};
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({1, 4}, {1, 2, 2, 255}),
                            run_op("QLinearConcat", 1, Attributes::integer("axis", 1), in, 1, kMicrosoftDomain)[0]));
  // Along axis 0 with int8: (-4 - 0) * 0.5 = -2; (3 - 0) * 0.5 = 1.5 -> 2.
  const Tensor zs8 = scalar_q<int8_t>(0);
  const Tensor a = make_tensor<int8_t>({1, 2}, {5, -6}), b = make_tensor<int8_t>({1, 2}, {-4, 3}), half = scalar_f(0.5f);
  EXPECT_TRUE(tensors_close(make_tensor<int8_t>({2, 2}, {5, -6, -2, 2}),
                            run_op("QLinearConcat", 1, Attributes::integer("axis", 0), {&ys, &zs8, &a, &ys, &zs8, &b, &half, &zs8}, 1,
                                   kMicrosoftDomain)[0]));
}

}  // namespace
}  // namespace ssdx::test
