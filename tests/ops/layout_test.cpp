#include <limits>
#include <numeric>

#include "tests/test_util.h"

namespace ssdx::test {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

// 0, 1, 2, ... as float in `shape`.
Tensor iota(Shape shape) {
  Tensor t(DataType::Float, std::move(shape));
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<float>(i);
  return t;
}

Attributes int_attr(const std::string& name, int64_t v) {
  Attributes a;
  a.set_int(name, v);
  return a;
}

Attributes ints_attr(const std::string& name, std::vector<int64_t> v) {
  Attributes a;
  a.set_ints(name, std::move(v));
  return a;
}

Tensor i64(std::vector<int64_t> v) { return make_tensor<int64_t>({static_cast<int64_t>(v.size())}, v); }

// ---- Reshape ----

TEST(Reshape, ZeroCopiesDimAndMinusOneInfers) {
  Tensor x = iota({2, 3, 4});
  Tensor shape = i64({0, -1});
  Tensor y = run_op("Reshape", 13, {}, {&x, &shape})[0];
  EXPECT_TRUE(tensors_close(iota({2, 12}), y));
  Tensor shape2 = i64({-1, 4});
  EXPECT_TRUE(tensors_close(iota({6, 4}), run_op("Reshape", 5, {}, {&x, &shape2})[0]));
  Tensor shape3 = i64({4, 0, -1});  // 0 copies input dim 1 (3)
  EXPECT_TRUE(tensors_close(iota({4, 3, 2}), run_op("Reshape", 13, {}, {&x, &shape3})[0]));
}

TEST(Reshape, AllowZeroKeepsLiteralZero) {
  Tensor x(DataType::Float, {0, 3});
  Tensor shape = i64({3, 0});
  Tensor y = run_op("Reshape", 14, int_attr("allowzero", 1), {&x, &shape})[0];
  EXPECT_EQ(y.shape(), (Shape{3, 0}));
  // Without allowzero the 0 copies input dim 1 (3): [3, 3] has 9 elements, the input 0.
  EXPECT_THROW(run_op("Reshape", 14, {}, {&x, &shape}), Error);
  Tensor both = i64({0, -1});
  EXPECT_THROW(run_op("Reshape", 14, int_attr("allowzero", 1), {&x, &both}), Error);
}

TEST(Reshape, ZeroSizeInputWithMinusOne) {
  Tensor x(DataType::Int64, {0, 4});
  Tensor shape = i64({-1, 2});
  EXPECT_EQ(run_op("Reshape", 13, {}, {&x, &shape})[0].shape(), (Shape{0, 2}));
  Tensor ambiguous = i64({0, -1});  // 0 copies dim 0 (0): -1 could be anything
  EXPECT_THROW(run_op("Reshape", 13, {}, {&x, &ambiguous}), Error);
}

TEST(Reshape, RejectsBadShapes) {
  Tensor x = iota({2, 3});
  for (std::vector<int64_t> bad : {std::vector<int64_t>{-1, -1}, {4, 2}, {-2, 3}, {4, -1}, {0, 0, 0}}) {
    Tensor shape = i64(bad);
    EXPECT_THROW(run_op("Reshape", 13, {}, {&x, &shape}), Error) << shape_str(bad);
  }
}

TEST(Reshape, MovesAnyDtype) {
  Tensor x = make_tensor<bool>({2, 2}, {true, false, false, true});
  Tensor shape = i64({4});
  Tensor y = run_op("Reshape", 13, {}, {&x, &shape})[0];
  EXPECT_TRUE(tensors_close(make_tensor<bool>({4}, {true, false, false, true}), y));
}

TEST(Reshape, InfersRankFromNonConstantShape) {
  auto out = infer_op("Reshape", 13, {},
                      {value_info(DataType::Float, {kUnknownDim, 8}), value_info(DataType::Int64, {3})});
  EXPECT_EQ(out[0].dtype, DataType::Float);
  EXPECT_TRUE(out[0].shape_known);
  EXPECT_EQ(out[0].shape, (Shape{kUnknownDim, kUnknownDim, kUnknownDim}));
}

// ---- Flatten ----

TEST(Flatten, PositiveNegativeAndEdgeAxes) {
  Tensor x = iota({2, 3, 4, 5});
  EXPECT_TRUE(tensors_close(iota({6, 20}), run_op("Flatten", 13, int_attr("axis", 2), {&x})[0]));
  EXPECT_TRUE(tensors_close(iota({24, 5}), run_op("Flatten", 13, int_attr("axis", -1), {&x})[0]));
  EXPECT_TRUE(tensors_close(iota({1, 120}), run_op("Flatten", 13, int_attr("axis", 0), {&x})[0]));
  EXPECT_TRUE(tensors_close(iota({120, 1}), run_op("Flatten", 13, int_attr("axis", 4), {&x})[0]));
  EXPECT_TRUE(tensors_close(iota({1, 120}), run_op("Flatten", 13, int_attr("axis", -4), {&x})[0]));
  EXPECT_TRUE(tensors_close(iota({2, 60}), run_op("Flatten", 9, {}, {&x})[0]));  // default axis 1
  EXPECT_THROW(run_op("Flatten", 13, int_attr("axis", 5), {&x}), Error);
  EXPECT_THROW(run_op("Flatten", 13, int_attr("axis", -5), {&x}), Error);
}

// ---- Transpose ----

TEST(Transpose, DefaultReversesDims) {
  Tensor x = make_tensor<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_TRUE(tensors_close(make_tensor<float>({3, 2}, {1, 4, 2, 5, 3, 6}), run_op("Transpose", 13, {}, {&x})[0]));
}

TEST(Transpose, ThreeDimPermutation) {
  // x[i][j][k] = 12i + 4j + k; perm [1,2,0] gives y[j][k][i] = x[i][j][k].
  std::vector<int32_t> v(24);
  std::iota(v.begin(), v.end(), 0);
  Tensor x = make_tensor<int32_t>({2, 3, 4}, v);
  Tensor y = run_op("Transpose", 13, ints_attr("perm", {1, 2, 0}), {&x})[0];
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({3, 4, 2}, {0, 12, 1, 13, 2, 14, 3, 15, 4, 16, 5, 17,
                                                             6, 18, 7, 19, 8, 20, 9, 21, 10, 22, 11, 23}), y));
}

TEST(Transpose, KeepsInnerDimAndSkipsUnitDims) {
  // [2,1,3,2] with perm [2,1,0,3]: y[k][0][i][l] = x[i][0][k][l] = 6i + 2k + l (inner rows stay contiguous).
  Tensor x = iota({2, 1, 3, 2});
  Tensor y = run_op("Transpose", 13, ints_attr("perm", {2, 1, 0, 3}), {&x})[0];
  EXPECT_TRUE(tensors_close(make_tensor<float>({3, 1, 2, 2}, {0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11}), y));
}

TEST(Transpose, ByteTypesAndBadPerms) {
  Tensor x = make_tensor<bool>({2, 2}, {true, true, false, false});
  Tensor y = run_op("Transpose", 13, {}, {&x})[0];
  EXPECT_TRUE(tensors_close(make_tensor<bool>({2, 2}, {true, false, true, false}), y));
  EXPECT_THROW(run_op("Transpose", 13, ints_attr("perm", {0, 0}), {&x}), Error);
  EXPECT_THROW(run_op("Transpose", 13, ints_attr("perm", {0}), {&x}), Error);
  EXPECT_THROW(run_op("Transpose", 13, ints_attr("perm", {0, 2}), {&x}), Error);
}

// ---- Concat ----

TEST(Concat, InnerAndNegativeAxis) {
  Tensor a = make_tensor<float>({2, 2}, {1, 2, 3, 4});
  Tensor b = make_tensor<float>({2, 3}, {10, 11, 12, 13, 14, 15});
  Tensor expected = make_tensor<float>({2, 5}, {1, 2, 10, 11, 12, 3, 4, 13, 14, 15});
  EXPECT_TRUE(tensors_close(expected, run_op("Concat", 13, int_attr("axis", 1), {&a, &b})[0]));
  EXPECT_TRUE(tensors_close(expected, run_op("Concat", 11, int_attr("axis", -1), {&a, &b})[0]));
}

TEST(Concat, OuterAxisWithEmptyInput) {
  Tensor a = make_tensor<int64_t>({1, 2}, {7, 8});
  Tensor empty(DataType::Int64, {0, 2});
  Tensor b = make_tensor<int64_t>({2, 2}, {1, 2, 3, 4});
  Tensor y = run_op("Concat", 13, int_attr("axis", 0), {&a, &empty, &b})[0];
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({3, 2}, {7, 8, 1, 2, 3, 4}), y));
}

TEST(Concat, RejectsMismatches) {
  Tensor a = make_tensor<float>({2, 2}, {1, 2, 3, 4});
  Tensor b = make_tensor<float>({3, 2}, {1, 2, 3, 4, 5, 6});
  Tensor c = make_tensor<int64_t>({2, 2}, {1, 2, 3, 4});
  EXPECT_THROW(run_op("Concat", 13, int_attr("axis", 1), {&a, &b}), Error);  // dim 0 differs
  EXPECT_THROW(run_op("Concat", 13, int_attr("axis", 0), {&a, &c}), Error);  // dtype differs
  EXPECT_THROW(run_op("Concat", 13, int_attr("axis", 2), {&a, &a}), Error);
  EXPECT_THROW(run_op("Concat", 13, {}, {&a, &a}), Error);  // axis is required
}

// ---- Slice ----

std::vector<Tensor> slice(const Tensor& x, std::vector<int64_t> starts, std::vector<int64_t> ends,
                          std::vector<int64_t> axes = {}, std::vector<int64_t> steps = {}) {
  Tensor s = i64(starts), e = i64(ends), a = i64(axes), st = i64(steps);
  return run_op("Slice", 13, {}, {&x, &s, &e, axes.empty() ? nullptr : &a, steps.empty() ? nullptr : &st});
}

TEST(Slice, BasicTwoAxes) {
  Tensor x = iota({3, 4});
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 2}, {1, 2, 5, 6}), slice(x, {0, 1}, {2, 3})[0]));
}

TEST(Slice, NegativeSteps) {
  Tensor x = iota({5});
  EXPECT_TRUE(tensors_close(make_tensor<float>({5}, {4, 3, 2, 1, 0}), slice(x, {-1}, {kMin}, {0}, {-1})[0]));
  EXPECT_TRUE(tensors_close(make_tensor<float>({3}, {4, 2, 0}), slice(x, {-1}, {kMin}, {0}, {-2})[0]));
  EXPECT_TRUE(tensors_close(make_tensor<float>({3}, {3, 2, 1}), slice(x, {3}, {0}, {0}, {-1})[0]));
  EXPECT_TRUE(tensors_close(make_tensor<float>({1}, {4}), slice(x, {4}, {0}, {0}, {kMin})[0]));
}

TEST(Slice, OutOfRangeBoundsClamp) {
  Tensor x = iota({5});
  EXPECT_TRUE(tensors_close(iota({5}), slice(x, {-100}, {100})[0]));
  EXPECT_EQ(slice(x, {10}, {20})[0].shape(), (Shape{0}));
  EXPECT_EQ(slice(x, {3}, {1})[0].shape(), (Shape{0}));
  // Negative step: the start clamps to 4 and the end to -1 (one before the first element).
  EXPECT_TRUE(tensors_close(make_tensor<float>({5}, {4, 3, 2, 1, 0}), slice(x, {10}, {-100}, {0}, {-1})[0]));
  EXPECT_TRUE(tensors_close(make_tensor<float>({2}, {1, 3}), slice(x, {1}, {kMax}, {0}, {2})[0]));
}

// Found by the model fuzzer: a step near INT64_MAX on an inner axis made step * stride overflow (UB) although only
// one element is kept.
TEST(Slice, HugeStepsKeepOneElement) {
  Tensor x = iota({2, 3, 4});
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 1, 4}, {4, 5, 6, 7, 16, 17, 18, 19}),
                            slice(x, {1}, {kMax}, {1}, {int64_t{1} << 60})[0]));
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 3, 1}, {3, 7, 11, 15, 19, 23}), slice(x, {-1}, {kMin}, {2}, {kMin})[0]));
}

TEST(Slice, NegativeAxesAndInt32Bounds) {
  Tensor x = iota({2, 3});
  Tensor s = make_tensor<int32_t>({1}, {1}), e = make_tensor<int32_t>({1}, {3}), a = make_tensor<int32_t>({1}, {-1});
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 2}, {1, 2, 4, 5}), run_op("Slice", 11, {}, {&x, &s, &e, &a})[0]));
}

TEST(Slice, StridedThreeDim) {
  // ONNX test_slice_neg_steps: y[a][b][c] = x[19 - a][9 - 3b][4 - 2c].
  Tensor x = iota({20, 10, 5});
  Tensor y = slice(x, {20, 10, 4}, {0, 0, 1}, {0, 1, 2}, {-1, -3, -2})[0];
  ASSERT_EQ(y.shape(), (Shape{19, 3, 2}));
  EXPECT_EQ(y.data<float>()[0], 19 * 50 + 9 * 5 + 4);
  EXPECT_EQ(y.data<float>()[1], 19 * 50 + 9 * 5 + 2);
  EXPECT_EQ(y.data<float>()[2], 19 * 50 + 6 * 5 + 4);
  EXPECT_EQ(y.data<float>()[y.numel() - 1], 1 * 50 + 3 * 5 + 2);
}

TEST(Slice, ZeroSizeInput) {
  Tensor x(DataType::Float, {0, 3});
  EXPECT_EQ(slice(x, {-1}, {kMin}, {0}, {-1})[0].shape(), (Shape{0, 3}));
  EXPECT_EQ(slice(x, {0}, {2}, {1})[0].shape(), (Shape{0, 2}));
}

TEST(Slice, RejectsBadArguments) {
  Tensor x = iota({2, 3});
  EXPECT_THROW(slice(x, {0}, {1}, {0}, {0}), Error);        // step 0
  EXPECT_THROW(slice(x, {0, 0}, {1, 1}, {1, -1}), Error);   // axis repeated
  EXPECT_THROW(slice(x, {0}, {1}, {2}), Error);             // axis out of range
  EXPECT_THROW(slice(x, {0, 0}, {1}), Error);               // starts/ends lengths differ
}

TEST(Slice, AttributeFormBeforeOpset10) {
  Tensor x = iota({3, 2});
  Attributes a;
  a.set_ints("starts", {1});
  a.set_ints("ends", {1000});
  a.set_ints("axes", {0});
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 2}, {2, 3, 4, 5}), run_op("Slice", 9, a, {&x})[0]));
  EXPECT_THROW(run_op("Slice", 9, ints_attr("starts", {0}), {&x}), Error);  // ends missing
}

TEST(Slice, InfersUnslicedDimsWhenBoundsAreUnknown) {
  Tensor axes = i64({1});
  ValueInfo axes_info = describe_inputs({&axes})[0];
  auto out = infer_op("Slice", 13, {},
                      {value_info(DataType::Float, {4, 5, 6}), value_info(DataType::Int64, {1}),
                       value_info(DataType::Int64, {1}), axes_info});
  EXPECT_EQ(out[0].shape, (Shape{4, kUnknownDim, 6}));
}

// ---- Squeeze / Unsqueeze ----

TEST(Squeeze, AxesInputAttributeAndAll) {
  Tensor x = iota({1, 3, 1, 2});
  Tensor axes = i64({-2});
  EXPECT_TRUE(tensors_close(iota({1, 3, 2}), run_op("Squeeze", 13, {}, {&x, &axes})[0]));
  EXPECT_TRUE(tensors_close(iota({3, 2}), run_op("Squeeze", 13, {}, {&x})[0]));
  EXPECT_TRUE(tensors_close(iota({3, 2}), run_op("Squeeze", 11, ints_attr("axes", {2, 0}), {&x})[0]));
  EXPECT_TRUE(tensors_close(iota({3, 2}), run_op("Squeeze", 1, {}, {&x})[0]));
}

TEST(Squeeze, RejectsNonUnitAxis) {
  Tensor x = iota({1, 3});
  Tensor axes = i64({1});
  EXPECT_THROW(run_op("Squeeze", 13, {}, {&x, &axes}), Error);
  EXPECT_THROW(run_op("Squeeze", 11, ints_attr("axes", {2}), {&x}), Error);
}

TEST(Unsqueeze, UnsortedAndNegativeAxes) {
  Tensor x = iota({3, 4});
  Tensor axes = i64({2, 0});
  EXPECT_TRUE(tensors_close(iota({1, 3, 1, 4}), run_op("Unsqueeze", 13, {}, {&x, &axes})[0]));
  Tensor neg = i64({-1});
  EXPECT_TRUE(tensors_close(iota({3, 4, 1}), run_op("Unsqueeze", 13, {}, {&x, &neg})[0]));
  EXPECT_TRUE(tensors_close(iota({3, 1, 4}), run_op("Unsqueeze", 11, ints_attr("axes", {1}), {&x})[0]));
  Tensor s = make_tensor<int64_t>({}, {5});  // scalar -> [1]
  Tensor zero = i64({0});
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({1}, {5}), run_op("Unsqueeze", 13, {}, {&s, &zero})[0]));
}

TEST(Unsqueeze, RejectsBadAxes) {
  Tensor x = iota({3});
  Tensor dup = i64({0, -3});  // both name output axis 0 (output rank 3)
  Tensor far = i64({2});
  EXPECT_THROW(run_op("Unsqueeze", 13, {}, {&x, &dup}), Error);
  EXPECT_THROW(run_op("Unsqueeze", 13, {}, {&x, &far}), Error);
  EXPECT_THROW(run_op("Unsqueeze", 13, {}, {&x}), Error);
  EXPECT_THROW(run_op("Unsqueeze", 11, {}, {&x}), Error);
}

// ---- large tensors: the parallel paths, checked against index formulas ----

TEST(Layout, LargeTransposeSliceConcat) {
  // x[i][j][k] = 1800i + 36j + k.
  Tensor x = iota({40, 50, 36});
  Tensor t = run_op("Transpose", 13, ints_attr("perm", {2, 0, 1}), {&x})[0];
  ASSERT_EQ(t.shape(), (Shape{36, 40, 50}));
  const float* pt = t.data<float>();
  int64_t bad = 0;
  for (int64_t k = 0; k < 36; ++k)
    for (int64_t i = 0; i < 40; ++i)
      for (int64_t j = 0; j < 50; ++j) bad += pt[(k * 40 + i) * 50 + j] != static_cast<float>(1800 * i + 36 * j + k);
  EXPECT_EQ(bad, 0);

  // Rows 1..39 with columns reversed: y[a][b][k] = x[1 + a][49 - b][k].
  Tensor s = slice(x, {1, -1}, {kMax, kMin}, {0, 1}, {1, -1})[0];
  ASSERT_EQ(s.shape(), (Shape{39, 50, 36}));
  const float* ps = s.data<float>();
  for (int64_t a = 0; a < 39; ++a)
    for (int64_t b = 0; b < 50; ++b)
      for (int64_t k = 0; k < 36; ++k)
        bad += ps[(a * 50 + b) * 36 + k] != static_cast<float>(1800 * (1 + a) + 36 * (49 - b) + k);
  EXPECT_EQ(bad, 0);

  Tensor c = run_op("Concat", 13, int_attr("axis", 1), {&x, &x})[0];
  ASSERT_EQ(c.shape(), (Shape{40, 100, 36}));
  const float* pc = c.data<float>();
  for (int64_t i = 0; i < 40; ++i)
    for (int64_t j = 0; j < 100; ++j)
      for (int64_t k = 0; k < 36; ++k)
        bad += pc[(i * 100 + j) * 36 + k] != static_cast<float>(1800 * i + 36 * (j % 50) + k);
  EXPECT_EQ(bad, 0);
}

// ---- Identity ----

TEST(Identity, CopiesValues) {
  Tensor x = make_tensor<int8_t>({3}, {-1, 0, 7});
  EXPECT_TRUE(tensors_close(make_tensor<int8_t>({3}, {-1, 0, 7}), run_op("Identity", 16, {}, {&x})[0]));
  Tensor empty(DataType::Float, {2, 0});
  EXPECT_EQ(run_op("Identity", 1, {}, {&empty})[0].shape(), (Shape{2, 0}));
}

}  // namespace
}  // namespace ssdx::test
