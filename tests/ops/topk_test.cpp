#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>

#include "ops/op_util.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

Attributes topk_attrs(int64_t axis, int64_t largest = 1) {
  Attributes a;
  a.set_int("axis", axis);
  a.set_int("largest", largest);
  return a;
}

Tensor k_tensor(int64_t k) { return make_tensor<int64_t>({1}, {k}); }

TEST(TopK, TiesGoToLowerIndex) {
  Tensor x = make_tensor<float>({5}, {3, 1, 3, 2, 3});
  Tensor k2 = k_tensor(2), k4 = k_tensor(4), k1 = k_tensor(1);
  auto o2 = run_op("TopK", 11, {}, {&x, &k2}, 2);
  EXPECT_TRUE(tensors_close(make_tensor<float>({2}, {3, 3}), o2[0]));
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({2}, {0, 2}), o2[1]));
  auto o4 = run_op("TopK", 11, {}, {&x, &k4}, 2);
  EXPECT_TRUE(tensors_close(make_tensor<float>({4}, {3, 3, 3, 2}), o4[0]));
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({4}, {0, 2, 4, 3}), o4[1]));
  auto o1 = run_op("TopK", 10, {}, {&x, &k1}, 2);
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({1}, {0}), o1[1]));
}

TEST(TopK, SmallestAscendingTiesLowerIndex) {
  Tensor x = make_tensor<int32_t>({4}, {2, 1, 1, 3});
  Tensor k = k_tensor(3);
  auto out = run_op("TopK", 11, topk_attrs(-1, 0), {&x, &k}, 2);
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({3}, {1, 1, 2}), out[0]));
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({3}, {1, 2, 0}), out[1]));
}

TEST(TopK, AxisZeroOfMatrix) {
  Tensor x = make_tensor<int64_t>({3, 2}, {1, 6, 5, 2, 5, 4});
  Tensor k = k_tensor(2);
  auto out = run_op("TopK", 11, topk_attrs(0), {&x, &k}, 2);
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({2, 2}, {5, 6, 5, 4}), out[0]));
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({2, 2}, {1, 0, 2, 2}), out[1]));
}

TEST(TopK, MiddleAxisOf3D) {
  // [2,3,2]; axis 1, k 2.
  Tensor x = make_tensor<float>({2, 3, 2}, {0, 9, 4, 9, 2, 1, 7, 7, 7, 8, 7, 6});
  Tensor k = k_tensor(2);
  auto out = run_op("TopK", 11, topk_attrs(-2), {&x, &k}, 2);
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 2, 2}, {4, 9, 2, 9, 7, 8, 7, 7}), out[0]));
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({2, 2, 2}, {1, 0, 2, 1, 0, 1, 1, 0}), out[1]));
}

TEST(TopK, Opset1AttributeK) {
  Tensor x = make_tensor<float>({2, 3}, {1, 3, 2, 6, 5, 4});
  Attributes a;
  a.set_int("k", 2);
  auto out = run_op("TopK", 1, a, {&x}, 2);
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 2}, {3, 2, 6, 5}), out[0]));
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({2, 2}, {1, 2, 0, 1}), out[1]));
  EXPECT_THROW(run_op("TopK", 9, {}, {&x}, 2), Error);  // k is required
}

TEST(TopK, KZeroGivesEmptyOutputs) {
  Tensor x = make_tensor<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor k = k_tensor(0);
  auto out = run_op("TopK", 11, {}, {&x, &k}, 2);
  EXPECT_EQ(shape_str(out[0].shape()), "[2,0]");
  EXPECT_EQ(shape_str(out[1].shape()), "[2,0]");
  EXPECT_EQ(out[1].dtype(), DataType::Int64);
}

TEST(TopK, RejectsBadK) {
  Tensor x = make_tensor<float>({3}, {1, 2, 3});
  Tensor big = k_tensor(4), neg = k_tensor(-1);
  Tensor two = make_tensor<int64_t>({2}, {1, 1});
  Tensor scalar = make_tensor<int64_t>({}, {1});
  Tensor k32 = make_tensor<int32_t>({1}, {1});
  EXPECT_THROW(run_op("TopK", 11, {}, {&x, &big}, 2), Error);
  EXPECT_THROW(run_op("TopK", 11, {}, {&x, &neg}, 2), Error);
  EXPECT_THROW(run_op("TopK", 11, {}, {&x, &two}, 2), Error);
  EXPECT_THROW(run_op("TopK", 11, {}, {&x, &scalar}, 2), Error);
  EXPECT_THROW(run_op("TopK", 11, {}, {&x, &k32}, 2), Error);
  Tensor k = k_tensor(1);
  EXPECT_THROW(run_op("TopK", 11, topk_attrs(1), {&x, &k}, 2), Error);
  Tensor xi = make_tensor<int32_t>({3}, {1, 2, 3});
  EXPECT_THROW(run_op("TopK", 10, {}, {&xi, &k}, 2), Error);  // integers only from opset 11
}

TEST(TopK, NaNRanksAboveEverything) {
  Tensor x = make_tensor<float>({4}, {1, NAN, 3, NAN});
  Tensor k = k_tensor(3);
  auto lg = run_op("TopK", 11, {}, {&x, &k}, 2);
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({3}, {1, 3, 2}), lg[1]));
  auto sm = run_op("TopK", 11, topk_attrs(-1, 0), {&x, &k}, 2);
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({3}, {0, 2, 1}), sm[1]));
}

TEST(TopK, InferenceWithUnknownK) {
  const OpDef* def = OpRegistry::global().find("", "TopK", 11);
  ASSERT_NE(def, nullptr);
  Node node;
  node.op_type = "TopK";
  std::vector<ValueInfo> in(2);
  in[0] = value_info(DataType::Float, {2, 7});
  in[1] = value_info(DataType::Int64, {1});
  OpContext ctx(node, 11, in, 2);
  def->infer(ctx);
  EXPECT_EQ(shape_str(ctx.outputs()[0].shape), "[2,?]");
  EXPECT_EQ(ctx.outputs()[1].dtype, DataType::Int64);
}

// Many ties, big enough to run in parallel: must equal a stable sort truncated to K.
TEST(TopK, MatchesStableSortWithManyTies) {
  const int64_t rows = 64, n = 1000, k = 100;
  std::vector<int32_t> v(static_cast<size_t>(rows * n));
  std::mt19937 rng(3);
  for (auto& e : v) e = static_cast<int32_t>(rng() % 10);
  Tensor x = make_tensor<int32_t>({rows, n}, v);
  Tensor kt = k_tensor(k);
  for (int64_t largest : {1, 0}) {
    auto out = run_op("TopK", 11, topk_attrs(-1, largest), {&x, &kt}, 2);
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<int64_t> idx(static_cast<size_t>(n));
      std::iota(idx.begin(), idx.end(), 0);
      const int32_t* row = v.data() + r * n;
      std::stable_sort(idx.begin(), idx.end(),
                       [&](int64_t a, int64_t b) { return largest ? row[a] > row[b] : row[a] < row[b]; });
      for (int64_t i = 0; i < k; ++i) {
        ASSERT_EQ(out[1].data<int64_t>()[r * k + i], idx[size_t(i)]) << "row " << r << " rank " << i;
        ASSERT_EQ(out[0].data<int32_t>()[r * k + i], row[idx[size_t(i)]]);
      }
    }
  }
}

// Floats with ties, NaNs, infinities and both zeros, along every axis: must equal a stable sort in the total order
// where NaN is above +inf (NaNs equal) and -0 equals +0.
TEST(TopK, FloatSpecialsMatchStableSort) {
  std::mt19937 rng(8);
  const float specials[] = {NAN, -NAN, INFINITY, -INFINITY, 0.f, -0.f, 1.f, -1.f};
  auto less = [](float a, float b) { return !std::isnan(a) && (std::isnan(b) || a < b); };
  for (int iter = 0; iter < 200; ++iter) {
    auto dim_upto = [&](int64_t n) { return 1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(n)); };
    const Shape shape = {dim_upto(4), dim_upto(300), dim_upto(3)};
    Tensor x(DataType::Float, shape);
    for (int64_t i = 0; i < x.numel(); ++i)
      x.data<float>()[i] = rng() % 3 ? specials[rng() % 8] : static_cast<float>(rng() % 50) / 7;
    const int64_t axis = static_cast<int64_t>(rng() % 3), largest = rng() % 2;
    const int64_t dim = shape[static_cast<size_t>(axis)], k = static_cast<int64_t>(rng() % (dim + 1));
    const Tensor kt = k_tensor(k);
    const auto out = run_op("TopK", 11, topk_attrs(axis, largest), {&x, &kt}, 2);
    const AxisSplit s = split_at_axis(shape, axis);
    for (int64_t o = 0; o < s.outer; ++o)
      for (int64_t j = 0; j < s.inner; ++j) {
        const float* src = x.data<float>() + o * s.dim * s.inner + j;
        std::vector<int64_t> idx(static_cast<size_t>(s.dim));
        std::iota(idx.begin(), idx.end(), 0);
        std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) {
          return largest ? less(src[b * s.inner], src[a * s.inner]) : less(src[a * s.inner], src[b * s.inner]);
        });
        for (int64_t i = 0; i < k; ++i) {
          const int64_t at = (o * k + i) * s.inner + j;
          ASSERT_EQ(out[1].data<int64_t>()[at], idx[size_t(i)]) << "case " << iter << " rank " << i;
          const float v = out[0].data<float>()[at], e = src[idx[size_t(i)] * s.inner];
          ASSERT_TRUE(std::memcmp(&v, &e, sizeof v) == 0) << "case " << iter << " rank " << i;
        }
      }
  }
}

}  // namespace
}  // namespace ssdx::test
