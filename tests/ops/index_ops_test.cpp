// Pad, GatherND, GatherElements, ScatterND, ScatterElements, Scatter and NonZero: hand-worked values, opset
// differences (Pad 18 axes, reductions per opset), empty tensors, hostile sizes and indices (one-line errors), and the
// threaded paths against plain loops written here.
#include "tests/ops/data_movement_test_util.h"

namespace ssdx::test {
namespace {

Tensor ints64(Shape s, std::vector<int64_t> v) { return make_tensor<int64_t>(std::move(s), v); }

// ---- Pad ----

TEST(Pad, Opset18AxesPadOnlyThoseAxes) {
  Tensor x = make_tensor<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor pads = ints64({2}, {1, 2});
  Tensor axes = ints64({1}, {-1});
  const Tensor expected = make_tensor<float>({2, 6}, {0, 1, 2, 3, 0, 0, 0, 4, 5, 6, 0, 0});
  EXPECT_TRUE(tensors_close(expected, run_op("Pad", 18, {}, {&x, &pads, nullptr, &axes})[0]));
  Tensor axes32 = make_tensor<int32_t>({1}, {1});
  EXPECT_TRUE(tensors_close(expected, run_op("Pad", 18, {}, {&x, &pads, nullptr, &axes32})[0]));
  Tensor two_axes = ints64({2}, {0, 1});
  EXPECT_TRUE(fails_with([&] { run_op("Pad", 18, {}, {&x, &pads, nullptr, &two_axes}); }, {"Pad", "2 values", "2 axes"}));
}

TEST(Pad, ReflectAndEdgeOn4D) {
  Tensor x = make_tensor<float>({1, 1, 2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor pads = ints64({8}, {0, 0, 1, 2, 0, 0, 1, 1});
  EXPECT_TRUE(tensors_close(make_tensor<float>({1, 1, 4, 6}, {6, 5, 4, 5, 6, 5, 3, 2, 1, 2, 3, 2,
                                                              6, 5, 4, 5, 6, 5, 3, 2, 1, 2, 3, 2}),
                            run_op("Pad", 13, attr_string("mode", "reflect"), {&x, &pads})[0]));
  EXPECT_TRUE(tensors_close(make_tensor<float>({1, 1, 4, 6}, {1, 1, 1, 2, 3, 3, 1, 1, 1, 2, 3, 3,
                                                              4, 4, 4, 5, 6, 6, 4, 4, 4, 5, 6, 6}),
                            run_op("Pad", 11, attr_string("mode", "edge"), {&x, &pads})[0]));
}

// Mirror by folding (not the kernel's modulo), clamp for edge.
int64_t reflect_ref(int64_t i, int64_t n) {
  while (i < 0 || i >= n) {
    if (i < 0) i = -i;
    if (i >= n) i = 2 * (n - 1) - i;
  }
  return i;
}

TEST(Pad, LargeReflectAndEdgeMatchPlainLoops) {
  const Shape in{2, 3, 70, 90};
  Tensor x = random_tensor(in, 11);
  const std::vector<int64_t> p{0, 1, 69, 5, 1, 0, 3, 89};
  Tensor pads = ints64({8}, p);
  for (const char* mode : {"reflect", "edge"}) {
    SCOPED_TRACE(mode);
    Tensor y = run_op("Pad", 13, attr_string("mode", mode), {&x, &pads})[0];
    const Shape out{3, 4, 142, 184};
    ASSERT_EQ(y.shape(), out);
    const bool reflect = std::string(mode) == "reflect";
    auto src = [&](int64_t o, size_t d) {
      const int64_t i = o - p[d], n = in[d];
      return reflect ? reflect_ref(i, n) : std::min(std::max<int64_t>(i, 0), n - 1);
    };
    int64_t k = 0;
    for (int64_t a = 0; a < out[0]; ++a)
      for (int64_t b = 0; b < out[1]; ++b)
        for (int64_t c = 0; c < out[2]; ++c)
          for (int64_t d = 0; d < out[3]; ++d, ++k) {
            const int64_t s = ((src(a, 0) * in[1] + src(b, 1)) * in[2] + src(c, 2)) * in[3] + src(d, 3);
            ASSERT_EQ(y.data<float>()[k], x.data<float>()[s]) << a << " " << b << " " << c << " " << d;
          }
  }
}

TEST(Pad, NegativePadsCropAndValuesPerOpset) {
  Tensor x = make_tensor<int64_t>({1, 4}, {1, 2, 3, 4});
  Tensor pads = ints64({4}, {0, -1, 0, 1});
  Tensor value = make_tensor<int64_t>({}, {9});
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({1, 4}, {2, 3, 4, 9}), run_op("Pad", 11, {}, {&x, &pads, &value})[0]));
  Tensor f = make_tensor<float>({1, 2}, {1, 2});
  Attributes a = attr_ints("pads", {1, 0, 0, 0});
  a.set_float("value", 7.5f);
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 2}, {7.5f, 7.5f, 1, 2}), run_op("Pad", 2, a, {&f})[0]));
  Tensor u = make_tensor<uint8_t>({2}, {5, 6});
  Tensor up = ints64({2}, {2, 1});
  Tensor uv = make_tensor<uint8_t>({}, {255});
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({5}, {255, 255, 5, 6, 255}), run_op("Pad", 13, {}, {&u, &up, &uv})[0]));
}

TEST(Pad, EmptyTensorsAndHostilePads) {
  Tensor e(DataType::Float, {0, 2});
  Tensor pads = ints64({4}, {1, 0, 1, 0});
  Tensor y = run_op("Pad", 13, {}, {&e, &pads})[0];
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 2}, {0, 0, 0, 0}), y));
  EXPECT_TRUE(fails_with([&] { run_op("Pad", 13, attr_string("mode", "edge"), {&e, &pads}); }, {"Pad", "axis 0", "edge"}));
  Tensor x = make_tensor<float>({1}, {1});
  Tensor huge = ints64({2}, {0, int64_t{1} << 40});
  EXPECT_TRUE(fails_with([&] { run_op("Pad", 13, {}, {&x, &huge}); }, {"Pad", "[1099511627777]", "limit"}));
  Tensor over = ints64({2}, {INT64_MAX, 1});
  EXPECT_TRUE(fails_with([&] { run_op("Pad", 13, {}, {&x, &over}); }, {"Pad", "overflow"}));
  Tensor crop = ints64({2}, {-2, 0});
  EXPECT_TRUE(fails_with([&] { run_op("Pad", 13, {}, {&x, &crop}); }, {"Pad", "-2", "below 0"}));
  EXPECT_TRUE(fails_with([&] { run_op("Pad", 18, attr_string("mode", "wrap"), {&x, &crop}); }, {"Pad", "wrap"}));
}

// ---- GatherND / GatherElements ----

TEST(GatherND, NegativeIndicesAndBatchDims) {
  Tensor data = make_tensor<float>({2, 3}, {0, 1, 2, 3, 4, 5});
  Tensor idx = ints64({2, 2}, {-1, 0, 0, -2});
  EXPECT_TRUE(tensors_close(make_tensor<float>({2}, {3, 1}), run_op("GatherND", 11, {}, {&data, &idx})[0]));
  Tensor d3(DataType::Int32, {2, 3, 2});
  for (int i = 0; i < 12; ++i) d3.data<int32_t>()[i] = i;
  Tensor bidx = ints64({2, 1}, {-1, 1});
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({2, 2}, {4, 5, 8, 9}),
                            run_op("GatherND", 12, attr_int("batch_dims", 1), {&d3, &bidx})[0]));
  Tensor empty(DataType::Int64, {0, 2});
  EXPECT_EQ(run_op("GatherND", 13, {}, {&data, &empty})[0].shape(), (Shape{0}));
  Tensor bad = ints64({1, 2}, {0, 3});
  EXPECT_TRUE(fails_with([&] { run_op("GatherND", 13, {}, {&data, &bad}); }, {"GatherND", "index 3", "axis 1"}));
  Tensor deep = ints64({1, 3}, {0, 0, 0});
  EXPECT_TRUE(fails_with([&] { run_op("GatherND", 13, {}, {&data, &deep}); }, {"GatherND", "last indices dim 3"}));
}

TEST(GatherElements, AxesNegativeIndicesAndErrors) {
  Tensor data = make_tensor<float>({2, 2}, {1, 2, 3, 4});
  Tensor idx = ints64({2, 2}, {0, 0, 1, 0});
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 2}, {1, 1, 4, 3}),
                            run_op("GatherElements", 13, attr_int("axis", 1), {&data, &idx})[0]));
  Tensor neg = ints64({1, 2}, {-1, 0});
  EXPECT_TRUE(tensors_close(make_tensor<float>({1, 2}, {3, 2}), run_op("GatherElements", 11, {}, {&data, &neg})[0]));
  Tensor empty(DataType::Int64, {0, 2});
  EXPECT_EQ(run_op("GatherElements", 13, {}, {&data, &empty})[0].shape(), (Shape{0, 2}));
  Tensor bad = ints64({1, 1}, {2});
  EXPECT_TRUE(fails_with([&] { run_op("GatherElements", 13, {}, {&data, &bad}); }, {"GatherElements", "index 2"}));
}

// ---- ScatterND / ScatterElements / Scatter ----

TEST(ScatterND, ReductionsPerOpset) {
  Tensor data = make_tensor<float>({4}, {1, 2, 3, 4});
  Tensor idx = ints64({3, 1}, {1, 1, 3});
  Tensor upd = make_tensor<float>({3}, {5, 0, 2});
  EXPECT_TRUE(tensors_close(make_tensor<float>({4}, {1, 5, 3, 4}),
                            run_op("ScatterND", 18, attr_string("reduction", "max"), {&data, &idx, &upd})[0]));
  EXPECT_TRUE(tensors_close(make_tensor<float>({4}, {1, 0, 3, 2}),
                            run_op("ScatterND", 18, attr_string("reduction", "min"), {&data, &idx, &upd})[0]));
  EXPECT_TRUE(tensors_close(make_tensor<float>({4}, {1, 7, 3, 6}),
                            run_op("ScatterND", 16, attr_string("reduction", "add"), {&data, &idx, &upd})[0]));
  EXPECT_TRUE(tensors_close(make_tensor<float>({4}, {1, 0, 3, 2}), run_op("ScatterND", 11, {}, {&data, &idx, &upd})[0]));
  EXPECT_TRUE(fails_with([&] { run_op("ScatterND", 16, attr_string("reduction", "max"), {&data, &idx, &upd}); },
                         {"ScatterND", "\"max\"", "opset 16"}));
  EXPECT_TRUE(fails_with([&] { run_op("ScatterND", 13, attr_string("reduction", "add"), {&data, &idx, &upd}); },
                         {"ScatterND", "opset 16"}));
}

TEST(ScatterND, EmptyIndicesAndBadIndices) {
  Tensor data = make_tensor<int64_t>({2, 2}, {1, 2, 3, 4});
  Tensor idx(DataType::Int64, {0, 1});
  Tensor upd(DataType::Int64, {0, 2});
  EXPECT_TRUE(tensors_close(data, run_op("ScatterND", 13, {}, {&data, &idx, &upd})[0]));
  Tensor bad = ints64({1, 1}, {-3});
  Tensor row = ints64({1, 2}, {9, 9});
  EXPECT_TRUE(fails_with([&] { run_op("ScatterND", 13, {}, {&data, &bad, &row}); }, {"ScatterND", "index -3"}));
  Tensor wrong = ints64({1, 3}, {9, 9, 9});
  Tensor one = ints64({1, 1}, {0});
  EXPECT_TRUE(fails_with([&] { run_op("ScatterND", 13, {}, {&data, &one, &wrong}); }, {"ScatterND", "[1,3]", "[1,2]"}));
}

TEST(ScatterElements, ReductionsAndNegativeIndicesPerOpset) {
  Tensor data = make_tensor<int32_t>({1, 3}, {1, 2, 3});
  Tensor idx = ints64({1, 3}, {0, 0, 2});
  Tensor upd = make_tensor<int32_t>({1, 3}, {5, -1, 0});
  Attributes a = attr_int("axis", 1);
  a.set_string("reduction", "min");
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({1, 3}, {-1, 2, 0}), run_op("ScatterElements", 18, a, {&data, &idx, &upd})[0]));
  Tensor mul_upd = make_tensor<int32_t>({1, 3}, {2, 3, 4});
  Attributes m = attr_int("axis", 1);
  m.set_string("reduction", "mul");
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({1, 3}, {6, 2, 12}), run_op("ScatterElements", 16, m, {&data, &idx, &mul_upd})[0]));
  EXPECT_TRUE(fails_with([&] { run_op("ScatterElements", 17, a, {&data, &idx, &upd}); }, {"ScatterElements", "\"min\""}));
  Tensor neg = ints64({1, 1}, {-1});
  Tensor one = make_tensor<int32_t>({1, 1}, {7});
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({1, 3}, {1, 2, 7}),
                            run_op("ScatterElements", 11, attr_int("axis", 1), {&data, &neg, &one})[0]));
  EXPECT_TRUE(fails_with([&] { run_op("Scatter", 10, attr_int("axis", 1), {&data, &neg, &one}); }, {"Scatter", "index -1", "[0, 2]"}));
  Tensor empty_idx(DataType::Int64, {0, 3});
  Tensor empty_upd(DataType::Int32, {0, 3});
  EXPECT_TRUE(tensors_close(data, run_op("ScatterElements", 13, {}, {&data, &empty_idx, &empty_upd})[0]));
}

TEST(Scatter, LaterOpsetsResolveToItsLastVersion) {
  Tensor data = make_tensor<uint8_t>({2, 2}, {1, 2, 3, 4});
  Tensor idx = ints64({1, 2}, {1, -2});
  Tensor upd = make_tensor<uint8_t>({1, 2}, {9, 8});
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({2, 2}, {1, 8, 9, 4}), run_op("Scatter", 13, {}, {&data, &idx, &upd})[0]));
}

// The threaded path splits destinations between threads; duplicates must combine in index order as one loop does.
TEST(ScatterElements, LargeAddWithDuplicatesMatchesSequentialLoop) {
  std::mt19937 rng(5);
  const int64_t n = 200000, m = 150000;
  Tensor data = random_ints<int64_t>({n}, rng, -1000, 1000);
  Tensor idx = random_ints<int64_t>({m}, rng, -n, n - 1);
  Tensor upd = random_ints<int64_t>({m}, rng, -1000, 1000);
  for (const char* red : {"add", "none"}) {
    SCOPED_TRACE(red);
    Tensor expected = data.clone();
    for (int64_t i = 0; i < m; ++i) {
      int64_t j = idx.data<int64_t>()[i];
      if (j < 0) j += n;
      if (std::string(red) == "add") expected.data<int64_t>()[j] += upd.data<int64_t>()[i];
      else expected.data<int64_t>()[j] = upd.data<int64_t>()[i];
    }
    EXPECT_TRUE(tensors_close(expected, run_op("ScatterElements", 18, attr_string("reduction", red), {&data, &idx, &upd})[0]));
  }
}

// ---- NonZero ----

TEST(NonZero, RowMajorCoordinates) {
  Tensor x = make_tensor<float>({2, 2}, {1, 0, 1, 1});
  EXPECT_TRUE(tensors_close(ints64({2, 3}, {0, 1, 1, 0, 0, 1}), run_op("NonZero", 13, {}, {&x})[0]));
  Tensor scalar = make_tensor<int32_t>({}, {5});
  EXPECT_TRUE(tensors_close(ints64({1, 1}, {0}), run_op("NonZero", 9, {}, {&scalar})[0]));
  Tensor empty(DataType::Bool, {0, 3});
  EXPECT_EQ(run_op("NonZero", 13, {}, {&empty})[0].shape(), (Shape{2, 0}));
  Tensor zeros(DataType::UInt8, {4, 5, 6});
  EXPECT_EQ(run_op("NonZero", 13, {}, {&zeros})[0].shape(), (Shape{3, 0}));
  EXPECT_EQ(infer_op("NonZero", 13, {}, {value_info(DataType::Bool, {1, 7})})[0].shape, (Shape{2, kUnknownDim}));
}

TEST(NonZero, LargeInputMatchesPlainLoop) {
  std::mt19937 rng(9);
  Tensor x = random_ints<int8_t>({3, 500, 400}, rng, -1, 1);
  std::vector<int64_t> rows[3];
  for (int64_t i = 0; i < x.numel(); ++i)
    if (x.data<int8_t>()[i] != 0) {
      rows[0].push_back(i / 200000);
      rows[1].push_back(i / 400 % 500);
      rows[2].push_back(i % 400);
    }
  const int64_t nnz = static_cast<int64_t>(rows[0].size());
  std::vector<int64_t> flat;
  for (auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  EXPECT_TRUE(tensors_close(ints64({3, nnz}, flat), run_op("NonZero", 13, {}, {&x})[0]));
}

}  // namespace
}  // namespace ssdx::test
