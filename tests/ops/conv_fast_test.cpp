// oneDNN's fp32 convolutions (the packed kernel: direct and Winograd, with FusedConv's residual sum and Relu) against
// the reference loop conv_ref, for every distinct convolution of SSD-ResNet34 and SSD-MobileNetV1 (bench/shapes),
// spatial sizes scaled down. The tolerance is a rounding-error bound from each output's accumulation length and magnitude, not a constant.
#include <cmath>
#include <iostream>

#include "bench/shapes/ssd_mobilenetv1_512.h"
#include "bench/shapes/ssd_resnet34_1200.h"
#include "ops/conv.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

using bench::ConvShape;

// Spatial sizes above this become it: large enough for every tail and padding case of the blocked kernels (15 is
// odd and not a multiple of any block; Winograd's 4x4 output tiles get a partial one), small enough that the
// reference loop keeps the whole table a few seconds.
constexpr int kMaxSpatial = 15;

constexpr double kUnitRoundoff = 0x1p-24;  // float32

struct ConvRun {
  std::vector<Tensor> outputs;
  std::string impl;
};

// Creates the kernel the way a session does for constant weights and bias (and a Z known only at run time), with
// `winograd` as the session's hint, and runs it once.
ConvRun run_fast(const std::string& op, const std::string& domain, const Attributes& attrs,
                 const std::vector<const Tensor*>& in, bool winograd) {
  const OpDef* def = find_op(op, 1, domain);
  const Node node = make_test_node(op, domain, attrs, in.size(), 1);
  std::vector<ValueInfo> infos = describe_inputs(in);
  infos[kConvInputX].constant = nullptr;
  if (infos.size() > kConvInputZ) infos[kConvInputZ].constant = nullptr;
  OpContext ctx(node, 1, infos, 1);
  KernelHints hints;
  hints.winograd = winograd;
  ctx.set_hints(hints);
  def->infer(ctx);
  const std::unique_ptr<Kernel> kernel = def->create(ctx);
  return {run_kernel(*kernel, in, ctx.outputs()), kernel->impl_name()};
}

Tensor abs_of(const Tensor& t) {
  Tensor a = t.clone();
  for (int64_t i = 0; i < a.numel(); ++i) a.data<float>()[i] = std::fabs(a.data<float>()[i]);
  return a;
}

// Holds every output to conv_ref's within 2 * n * u * M, where n is the number of rounded additions into the output
// (the taps, plus the bias and the summand) and M the output computed on absolute values: each of two summation
// orders is within n * u * M of the exact sum (the classic bound for recursive summation), so they are within twice
// that of each other. Relu only shrinks differences. Winograd is held to the same bound: its transforms add
// roundings, but oneDNN's stay well inside it on these shapes (measured: under 1% of the bound, as direct).
// Returns the largest error as a fraction of its bound.
double expect_within_bound(const Tensor& ref, const Tensor& fast, const Tensor& magnitude, double n,
                           const std::string& what) {
  EXPECT_EQ(shape_str(fast.shape()), shape_str(ref.shape())) << what;
  if (fast.shape() != ref.shape()) return INFINITY;
  double worst = 0;
  for (int64_t i = 0; i < ref.numel(); ++i) {
    const double bound = 2 * n * kUnitRoundoff * magnitude.data<float>()[i] + 1e-30;
    const double err = std::fabs(double(fast.data<float>()[i]) - ref.data<float>()[i]);
    if (!(err <= bound)) {
      ADD_FAILURE() << what << ": element " << i << " is " << fast.data<float>()[i] << ", the reference "
                    << ref.data<float>()[i] << " (error " << err << " over the bound " << bound << ")";
      return INFINITY;
    }
    worst = std::max(worst, err / bound);
  }
  return worst;
}

class FastConvFp32 : public ::testing::TestWithParam<ConvShape> {};

TEST_P(FastConvFp32, MatchesReferenceWithinTheRoundingBound) {
  const ConvShape& s = GetParam();
  const int64_t h = std::min(s.h, kMaxSpatial), w = std::min(s.w, kMaxSpatial);
  const Tensor x = random_tensor({s.n, s.c, h, w}, 11, -1.f, 1.f);
  const Tensor wt = random_tensor({s.k, s.c / s.group, s.r, s.s}, 12, -0.5f, 0.5f);
  const Tensor bias = random_tensor({s.k}, 13, -1.f, 1.f);
  Attributes attrs;
  attrs.set_ints("kernel_shape", {s.r, s.s});
  attrs.set_ints("strides", {s.stride, s.stride});
  attrs.set_ints("pads", {s.pad, s.pad, s.pad_after(), s.pad_after()});
  attrs.set_int("group", s.group);

  ConvParams p = read_conv_geometry(attrs, wt.shape());
  const Shape y_shape = conv_output_shape(p, x.shape(), wt.shape(), nullptr);
  const Tensor z = random_tensor(y_shape, 14, -1.f, 1.f);
  Tensor ref(DataType::Float, y_shape), ref_fused(DataType::Float, y_shape), magnitude(DataType::Float, y_shape);
  conv_ref(p, x, wt, &bias, ref);
  ConvParams fused = p;
  fused.has_sum = fused.relu = true;
  conv_ref(fused, x, wt, &bias, ref_fused, &z);
  const Tensor ax = abs_of(x), aw = abs_of(wt), ab = abs_of(bias), az = abs_of(z);
  ConvParams sum_only = p;
  sum_only.has_sum = true;
  conv_ref(sum_only, ax, aw, &ab, magnitude, &az);  // sum |x w| + |b| + |z|, a bound for both forms
  const double taps = static_cast<double>(s.c / s.group) * s.r * s.s;

  Attributes fused_attrs = attrs;
  fused_attrs.set_string("activation", "Relu");
  const bool winograd_applies = s.r == 3 && s.s == 3 && s.stride == 1 && s.group == 1;
  for (bool winograd : {false, true}) {
    const ConvRun conv = run_fast("Conv", "", attrs, {&x, &wt, &bias}, winograd);
    const ConvRun fused_conv = run_fast("FusedConv", kInternalDomain, fused_attrs, {&x, &wt, &bias, &z}, winograd);
    for (const ConvRun* r : {&conv, &fused_conv}) {
      EXPECT_EQ(r->impl.rfind("onednn:", 0), 0u) << r->impl;
      // Winograd when hinted and the shape is one it takes; direct otherwise.
      EXPECT_EQ(r->impl.find("wino") != std::string::npos, winograd && winograd_applies) << r->impl;
    }
    const std::string mode = winograd ? "winograd hint" : "direct";
    const double worst = expect_within_bound(ref, conv.outputs[0], magnitude, taps + 1, "Conv " + mode);
    const double worst_fused =
        expect_within_bound(ref_fused, fused_conv.outputs[0], magnitude, taps + 2, "FusedConv " + mode);
    // A small first layer reads the plain image with oneDNN's first-layer kernel (writing nChw16c), never the
    // reference implementation.
    if (s.c <= 4 && s.r <= 3 && s.k % 16 == 0) {
      EXPECT_EQ(conv.impl.find("ref"), std::string::npos) << conv.impl;
    }
    std::cout << "[ " << s.name << " " << mode << " ] " << conv.impl << ": worst error " << worst
              << " of its bound; fused " << worst_fused << "\n";
  }
}

std::string test_name(const ::testing::TestParamInfo<ConvShape>& info) {
  std::string name = info.param.name;
  for (char& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(SsdResnet34, FastConvFp32, ::testing::ValuesIn(bench::kSsdResnet34_1200Convs), test_name);
INSTANTIATE_TEST_SUITE_P(SsdMobilenetV1, FastConvFp32, ::testing::ValuesIn(bench::kSsdMobilenetV1_512Convs),
                         test_name);

}  // namespace
}  // namespace ssdx::test
