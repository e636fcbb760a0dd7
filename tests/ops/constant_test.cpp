#include <cmath>
#include <limits>

#include "tests/test_util.h"

namespace ssdx::test {
namespace {

template <typename T>
using lim = std::numeric_limits<T>;

// ---- Constant ----

TEST(Constant, TensorValue) {
  Attributes a;
  a.set_tensor("value", make_tensor<int32_t>({2, 2}, {1, 2, 3, 4}));
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({2, 2}, {1, 2, 3, 4}), run_op("Constant", 13, a, {})[0]));
}

TEST(Constant, ScalarAndListShorthands) {
  Attributes f;
  f.set_float("value_float", 2.5f);
  EXPECT_TRUE(tensors_close(make_tensor<float>({}, {2.5f}), run_op("Constant", 13, f, {})[0]));
  Attributes ints;
  ints.set_ints("value_ints", {3, -1, 7});
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({3}, {3, -1, 7}), run_op("Constant", 13, ints, {})[0]));
  Attributes i;
  i.set_int("value_int", -4);
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({}, {-4}), run_op("Constant", 12, i, {})[0]));
  Attributes floats;
  Attribute fs;
  fs.kind = Attribute::Kind::Floats;
  fs.floats = {0.5f, 1.5f};
  floats.set("value_floats", fs);
  EXPECT_TRUE(tensors_close(make_tensor<float>({2}, {0.5f, 1.5f}), run_op("Constant", 13, floats, {})[0]));
}

TEST(Constant, RejectsMissingDuplicateAndStringValues) {
  EXPECT_THROW(run_op("Constant", 13, {}, {}), Error);
  Attributes two;
  two.set_int("value_int", 1);
  two.set_float("value_float", 1);
  EXPECT_THROW(run_op("Constant", 13, two, {}), Error);
  Attributes s;
  s.set_string("value_string", "hello");
  EXPECT_THROW(run_op("Constant", 13, s, {}), Error);
}

// ---- ConstantOfShape ----

TEST(ConstantOfShape, DefaultsToFloatZero) {
  Tensor shape = make_tensor<int64_t>({2}, {2, 3});
  Tensor y = run_op("ConstantOfShape", 9, {}, {&shape})[0];
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 3}, std::vector<float>(6, 0.f)), y));
}

TEST(ConstantOfShape, TypedValueScalarAndZeroSize) {
  Attributes a;
  a.set_tensor("value", make_tensor<int64_t>({1}, {7}));
  Tensor shape = make_tensor<int64_t>({2}, {1, 2});
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({1, 2}, {7, 7}), run_op("ConstantOfShape", 9, a, {&shape})[0]));
  Tensor scalar_shape(DataType::Int64, {0});
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({}, {7}), run_op("ConstantOfShape", 9, a, {&scalar_shape})[0]));
  Tensor zero = make_tensor<int64_t>({2}, {0, 3});
  EXPECT_EQ(run_op("ConstantOfShape", 9, a, {&zero})[0].shape(), (Shape{0, 3}));
  Attributes b;
  b.set_tensor("value", make_tensor<bool>({1}, {true}));
  Tensor three = make_tensor<int64_t>({1}, {3});
  EXPECT_TRUE(tensors_close(make_tensor<bool>({3}, {true, true, true}), run_op("ConstantOfShape", 20, b, {&three})[0]));
}

TEST(ConstantOfShape, RejectsBadShapesAndValues) {
  Tensor neg = make_tensor<int64_t>({2}, {2, -1});
  EXPECT_THROW(run_op("ConstantOfShape", 9, {}, {&neg}), Error);
  Tensor i32 = make_tensor<int32_t>({1}, {2});
  EXPECT_THROW(run_op("ConstantOfShape", 9, {}, {&i32}), Error);
  Attributes two;
  two.set_tensor("value", make_tensor<float>({2}, {1, 2}));
  Tensor shape = make_tensor<int64_t>({1}, {2});
  EXPECT_THROW(run_op("ConstantOfShape", 9, two, {&shape}), Error);
}

TEST(ConstantOfShape, InfersRankFromShapeLength) {
  auto out = infer_op("ConstantOfShape", 9, {}, {value_info(DataType::Int64, {2})});
  EXPECT_EQ(out[0].dtype, DataType::Float);
  EXPECT_EQ(out[0].shape, (Shape{kUnknownDim, kUnknownDim}));
}

// ---- Cast ----

Tensor cast(const Tensor& x, DataType to, int64_t opset = 13) {
  Attributes a;
  a.set_int("to", static_cast<int64_t>(to));
  return run_op("Cast", opset, a, {&x})[0];
}

TEST(Cast, FloatToIntTruncatesTowardZero) {
  Tensor x = make_tensor<float>({6}, {1.9f, -1.9f, 0.5f, -0.5f, 7.f, -0.f});
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({6}, {1, -1, 0, 0, 7, 0}), cast(x, DataType::Int32)));
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({6}, {1, -1, 0, 0, 7, 0}), cast(x, DataType::Int64, 6)));
}

TEST(Cast, FloatToIntSaturatesNanInfAndOverflow) {
  const float nan = lim<float>::quiet_NaN(), inf = lim<float>::infinity();
  Tensor x = make_tensor<float>({5}, {nan, inf, -inf, 3e9f, -3e9f});
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({5}, {0, lim<int32_t>::max(), lim<int32_t>::min(), lim<int32_t>::max(),
                                                       lim<int32_t>::min()}),
                            cast(x, DataType::Int32)));
  Tensor big = make_tensor<float>({5}, {1e19f, -1e19f, -9.223372036854775808e18f, 9.2233715e18f, nan});
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({5}, {lim<int64_t>::max(), lim<int64_t>::min(), lim<int64_t>::min(),
                                                       9223371487098961920LL, 0}),
                            cast(big, DataType::Int64)));
  Tensor small = make_tensor<float>({6}, {300.f, -300.f, 127.9f, -128.9f, -129.f, nan});
  EXPECT_TRUE(tensors_close(make_tensor<int8_t>({6}, {127, -128, 127, -128, -128, 0}), cast(small, DataType::Int8)));
  Tensor u = make_tensor<float>({5}, {-1.5f, -0.9f, 255.9f, 256.f, 1e10f});
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({5}, {0, 0, 255, 255, 255}), cast(u, DataType::UInt8)));
}

TEST(Cast, ToBoolIsNonZero) {
  Tensor x = make_tensor<float>({5}, {0.f, -0.f, 0.1f, lim<float>::quiet_NaN(), -2.f});
  EXPECT_TRUE(tensors_close(make_tensor<bool>({5}, {false, false, true, true, true}), cast(x, DataType::Bool)));
  Tensor i = make_tensor<int64_t>({3}, {0, 256, -1});
  EXPECT_TRUE(tensors_close(make_tensor<bool>({3}, {false, true, true}), cast(i, DataType::Bool)));
}

TEST(Cast, IntegerNarrowingWrapsAndWidening) {
  Tensor x = make_tensor<int64_t>({3}, {300, -129, 5});
  EXPECT_TRUE(tensors_close(make_tensor<int8_t>({3}, {44, 127, 5}), cast(x, DataType::Int8)));
  Tensor u = make_tensor<uint8_t>({2}, {200, 7});
  EXPECT_TRUE(tensors_close(make_tensor<int8_t>({2}, {-56, 7}), cast(u, DataType::Int8)));
  Tensor b = make_tensor<bool>({2}, {true, false});
  EXPECT_TRUE(tensors_close(make_tensor<float>({2}, {1, 0}), cast(b, DataType::Float)));
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({2}, {1, 0}), cast(b, DataType::Int32)));
  Tensor i = make_tensor<int32_t>({2}, {-7, 16777217});
  EXPECT_TRUE(tensors_close(make_tensor<float>({2}, {-7, 16777216}), cast(i, DataType::Float), 0, 0));
}

TEST(Cast, Float64BothWays) {
  Tensor f = make_tensor<float>({2}, {0.1f, -2.f});
  Tensor d = cast(f, DataType::Double);
  ASSERT_EQ(d.dtype(), DataType::Double);
  EXPECT_EQ(d.data<double>()[0], static_cast<double>(0.1f));
  Tensor big = make_tensor<double>({4}, {1e300, -1e300, 1.5, lim<double>::quiet_NaN()});
  Tensor back = cast(big, DataType::Float);
  EXPECT_TRUE(tensors_close(make_tensor<float>({4}, {lim<float>::infinity(), -lim<float>::infinity(), 1.5f,
                                                     lim<float>::quiet_NaN()}),
                            back));
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({4}, {lim<int32_t>::max(), lim<int32_t>::min(), 1, 0}),
                            cast(big, DataType::Int32)));
}

TEST(Cast, SameTypeAndZeroSize) {
  Tensor x = make_tensor<int32_t>({2}, {3, -3});
  EXPECT_TRUE(tensors_close(x, cast(x, DataType::Int32)));
  Tensor empty(DataType::Float, {0, 3});
  Tensor y = cast(empty, DataType::Int64);
  EXPECT_EQ(y.dtype(), DataType::Int64);
  EXPECT_EQ(y.shape(), (Shape{0, 3}));
}

TEST(Cast, RejectsUnsupportedTargets) {
  Tensor x = make_tensor<float>({1}, {1});
  EXPECT_THROW(cast(x, DataType::UInt16), Error);
  EXPECT_THROW(cast(x, DataType::String), Error);
  EXPECT_THROW(cast(x, static_cast<DataType>(999)), Error);
  EXPECT_THROW(run_op("Cast", 13, {}, {&x}), Error);  // 'to' is required
}

}  // namespace
}  // namespace ssdx::test
