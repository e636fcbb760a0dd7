#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <string>

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

// TopK(k, largest) of the rows x [rows, n] (holding v) must equal a stable sort of each row truncated to k.
template <typename T>
void expect_topk_rows_stable_sorted(const Tensor& x, const std::vector<T>& v, int64_t k, int64_t largest) {
  const int64_t rows = x.dim(0), n = x.dim(1);
  const Tensor kt = k_tensor(k);
  auto out = run_op("TopK", 11, topk_attrs(-1, largest), {&x, &kt}, 2);
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<int64_t> idx(static_cast<size_t>(n));
    std::iota(idx.begin(), idx.end(), 0);
    const T* row = v.data() + r * n;
    std::stable_sort(idx.begin(), idx.end(),
                     [&](int64_t a, int64_t b) { return largest ? row[a] > row[b] : row[a] < row[b]; });
    for (int64_t i = 0; i < k; ++i) {
      ASSERT_EQ(out[1].data<int64_t>()[r * k + i], idx[size_t(i)]) << "k " << k << " row " << r << " rank " << i;
      ASSERT_EQ(out[0].data<T>()[r * k + i], row[idx[size_t(i)]]);
    }
  }
}

// Many ties, big enough to run in parallel.
TEST(TopK, MatchesStableSortWithManyTies) {
  const int64_t rows = 64, n = 1000;
  std::vector<int32_t> v(static_cast<size_t>(rows * n));
  std::mt19937 rng(3);
  for (auto& e : v) e = static_cast<int32_t>(rng() % 10);
  const Tensor x = make_tensor<int32_t>({rows, n}, v);
  for (int64_t largest : {1, 0}) expect_topk_rows_stable_sorted(x, v, 100, largest);
}

// int64 and int32 rows of small range (a counting sort: the gluon-cv exporter's TopK over all its rank slots), of
// wide range (value and index packed in one key) and of full range (compared for int64), K up to the whole row.
template <typename T>
void expect_integer_topk_is_stable_sort(DataType dtype) {
  std::mt19937_64 rng(11);
  const int64_t rows = 3, n = 5000;
  for (uint64_t spread : {uint64_t{7}, uint64_t{400}, uint64_t{1} << 40, uint64_t{0}}) {
    std::vector<T> v(static_cast<size_t>(rows * n));
    for (auto& e : v) {
      const uint64_t r = spread ? rng() % spread : rng();  // 0: any value of T
      e = static_cast<T>(spread ? static_cast<int64_t>(r) - static_cast<int64_t>(spread / 2) : static_cast<int64_t>(r));
    }
    if (spread == 0) v[1] = std::numeric_limits<T>::min(), v[2] = std::numeric_limits<T>::max();
    Tensor x(dtype, {rows, n});
    std::copy(v.begin(), v.end(), x.data<T>());
    for (int64_t k : {n, int64_t{37}})
      for (int64_t largest : {1, 0}) {
        SCOPED_TRACE("spread " + std::to_string(spread));
        expect_topk_rows_stable_sorted(x, v, k, largest);
      }
  }
}

TEST(TopK, Int64OfEveryRangeMatchesStableSort) { expect_integer_topk_is_stable_sort<int64_t>(DataType::Int64); }
TEST(TopK, Int32OfEveryRangeMatchesStableSort) { expect_integer_topk_is_stable_sort<int32_t>(DataType::Int32); }

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
