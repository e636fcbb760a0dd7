// LpNormalization: hand-worked values for p = 1 and 2 over either axis, a zero vector staying 0 (onnxruntime's
// answer, checked in reduce_pool_resize_ort_test.cpp), and the
// vectorised channel kernel (SSD conv4_3's [N, 512, 38, 38] over axis 1) against the reference loop.
#include <cmath>

#include "ops/channel_norm.h"
#include "ops/cpu_isa.h"
#include "tests/ops/kernel_pair.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

Attributes lp_attrs(int64_t axis, int64_t p) {
  Attributes a;
  a.set_int("axis", axis);
  a.set_int("p", p);
  return a;
}

TEST(LpNormalization, HandValues) {
  Tensor x = make_tensor<float>({2, 2}, {3, 4, 0, 0});
  // Rows: [3, 4] / 5; p = 1: / 7. The zero row stays 0.
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 2}, {0.6f, 0.8f, 0, 0}), run_op("LpNormalization", 1, lp_attrs(1, 2), {&x})[0]));
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 2}, {3.f / 7, 4.f / 7, 0, 0}),
                            run_op("LpNormalization", 1, lp_attrs(-1, 1), {&x})[0]));
  // Columns: [3, 0] / 3 and [4, 0] / 4.
  EXPECT_TRUE(tensors_close(make_tensor<float>({2, 2}, {1, 1, 0, 0}), run_op("LpNormalization", 1, lp_attrs(0, 2), {&x})[0]));
  // Defaults: axis -1, p 2; negative values keep their sign.
  Tensor v = make_tensor<float>({1, 2}, {-6, 8});
  EXPECT_TRUE(tensors_close(make_tensor<float>({1, 2}, {-0.6f, 0.8f}), run_op("LpNormalization", 1, {}, {&v})[0]));
}

TEST(LpNormalization, RejectsBadArguments) {
  Tensor x = make_tensor<float>({2, 2}, {1, 2, 3, 4});
  EXPECT_THROW(run_op("LpNormalization", 1, lp_attrs(1, 3), {&x}), Error);
  EXPECT_THROW(run_op("LpNormalization", 1, lp_attrs(2, 2), {&x}), Error);
  Tensor i = make_tensor<int32_t>({2}, {1, 2});
  EXPECT_THROW(run_op("LpNormalization", 1, {}, {&i}), Error);
}

TEST(LpNormalization, EmptyTensorsFlow) {
  Tensor x(DataType::Float, {1, 0, 4});
  EXPECT_EQ(shape_str(run_op("LpNormalization", 1, lp_attrs(1, 2), {&x})[0].shape()), "[1,0,4]");
  Tensor y(DataType::Float, {0, 3});
  EXPECT_EQ(shape_str(run_op("LpNormalization", 1, {}, {&y})[0].shape()), "[0,3]");
}

TEST(LpNormalization, ChannelKernelMatchesReference) {
  for (const Shape& shape : {Shape{1, 512, 38, 38}, Shape{2, 3, 5, 7}}) {
    for (int64_t p : {1, 2}) {
      SCOPED_TRACE(shape_str(shape) + " p=" + std::to_string(p));
      Tensor x = random_tensor(shape, 3, -1.f, 1.f);
      for (int64_t c = 0; c < shape[1]; ++c) x.data<float>()[c * shape[2] * shape[3] + 5] = 0.f;  // a zero vector
      const KernelRun fast = run_op_hinted("LpNormalization", 1, lp_attrs(1, p), {&x}, false);
      const KernelRun ref = run_op_hinted("LpNormalization", 1, lp_attrs(1, p), {&x}, true);
      EXPECT_EQ(fast.impl, "lpnorm:" + std::string(isa_name(host_isa())));
      EXPECT_EQ(ref.impl, "ref");
      EXPECT_TRUE(tensors_close(ref.outputs[0], fast.outputs[0], 0, 0));
    }
  }
  // Every ISA variant the CPU runs gives the same bits.
  Tensor x = random_tensor({1, 64, 9, 9}, 8);
  const Tensor ref = run_op_hinted("LpNormalization", 1, lp_attrs(1, 2), {&x}, true).outputs[0];
  for (Isa isa : {Isa::Baseline, Isa::Avx2, Isa::Avx512}) {
    if (!isa_supported(isa)) continue;
    Tensor y(DataType::Float, x.shape());
    channel_normalize(x.data<float>(), split_at_axis(x.shape(), 1), 2, y.data<float>(), isa);
    EXPECT_TRUE(tensors_close(ref, y, 0, 0)) << isa_name(isa);
  }
}

}  // namespace
}  // namespace ssdx::test
