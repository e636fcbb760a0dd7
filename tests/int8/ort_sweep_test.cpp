// onnxruntime as the oracle of the int8 arithmetic, swept: random quantization parameters (both zero points nonzero)
// over every input value or pair, for QLinearAdd and QLinearMul (the three broadcast cases: both operands vary, a
// scalar B, a scalar A), QuantizeLinear / DequantizeLinear (per tensor and per axis, values on and next to rounding
// ties) and QLinearConv's requantization. Each sweep is one model with a node per parameter set; every output must
// equal onnxruntime's bit for bit, both through a Session (fast kernels where they apply) and through the reference
// kernel alone. The engine's arithmetic is docs/ort_arithmetic.md's; these tests are what holds it to onnxruntime.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <random>

#include "engine/session.h"
#include "graph/onnx_builder.h"
#include "int8/qlinear_binary.h"
#include "int8/quant_util.h"
#include "int8/register_quant.h"
#include "tests/ort_oracle.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

// A model of independent one-node cases reading shared inputs. Every node is also run alone through its reference
// kernel (no input known at creation), and both results are compared with onnxruntime's.
class Sweep {
 public:
  explicit Sweep(int64_t opset) : b_(opset) { b_.set_opset(kMicrosoftDomain, 1); }

  void input(const std::string& name, const Tensor& t) {
    b_.add_input(name, t.dtype(), t.shape());
    feeds_[name] = t;
    values_[name] = t;
  }
  void constant(const std::string& name, const Tensor& t) {
    b_.add_initializer(name, t);
    values_[name] = t;
  }
  void node(const std::string& op, const std::string& domain, int64_t opset, const std::vector<std::string>& inputs,
            const std::string& out, const Attributes& attrs = {}) {
    b_.add_node(op, inputs, {out}, attrs, out, domain);
    std::vector<const Tensor*> in;
    for (const std::string& name : inputs) in.push_back(name.empty() ? nullptr : &values_.at(name));
    std::vector<Tensor> ref = run_op_knowing(op, opset, attrs, in, {}, domain).first;
    b_.add_output(out, ref[0].dtype(), ref[0].shape());
    reference_[out] = ref[0];
  }

  // The number of output elements that differ from onnxruntime's, by engine path; prints each sweep's totals.
  void expect_equal_to_ort(const std::string& name) {
    const TempModelFile file(b_, "ort_sweep_" + name);
    const TensorMap ours = Session::load(file.path)->run(feeds_);
    const TensorMap ort = run_ort(file.path, feeds_);
    int64_t values = 0, session_differ = 0, reference_differ = 0;
    for (const auto& [out, expected] : ort) {
      values += expected.numel();
      session_differ += differing(expected, ours.at(out), out + " (session)");
      reference_differ += differing(expected, reference_.at(out), out + " (reference kernel)");
    }
    std::printf("[ sweep ] %s: %zu cases, %lld values; differ from ORT: session %lld, reference %lld\n",
                name.c_str(), ort.size(), static_cast<long long>(values), static_cast<long long>(session_differ),
                static_cast<long long>(reference_differ));
    EXPECT_EQ(ort.size(), reference_.size());
    EXPECT_EQ(session_differ, 0) << name;
    EXPECT_EQ(reference_differ, 0) << name;
  }

 private:
  // Element-wise bit comparison; reports the first difference with its position.
  int64_t differing(const Tensor& expected, const Tensor& got, const std::string& what) {
    EXPECT_EQ(dtype_name(expected.dtype()), dtype_name(got.dtype())) << what;
    EXPECT_EQ(shape_str(expected.shape()), shape_str(got.shape())) << what;
    if (expected.dtype() != got.dtype() || expected.shape() != got.shape()) return expected.numel();
    const size_t size = dtype_size(got.dtype());
    const auto* e = static_cast<const unsigned char*>(expected.raw());
    const auto* g = static_cast<const unsigned char*>(got.raw());
    int64_t differ = 0;
    for (int64_t i = 0; i < got.numel(); ++i) {
      if (std::memcmp(e + i * size, g + i * size, size) == 0) continue;
      if (differ++ == 0)
        ADD_FAILURE() << what << ": element " << i << " is " << element_str(got, i) << ", onnxruntime gives "
                      << element_str(expected, i);
    }
    return differ;
  }
  static std::string element_str(const Tensor& t, int64_t i) {
    if (t.dtype() == DataType::Float) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(t.data<float>()[i]));
      return buf;
    }
    return std::to_string(t.int_at(i));
  }

  ModelBuilder b_;
  TensorMap feeds_;
  std::map<std::string, Tensor> values_;
  std::map<std::string, Tensor> reference_;
};

template <typename T>
constexpr int kLowest = std::numeric_limits<T>::min();
template <typename T>
constexpr int kHighest = std::numeric_limits<T>::max();

// A random zero point that is not 0.
template <typename T>
T nonzero_zp(std::mt19937& rng) {
  std::uniform_int_distribution<int> d(kLowest<T>, kHighest<T>);
  for (;;)
    if (const int v = d(rng)) return static_cast<T>(v);
}
// Scales spread over four decades, as calibrated activations are.
float random_scale(std::mt19937& rng, float lo = 1e-3f, float hi = 1.f) {
  std::uniform_real_distribution<float> e(std::log10(lo), std::log10(hi));
  return std::pow(10.f, e(rng));
}

// Every 8-bit value along the last dim, repeated over `rows` rows: [rows, 256].
template <typename T>
Tensor every_value_along_rows(int64_t rows) {
  Tensor t(DTypeOf<T>::value, {rows, 256});
  for (int64_t r = 0; r < rows; ++r)
    for (int v = 0; v < 256; ++v) t.data<T>()[r * 256 + v] = static_cast<T>(kLowest<T> + v);
  return t;
}
// Every 8-bit value down the first dim: [256, cols] with row r holding the value lowest + r.
template <typename T>
Tensor every_value_down_columns(int64_t cols) {
  Tensor t(DTypeOf<T>::value, {256, cols});
  for (int v = 0; v < 256; ++v)
    for (int64_t c = 0; c < cols; ++c) t.data<T>()[v * cols + c] = static_cast<T>(kLowest<T> + v);
  return t;
}

// QLinearAdd / QLinearMul over all 65,536 (a, b) pairs in the three broadcast cases ORT distinguishes: A and B both
// [256, 256] (both vary along the span), B [256, 1] (a scalar B per span), A [256, 1] (a scalar A, which ORT swaps
// into the kernel's B slot). `params` sets of random scales and nonzero zero points.
template <typename T>
void sweep_qbinary(const std::string& op, int params, uint32_t seed) {
  Sweep s(13);
  s.input("rows", every_value_along_rows<T>(256));   // [256, 256]: element (i, j) = lowest + j
  s.input("cols", every_value_down_columns<T>(256)); // [256, 256]: element (i, j) = lowest + i
  s.input("column", every_value_down_columns<T>(1)); // [256, 1]: element i = lowest + i
  std::mt19937 rng(seed);
  for (int p = 0; p < params; ++p) {
    const std::string k = std::to_string(p);
    for (const char* q : {"a", "b", "c"}) {
      s.constant(std::string(q) + "_scale" + k, make_tensor<float>({}, {random_scale(rng)}));
      s.constant(std::string(q) + "_zp" + k, make_tensor<T>({}, {nonzero_zp<T>(rng)}));
    }
    auto add_case = [&](const std::string& name, const std::string& a, const std::string& b) {
      s.node(op, kMicrosoftDomain, 1, {a, "a_scale" + k, "a_zp" + k, b, "b_scale" + k, "b_zp" + k, "c_scale" + k, "c_zp" + k},
             name + k);
    };
    add_case("both_vary", "rows", "cols");
    add_case("scalar_b", "rows", "column");
    add_case("scalar_a", "column", "rows");
  }
  s.expect_equal_to_ort(op + "_" + dtype_name(DTypeOf<T>::value));
}

TEST(OrtSweep, QLinearAddUint8) {
  SSDX_NEED_ORT();
  sweep_qbinary<uint8_t>("QLinearAdd", 24, 1);
}
TEST(OrtSweep, QLinearAddInt8) {
  SSDX_NEED_ORT();
  sweep_qbinary<int8_t>("QLinearAdd", 24, 2);
}
TEST(OrtSweep, QLinearMulUint8) {
  SSDX_NEED_ORT();
  sweep_qbinary<uint8_t>("QLinearMul", 12, 3);
}
TEST(OrtSweep, QLinearMulInt8) {
  SSDX_NEED_ORT();
  sweep_qbinary<int8_t>("QLinearMul", 12, 4);
}

// Scales for which the constant F = C_zp - (rA * A_zp + rB * B_zp) rounds differently when the first product is
// fused (ORT) than when both products are rounded, by enough to flip the result of some input pair: zero points 117
// and 118, as in a quantized SSD-ResNet34's downsample residual, scales found by search.
struct FmaSensitiveAdd {
  QParam a, b, c;
  int64_t flipped_pairs;  // how many of the 65,536 pairs the unfused constant would round the other way
};
FmaSensitiveAdd find_fma_sensitive_add() {
  std::mt19937 rng(117);
  for (int tries = 0; tries < 100000; ++tries) {
    const QParam a{random_scale(rng, 0.01f, 0.1f), 117}, b{random_scale(rng, 0.01f, 0.1f), 118},
        c{random_scale(rng, 0.01f, 0.1f), 0};
    const QAddKernel fused(a, b, c);
    QAddKernel unfused = fused;
    unfused.f = static_cast<float>(c.zp) - (fused.ra * 117.f + fused.rb * 118.f);
    if (unfused.f == fused.f) continue;
    int64_t flipped = 0;
    for (int x = 0; x < 256; ++x)
      for (int y = 0; y < 256; ++y) flipped += requantize<uint8_t>(fused(x, y), 0) != requantize<uint8_t>(unfused(x, y), 0);
    if (flipped > 0) return {a, b, c, flipped};
  }
  ADD_FAILURE() << "no parameter set found where the fused constant changes a result";
  return {};
}

TEST(OrtSweep, QLinearAddWhoseFusedConstantDiffersFromTheUnfused) {
  SSDX_NEED_ORT();
  const FmaSensitiveAdd p = find_fma_sensitive_add();
  const QAddKernel k(p.a, p.b, p.c);
  // The constant is ORT's, the first product fused into the subtraction; rounding it apart would change results.
  EXPECT_EQ(k.f, 0.f - std::fma(k.ra, 117.f, k.rb * 118.f));
  ASSERT_GT(p.flipped_pairs, 0);
  std::printf("[ sweep ] F = %.9g; the unfused constant would change %lld of the 65,536 pairs\n",
              static_cast<double>(k.f), static_cast<long long>(p.flipped_pairs));
  Sweep s(13);
  s.input("rows", every_value_along_rows<uint8_t>(256));
  s.input("cols", every_value_down_columns<uint8_t>(256));
  s.input("column", every_value_down_columns<uint8_t>(1));
  for (auto [q, v] : {std::pair{"a", p.a}, std::pair{"b", p.b}, std::pair{"c", p.c}}) {
    s.constant(std::string(q) + "_scale", make_tensor<float>({}, {v.scale}));
    s.constant(std::string(q) + "_zp", make_tensor<uint8_t>({}, {static_cast<uint8_t>(v.zp)}));
  }
  const std::vector<std::string> params = {"a_scale", "a_zp", "b_scale", "b_zp", "c_scale", "c_zp"};
  s.node("QLinearAdd", kMicrosoftDomain, 1, {"rows", "a_scale", "a_zp", "cols", "b_scale", "b_zp", "c_scale", "c_zp"}, "both_vary");
  s.node("QLinearAdd", kMicrosoftDomain, 1, {"rows", "a_scale", "a_zp", "column", "b_scale", "b_zp", "c_scale", "c_zp"}, "scalar_b");
  s.node("QLinearAdd", kMicrosoftDomain, 1, {"column", "a_scale", "a_zp", "rows", "b_scale", "b_zp", "c_scale", "c_zp"}, "scalar_a");
  s.expect_equal_to_ort("qlinear_add_fma_sensitive");
}

// Floats on, just below and just above every rounding tie of `scale` within the 8-bit range and beyond it, plus
// random values, infinities and NaN: [1, channels, n].
Tensor tie_probes(const std::vector<float>& scales, std::mt19937& rng) {
  std::vector<float> v;
  const int64_t channels = static_cast<int64_t>(scales.size());
  std::vector<std::vector<float>> per(static_cast<size_t>(channels));
  std::uniform_real_distribution<float> u(-400.f, 400.f);
  for (int64_t c = 0; c < channels; ++c) {
    const float s = scales[static_cast<size_t>(c)];
    auto& p = per[static_cast<size_t>(c)];
    for (int k = -300; k <= 300; ++k) {
      const float tie = (static_cast<float>(k) + 0.5f) * s;
      p.insert(p.end(), {tie, std::nextafter(tie, -INFINITY), std::nextafter(tie, INFINITY), static_cast<float>(k) * s});
    }
    for (int i = 0; i < 1000; ++i) p.push_back(u(rng) * s);
    p.insert(p.end(), {0.f, -0.f, INFINITY, -INFINITY, std::numeric_limits<float>::quiet_NaN(), 3e38f, -3e38f});
  }
  const int64_t n = static_cast<int64_t>(per[0].size());
  Tensor t(DataType::Float, {1, channels, n});
  for (int64_t c = 0; c < channels; ++c) std::copy(per[static_cast<size_t>(c)].begin(), per[static_cast<size_t>(c)].end(), t.data<float>() + c * n);
  return t;
}

// QuantizeLinear per tensor (opset 10 and 13) and per axis (13), every scale random, every zero point nonzero.
template <typename T>
void sweep_quantize(uint32_t seed) {
  std::mt19937 rng(seed);
  constexpr int64_t kChannels = 4;
  std::vector<float> scales;
  for (int c = 0; c < kChannels; ++c) scales.push_back(random_scale(rng));
  Sweep s(13);
  s.input("x", tie_probes(scales, rng));
  std::vector<T> zps;
  for (int c = 0; c < kChannels; ++c) zps.push_back(nonzero_zp<T>(rng));
  s.constant("axis_scale", make_tensor<float>({kChannels}, scales));
  s.constant("axis_zp", make_tensor<T>({kChannels}, zps));
  s.node("QuantizeLinear", "", 13, {"x", "axis_scale", "axis_zp"}, "per_axis");
  for (int c = 0; c < kChannels; ++c) {  // the probes of channel c against channel c's parameters, per tensor
    const std::string k = std::to_string(c);
    s.constant("scale" + k, make_tensor<float>({}, {scales[static_cast<size_t>(c)]}));
    s.constant("zp" + k, make_tensor<T>({}, {zps[static_cast<size_t>(c)]}));
    s.node("QuantizeLinear", "", 13, {"x", "scale" + k, "zp" + k}, "per_tensor" + k);
  }
  s.expect_equal_to_ort(std::string("QuantizeLinear_") + dtype_name(DTypeOf<T>::value));
}

TEST(OrtSweep, QuantizeLinearUint8) {
  SSDX_NEED_ORT();
  sweep_quantize<uint8_t>(5);
}
TEST(OrtSweep, QuantizeLinearInt8) {
  SSDX_NEED_ORT();
  sweep_quantize<int8_t>(6);
}

// DequantizeLinear of every 8-bit value, per tensor and per axis, random scales and nonzero zero points.
template <typename T>
void sweep_dequantize(uint32_t seed) {
  std::mt19937 rng(seed);
  constexpr int64_t kRows = 8;
  Sweep s(13);
  Tensor x = every_value_along_rows<T>(kRows);  // [8, 256]; per axis along dim 0
  s.input("x", x);
  std::vector<float> scales;
  std::vector<T> zps;
  for (int r = 0; r < kRows; ++r) {
    scales.push_back(random_scale(rng, 1e-4f, 10.f));
    zps.push_back(nonzero_zp<T>(rng));
    const std::string k = std::to_string(r);
    s.constant("scale" + k, make_tensor<float>({}, {scales.back()}));
    s.constant("zp" + k, make_tensor<T>({}, {zps.back()}));
    s.node("DequantizeLinear", "", 13, {"x", "scale" + k, "zp" + k}, "per_tensor" + k);
  }
  s.constant("axis_scale", make_tensor<float>({kRows}, scales));
  s.constant("axis_zp", make_tensor<T>({kRows}, zps));
  Attributes axis0;
  axis0.set_int("axis", 0);
  s.node("DequantizeLinear", "", 13, {"x", "axis_scale", "axis_zp"}, "per_axis", axis0);
  s.expect_equal_to_ort(std::string("DequantizeLinear_") + dtype_name(DTypeOf<T>::value));
}

TEST(OrtSweep, DequantizeLinearUint8) {
  SSDX_NEED_ORT();
  sweep_dequantize<uint8_t>(7);
}
TEST(OrtSweep, DequantizeLinearInt8) {
  SSDX_NEED_ORT();
  sweep_dequantize<int8_t>(8);
}

// QLinearConv's requantization: random per-channel weight scales, input and output scales and nonzero zero points,
// over 1x1 and padded, strided 3x3 convolutions (~40k outputs per parameter set). Weights are initializers, so the
// session runs oneDNN's int8 convolution; the reference kernel is the exact-integer one.
template <typename T>
void sweep_qlinear_conv(int params, uint32_t seed) {
  std::mt19937 rng(seed);
  constexpr int64_t kC = 32, kM = 16, kH = 48;
  Sweep s(13);
  s.input("x", random_ints<T>({1, kC, kH, kH}, rng));
  for (int p = 0; p < params; ++p) {
    const std::string k = std::to_string(p);
    const int64_t ksize = p % 2 ? 3 : 1;
    s.constant("w" + k, random_ints<int8_t>({kM, kC, ksize, ksize}, rng, -127, 127));
    std::vector<float> w_scale;
    for (int m = 0; m < kM; ++m) w_scale.push_back(random_scale(rng, 1e-3f, 2e-2f));
    s.constant("w_scale" + k, make_tensor<float>({kM}, w_scale));
    s.constant("w_zp" + k, make_tensor<int8_t>({kM}, std::vector<int8_t>(kM, 0)));
    const float x_scale = random_scale(rng, 1e-3f, 1e-1f);
    // The output scale spreads the accumulators (std ~ 127 * 74 * sqrt(K) steps) over the 8-bit range.
    const float acc_std = 127.f * 74.f * std::sqrt(static_cast<float>(kC * ksize * ksize));
    s.constant("x_scale" + k, make_tensor<float>({}, {x_scale}));
    s.constant("x_zp" + k, make_tensor<T>({}, {nonzero_zp<T>(rng)}));
    s.constant("y_scale" + k, make_tensor<float>({}, {x_scale * 1e-2f * acc_std / 40.f}));
    s.constant("y_zp" + k, make_tensor<T>({}, {nonzero_zp<T>(rng)}));
    s.constant("bias" + k, random_ints<int32_t>({kM}, rng, -30000, 30000));
    Attributes attrs;
    attrs.set_ints("kernel_shape", {ksize, ksize});
    const int64_t pad = ksize / 2, stride = ksize == 3 ? 2 : 1;
    attrs.set_ints("pads", {pad, pad, pad, pad});
    attrs.set_ints("strides", {stride, stride});
    s.node("QLinearConv", "", 10,
           {"x", "x_scale" + k, "x_zp" + k, "w" + k, "w_scale" + k, "w_zp" + k, "y_scale" + k, "y_zp" + k, "bias" + k},
           "conv" + k, attrs);
  }
  s.expect_equal_to_ort(std::string("QLinearConv_") + dtype_name(DTypeOf<T>::value));
}

TEST(OrtSweep, QLinearConvRequantizationUint8) {
  SSDX_NEED_ORT();
  sweep_qlinear_conv<uint8_t>(8, 9);
}
TEST(OrtSweep, QLinearConvRequantizationInt8) {
  SSDX_NEED_ORT();
  sweep_qlinear_conv<int8_t>(8, 10);
}

}  // namespace
}  // namespace ssdx::test
