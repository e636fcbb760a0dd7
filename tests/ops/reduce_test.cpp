#include <cmath>
#include <limits>
#include <numeric>

#include "ops/cpu_isa.h"
#include "tests/ops/kernel_pair.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

Attributes reduce_attrs(std::vector<int64_t> axes, int64_t keepdims = 1) {
  Attributes a;
  if (!axes.empty()) a.set_ints("axes", std::move(axes));
  a.set_int("keepdims", keepdims);
  return a;
}

Attributes keepdims_attr(int64_t keepdims, int64_t noop = 0) {
  Attributes a;
  a.set_int("keepdims", keepdims);
  if (noop) a.set_int("noop_with_empty_axes", noop);
  return a;
}

// 0..23 as [2,3,4]: x[i][j][k] = 12i + 4j + k.
Tensor iota_234() {
  std::vector<float> v(24);
  std::iota(v.begin(), v.end(), 0.f);
  return make_tensor<float>({2, 3, 4}, v);
}

TEST(Reduce, SumAxesInputKeepdims) {
  Tensor x = make_tensor<int64_t>({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor axes = make_tensor<int64_t>({1}, {1});
  auto out = run_op("ReduceSum", 13, keepdims_attr(1), {&x, &axes});
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({2, 1}, {6, 15}), out[0]));
}

TEST(Reduce, SumAxesAttributeNoKeepdims) {
  Tensor x = make_tensor<int32_t>({2, 3}, {1, 2, 3, 4, 5, 6});
  auto out = run_op("ReduceSum", 11, reduce_attrs({0}, 0), {&x});
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({3}, {5, 7, 9}), out[0]));
}

TEST(Reduce, EmptyAxesReduceAllOrNoop) {
  Tensor x = make_tensor<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_TRUE(tensors_close(make_tensor<float>({1, 1}, {21}), run_op("ReduceSum", 13, {}, {&x})[0]));
  EXPECT_TRUE(tensors_close(make_tensor<float>({}, {21}), run_op("ReduceSum", 13, keepdims_attr(0), {&x})[0]));
  Tensor empty_axes(DataType::Int64, {0});
  EXPECT_TRUE(tensors_close(make_tensor<float>({1, 1}, {21}), run_op("ReduceSum", 13, {}, {&x, &empty_axes})[0]));
  // noop_with_empty_axes=1: identity, for absent and for empty axes.
  EXPECT_TRUE(tensors_close(x, run_op("ReduceSum", 13, keepdims_attr(1, 1), {&x})[0]));
  EXPECT_TRUE(tensors_close(x, run_op("ReduceMax", 18, keepdims_attr(0, 1), {&x, &empty_axes})[0]));
  // Attribute opsets: absent axes reduce all.
  EXPECT_TRUE(tensors_close(make_tensor<float>({1, 1}, {1}), run_op("ReduceMin", 13, {}, {&x})[0]));
  EXPECT_TRUE(tensors_close(make_tensor<float>({}, {6}), run_op("ReduceMax", 1, keepdims_attr(0), {&x})[0]));
}

TEST(Reduce, NonAdjacentAxes) {
  Tensor x = iota_234();
  // Over i and k for each j: sum = 60 + 32j, max = 15 + 4j, min = 4j.
  EXPECT_TRUE(tensors_close(make_tensor<float>({3}, {60, 92, 124}), run_op("ReduceSum", 11, reduce_attrs({0, 2}, 0), {&x})[0]));
  EXPECT_TRUE(tensors_close(make_tensor<float>({1, 3, 1}, {15, 19, 23}), run_op("ReduceMax", 13, reduce_attrs({0, -1}), {&x})[0]));
  Tensor axes = make_tensor<int64_t>({2}, {2, 0});
  EXPECT_TRUE(tensors_close(make_tensor<float>({3}, {0, 4, 8}), run_op("ReduceMin", 18, keepdims_attr(0), {&x, &axes})[0]));
}

TEST(Reduce, LeadingAndMiddleAxes) {
  Tensor x = iota_234();
  // Over i: x[0][j][k] + x[1][j][k] = 2(4j+k) + 12.
  EXPECT_TRUE(tensors_close(make_tensor<float>({3, 4}, {12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34}),
                            run_op("ReduceSum", 11, reduce_attrs({0}, 0), {&x})[0]));
  // Over j: max is j = 2: 12i + 8 + k.
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 1, 4}, {8, 9, 10, 11, 20, 21, 22, 23}),
                            run_op("ReduceMax", 11, reduce_attrs({1}), {&x})[0]));
}

TEST(Reduce, SmallIntegerTypes) {
  Tensor s8 = make_tensor<int8_t>({2, 2}, {-5, 3, -128, 127});
  EXPECT_TRUE(tensors_close(make_tensor<int8_t>({2}, {3, 127}), run_op("ReduceMax", 13, reduce_attrs({1}, 0), {&s8})[0]));
  EXPECT_TRUE(tensors_close(make_tensor<int8_t>({2}, {-5, -128}), run_op("ReduceMin", 13, reduce_attrs({1}, 0), {&s8})[0]));
  // Integer sums wrap around like ORT's (no UB): 200 + 100 = 300 = 44 mod 256; -128 + 127 = -1.
  Tensor u8 = make_tensor<uint8_t>({2}, {200, 100});
  EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({}, {44}), run_op("ReduceSum", 13, keepdims_attr(0), {&u8})[0]));
  EXPECT_TRUE(tensors_close(make_tensor<int8_t>({2}, {-2, -1}), run_op("ReduceSum", 11, reduce_attrs({1}, 0), {&s8})[0]));
  Tensor i32 = make_tensor<int32_t>({2}, {std::numeric_limits<int32_t>::max(), 1});
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({}, {std::numeric_limits<int32_t>::min()}),
                            run_op("ReduceSum", 13, keepdims_attr(0), {&i32})[0]));
}

TEST(Reduce, EmptySetGivesIdentity) {
  Tensor x(DataType::Float, {2, 0});
  Tensor axes = make_tensor<int64_t>({1}, {1});
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 1}, {0, 0}), run_op("ReduceSum", 13, {}, {&x, &axes})[0]));
  EXPECT_TRUE(tensors_close(make_tensor<float>({2}, {-INFINITY, -INFINITY}),
                            run_op("ReduceMax", 18, keepdims_attr(0), {&x, &axes})[0]));
  EXPECT_TRUE(tensors_close(make_tensor<float>({2}, {INFINITY, INFINITY}),
                            run_op("ReduceMin", 13, reduce_attrs({1}, 0), {&x})[0]));
  Tensor xi(DataType::Int32, {0, 2});
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({2}, {std::numeric_limits<int32_t>::lowest(), std::numeric_limits<int32_t>::lowest()}),
                            run_op("ReduceMax", 13, reduce_attrs({0}, 0), {&xi})[0]));
  // Reducing the non-empty dim leaves an empty output.
  EXPECT_EQ(shape_str(run_op("ReduceMax", 13, reduce_attrs({1}, 0), {&xi})[0].shape()), "[0]");
}

TEST(Reduce, MaxAndMinPropagateNaN) {
  Tensor x = make_tensor<float>({2, 2}, {1, NAN, NAN, -3});
  auto mx = run_op("ReduceMax", 13, reduce_attrs({1}, 0), {&x})[0];
  auto mn = run_op("ReduceMin", 13, reduce_attrs({1}, 0), {&x})[0];
  for (int64_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(std::isnan(mx.data<float>()[i]));
    EXPECT_TRUE(std::isnan(mn.data<float>()[i]));
  }
}

TEST(Reduce, RejectsBadAxesAndInputs) {
  Tensor x(DataType::Float, {2, 3});
  EXPECT_THROW(run_op("ReduceSum", 11, reduce_attrs({2}), {&x}), Error);
  EXPECT_THROW(run_op("ReduceSum", 11, reduce_attrs({1, -1}), {&x}), Error);
  Tensor axes = make_tensor<int64_t>({1}, {1});
  // Axes as an input only from opset 13 (Sum) / 18 (Min, Max).
  EXPECT_THROW(run_op("ReduceSum", 12, {}, {&x, &axes}), Error);
  EXPECT_THROW(run_op("ReduceMax", 17, {}, {&x, &axes}), Error);
  Tensor axes32 = make_tensor<int32_t>({1}, {1});
  EXPECT_THROW(run_op("ReduceSum", 13, {}, {&x, &axes32}), Error);
  Tensor b(DataType::Bool, {2});
  EXPECT_THROW(run_op("ReduceSum", 13, {}, {&b}), Error);
}

TEST(Reduce, InferenceWithUnknownAxes) {
  const OpDef* def = OpRegistry::global().find("", "ReduceSum", 13);
  ASSERT_NE(def, nullptr);
  Node node;
  node.op_type = "ReduceSum";
  std::vector<ValueInfo> in(2);
  in[0] = value_info(DataType::Float, {4, 1, kUnknownDim});
  in[1] = value_info(DataType::Int64, {1});  // value not known
  OpContext keep(node, 13, in, 1);
  def->infer(keep);
  EXPECT_EQ(shape_str(keep.outputs()[0].shape), "[?,1,?]");
  node.attrs.set_int("keepdims", 0);
  OpContext drop(node, 13, in, 1);
  def->infer(drop);
  EXPECT_FALSE(drop.outputs()[0].shape_known);
  EXPECT_EQ(drop.outputs()[0].dtype, DataType::Float);
}

TEST(Reduce, ProdMeanL2HandValues) {
  Tensor x = make_tensor<float>({2, 3}, {1, 2, 3, -4, 5, 6});
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 1}, {6, -120}), run_op("ReduceProd", 13, reduce_attrs({1}), {&x})[0]));
  EXPECT_TRUE(tensors_close(make_tensor<float>({3}, {-1.5f, 3.5f, 4.5f}), run_op("ReduceMean", 11, reduce_attrs({0}, 0), {&x})[0]));
  // sqrt(1 + 4 + 9) and sqrt(16 + 25 + 36).
  EXPECT_TRUE(tensors_close(make_tensor<float>({2}, {std::sqrt(14.f), std::sqrt(77.f)}),
                            run_op("ReduceL2", 13, reduce_attrs({-1}, 0), {&x})[0]));
  Tensor axes = make_tensor<int64_t>({1}, {1});
  EXPECT_TRUE(tensors_close(make_tensor<float>({2}, {2, 7.f / 3}), run_op("ReduceMean", 18, keepdims_attr(0), {&x, &axes})[0]));
  // Opset 18 without axes reduces all; noop_with_empty_axes makes it the identity.
  EXPECT_TRUE(tensors_close(make_tensor<float>({1, 1}, {-720}), run_op("ReduceProd", 18, {}, {&x})[0]));
  EXPECT_TRUE(tensors_close(x, run_op("ReduceL2", 18, keepdims_attr(1, 1), {&x})[0]));
  // A scalar is reduced over the set of its one value: L2 of -3 is 3.
  Tensor s = make_tensor<float>({}, {-3});
  EXPECT_TRUE(tensors_close(make_tensor<float>({}, {3}), run_op("ReduceL2", 13, {}, {&s})[0]));
}

TEST(Reduce, ProdMeanIntegers) {
  Tensor x = make_tensor<int32_t>({2, 3}, {1, 2, 4, -1, -2, -4});
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({2}, {8, -8}), run_op("ReduceProd", 13, reduce_attrs({1}, 0), {&x})[0]));
  // Integer means truncate: 7/3 = 2, -7/3 = -2.
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({2}, {2, -2}), run_op("ReduceMean", 13, reduce_attrs({1}, 0), {&x})[0]));
  // Products wrap around: 2^16 * 2^16 = 2^32 = 0 mod 2^32.
  Tensor big = make_tensor<int32_t>({2}, {65536, 65536});
  EXPECT_TRUE(tensors_close(make_tensor<int32_t>({}, {0}), run_op("ReduceProd", 13, keepdims_attr(0), {&big})[0]));
  Tensor x64 = make_tensor<int64_t>({3}, {10, 20, 31});
  EXPECT_TRUE(tensors_close(make_tensor<int64_t>({}, {20}), run_op("ReduceMean", 13, keepdims_attr(0), {&x64})[0]));
  // ReduceL2 is float32 only here; uint8 is no type of ReduceProd.
  EXPECT_THROW(run_op("ReduceL2", 13, {}, {&x}), Error);
  Tensor u8 = make_tensor<uint8_t>({2}, {1, 2});
  EXPECT_THROW(run_op("ReduceProd", 13, {}, {&u8}), Error);
}

TEST(Reduce, ProdMeanL2OfEmptySets) {
  Tensor x(DataType::Float, {2, 0});
  const auto over1 = reduce_attrs({1}, 0);
  EXPECT_TRUE(tensors_close(make_tensor<float>({2}, {1, 1}), run_op("ReduceProd", 13, over1, {&x})[0]));
  EXPECT_TRUE(tensors_close(make_tensor<float>({2}, {0, 0}), run_op("ReduceL2", 13, over1, {&x})[0]));
  const Tensor mean = run_op("ReduceMean", 13, over1, {&x})[0];
  EXPECT_TRUE(std::isnan(mean.data<float>()[0]) && std::isnan(mean.data<float>()[1]));  // 0 / 0
  EXPECT_EQ(shape_str(run_op("ReduceL2", 13, reduce_attrs({0}, 0), {&x})[0].shape()), "[0]");
}

// mmdeploy's L2 normalisation: ReduceL2 over the channels of [N, C, H, W] with keepdims. The vectorised kernel
// equals the reference loop bit for bit (same summation order), also for a spatial size that is no multiple of
// the block and for the negative axis.
TEST(Reduce, L2OverChannelsFastMatchesReference) {
  for (const Shape& shape : {Shape{2, 512, 38, 38}, Shape{1, 7, 5, 3}, Shape{3, 4, 1}}) {
    SCOPED_TRACE(shape_str(shape));
    Tensor x = random_tensor(shape, 21, -2.f, 2.f);
    for (int64_t axis : {int64_t{1}, 1 - static_cast<int64_t>(shape.size())}) {
      const Attributes a = reduce_attrs({axis}, 1);
      const KernelRun fast = run_op_hinted("ReduceL2", 13, a, {&x}, false);
      const KernelRun ref = run_op_hinted("ReduceL2", 13, a, {&x}, true);
      EXPECT_EQ(fast.impl, "l2norm:" + std::string(isa_name(host_isa())));
      EXPECT_EQ(ref.impl, "ref");
      EXPECT_TRUE(tensors_close(ref.outputs[0], fast.outputs[0], 0, 0));
    }
  }
  // Independent check of one value: channel sums by hand in double.
  Tensor x = random_tensor({1, 3, 2, 2}, 5);
  const Tensor y = run_op("ReduceL2", 13, reduce_attrs({1}), {&x})[0];
  double sum = 0;
  for (int c = 0; c < 3; ++c) sum += double(x.data<float>()[c * 4 + 3]) * x.data<float>()[c * 4 + 3];
  EXPECT_NEAR(y.data<float>()[3], std::sqrt(sum), 1e-6);
}

}  // namespace
}  // namespace ssdx::test
