// Expand, Tile, Range and Split: hand-worked values, opset differences, empty tensors and hostile sizes (one-line
// errors raised by inference, before anything is allocated).
#include "tests/ops/data_movement_test_util.h"

namespace ssdx::test {
namespace {

Tensor ints64(Shape s, std::vector<int64_t> v) { return make_tensor<int64_t>(std::move(s), v); }

// ---- Expand ----

TEST(Expand, BroadcastsBothWays) {
  Tensor x = make_tensor<float>({3, 1}, {1, 2, 3});
  Tensor shape = ints64({3}, {2, 1, 4});
  Tensor y = run_op("Expand", 13, {}, {&x, &shape})[0];
  ASSERT_EQ(y.shape(), (Shape{2, 3, 4}));
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t j = 0; j < 4; ++j) EXPECT_EQ(y.data<float>()[(b * 3 + i) * 4 + j], float(i + 1));
  // A shape of lower rank, and 1s where the input is larger, keep the input's dims.
  Tensor small = ints64({1}, {1});
  EXPECT_EQ(run_op("Expand", 8, {}, {&x, &small})[0].shape(), (Shape{3, 1}));
}

TEST(Expand, Int8LastAxisAndEmpty) {
  Tensor x = make_tensor<int8_t>({2, 1}, {-5, 7});
  Tensor shape = ints64({2}, {2, 3});
  EXPECT_TRUE(tensors_close(make_tensor<int8_t>({2, 3}, {-5, -5, -5, 7, 7, 7}), run_op("Expand", 13, {}, {&x, &shape})[0]));
  Tensor e(DataType::Float, {0, 3});
  Tensor to = ints64({3}, {2, 1, 3});
  EXPECT_EQ(run_op("Expand", 13, {}, {&e, &to})[0].shape(), (Shape{2, 0, 3}));
  Tensor one = make_tensor<float>({1}, {4});
  Tensor zero = ints64({2}, {5, 0});
  EXPECT_EQ(run_op("Expand", 13, {}, {&one, &zero})[0].shape(), (Shape{5, 0}));
}

TEST(Expand, RunTimeShapeIsUnknownAtLoad) {
  const auto out = infer_op("Expand", 13, {}, {value_info(DataType::Float, {3, 1}), value_info(DataType::Int64, {3})});
  EXPECT_EQ(out[0].shape, (Shape{kUnknownDim, 3, kUnknownDim}));
}

TEST(Expand, HostileShapesFailInOneLine) {
  Tensor x = make_tensor<float>({1}, {1});
  Tensor neg = ints64({2}, {2, -3});
  EXPECT_TRUE(fails_with([&] { run_op("Expand", 13, {}, {&x, &neg}); }, {"Expand", "-3"}));
  Tensor huge = ints64({3}, {int64_t{1} << 40, int64_t{1} << 40, 16});
  EXPECT_TRUE(fails_with([&] { run_op("Expand", 13, {}, {&x, &huge}); }, {"Expand", "int64"}));
  Tensor big = ints64({2}, {int64_t{1} << 20, int64_t{1} << 20});
  EXPECT_TRUE(fails_with([&] { run_op("Expand", 13, {}, {&x, &big}); }, {"Expand", "[1048576,1048576]", "limit"}));
  Tensor y = make_tensor<float>({3}, {1, 2, 3});
  Tensor clash = ints64({1}, {2});
  EXPECT_TRUE(fails_with([&] { run_op("Expand", 13, {}, {&y, &clash}); }, {"Expand", "[3]", "[2]"}));
}

// ---- Tile ----

TEST(Tile, RepeatsEachAxis) {
  Tensor x = make_tensor<int32_t>({2, 2}, {1, 2, 3, 4});
  Tensor rep = ints64({2}, {2, 3});
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({4, 6}, {1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4,
                                                          1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4}),
                            run_op("Tile", 13, {}, {&x, &rep})[0]));
  Tensor b = make_tensor<bool>({1, 2}, {true, false});
  Tensor rep2 = ints64({2}, {2, 1});
  EXPECT_TRUE(tensors_close(make_tensor<bool>({2, 2}, {true, false, true, false}), run_op("Tile", 6, {}, {&b, &rep2})[0]));
}

TEST(Tile, ZeroRepeatsAndEmptyInput) {
  Tensor x = make_tensor<float>({2}, {1, 2});
  Tensor zero = ints64({1}, {0});
  EXPECT_EQ(run_op("Tile", 13, {}, {&x, &zero})[0].shape(), (Shape{0}));
  Tensor e(DataType::Int64, {0, 2});
  Tensor rep = ints64({2}, {3, 2});
  EXPECT_EQ(run_op("Tile", 13, {}, {&e, &rep})[0].shape(), (Shape{0, 4}));
}

TEST(Tile, LargeTileMatchesNaiveLoop) {
  Tensor x = random_tensor({3, 5000}, 7);
  Tensor rep = ints64({2}, {4, 3});
  Tensor y = run_op("Tile", 13, {}, {&x, &rep})[0];
  ASSERT_EQ(y.shape(), (Shape{12, 15000}));
  for (int64_t i = 0; i < 12; ++i)
    for (int64_t j = 0; j < 15000; ++j)
      ASSERT_EQ(y.data<float>()[i * 15000 + j], x.data<float>()[(i % 3) * 5000 + j % 5000]);
}

TEST(Tile, HostileRepeatsFailInOneLine) {
  Tensor x = make_tensor<float>({2}, {1, 2});
  Tensor neg = ints64({1}, {-1});
  EXPECT_TRUE(fails_with([&] { run_op("Tile", 13, {}, {&x, &neg}); }, {"Tile", "-1"}));
  Tensor huge = ints64({1}, {int64_t{1} << 62});
  EXPECT_TRUE(fails_with([&] { run_op("Tile", 13, {}, {&x, &huge}); }, {"Tile", "overflows"}));
  Tensor big = ints64({1}, {int64_t{1} << 34});
  EXPECT_TRUE(fails_with([&] { run_op("Tile", 13, {}, {&x, &big}); }, {"Tile", "limit"}));
  Tensor wrong = ints64({2}, {1, 1});
  EXPECT_TRUE(fails_with([&] { run_op("Tile", 13, {}, {&x, &wrong}); }, {"Tile", "2 values", "rank 1"}));
}

// ---- Range ----

TEST(Range, CountsAndValues) {
  auto range_f = [](float s, float l, float d) {
    Tensor a = make_tensor<float>({}, {s}), b = make_tensor<float>({}, {l}), c = make_tensor<float>({}, {d});
    return run_op("Range", 11, {}, {&a, &b, &c})[0];
  };
  EXPECT_TRUE(tensors_close(make_tensor<float>({4}, {1, 1.5f, 2, 2.5f}), range_f(1, 3, 0.5f)));
  EXPECT_TRUE(tensors_close(make_tensor<float>({3}, {3, 2, 1}), range_f(3, 0.5f, -1)));  // ceil(2.5) = 3
  EXPECT_EQ(range_f(3, 1, 1).shape(), (Shape{0}));  // max(ceil(-2), 0)
  Tensor s = make_tensor<int64_t>({}, {10}), l = make_tensor<int64_t>({}, {-3}), d = make_tensor<int64_t>({}, {-4});
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({4}, {10, 6, 2, -2}), run_op("Range", 11, {}, {&s, &l, &d})[0]));
  Tensor s32 = make_tensor<int32_t>({}, {0}), l32 = make_tensor<int32_t>({}, {7}), d32 = make_tensor<int32_t>({}, {3});
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({3}, {0, 3, 6}), run_op("Range", 11, {}, {&s32, &l32, &d32})[0]));
  // The last element is INT64_MAX - 1: the loop must not add delta past it.
  Tensor sm = make_tensor<int64_t>({}, {INT64_MAX - 1}), lm = make_tensor<int64_t>({}, {INT64_MAX}),
         dm = make_tensor<int64_t>({}, {5});
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({1}, {INT64_MAX - 1}), run_op("Range", 11, {}, {&sm, &lm, &dm})[0]));
}

TEST(Range, UnknownLengthAtLoad) {
  const ValueInfo scalar = value_info(DataType::Int64, {});
  EXPECT_EQ(infer_op("Range", 11, {}, {scalar, scalar, scalar})[0].shape, (Shape{kUnknownDim}));
}

TEST(Range, HostileFailInOneLine) {
  Tensor s = make_tensor<int64_t>({}, {0}), l = make_tensor<int64_t>({}, {5}), zero = make_tensor<int64_t>({}, {0});
  EXPECT_TRUE(fails_with([&] { run_op("Range", 11, {}, {&s, &l, &zero}); }, {"Range", "delta is 0"}));
  Tensor far = make_tensor<int64_t>({}, {1000000000000000000}), one = make_tensor<int64_t>({}, {1});
  EXPECT_TRUE(fails_with([&] { run_op("Range", 11, {}, {&s, &far, &one}); }, {"Range", "[1000000000000000000]", "limit"}));
  Tensor fs = make_tensor<float>({}, {0}), fl = make_tensor<float>({}, {1e30f}), fd = make_tensor<float>({}, {1e-30f});
  EXPECT_TRUE(fails_with([&] { run_op("Range", 11, {}, {&fs, &fl, &fd}); }, {"Range", "elements"}));
}

// ---- Split ----

TEST(Split, Opset18NumOutputsLastChunkSmaller) {
  Tensor x = make_tensor<float>({2, 8}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
  Attributes a = attr_int("axis", 1);
  a.set_int("num_outputs", 3);
  const auto y = run_op("Split", 18, a, {&x}, 3);
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 3}, {1, 2, 3, 9, 10, 11}), y[0]));
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 3}, {4, 5, 6, 12, 13, 14}), y[1]));
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 2}, {7, 8, 15, 16}), y[2]));
  Tensor seven = make_tensor<int64_t>({7}, {0, 1, 2, 3, 4, 5, 6});
  const auto z = run_op("Split", 18, attr_int("num_outputs", 4), {&seven}, 4);
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({1}, {6}), z[3]));
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({2}, {4, 5}), z[2]));
  Tensor five = make_tensor<int64_t>({5}, {0, 1, 2, 3, 4});
  EXPECT_TRUE(fails_with([&] { run_op("Split", 18, attr_int("num_outputs", 4), {&five}, 4); }, {"Split", "5", "4 parts"}));
  EXPECT_TRUE(fails_with([&] { run_op("Split", 18, attr_int("num_outputs", 2), {&five}, 3); }, {"Split", "num_outputs"}));
}

TEST(Split, Opset18SplitInputAndNeitherGiven) {
  Tensor x = make_tensor<bool>({4}, {true, false, false, true});
  Tensor sizes = make_tensor<int64_t>({2}, {3, 1});
  const auto a = run_op("Split", 18, {}, {&x, &sizes}, 2);
  EXPECT_TRUE(tensors_close(make_tensor<bool>({3}, {true, false, false}), a[0]));
  const auto b = run_op("Split", 18, {}, {&x}, 2);  // neither split nor num_outputs: equal parts, as before 18
  EXPECT_TRUE(tensors_close(make_tensor<bool>({2}, {false, true}), b[1]));
  EXPECT_TRUE(fails_with([&] { run_op("Split", 18, attr_int("num_outputs", 2), {&x, &sizes}, 2); },
                         {"Split", "both"}));
}

TEST(Split, SizesFromAttributeOrInput) {
  Tensor x = make_tensor<int32_t>({6}, {1, 2, 3, 4, 5, 6});
  const auto a = run_op("Split", 2, attr_ints("split", {1, 5}), {&x}, 2);
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({5}, {2, 3, 4, 5, 6}), a[1]));
  Tensor sizes = make_tensor<int64_t>({3}, {2, 0, 4});
  const auto b = run_op("Split", 13, {}, {&x, &sizes}, 3);
  EXPECT_EQ(b[1].shape(), (Shape{0}));
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({4}, {3, 4, 5, 6}), b[2]));
  const auto c = run_op("Split", 11, attr_int("axis", -1), {&x}, 3);  // equal parts
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({2}, {5, 6}), c[2]));
  EXPECT_TRUE(fails_with([&] { run_op("Split", 10, attr_int("axis", -1), {&x}, 2); }, {"Split", "axis -1", "opset 11"}));
  Tensor bad = make_tensor<int64_t>({2}, {2, 3});
  EXPECT_TRUE(fails_with([&] { run_op("Split", 13, {}, {&x, &bad}, 2); }, {"Split", "add up to 5"}));
}

TEST(Split, EmptyInputAndLargeCopy) {
  Tensor e(DataType::Float, {0, 4});
  const auto parts = run_op("Split", 13, attr_int("axis", 1), {&e}, 2);
  EXPECT_EQ(parts[1].shape(), (Shape{0, 2}));
  Tensor x = random_tensor({300, 1000}, 3);
  Tensor sizes = make_tensor<int64_t>({2}, {999, 1});
  const auto y = run_op("Split", 13, attr_int("axis", 1), {&x, &sizes}, 2);
  for (int64_t r = 0; r < 300; ++r) {
    ASSERT_EQ(y[0].data<float>()[r * 999 + 998], x.data<float>()[r * 1000 + 998]);
    ASSERT_EQ(y[1].data<float>()[r], x.data<float>()[r * 1000 + 999]);
  }
}

}  // namespace
}  // namespace ssdx::test
