// Clip in its three ONNX forms, on values worked out by hand: omitted bounds, min > max, NaN, integer dtypes.
#include <cmath>
#include <limits>

#include "tests/test_util.h"

namespace ssdx::test {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

std::vector<float> floats(const Tensor& t) { return std::vector<float>(t.data<float>(), t.data<float>() + t.numel()); }

TEST(Clip, Opset6AttributesClampAndMinAboveMaxGivesMax) {
  const Tensor x = make_tensor<float>({5}, {-3, 0.5f, 2, 7, kNaN});
  Attributes a;
  a.set_float("min", 0.f);
  a.set_float("max", 6.f);
  const Tensor y = run_op("Clip", 6, a, {&x})[0];
  EXPECT_EQ(floats(y)[0], 0.f);
  EXPECT_EQ(floats(y)[1], 0.5f);
  EXPECT_EQ(floats(y)[3], 6.f);
  EXPECT_TRUE(std::isnan(floats(y)[4]));  // max then min: NaN fails both compares
  Attributes inverted;
  inverted.set_float("min", 5.f);
  inverted.set_float("max", 1.f);
  const std::vector<float> all_max = floats(run_op("Clip", 10, inverted, {&x})[0]);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(all_max[static_cast<size_t>(i)], 1.f) << i;  // ONNX: every value becomes max
  EXPECT_TRUE(std::isnan(all_max[4]));
}

TEST(Clip, Opset11OmittedBoundsAreUnbounded) {
  const Tensor x = make_tensor<float>({4}, {-1e30f, -2, 3, 1e30f});
  const Tensor hi = make_tensor<float>({}, {2.5f});
  const Tensor lo = make_tensor<float>({}, {-1});
  EXPECT_EQ(floats(run_op("Clip", 11, {}, {&x, nullptr, &hi})[0]), (std::vector<float>{-1e30f, -2, 2.5f, 2.5f}));
  EXPECT_EQ(floats(run_op("Clip", 11, {}, {&x, &lo})[0]), (std::vector<float>{-1, -1, 3, 1e30f}));
  EXPECT_EQ(floats(run_op("Clip", 11, {}, {&x})[0]), floats(x));
  const Tensor inf = make_tensor<float>({4}, {-INFINITY, INFINITY, kNaN, 0});
  const std::vector<float> y = floats(run_op("Clip", 13, {}, {&inf, &lo, &hi})[0]);
  EXPECT_EQ(y[0], -1.f);
  EXPECT_EQ(y[1], 2.5f);
  EXPECT_TRUE(std::isnan(y[2]));
  EXPECT_EQ(y[3], 0.f);
}

TEST(Clip, Opset12IntegerDtypesWithTheirOwnLimits) {
  const Tensor i8 = make_tensor<int8_t>({4}, {-128, -5, 5, 127});
  const Tensor i8_lo = make_tensor<int8_t>({}, {-6});
  EXPECT_EQ(run_op("Clip", 12, {}, {&i8, &i8_lo})[0].to_int_vector(), (std::vector<int64_t>{-6, -5, 5, 127}));
  const Tensor u8 = make_tensor<uint8_t>({4}, {0, 6, 7, 255});
  const Tensor u8_hi = make_tensor<uint8_t>({}, {6});
  EXPECT_EQ(run_op("Clip", 13, {}, {&u8, nullptr, &u8_hi})[0].to_int_vector(), (std::vector<int64_t>{0, 6, 6, 6}));
  const Tensor i32 = make_tensor<int32_t>({3}, {INT32_MIN, 0, INT32_MAX});
  const Tensor i32_lo = make_tensor<int32_t>({}, {10}), i32_hi = make_tensor<int32_t>({}, {-10});
  EXPECT_EQ(run_op("Clip", 13, {}, {&i32, &i32_lo, &i32_hi})[0].to_int_vector(), (std::vector<int64_t>{-10, -10, -10}));
  const Tensor i64 = make_tensor<int64_t>({3}, {INT64_MIN, 1, INT64_MAX});
  const Tensor i64_hi = make_tensor<int64_t>({1}, {INT64_MAX - 1});
  EXPECT_EQ(run_op("Clip", 13, {}, {&i64, nullptr, &i64_hi})[0].to_int_vector(),
            (std::vector<int64_t>{INT64_MIN, 1, INT64_MAX - 1}));
}

TEST(Clip, BoundOfAnotherDtypeOrNotScalarOrIntegersBeforeOpset12Fail) {
  const Tensor i8 = make_tensor<int8_t>({2}, {1, 2});
  const Tensor f_lo = make_tensor<float>({}, {0});
  EXPECT_THROW(run_op("Clip", 13, {}, {&i8, &f_lo}), Error);
  EXPECT_THROW(run_op("Clip", 11, {}, {&i8}), Error);
  const Tensor x = make_tensor<float>({2}, {1, 2});
  const Tensor two = make_tensor<float>({2}, {0, 1});
  EXPECT_THROW(run_op("Clip", 13, {}, {&x, &two}), Error);
  const Tensor b = make_tensor<bool>({2}, {true, false});
  EXPECT_THROW(run_op("Clip", 13, {}, {&b}), Error);
}

// A map big enough for the threaded, vectorised loop: every element against the formula, NaNs sprinkled in.
TEST(Clip, LargeFloatMapMatchesTheFormulaElementwise) {
  const int64_t n = (1 << 20) + 13;
  Tensor x(DataType::Float, {n});
  float* p = x.data<float>();
  for (int64_t i = 0; i < n; ++i) p[i] = i % 97 == 0 ? kNaN : static_cast<float>(i % 2001 - 1000) * 0.01f;
  const Tensor lo = make_tensor<float>({}, {0}), hi = make_tensor<float>({}, {6});
  const Tensor y = run_op("Clip", 13, {}, {&x, &lo, &hi})[0];
  const float* q = y.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    if (i % 97 == 0) {
      ASSERT_TRUE(std::isnan(q[i])) << i;
      continue;
    }
    const float want = p[i] < 0.f ? 0.f : (p[i] > 6.f ? 6.f : p[i]);
    ASSERT_EQ(q[i], want) << i;
  }
}

}  // namespace
}  // namespace ssdx::test
