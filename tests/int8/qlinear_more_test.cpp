// MatMulInteger, QLinearMatMul and the com.microsoft QLinearLeakyRelu, QLinearSigmoid, QLinearAveragePool and
// QLinearGlobalAveragePool: hand-computed cases (ties, saturation, zero points, per-column B, broadcasting, padding,
// channels_last), then bit-exact parity with onnxruntime on random uint8 and int8 inputs.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <random>
#include <type_traits>
#include <utility>

#include "engine/session.h"
#include "graph/onnx_builder.h"
#include "int8/register_quant.h"
#include "tests/ort_oracle.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

Tensor scalar_f(float v) { return make_tensor<float>({}, {v}); }
template <typename T>
Tensor scalar_q(T v) { return make_tensor<T>({}, {v}); }
Attributes float_attr(const std::string& name, float v) {
  Attributes a;
  a.set_float(name, v);
  return a;
}

template <typename T>
Tensor random_q(Shape shape, uint32_t seed) {
  std::mt19937 rng(seed);
  return random_ints<T>(std::move(shape), rng);
}

// ---- MatMulInteger ----

Tensor matmul_integer(const Tensor& a, const Tensor& b, const Tensor* a_zp = nullptr, const Tensor* b_zp = nullptr) {
  return run_op("MatMulInteger", 10, {}, {&a, &b, a_zp, b_zp})[0];
}

// Plain [M,K] x [K,N] on already zero-point-adjusted values.
std::vector<int32_t> mm2d(const std::vector<int32_t>& a, const std::vector<int32_t>& b, int64_t m, int64_t k, int64_t n) {
  std::vector<int32_t> y(static_cast<size_t>(m * n), 0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t kk = 0; kk < k; ++kk) y[static_cast<size_t>(i * n + j)] += a[static_cast<size_t>(i * k + kk)] * b[static_cast<size_t>(kk * n + j)];
  return y;
}

template <typename T>
std::vector<int32_t> slice_of(const Tensor& t, int64_t first, int64_t count) {
  std::vector<int32_t> v;
  for (int64_t i = first; i < first + count; ++i) v.push_back(t.data<T>()[i]);
  return v;
}

TEST(MatMulInteger, ZeroPointsPerTensorPerColumnAndPerRow) {
  // A - 1 = [[0,1,2],[3,4,5]]; B - [1,-1] per column = [[0,0],[1,1],[-4,6]].
  const Tensor a = make_tensor<uint8_t>({2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor b = make_tensor<int8_t>({3, 2}, {1, -1, 2, 0, -3, 5});
  const Tensor a_zp = scalar_q<uint8_t>(1), b_zp = make_tensor<int8_t>({2}, {1, -1});
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({2, 2}, {-7, 13, -16, 34}), matmul_integer(a, b, &a_zp, &b_zp)));
  // Per-row A zero points (ONNX allows them; onnxruntime does not): both rows become [0,1,2].
  const Tensor a_rows = make_tensor<uint8_t>({2}, {1, 4});
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({2, 2}, {-7, 13, -7, 13}), matmul_integer(a, b, &a_rows, &b_zp)));
  // No zero points at all.
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({2, 2}, {-4, 14, -4, 26}), matmul_integer(a, b)));
}

TEST(MatMulInteger, BroadcastsBatchesAndPromotesVectors) {
  const Tensor a = random_q<uint8_t>({2, 1, 2, 3}, 1);
  const Tensor b = random_q<int8_t>({3, 3, 2}, 2);
  const Tensor y = matmul_integer(a, b);
  ASSERT_EQ(shape_str(y.shape()), "[2,3,2,2]");
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      EXPECT_EQ(mm2d(slice_of<uint8_t>(a, i * 6, 6), slice_of<int8_t>(b, j * 6, 6), 2, 3, 2), slice_of<int32_t>(y, (i * 3 + j) * 4, 4));
  // 1-D A times a batch of B: [3] x [2,3,4] -> [2,4]; a batch of A times 1-D B: [2,2,3] x [3] -> [2,2].
  const Tensor v = random_q<uint8_t>({3}, 3), bb = random_q<int8_t>({2, 3, 4}, 4), aa = random_q<int8_t>({2, 2, 3}, 5);
  const Tensor yv = matmul_integer(v, bb);
  ASSERT_EQ(shape_str(yv.shape()), "[2,4]");
  for (int64_t j = 0; j < 2; ++j)
    EXPECT_EQ(mm2d(slice_of<uint8_t>(v, 0, 3), slice_of<int8_t>(bb, j * 12, 12), 1, 3, 4), slice_of<int32_t>(yv, j * 4, 4));
  const Tensor ya = matmul_integer(aa, random_q<int8_t>({3}, 6));
  ASSERT_EQ(shape_str(ya.shape()), "[2,2]");
}

TEST(MatMulInteger, RejectsBadShapesAndTypes) {
  const Tensor a = random_q<uint8_t>({2, 3}, 1), b = random_q<uint8_t>({4, 2}, 2), bad_zp = make_tensor<uint8_t>({3}, {0, 0, 0});
  EXPECT_THROW(matmul_integer(a, b), Error);  // K 3 vs 4
  const Tensor b3 = random_q<uint8_t>({3, 2}, 3);
  EXPECT_THROW(matmul_integer(a, b3, nullptr, &bad_zp), Error);  // 3 zero points for 2 columns
  const Tensor f = random_tensor({2, 3}, 4);
  EXPECT_THROW(matmul_integer(f, b3), Error);
  const Tensor s8_zp = scalar_q<int8_t>(0);
  EXPECT_THROW(matmul_integer(a, b3, &s8_zp), Error);  // zero point of another type than A
}

// ---- QLinearMatMul ----

template <typename TA, typename TB, typename TY>
Tensor qlinear_matmul(const Tensor& a, float as, TA az, const Tensor& b, const Tensor& bs, const Tensor& bz, float ys, TY yz) {
  const Tensor tas = scalar_f(as), taz = scalar_q<TA>(az), tys = scalar_f(ys), tyz = scalar_q<TY>(yz);
  return run_op("QLinearMatMul", 10, {}, {&a, &tas, &taz, &b, &bs, &bz, &tys, &tyz})[0];
}

TEST(QLinearMatMul, HandComputedTiesSaturationAndPerColumnScales) {
  // A - 1 = [[1,3],[3,1]]; B columns scaled by 0.5, 1, 4 (a_scale = y_scale = 1), y_zp 10.
  // Row 0: acc [5, 8, 150] -> [2.5 -> 2, 8, 600 -> sat] -> [12, 18, 255]. Row 1: acc [7, 16, 130] -> [3.5 -> 4, 16,
  // 520] -> [14, 26, 255].
  const Tensor a = make_tensor<uint8_t>({2, 2}, {2, 4, 4, 2});
  const Tensor b = make_tensor<uint8_t>({2, 3}, {2, 5, 30, 1, 1, 40});
  const Tensor bs = make_tensor<float>({3}, {0.5f, 1.f, 4.f}), bz = scalar_q<uint8_t>(0);
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({2, 3}, {12, 18, 255, 14, 26, 255}),
                            qlinear_matmul<uint8_t, uint8_t, uint8_t>(a, 1.f, 1, b, bs, bz, 1.f, 10)));
  // int8: A - (-1) = [-127, 128]; acc = [1, -126, 129], scale (0.5 * [1,4,1]) / 1, y_zp -1:
  // 0.5 -> 0 -> -1; -252 -> -253 -> saturates at -128; 64.5 -> 64 -> 63.
  const Tensor a8 = make_tensor<int8_t>({1, 2}, {-128, 127});
  const Tensor b8 = make_tensor<int8_t>({2, 3}, {1, 2, 1, 1, 1, 2});
  const Tensor bs8 = make_tensor<float>({3}, {1.f, 4.f, 1.f}), bz8 = make_tensor<int8_t>({1}, {0});
  EXPECT_TRUE(tensors_close(make_tensor<int8_t>({1, 3}, {-1, -128, 63}),
                            qlinear_matmul<int8_t, int8_t, int8_t>(a8, 0.5f, -1, b8, bs8, bz8, 1.f, -1)));
}

TEST(QLinearMatMul, PerColumnParametersOfEachBatchMatrix) {
  // B [2,3,2] with b_scale / b_zero_point [2,1,2]: every matrix of the batch has its own column parameters; A's
  // batch of 2 broadcasts against it. Power-of-two scales keep every product exact, so the formula is exact too.
  const Tensor a = random_q<uint8_t>({2, 1, 4, 3}, 7), b = random_q<int8_t>({2, 3, 2}, 8);
  const Tensor bs = make_tensor<float>({2, 1, 2}, {0.25f, 0.5f, 1.f, 0.125f}), bz = make_tensor<int8_t>({2, 1, 2}, {0, 3, -5, 2});
  const Tensor y = qlinear_matmul<uint8_t, int8_t, uint8_t>(a, 0.5f, 100, b, bs, bz, 64.f, 120);
  ASSERT_EQ(shape_str(y.shape()), "[2,2,4,2]");
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 2; ++j) {
      std::vector<int32_t> av = slice_of<uint8_t>(a, i * 12, 12), bv = slice_of<int8_t>(b, j * 6, 6);
      for (auto& v : av) v -= 100;
      for (int64_t r = 0; r < 6; ++r) bv[static_cast<size_t>(r)] -= bz.data<int8_t>()[j * 2 + r % 2];
      const std::vector<int32_t> acc = mm2d(av, bv, 4, 3, 2);
      for (int64_t e = 0; e < 8; ++e) {
        const double s = 0.5 * bs.data<float>()[j * 2 + e % 2] / 64.0;
        const double q = std::nearbyint(acc[static_cast<size_t>(e)] * s) + 120;
        EXPECT_EQ(static_cast<int>(std::min(255.0, std::max(0.0, q))), y.data<uint8_t>()[(i * 2 + j) * 8 + e]) << i << j << e;
      }
    }
}

TEST(QLinearMatMul, RejectsPerColumnAAndMismatchedB) {
  const Tensor a = random_q<uint8_t>({2, 3}, 1), b = random_q<uint8_t>({3, 2}, 2);
  const Tensor ok = scalar_f(1.f), z = scalar_q<uint8_t>(0), three = make_tensor<float>({3}, {1.f, 1.f, 1.f});
  EXPECT_THROW(run_op("QLinearMatMul", 10, {}, {&a, &three, &z, &b, &ok, &z, &ok, &z}), Error);  // a_scale per row
  EXPECT_THROW(run_op("QLinearMatMul", 10, {}, {&a, &ok, &z, &b, &three, &z, &ok, &z}), Error);  // 3 scales, N = 2
  EXPECT_THROW(run_op("QLinearMatMul", 10, {}, {&a, &ok, &z, &b, &ok, &z, &ok}), Error);        // y_zero_point missing
}

// ---- QLinearLeakyRelu / QLinearSigmoid ----

template <typename T>
Tensor qlookup(const char* op, const Tensor& x, float xs, T xz, float ys, T yz, const Attributes& attrs = {}) {
  const Tensor txs = scalar_f(xs), txz = scalar_q<T>(xz), tys = scalar_f(ys), tyz = scalar_q<T>(yz);
  return run_op(op, 1, attrs, {&x, &txs, &txz, &tys, &tyz}, 1, kMicrosoftDomain)[0];
}

TEST(QLinearLeakyRelu, HandComputed) {
  // x = 0.5 * (v - 128); y = x or 0.25 x, quantized with scale 0.25, zp 100:
  // v 131 -> 1.5 -> 6 -> 106; v 125 -> -0.375 -> -1.5 -> -2 -> 98; v 123 -> -0.625 -> -2.5 -> -2 -> 98;
  // v 121 -> -0.875 -> -3.5 -> -4 -> 96; v 255 -> 63.5 -> 254 + 100 -> 255; v 0 -> -16 -> -64 -> 36.
  const Tensor x = make_tensor<uint8_t>({6}, {131, 125, 123, 121, 255, 0});
  const Tensor y = qlookup<uint8_t>("QLinearLeakyRelu", x, 0.5f, 128, 0.25f, 100, float_attr("alpha", 0.25f));
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({6}, {106, 98, 98, 96, 255, 36}), y));
  // Default alpha 0.01, int8: x = v; -100 -> -1 -> -1 + (-128) ... y_scale 1, y_zp 0: [-1, 5, -128 * 0.01 -> -1.28 -> -1].
  const Tensor x8 = make_tensor<int8_t>({3}, {-100, 5, -128});
  EXPECT_TRUE(tensors_close(make_tensor<int8_t>({3}, {-1, 5, -1}), qlookup<int8_t>("QLinearLeakyRelu", x8, 1.f, 0, 1.f, 0)));
}

TEST(QLinearSigmoid, HandComputedAndCloseToTheTrueSigmoid) {
  // x = 0 gives exactly 0.5 (p = 0), i.e. 128 with scale 1/256; large x saturate at 255 / 0.
  const Tensor x = make_tensor<uint8_t>({3}, {128, 255, 0});
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({3}, {128, 255, 0}), qlookup<uint8_t>("QLinearSigmoid", x, 0.25f, 128, 1.f / 256, 0)));
  // Every int8 input: within one step of the exactly rounded sigmoid (MLAS's approximation is accurate to ~1e-7).
  Tensor all(DataType::Int8, {256});
  for (int i = 0; i < 256; ++i) all.data<int8_t>()[i] = static_cast<int8_t>(i - 128);
  const Tensor y = qlookup<int8_t>("QLinearSigmoid", all, 0.05f, 3, 1.f / 256, -128);
  for (int i = 0; i < 256; ++i) {
    const double s = 1 / (1 + std::exp(-0.05 * (i - 128 - 3)));
    EXPECT_NEAR(std::min(127.0, std::nearbyint(s * 256) - 128), y.data<int8_t>()[i], 1) << i;
  }
}

// ---- QLinearAveragePool / QLinearGlobalAveragePool ----

template <typename T>
Tensor qpool(const char* op, const Tensor& x, float xs, T xz, float ys, T yz, const Attributes& attrs) {
  const Tensor txs = scalar_f(xs), txz = scalar_q<T>(xz), tys = scalar_f(ys), tyz = scalar_q<T>(yz);
  return run_op(op, 1, attrs, {&x, &txs, &txz, &tys, &tyz}, 1, kMicrosoftDomain)[0];
}

Attributes pool_attrs(std::vector<int64_t> kernel, std::vector<int64_t> strides, std::vector<int64_t> pads, int64_t include_pad = 0) {
  Attributes a = Attributes::ints("kernel_shape", std::move(kernel));
  a.set_ints("strides", std::move(strides));
  a.set_ints("pads", std::move(pads));
  a.set_int("count_include_pad", include_pad);
  return a;
}

TEST(QLinearAveragePool, ZeroPointIsAddedBeforeRounding) {
  // Window averages 0.5, 1.5, 3.5 (scales 1): ORT's pool quantizer rounds avg + y_zp = 1.5, 2.5, 4.5 -> 2, 2, 4 (MLAS's
  // QuantizeLinear would give 0 + 1, 2 + 1, 4 + 1).
  const Tensor x = make_tensor<uint8_t>({1, 1, 4}, {0, 1, 2, 5});
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({1, 1, 3}, {2, 2, 4}), qpool<uint8_t>("QLinearAveragePool", x, 1.f, 0, 1.f, 1, pool_attrs({2}, {1}, {0, 0}))));
}

TEST(QLinearAveragePool, CountIncludePad) {
  // x = [2, 4, 6], kernel 3, pads 1/1: windows [pad,2,4], [2,4,6], [4,6,pad].
  const Tensor x = make_tensor<uint8_t>({1, 1, 3}, {2, 4, 6});
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({1, 1, 3}, {3, 4, 5}), qpool<uint8_t>("QLinearAveragePool", x, 1.f, 0, 1.f, 0, pool_attrs({3}, {1}, {1, 1}, 0))));
  // Including the pads: 6/3 = 2, 4, 10/3 -> 3. Padding is a real 0, not x_zp: with x_zp 2 the values are [0,2,4]
  // and the windows give 2/3 -> 1, 6/3 = 2, 6/3 = 2.
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({1, 1, 3}, {2, 4, 3}), qpool<uint8_t>("QLinearAveragePool", x, 1.f, 0, 1.f, 0, pool_attrs({3}, {1}, {1, 1}, 1))));
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({1, 1, 3}, {1, 2, 2}), qpool<uint8_t>("QLinearAveragePool", x, 1.f, 2, 1.f, 0, pool_attrs({3}, {1}, {1, 1}, 1))));
}

TEST(QLinearAveragePool, KernelCoveringTheInputTakesTheGlobalPoolArithmetic) {
  // [0, 1] averaged: 0.5. As a whole-input kernel ORT runs MLAS's global pool: round(0.5) + 1 = 1. As one window of a
  // wider input (stride 2) it runs the float path: round(0.5 + 1) = 2.
  const Tensor x = make_tensor<uint8_t>({1, 1, 1, 2}, {0, 1});
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({1, 1, 1, 1}, {1}), qpool<uint8_t>("QLinearAveragePool", x, 1.f, 0, 1.f, 1, pool_attrs({1, 2}, {1, 2}, {0, 0, 0, 0}))));
  const Tensor wide = make_tensor<uint8_t>({1, 1, 1, 3}, {0, 1, 9});
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({1, 1, 1, 1}, {2}), qpool<uint8_t>("QLinearAveragePool", wide, 1.f, 0, 1.f, 1, pool_attrs({1, 2}, {1, 2}, {0, 0, 0, 0}))));
}

TEST(QLinearAveragePool, ChannelsLastMatchesNchw) {
  const Tensor x = random_q<int8_t>({2, 3, 5, 6}, 9);
  Tensor x_nhwc(DataType::Int8, {2, 5, 6, 3});
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t s = 0; s < 30; ++s) x_nhwc.data<int8_t>()[(n * 30 + s) * 3 + c] = x.data<int8_t>()[(n * 3 + c) * 30 + s];
  Attributes a = pool_attrs({3, 2}, {2, 2}, {1, 0, 1, 1}, 1);
  a.set_int("ceil_mode", 1);
  const Tensor y = qpool<int8_t>("QLinearAveragePool", x, 0.1f, -3, 0.07f, 5, a);
  a.set_int("channels_last", 1);
  const Tensor y_nhwc = qpool<int8_t>("QLinearAveragePool", x_nhwc, 0.1f, -3, 0.07f, 5, a);
  ASSERT_EQ(y.dim(1), 3);
  ASSERT_EQ(shape_str({y.dim(0), y.dim(2), y.dim(3), y.dim(1)}), shape_str(y_nhwc.shape()));
  const int64_t s_out = y.dim(2) * y.dim(3);
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t s = 0; s < s_out; ++s)
        EXPECT_EQ(y.data<int8_t>()[(n * 3 + c) * s_out + s], y_nhwc.data<int8_t>()[(n * s_out + s) * 3 + c]);
}

TEST(QLinearGlobalAveragePool, HandComputed) {
  // int8, x_zp -1: channel sums -6 + 3 = -3 and 7 + 3 = 10, scale 1 / (1 * 3): -1 and 3.33 -> 3.
  const Tensor x = make_tensor<int8_t>({1, 2, 1, 3}, {-3, -2, -1, 1, 2, 4});
  EXPECT_TRUE(tensors_close(make_tensor<int8_t>({1, 2, 1, 1}, {-1, 3}), qpool<int8_t>("QLinearGlobalAveragePool", x, 1.f, -1, 1.f, 0, {})));
  // MLAS rounds the average first, then adds y_zp: (1 + 4) / 2 = 2.5 -> 2 -> 5. channels_last: [N, spatial, C].
  const Tensor u = make_tensor<uint8_t>({1, 2, 2}, {1, 10, 4, 20});
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({1, 1, 2}, {5, 18}), qpool<uint8_t>("QLinearGlobalAveragePool", u, 1.f, 0, 1.f, 3, Attributes::integer("channels_last", 1))));
  // MLAS refuses x_scale / (y_scale * S) >= 256.
  EXPECT_THROW(qpool<uint8_t>("QLinearGlobalAveragePool", u, 1.f, 0, 1e-3f, 3, {}), Error);
}

TEST(QLinearPoolAndLookup, RejectBadInputs) {
  const Tensor x = random_q<uint8_t>({1, 2, 4, 4}, 10);
  Attributes dilated = pool_attrs({2, 2}, {1, 1}, {0, 0, 0, 0});
  dilated.set_ints("dilations", {2, 2});
  EXPECT_THROW(qpool<uint8_t>("QLinearAveragePool", x, 1.f, 0, 1.f, 0, dilated), Error);
  EXPECT_THROW(qpool<uint8_t>("QLinearAveragePool", x, 1.f, 0, 1.f, 0, pool_attrs({2}, {1}, {0, 0})), Error);  // 1-D kernel, 2-D image
  const Tensor flat = random_q<uint8_t>({4, 4}, 11);
  EXPECT_THROW(qpool<uint8_t>("QLinearGlobalAveragePool", flat, 1.f, 0, 1.f, 0, {}), Error);  // rank < 3
  const Tensor f = random_tensor({1, 2, 4, 4}, 12), s = scalar_f(1.f), z = scalar_q<uint8_t>(0);
  EXPECT_THROW(run_op("QLinearSigmoid", 1, {}, {&f, &s, &z, &s, &z}, 1, kMicrosoftDomain), Error);
  const Tensor two = make_tensor<float>({2}, {1.f, 1.f}), z8 = scalar_q<int8_t>(0);
  EXPECT_THROW(run_op("QLinearLeakyRelu", 1, {}, {&x, &two, &z, &s, &z}, 1, kMicrosoftDomain), Error);  // per-channel
  EXPECT_THROW(run_op("QLinearLeakyRelu", 1, {}, {&x, &s, &z8, &s, &z}, 1, kMicrosoftDomain), Error);   // zp type
}

// ---- parity with onnxruntime ----

// A model of many single-op nodes over a few inputs; output shapes come from our shape inference.
class OpsModel {
 public:
  OpsModel() : b_(13, 7) { b_.set_opset(kMicrosoftDomain, 1); }

  void input(const std::string& name, const Tensor& t) {
    b_.add_input(name, t.dtype(), t.shape());
    feeds_[name] = t;
    known_[name] = t;
  }
  void constant(const std::string& name, const Tensor& t) {
    b_.add_initializer(name, t);
    known_[name] = t;
  }
  // Adds `op` (com.microsoft unless `onnx`) with its output `out` as a graph output.
  void node(const std::string& op, const std::vector<std::string>& inputs, const std::string& out, const Attributes& attrs = {},
            bool onnx = false) {
    const std::string domain = onnx ? "" : kMicrosoftDomain;
    std::vector<ValueInfo> infos;
    for (const std::string& in : inputs) infos.push_back(in.empty() ? ValueInfo{} : value_info(known_.at(in).dtype(), known_.at(in).shape()));
    const ValueInfo y = infer_op(op, onnx ? 13 : 1, attrs, infos, 1, domain)[0];
    b_.add_node(op, inputs, {out}, attrs, out, domain);
    b_.add_output(out, y.dtype, y.shape);
    known_[out] = Tensor(y.dtype, y.shape);
  }

  // Runs both engines and returns the number of differing elements over all outputs (printing each output's).
  int64_t mismatches(const std::string& name) {
    const TempModelFile file(b_, "qlinear_more_" + name);
    TensorMap ours = Session::load(file.path)->run(feeds_);
    TensorMap ref = run_ort(file.path, feeds_);
    int64_t total = 0;
    for (const auto& [out, expected] : ref) {
      const Tensor& got = ours.at(out);
      EXPECT_EQ(expected.dtype(), got.dtype()) << out;
      EXPECT_EQ(shape_str(expected.shape()), shape_str(got.shape())) << out;
      if (expected.dtype() != got.dtype() || expected.shape() != got.shape()) continue;
      int64_t differ = 0, worst = 0;
      for (int64_t i = 0; i < got.numel(); ++i) {
        const int64_t d = std::abs(expected.int_at(i) - got.int_at(i));
        differ += d != 0;
        worst = std::max(worst, d);
      }
      std::printf("[ parity ] %s %s: %lld values, %lld differ (max %lld)\n", name.c_str(), out.c_str(),
                  static_cast<long long>(got.numel()), static_cast<long long>(differ), static_cast<long long>(worst));
      total += differ;
    }
    return total;
  }

 private:
  ModelBuilder b_;
  TensorMap feeds_;
  std::map<std::string, Tensor> known_;
};

// Random quantization parameters: scale in [lo, hi), zero point anywhere in T's range.
template <typename T>
struct QRandom {
  std::mt19937 rng;
  explicit QRandom(uint32_t seed) : rng(seed) {}
  float scale(float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(rng); }
  T zp() { return static_cast<T>(std::uniform_int_distribution<int>(std::numeric_limits<T>::min(), std::numeric_limits<T>::max())(rng)); }
};

// Every com.microsoft op of this file on random T data (and every byte value for the lookup tables), plus the two
// ONNX matmuls, in one model per type so onnxruntime starts once.
template <typename T>
int64_t run_parity(const std::string& name, uint32_t seed) {
  OpsModel m;
  QRandom<T> r(seed);
  m.input("x", random_q<T>({2, 5, 9, 11}, seed + 1));
  m.input("x_nhwc", random_q<T>({2, 9, 11, 5}, seed + 2));
  m.input("x1d", random_q<T>({2, 3, 17}, seed + 3));
  m.input("x3d", random_q<T>({1, 2, 5, 6, 7}, seed + 4));
  Tensor all(DTypeOf<T>::value, {256});
  for (int i = 0; i < 256; ++i) all.data<T>()[i] = static_cast<T>(static_cast<uint8_t>(i));
  m.input("all", all);

  // Pools: x_scale / y_scale between 1/2 and 2 keeps outputs in range (a few saturate).
  const float xs = r.scale(0.01f, 0.1f);
  m.constant("xs", scalar_f(xs));
  m.constant("xz", scalar_q<T>(r.zp()));
  m.constant("ys", scalar_f(xs * r.scale(0.5f, 2.f)));
  m.constant("yz", scalar_q<T>(r.zp()));
  const std::vector<std::string> q = {"xs", "xz", "ys", "yz"};
  auto pool = [&](const std::string& x, const std::string& out, const Attributes& a, const char* op = "QLinearAveragePool") {
    m.node(op, {x, q[0], q[1], q[2], q[3]}, out, a);
  };
  pool("x", "avg_3x3_s2_p1", pool_attrs({3, 3}, {2, 2}, {1, 1, 1, 1}, 0));
  pool("x", "avg_3x3_s2_p1_incl", pool_attrs({3, 3}, {2, 2}, {1, 1, 1, 1}, 1));
  Attributes ceil = pool_attrs({2, 2}, {2, 2}, {0, 0, 0, 0}, 0);
  ceil.set_int("ceil_mode", 1);
  pool("x", "avg_2x2_ceil", ceil);
  ceil.set_int("count_include_pad", 1);
  pool("x", "avg_2x2_ceil_incl", ceil);
  Attributes same = Attributes::ints("kernel_shape", {3, 2});
  same.set_string("auto_pad", "SAME_UPPER");
  pool("x", "avg_3x2_same_upper", same);
  pool("x", "avg_whole_input", pool_attrs({9, 11}, {1, 1}, {0, 0, 0, 0}));
  Attributes nhwc = pool_attrs({3, 3}, {1, 1}, {1, 0, 1, 2}, 1);
  nhwc.set_int("channels_last", 1);
  pool("x_nhwc", "avg_nhwc", nhwc);
  pool("x1d", "avg_1d", pool_attrs({4}, {3}, {2, 1}, 1));
  pool("x3d", "avg_3d", pool_attrs({2, 3, 2}, {1, 2, 2}, {0, 1, 1, 1, 0, 1}, 0));
  pool("x", "global", {}, "QLinearGlobalAveragePool");
  pool("x_nhwc", "global_nhwc", Attributes::integer("channels_last", 1), "QLinearGlobalAveragePool");
  pool("x1d", "global_1d", {}, "QLinearGlobalAveragePool");
  // The hand-computed ties above, through onnxruntime too: the window path rounds avg + y_zp, a whole-input kernel
  // (global pool arithmetic) rounds avg and then adds y_zp.
  m.input("ties", make_tensor<T>({1, 1, 4}, {0, 1, 2, 5}));
  m.input("pair", make_tensor<T>({1, 1, 1, 2}, {0, 1}));
  m.constant("one", scalar_f(1.f));
  m.constant("z0", scalar_q<T>(0));
  m.constant("z1", scalar_q<T>(1));
  m.node("QLinearAveragePool", {"ties", "one", "z0", "one", "z1"}, "avg_ties", pool_attrs({2}, {1}, {0, 0}));
  m.node("QLinearAveragePool", {"pair", "one", "z0", "one", "z1"}, "avg_pair_whole", pool_attrs({1, 2}, {1, 2}, {0, 0, 0, 0}));
  m.node("QLinearGlobalAveragePool", {"pair", "one", "z0", "one", "z1"}, "global_pair");

  // Lookup tables over every byte value and on the random image; sigmoid also with its usual output parameters.
  m.node("QLinearLeakyRelu", {"all", "xs", "xz", "ys", "yz"}, "leaky_all", float_attr("alpha", 0.1f));
  m.node("QLinearLeakyRelu", {"x", "xs", "xz", "ys", "yz"}, "leaky_x");
  m.constant("xs_wide", scalar_f(r.scale(0.02f, 0.08f)));
  m.constant("sig_s", scalar_f(1.f / 256));
  m.constant("sig_z", scalar_q<T>(std::numeric_limits<T>::min()));
  m.constant("sig_s2", scalar_f(r.scale(0.002f, 0.006f)));
  m.node("QLinearSigmoid", {"all", "xs_wide", "xz", "sig_s", "sig_z"}, "sigmoid_all");
  m.node("QLinearSigmoid", {"all", "xs_wide", "xz", "sig_s2", "yz"}, "sigmoid_all_zp");
  m.node("QLinearSigmoid", {"x", "xs_wide", "xz", "sig_s", "sig_z"}, "sigmoid_x");
  // Scales (found offline) where one table entry differs between ORT's FMA3 logistic kernel (AVX2 hosts) and its SSE2
  // one: they pin which of the two the table reproduces.
  const std::vector<std::pair<float, float>> fma_witnesses = {{0x1.c1d8dcp-5f, 0x1.c55beep-8f}, {0x1.9f3c44p-5f, 0x1.dfbe9ep-8f},
                                                              {0x1.7370d8p-5f, 0x1.31a764p-9f}, {0x1.939c98p-3f, 0x1.1b0158p-8f}};
  m.constant("sig_xz", scalar_q<T>(std::is_signed_v<T> ? 0 : 128));
  for (size_t i = 0; i < fma_witnesses.size(); ++i) {
    const std::string id = std::to_string(i);
    m.constant("wxs" + id, scalar_f(fma_witnesses[i].first));
    m.constant("wys" + id, scalar_f(fma_witnesses[i].second));
    m.node("QLinearSigmoid", {"all", "wxs" + id, "sig_xz", "wys" + id, "sig_z"}, "sigmoid_fma_witness" + id);
  }

  // QLinearMatMul with per-column B (int8 B, as onnxruntime's uint8 and int8 kernels both take) and MatMulInteger.
  m.input("a", random_q<T>({2, 7, 13}, seed + 5));
  m.input("b", random_q<int8_t>({13, 6}, seed + 6));
  const float as = r.scale(0.01f, 0.05f);
  std::vector<float> bsv;
  std::vector<int8_t> bzv;
  for (int j = 0; j < 6; ++j) bsv.push_back(r.scale(0.005f, 0.02f));
  for (int j = 0; j < 6; ++j) bzv.push_back(static_cast<int8_t>(std::uniform_int_distribution<int>(-20, 20)(r.rng)));
  m.constant("as", scalar_f(as));
  m.constant("az", scalar_q<T>(r.zp()));
  m.constant("bs", make_tensor<float>({6}, bsv));
  m.constant("bz", make_tensor<int8_t>({6}, bzv));
  m.constant("mys", scalar_f(as * 0.0125f * 400));
  m.constant("myz", scalar_q<T>(r.zp()));
  m.node("QLinearMatMul", {"a", "as", "az", "b", "bs", "bz", "mys", "myz"}, "qmatmul", {}, true);
  m.node("MatMulInteger", {"a", "b", "az", "bz"}, "matmul_integer", {}, true);
  return m.mismatches(name);
}

TEST(QLinearMoreOrtParity, Uint8BitExact) {
  SSDX_NEED_ORT();
  EXPECT_EQ(0, run_parity<uint8_t>("u8", 100));
}

TEST(QLinearMoreOrtParity, Int8BitExact) {
  SSDX_NEED_ORT();
  EXPECT_EQ(0, run_parity<int8_t>("s8", 200));
}

}  // namespace
}  // namespace ssdx::test
