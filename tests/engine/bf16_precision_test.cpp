// SessionOptions::precision = Bf16: a float convolution's input and weights are rounded to bfloat16 and the products
// accumulated in fp32 (docs/bf16_precision.md). Checked against a convolution computed here from the inputs rounded to
// bf16 (round to nearest even) and accumulated in double; against the exact fp32 convolution the error must exceed
// what fp32 rounding alone can give, which shows that bf16 really ran. On a CPU without native bf16 convolutions
// (bf16_convolutions_supported(); ctest also runs this file with oneDNN capped below AVX512_BF16) the session falls
// back to fp32 and the same graph must give fp32's results.
#include <cmath>
#include <cstring>
#include <random>

#include "engine/session.h"
#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"
#include "ops/cpu_isa.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

constexpr int64_t kC = 64, kH = 38, kW = 38, kK = 3;  // 64 -> 64 channels, 3x3, pad 1, on 1x64x38x38
constexpr int64_t kTerms = kC * kK * kK;              // products summed per output: 576
constexpr double kFp32Unit = 0x1p-24;                 // unit roundoff of fp32 (half an ulp of 1)

// bfloat16 rounding of a finite float, to nearest with ties to even: the top 16 bits of the fp32 pattern after
// adding 0x7FFF plus the lowest kept bit.
float round_to_bf16(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  bits += 0x7FFFu + ((bits >> 16) & 1u);
  bits &= 0xFFFF0000u;
  float r;
  std::memcpy(&r, &bits, sizeof r);
  return r;
}

Tensor rounded_to_bf16(const Tensor& t) {
  Tensor r = t.clone();
  for (int64_t i = 0; i < r.numel(); ++i) r.data<float>()[i] = round_to_bf16(r.data<float>()[i]);
  return r;
}

struct ConvCase {
  Tensor x = random_tensor({1, kC, kH, kW}, 11);
  Tensor w = random_tensor({kC, kC, kK, kK}, 12);
  Tensor b = random_tensor({kC}, 13);
};

// The convolution in double: y[o] = b[o] + sum x * w, and the sum of |x * w| over the same terms (what bounds the
// rounding of the sum).
struct Exact {
  std::vector<double> y, magnitude;
};

Exact exact_conv(const Tensor& x, const Tensor& w, const Tensor& b) {
  Exact e;
  e.y.assign(static_cast<size_t>(kC * kH * kW), 0);
  e.magnitude.assign(e.y.size(), 0);
  const float *xd = x.data<float>(), *wd = w.data<float>();
  for (int64_t o = 0; o < kC; ++o)
    for (int64_t i = 0; i < kH; ++i)
      for (int64_t j = 0; j < kW; ++j) {
        double sum = b.data<float>()[o], mag = std::fabs(b.data<float>()[o]);
        for (int64_t c = 0; c < kC; ++c)
          for (int64_t ki = 0; ki < kK; ++ki)
            for (int64_t kj = 0; kj < kK; ++kj) {
              const int64_t si = i + ki - 1, sj = j + kj - 1;
              if (si < 0 || si >= kH || sj < 0 || sj >= kW) continue;
              const double p = double(xd[(c * kH + si) * kW + sj]) * wd[((o * kC + c) * kK + ki) * kK + kj];
              sum += p;
              mag += std::fabs(p);
            }
        const size_t k = static_cast<size_t>((o * kH + i) * kW + j);
        e.y[k] = sum;
        e.magnitude[k] = mag;
      }
  return e;
}

// What summing the terms in fp32 may add, in any order and grouping (each product of two bf16 values is exact in
// fp32: 8 + 8 significant bits fit in 24): the probabilistic bound of Higham and Mary (2019, "A new approach to
// probabilistic rounding error analysis") for independent roundings, lambda * sqrt(n) * u * sum|x*w|, which fails
// with probability at most 2n exp(-lambda^2 (1-u)^2 / 2): for lambda = 8 and n = 577 (the bias included), 1.5e-11 per
// output, 1.4e-6 over the 92416 outputs. The worst case n * u is 3 times wider here and would hardly tell a kernel
// that rounds its inputs by truncation (bf16 errors up to 2^-7 instead of 2^-8 relative) from one that rounds to
// nearest; this bound does: bf16's own rounding shows as ~50 times it (AMD EPYC, brgconv:avx512_core_bf16), fp32's
// accumulation as under 1/100 of it.
double fp32_sum_bound(double magnitude) { return 8 * std::sqrt(double(kTerms + 1)) * kFp32Unit * magnitude; }

std::unique_ptr<Session> conv_session(const ConvCase& c, Precision precision) {
  ModelBuilder m(12);
  m.add_input("x", DataType::Float, {1, kC, kH, kW});
  m.add_initializer("w", c.w);
  m.add_initializer("b", c.b);
  Attributes attrs;
  attrs.set_ints("pads", {1, 1, 1, 1});
  attrs.set_ints("kernel_shape", {kK, kK});
  m.add_node("Conv", {"x", "w", "b"}, {"y"}, attrs, "conv");
  m.add_output("y", DataType::Float, {1, kC, kH, kW});
  SessionOptions opts;
  opts.threads = 2;
  opts.precision = precision;
  return std::make_unique<Session>(load_onnx_bytes(m.serialize(), "bf16_conv.onnx", ""), opts);
}

// The largest |y - expected| / bound over the outputs (<= 1: within the bound everywhere).
double worst_ratio(const Tensor& y, const Exact& expected) {
  double worst = 0;
  for (size_t k = 0; k < expected.y.size(); ++k)
    worst = std::max(worst, std::fabs(y.data<float>()[k] - expected.y[k]) / fp32_sum_bound(expected.magnitude[k]));
  return worst;
}

TEST(Bf16Precision, ConvMatchesBf16RoundedInputsAccumulatedInFp32) {
  if (!bf16_convolutions_supported()) GTEST_SKIP() << "no native bf16 convolutions on this CPU";
  const ConvCase c;
  auto session = conv_session(c, Precision::Bf16);
  ASSERT_EQ(session->plan().steps.size(), 1u);
  const PlannedStep& step = session->plan().steps[0];
  EXPECT_EQ(step.compute_precision, "bf16") << step.impl;
  const Tensor y = session->run({{"x", c.x}}).at("y");

  const Exact bf16 = exact_conv(rounded_to_bf16(c.x), rounded_to_bf16(c.w), c.b);
  const double to_bf16 = worst_ratio(y, bf16);
  EXPECT_LE(to_bf16, 1.0) << "error against the bf16-rounded convolution, in units of the fp32 summation bound";

  // Against the unrounded inputs, bf16's rounding (2^-9 relative per input) shows far beyond fp32's.
  const Exact fp32 = exact_conv(c.x, c.w, c.b);
  const double to_fp32 = worst_ratio(y, fp32);
  EXPECT_GT(to_fp32, 2.0) << "no larger than fp32 rounding: the convolution did not run in bf16";
  std::printf("[bf16] %s: worst error / fp32 summation bound: %.3f against bf16-rounded inputs, %.1f against fp32\n",
              step.impl.c_str(), to_bf16, to_fp32);
}

// Where bf16 is unavailable the option changes nothing: the fp32 kernel, within fp32 rounding of the exact result.
TEST(Bf16Precision, FallsBackToFp32WithoutNativeBf16) {
  if (bf16_convolutions_supported()) GTEST_SKIP() << "this CPU runs bf16 convolutions (the ctest entry "
                                                     "bf16_fallback_below_avx512_bf16 caps oneDNN below them)";
  const ConvCase c;
  auto session = conv_session(c, Precision::Bf16);
  EXPECT_EQ(session->plan().steps[0].compute_precision, "");
  const Tensor y = session->run({{"x", c.x}}).at("y");
  EXPECT_LE(worst_ratio(y, exact_conv(c.x, c.w, c.b)), 1.0);
}

// An fp32 session's convolution is fp32 (Winograd here: 3x3, stride 1).
TEST(Bf16Precision, Fp32SessionIsUnchanged) {
  const ConvCase c;
  auto session = conv_session(c, Precision::Fp32);
  EXPECT_EQ(session->plan().steps[0].compute_precision, "");
  EXPECT_EQ(session->plan().steps[0].impl.find("bf16"), std::string::npos) << session->plan().steps[0].impl;
  const Tensor y = session->run({{"x", c.x}}).at("y");
  // Winograd's transforms add their own (~1e-6 relative) rounding: 50 times the summation bound covers it.
  EXPECT_LE(worst_ratio(y, exact_conv(c.x, c.w, c.b)), 50.0);
}

}  // namespace
}  // namespace ssdx::test
