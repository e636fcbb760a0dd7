// The oneDNN int8 convolution against the exact-integer reference kernel (ORT's arithmetic), bit for bit, on random
// SSD-like shapes: per-channel scales, source and destination zero points, padding, strides, groups, u8 and s8 inputs.
#include <random>
#include <set>

#include "int8/register_quant.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

struct FastQConvCase {
  const char* name;
  int64_t c, h, w, m, k, stride, pad, group;
  bool s8_input, per_channel;
  int x_zp, y_zp;
};

class FastQLinearConv : public ::testing::TestWithParam<FastQConvCase> {};

TEST_P(FastQLinearConv, MatchesReferenceBitForBit) {
  const FastQConvCase c = GetParam();
  std::mt19937 rng(7);
  const Tensor x = c.s8_input ? random_ints<int8_t>({1, c.c, c.h, c.w}, rng) : random_ints<uint8_t>({1, c.c, c.h, c.w}, rng);
  const Tensor w = random_ints<int8_t>({c.m, c.c / c.group, c.k, c.k}, rng, -127, 127);
  const Tensor bias = random_ints<int32_t>({c.m}, rng, -20000, 20000);
  std::uniform_real_distribution<float> ws(0.002f, 0.02f);
  std::vector<float> wsv(static_cast<size_t>(c.per_channel ? c.m : 1));
  for (float& s : wsv) s = ws(rng);
  const Tensor w_scale = make_tensor<float>({static_cast<int64_t>(wsv.size())}, wsv);
  const Tensor w_zp = make_tensor<int8_t>({static_cast<int64_t>(wsv.size())}, std::vector<int8_t>(wsv.size(), 0));
  const Tensor x_scale = make_tensor<float>({}, {0.05f});
  // y_scale sized so the outputs spread over the 8-bit range (std of acc ~ 11000 sqrt(K); a few saturate).
  const float y_scale = 0.05f * 0.011f * std::sqrt(static_cast<float>(c.c / c.group * c.k * c.k)) * 11000.f / 50.f;
  const Tensor ys = make_tensor<float>({}, {y_scale});
  const Tensor x_zp = c.s8_input ? make_tensor<int8_t>({}, {static_cast<int8_t>(c.x_zp)})
                                 : make_tensor<uint8_t>({}, {static_cast<uint8_t>(c.x_zp)});
  const Tensor y_zp = c.s8_input ? make_tensor<int8_t>({}, {static_cast<int8_t>(c.y_zp)})
                                 : make_tensor<uint8_t>({}, {static_cast<uint8_t>(c.y_zp)});
  Attributes attrs;
  attrs.set_ints("kernel_shape", {c.k, c.k});
  attrs.set_ints("pads", {c.pad, c.pad, c.pad, c.pad});
  attrs.set_ints("strides", {c.stride, c.stride});
  attrs.set_int("group", c.group);
  const std::vector<const Tensor*> in = {&x, &x_scale, &x_zp, &w, &w_scale, &w_zp, &ys, &y_zp, &bias};
  const auto [fast, fast_impl] = run_op_knowing("QLinearConv", 10, attrs, in, {1, 2, 3, 4, 5, 6, 7, 8});
  const auto [ref, ref_impl] = run_op_knowing("QLinearConv", 10, attrs, in, {});
  EXPECT_NE(fast_impl.find("onednn:"), std::string::npos) << fast_impl;
  EXPECT_EQ(ref_impl, "ref");
  ASSERT_EQ(shape_str(fast[0].shape()), shape_str(ref[0].shape()));
  int64_t off_by_one = 0, saturated = 0;
  std::set<int64_t> distinct;
  for (int64_t i = 0; i < ref[0].numel(); ++i) {
    const int64_t a = fast[0].int_at(i), b = ref[0].int_at(i);
    ASSERT_LE(std::abs(a - b), 1) << "element " << i;
    off_by_one += a != b;
    distinct.insert(b);
    saturated += b == (c.s8_input ? -128 : 0) || b == (c.s8_input ? 127 : 255);
  }
  // The requantization reproduces ORT's rounding exactly (qlinear_conv_fast.cpp: round before the zero point).
  EXPECT_EQ(off_by_one, 0);
  EXPECT_GE(distinct.size(), 64u) << "the case should exercise most of the 8-bit range";
  std::cout << "[ " << c.name << " ] " << fast_impl << ": " << off_by_one << " of " << ref[0].numel()
            << " outputs differ by 1 LSB, " << saturated << " saturated\n";
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, FastQLinearConv,
    ::testing::Values(FastQConvCase{"stem7x7s2", 3, 38, 38, 64, 7, 2, 3, 1, false, true, 114, 0},
                      FastQConvCase{"3x3_64", 64, 19, 19, 64, 3, 1, 1, 1, false, true, 0, 0},
                      FastQConvCase{"3x3s2_128", 64, 20, 20, 128, 3, 2, 1, 1, false, false, 0, 131},
                      FastQConvCase{"1x1_256", 256, 12, 12, 128, 1, 1, 0, 1, false, true, 0, 0},
                      FastQConvCase{"head_3x3_pad_zp", 128, 9, 9, 24, 3, 1, 1, 1, false, true, 17, 128},
                      FastQConvCase{"grouped", 32, 10, 10, 32, 3, 1, 1, 4, false, true, 0, 7},
                      FastQConvCase{"s8_input", 32, 10, 10, 32, 3, 1, 1, 1, true, true, -5, 3}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace ssdx::test
