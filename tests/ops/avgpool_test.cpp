// AveragePool and GlobalAveragePool: hand-worked windows (count_include_pad 0/1, ceil_mode's clipped last window),
// oneDNN against the reference loop, empty tensors, and one-line errors for bad windows.
#include <cmath>

#include "tests/ops/kernel_pair.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

Attributes pool_attrs(std::vector<int64_t> kernel, std::vector<int64_t> strides, std::vector<int64_t> pads,
                      int64_t ceil_mode, int64_t count_include_pad) {
  Attributes a;
  a.set_ints("kernel_shape", std::move(kernel));
  a.set_ints("strides", std::move(strides));
  a.set_ints("pads", std::move(pads));
  if (ceil_mode) a.set_int("ceil_mode", ceil_mode);
  a.set_int("count_include_pad", count_include_pad);
  return a;
}

TEST(AveragePool, CeilModeLastWindowCountsOnlyExplicitPadding) {
  // [1, 2, 3, 4], kernel 3, stride 2, pads 1/1, ceil_mode: windows [-1, 1], [1, 3], [3, 5]. The last one holds
  // x[3] = 4 and one tap of end padding; the tap at 5 lies beyond the explicit pads and never counts.
  Tensor x = make_tensor<float>({1, 1, 4}, {1, 2, 3, 4});
  EXPECT_TRUE(tensors_close(make_tensor<float>({1, 1, 3}, {1, 3, 2}),
                            run_op("AveragePool", 11, pool_attrs({3}, {2}, {1, 1}, 1, 1), {&x})[0]));
  EXPECT_TRUE(tensors_close(make_tensor<float>({1, 1, 3}, {1.5f, 3, 4}),
                            run_op("AveragePool", 11, pool_attrs({3}, {2}, {1, 1}, 1, 0), {&x})[0]));
  // 2-D, no padding: ceil_mode's partial windows average what they hold either way.
  Tensor y = make_tensor<float>({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  for (int64_t include : {0, 1})
    EXPECT_TRUE(tensors_close(make_tensor<float>({1, 1, 2, 2}, {3, 4.5f, 7.5f, 9}),
                              run_op("AveragePool", 10, pool_attrs({2, 2}, {2, 2}, {0, 0, 0, 0}, 1, include), {&y})[0]));
}

TEST(AveragePool, OnednnMatchesReference) {
  Tensor x = random_tensor({2, 16, 19, 19}, 4);
  for (int64_t ceil_mode : {0, 1})
    for (int64_t include : {0, 1}) {
      SCOPED_TRACE("ceil_mode " + std::to_string(ceil_mode) + " count_include_pad " + std::to_string(include));
      const Attributes a = pool_attrs({3, 3}, {2, 2}, {1, 1, 0, 0}, ceil_mode, include);
      const KernelRun fast = run_op_hinted("AveragePool", 11, a, {&x}, false);
      const KernelRun ref = run_op_hinted("AveragePool", 11, a, {&x}, true);
      EXPECT_EQ(ref.impl, "ref");
      EXPECT_TRUE(tensors_close(ref.outputs[0], fast.outputs[0], 1e-6, 1e-6));
      if (!(ceil_mode && include)) {
        EXPECT_EQ(fast.impl.rfind("onednn:", 0), 0u) << fast.impl;
      }
    }
}

TEST(AveragePool, OpsetFormsAndErrors) {
  Tensor x = random_tensor({1, 1, 4, 4}, 2);
  Attributes ceil = pool_attrs({2, 2}, {1, 1}, {0, 0, 0, 0}, 1, 0);
  EXPECT_THROW(run_op("AveragePool", 9, ceil, {&x}), Error);  // ceil_mode from opset 10
  Attributes include = pool_attrs({2, 2}, {1, 1}, {0, 0, 0, 0}, 0, 1);
  EXPECT_THROW(run_op("AveragePool", 6, include, {&x}), Error);  // count_include_pad from opset 7
  EXPECT_NO_THROW(run_op("AveragePool", 7, include, {&x}));
  Attributes dil = include;
  dil.set_ints("dilations", {2, 2});
  EXPECT_THROW(run_op("AveragePool", 18, dil, {&x}), Error);  // dilations are opset 19's
  // A kernel bigger than the padded input: one line.
  try {
    run_op("AveragePool", 11, pool_attrs({6, 6}, {1, 1}, {1, 0, 0, 0}, 0, 0), {&x});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("larger than the padded input"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
  Tensor u8(DataType::UInt8, {1, 1, 2, 2});
  EXPECT_THROW(run_op("AveragePool", 11, include, {&u8}), Error);
}

TEST(AveragePool, EmptyBatchFlows) {
  Tensor x(DataType::Float, {0, 3, 4, 4});
  EXPECT_EQ(shape_str(run_op("AveragePool", 11, pool_attrs({2, 2}, {2, 2}, {0, 0, 0, 0}, 0, 0), {&x})[0].shape()),
            "[0,3,2,2]");
}

TEST(GlobalAveragePool, HandValuesAnyRank) {
  Tensor x = make_tensor<float>({1, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  EXPECT_TRUE(tensors_close(make_tensor<float>({1, 2, 1, 1}, {2.5f, 6.5f}), run_op("GlobalAveragePool", 1, {}, {&x})[0]));
  Tensor r3 = make_tensor<float>({1, 2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_TRUE(tensors_close(make_tensor<float>({1, 2, 1}, {2, 5}), run_op("GlobalAveragePool", 1, {}, {&r3})[0]));
  Tensor r5 = make_tensor<float>({1, 1, 2, 1, 2}, {1, 2, 3, 6});
  EXPECT_TRUE(tensors_close(make_tensor<float>({1, 1, 1, 1, 1}, {3}), run_op("GlobalAveragePool", 1, {}, {&r5})[0]));
  Tensor empty_batch(DataType::Float, {0, 4, 3, 3});
  EXPECT_EQ(shape_str(run_op("GlobalAveragePool", 1, {}, {&empty_batch})[0].shape()), "[0,4,1,1]");
  Tensor empty_plane(DataType::Float, {1, 2, 0, 3});
  EXPECT_TRUE(std::isnan(run_op("GlobalAveragePool", 1, {}, {&empty_plane})[0].data<float>()[0]));  // 0 / 0
  Tensor r2 = make_tensor<float>({2, 2}, {1, 2, 3, 4});
  EXPECT_THROW(run_op("GlobalAveragePool", 1, {}, {&r2}), Error);
}

}  // namespace
}  // namespace ssdx::test
