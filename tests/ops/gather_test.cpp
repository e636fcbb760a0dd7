#include <limits>

#include "tests/test_util.h"

namespace ssdx::test {
namespace {

Attributes int_attr(const std::string& name, int64_t v) {
  Attributes a;
  a.set_int(name, v);
  return a;
}

// ---- Gather ----

TEST(Gather, Axis0With2dIndices) {
  Tensor data = make_tensor<float>({3, 2}, {1, 2, 3, 4, 5, 6});
  Tensor idx = make_tensor<int64_t>({2, 2}, {0, 1, 1, 2});
  Tensor y = run_op("Gather", 13, {}, {&data, &idx})[0];
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 2, 2}, {1, 2, 3, 4, 3, 4, 5, 6}), y));
}

TEST(Gather, InnerAxis) {
  Tensor data = make_tensor<int64_t>({3, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8});
  Tensor idx = make_tensor<int64_t>({2}, {0, 2});
  Tensor y = run_op("Gather", 13, int_attr("axis", 1), {&data, &idx})[0];
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({3, 2}, {0, 2, 3, 5, 6, 8}), y));
}

TEST(Gather, NegativeAxisAndNegativeInt32Indices) {
  Tensor data = make_tensor<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor idx = make_tensor<int32_t>({3}, {-1, 0, -3});
  Tensor y = run_op("Gather", 13, int_attr("axis", -1), {&data, &idx})[0];
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 3}, {3, 1, 1, 6, 4, 4}), y));
}

TEST(Gather, ScalarIndexDropsTheAxis) {
  Tensor data = make_tensor<bool>({3, 2}, {true, false, false, true, true, true});
  Tensor idx = make_tensor<int64_t>({}, {1});
  EXPECT_TRUE(tensors_close(make_tensor<bool>({2}, {false, true}), run_op("Gather", 1, {}, {&data, &idx})[0]));
}

TEST(Gather, EmptyIndices) {
  Tensor data = make_tensor<float>({3, 2}, {1, 2, 3, 4, 5, 6});
  Tensor idx(DataType::Int64, {0});
  EXPECT_EQ(run_op("Gather", 13, {}, {&data, &idx})[0].shape(), (Shape{0, 2}));
}

TEST(Gather, OutOfRangeIndexFailsWithRange) {
  Tensor data = make_tensor<float>({3, 2}, {1, 2, 3, 4, 5, 6});
  Tensor idx = make_tensor<int64_t>({2}, {0, 3});
  try {
    run_op("Gather", 13, {}, {&data, &idx});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("index 3"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[-3, 2]"), std::string::npos) << msg;
  }
  Tensor low = make_tensor<int32_t>({1}, {-4});
  EXPECT_THROW(run_op("Gather", 13, {}, {&data, &low}), Error);
  Tensor far = make_tensor<int64_t>({1}, {std::numeric_limits<int64_t>::min()});
  EXPECT_THROW(run_op("Gather", 13, {}, {&data, &far}), Error);
  Tensor empty(DataType::Float, {0, 2});
  Tensor zero = make_tensor<int64_t>({1}, {0});
  EXPECT_THROW(run_op("Gather", 13, {}, {&empty, &zero}), Error);
}

TEST(Gather, RejectsBadAxisAndIndexDtype) {
  Tensor data = make_tensor<float>({3, 2}, {1, 2, 3, 4, 5, 6});
  Tensor idx = make_tensor<int64_t>({1}, {0});
  EXPECT_THROW(run_op("Gather", 13, int_attr("axis", 2), {&data, &idx}), Error);
  Tensor fidx = make_tensor<float>({1}, {0});
  EXPECT_THROW(run_op("Gather", 13, {}, {&data, &fidx}), Error);
}

TEST(Gather, LargeReversedRows) {
  // data[r][c] = 100r + c; gathering rows 999..0 reverses them.
  Tensor data(DataType::Float, {1000, 100});
  for (int64_t i = 0; i < data.numel(); ++i) data.data<float>()[i] = static_cast<float>(i);
  Tensor idx(DataType::Int64, {1000});
  for (int64_t i = 0; i < 1000; ++i) idx.data<int64_t>()[i] = -1 - i;
  Tensor y = run_op("Gather", 13, {}, {&data, &idx})[0];
  ASSERT_EQ(y.shape(), (Shape{1000, 100}));
  int64_t bad = 0;
  for (int64_t r = 0; r < 1000; ++r)
    for (int64_t c = 0; c < 100; ++c) bad += y.data<float>()[r * 100 + c] != static_cast<float>(100 * (999 - r) + c);
  EXPECT_EQ(bad, 0);
}

TEST(Gather, ShortRowsOfEveryWidth) {
  // Rows of 1..9 floats (4..36 bytes: the fixed-size copies and the memcpy ones), gathered reversed along axis 1 of
  // [2, 3000, w], as the gluon-cv tail gathers its 6-float rows.
  for (int64_t w = 1; w <= 9; ++w) {
    Tensor data(DataType::Float, {2, 3000, w});
    for (int64_t i = 0; i < data.numel(); ++i) data.data<float>()[i] = static_cast<float>(i);
    Tensor idx(DataType::Int64, {1, 3000});
    for (int64_t i = 0; i < 3000; ++i) idx.data<int64_t>()[i] = 2999 - i;
    const Tensor y = run_op("Gather", 13, Attributes::integer("axis", 1), {&data, &idx})[0];
    ASSERT_EQ(y.shape(), (Shape{2, 1, 3000, w}));
    int64_t bad = 0;
    for (int64_t o = 0; o < 2; ++o)
      for (int64_t r = 0; r < 3000; ++r)
        for (int64_t c = 0; c < w; ++c)
          bad += y.data<float>()[(o * 3000 + r) * w + c] != static_cast<float>((o * 3000 + 2999 - r) * w + c);
    EXPECT_EQ(bad, 0) << "width " << w;
  }
}

// ---- Shape ----

TEST(Shape, WholeShape) {
  Tensor x(DataType::Float, {2, 3, 4});
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({3}, {2, 3, 4}), run_op("Shape", 13, {}, {&x})[0]));
  Tensor s = make_tensor<int32_t>({}, {1});
  EXPECT_EQ(run_op("Shape", 13, {}, {&s})[0].shape(), (Shape{0}));
}

TEST(Shape, StartEndClampFromOpset15) {
  Tensor x(DataType::UInt8, {2, 3, 4});
  auto shape = [&](Attributes a) { return run_op("Shape", 15, a, {&x})[0]; };
  Attributes start1 = int_attr("start", 1), end_neg1 = int_attr("end", -1), start_neg1 = int_attr("start", -1);
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({2}, {3, 4}), shape(start1)));
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({2}, {2, 3}), shape(end_neg1)));
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({1}, {4}), shape(start_neg1)));
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({3}, {2, 3, 4}), shape(int_attr("start", -10))));
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({3}, {2, 3, 4}), shape(int_attr("end", 10))));
  EXPECT_EQ(shape(int_attr("start", 10)).shape(), (Shape{0}));
  Attributes reversed;
  reversed.set_int("start", 2);
  reversed.set_int("end", 1);
  EXPECT_EQ(shape(reversed).shape(), (Shape{0}));
  // Before opset 15 there are no start/end attributes.
  EXPECT_EQ(run_op("Shape", 13, start1, {&x})[0].shape(), (Shape{3}));
}

TEST(Shape, InferenceFoldsStaticDimsOnly) {
  auto out = infer_op("Shape", 15, int_attr("start", 1), {value_info(DataType::Float, {kUnknownDim, 3, 4})});
  EXPECT_EQ(out[0].shape, (Shape{2}));
  out = infer_op("Shape", 13, {}, {value_info(DataType::Float, {kUnknownDim, 3, 4})});
  EXPECT_EQ(out[0].dtype, DataType::Int64);
  EXPECT_EQ(out[0].shape, (Shape{3}));
}

}  // namespace
}  // namespace ssdx::test
