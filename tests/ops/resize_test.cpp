// Resize: every coordinate transformation x nearest_mode on a 4-long row worked out by hand, linear and
// tf_crop_and_resize (with extrapolation) by hand, the opset-18 forms (axes, keep_aspect_ratio_policy, antialias)
// that ONNX 1.12's node tests lack, opset 10's rounding, empty tensors, hostile sizes, and the fast 2-D kernels
// against the reference loop.
#include <cmath>

#include "tests/ops/kernel_pair.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

Attributes resize_attrs(const std::string& mode, const std::string& coord, const std::string& nearest = "") {
  Attributes a;
  a.set_string("mode", mode);
  if (!coord.empty()) a.set_string("coordinate_transformation_mode", coord);
  if (!nearest.empty()) a.set_string("nearest_mode", nearest);
  return a;
}

Tensor floats(Shape s, std::vector<float> v) { return make_tensor<float>(std::move(s), std::move(v)); }
Tensor ints(std::vector<int64_t> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return make_tensor<int64_t>({n}, std::move(v));
}

// Opset 13 form: X, roi (absent), scales or sizes.
Tensor resize13(const Attributes& a, const Tensor& x, const Tensor* scales, const Tensor* sizes, const Tensor* roi = nullptr) {
  return run_op("Resize", 13, a, {&x, roi, scales, sizes})[0];
}

struct NearestCase {
  const char* coord;
  const char* nearest;
  std::vector<float> want;
};

TEST(Resize, NearestEveryCoordinateAndRoundingMode) {
  // [1, 2, 3, 4] upsampled x2. Source coordinates of outputs 0..7:
  //   half_pixel / pytorch_half_pixel  x/2 - 0.25: -0.25 0.25 0.75 1.25 1.75 2.25 2.75 3.25
  //   asymmetric                        x/2:        0 0.5 1 1.5 2 2.5 3 3.5   (ties)
  //   align_corners                     3x/7:       0 .43 .86 1.29 1.71 2.14 2.57 3
  //   tf_half_pixel_for_nn              x/2 + .25:  .25 .75 1.25 1.75 2.25 2.75 3.25 3.75
  // then rounded and clamped into [0, 3].
  const Tensor x = floats({1, 1, 1, 4}, {1, 2, 3, 4});
  const Tensor scales = floats({4}, {1, 1, 1, 2});
  const std::vector<NearestCase> cases = {
      {"half_pixel", "round_prefer_floor", {1, 1, 2, 2, 3, 3, 4, 4}},
      {"half_pixel", "round_prefer_ceil", {1, 1, 2, 2, 3, 3, 4, 4}},
      {"half_pixel", "floor", {1, 1, 1, 2, 2, 3, 3, 4}},
      {"half_pixel", "ceil", {1, 2, 2, 3, 3, 4, 4, 4}},
      {"pytorch_half_pixel", "round_prefer_floor", {1, 1, 2, 2, 3, 3, 4, 4}},
      {"pytorch_half_pixel", "floor", {1, 1, 1, 2, 2, 3, 3, 4}},
      {"asymmetric", "round_prefer_floor", {1, 1, 2, 2, 3, 3, 4, 4}},
      {"asymmetric", "round_prefer_ceil", {1, 2, 2, 3, 3, 4, 4, 4}},
      {"asymmetric", "floor", {1, 1, 2, 2, 3, 3, 4, 4}},
      {"asymmetric", "ceil", {1, 2, 2, 3, 3, 4, 4, 4}},
      {"align_corners", "round_prefer_floor", {1, 1, 2, 2, 3, 3, 4, 4}},
      {"align_corners", "round_prefer_ceil", {1, 1, 2, 2, 3, 3, 4, 4}},
      {"align_corners", "floor", {1, 1, 1, 2, 2, 3, 3, 4}},
      {"align_corners", "ceil", {1, 2, 2, 3, 3, 4, 4, 4}},
      {"tf_half_pixel_for_nn", "round_prefer_floor", {1, 2, 2, 3, 3, 4, 4, 4}},
      {"tf_half_pixel_for_nn", "floor", {1, 1, 2, 2, 3, 3, 4, 4}},
      {"tf_half_pixel_for_nn", "ceil", {2, 2, 3, 3, 4, 4, 4, 4}},
  };
  for (const NearestCase& c : cases) {
    SCOPED_TRACE(std::string(c.coord) + " " + c.nearest);
    const Attributes a = resize_attrs("nearest", c.coord, c.nearest);
    EXPECT_TRUE(tensors_close(floats({1, 1, 1, 8}, c.want), resize13(a, x, &scales, nullptr), 0, 0));
    // The same through the reference kernel, and for uint8.
    EXPECT_TRUE(tensors_close(floats({1, 1, 1, 8}, c.want), run_op_hinted("Resize", 13, a, {&x, nullptr, &scales}, true).outputs[0], 0, 0));
    Tensor xu = make_tensor<uint8_t>({1, 1, 1, 4}, {1, 2, 3, 4});
    std::vector<uint8_t> wu(c.want.begin(), c.want.end());
    EXPECT_TRUE(tensors_close(make_tensor<uint8_t>({1, 1, 1, 8}, wu), resize13(a, xu, &scales, nullptr)));
  }
}

TEST(Resize, OutputLengthOne) {
  // pytorch_half_pixel and align_corners sample coordinate 0 for a 1-long output; half_pixel samples
  // (0.5 / 0.25) - 0.5 = 1.5, which rounds to 1 (prefer floor).
  const Tensor x = floats({1, 1, 1, 4}, {1, 2, 3, 4});
  const Tensor sizes = ints({1, 1, 1, 1});
  EXPECT_TRUE(tensors_close(floats({1, 1, 1, 1}, {1}), resize13(resize_attrs("nearest", "pytorch_half_pixel"), x, nullptr, &sizes)));
  EXPECT_TRUE(tensors_close(floats({1, 1, 1, 1}, {1}), resize13(resize_attrs("nearest", "align_corners"), x, nullptr, &sizes)));
  EXPECT_TRUE(tensors_close(floats({1, 1, 1, 1}, {2}), resize13(resize_attrs("nearest", "half_pixel"), x, nullptr, &sizes)));
  // Linear, pytorch_half_pixel: x[0]; half_pixel: between x[1] and x[2].
  EXPECT_TRUE(tensors_close(floats({1, 1, 1, 1}, {1}), resize13(resize_attrs("linear", "pytorch_half_pixel"), x, nullptr, &sizes)));
  EXPECT_TRUE(tensors_close(floats({1, 1, 1, 1}, {2.5f}), resize13(resize_attrs("linear", "half_pixel"), x, nullptr, &sizes)));
}

TEST(Resize, LinearHandValues) {
  // [0, 10] to 4: half_pixel samples -0.25 0.25 0.75 1.25, clamped to [0, 1]; align_corners 0 1/3 2/3 1;
  // asymmetric 0 0.5 1 1.5.
  const Tensor x = floats({1, 1, 1, 2}, {0, 10});
  const Tensor scales = floats({4}, {1, 1, 1, 2});
  EXPECT_TRUE(tensors_close(floats({1, 1, 1, 4}, {0, 2.5f, 7.5f, 10}), resize13(resize_attrs("linear", "half_pixel"), x, &scales, nullptr)));
  EXPECT_TRUE(tensors_close(floats({1, 1, 1, 4}, {0, 10.f / 3, 20.f / 3, 10}), resize13(resize_attrs("linear", "align_corners"), x, &scales, nullptr)));
  EXPECT_TRUE(tensors_close(floats({1, 1, 1, 4}, {0, 5, 10, 10}), resize13(resize_attrs("linear", "asymmetric"), x, &scales, nullptr)));
  // 2-D: [[0, 10], [20, 30]] to 4x4, half_pixel: rows blend like the columns.
  const Tensor sq = floats({1, 1, 2, 2}, {0, 10, 20, 30});
  const Tensor s2 = floats({4}, {1, 1, 2, 2});
  const Tensor y = resize13(resize_attrs("linear", "half_pixel"), sq, &s2, nullptr);
  EXPECT_TRUE(tensors_close(floats({1, 1, 4, 4}, {0, 2.5f, 7.5f, 10, 5, 7.5f, 12.5f, 15, 15, 17.5f, 22.5f, 25, 20, 22.5f, 27.5f, 30}), y));
}

TEST(Resize, TfCropAndResizeWithExtrapolation) {
  const Tensor x = floats({1, 1, 1, 5}, {0, 10, 20, 30, 40});
  const Tensor sizes = ints({1, 1, 1, 3});
  Attributes a = resize_attrs("linear", "tf_crop_and_resize");
  // roi 0.2..0.8 of the last axis: 0.8 + 1.2x = 0.8, 2, 3.2.
  const Tensor roi = floats({8}, {0, 0, 0, 0.2f, 1, 1, 1, 0.8f});
  EXPECT_TRUE(tensors_close(floats({1, 1, 1, 3}, {8, 20, 32}), resize13(a, x, nullptr, &sizes, &roi)));
  // roi -0.5..1.5: -2, 2, 6; the outer two fall outside [0, 4] and take the extrapolation value.
  a.set_float("extrapolation_value", 7);
  const Tensor wide = floats({8}, {0, 0, 0, -0.5f, 1, 1, 1, 1.5f});
  EXPECT_TRUE(tensors_close(floats({1, 1, 1, 3}, {7, 20, 7}), resize13(a, x, nullptr, &sizes, &wide)));
  Attributes n = resize_attrs("nearest", "tf_crop_and_resize");
  n.set_float("extrapolation_value", -1);
  EXPECT_TRUE(tensors_close(floats({1, 1, 1, 3}, {-1, 20, -1}), resize13(n, x, nullptr, &sizes, &wide)));
  // A roi of the wrong length: one line.
  const Tensor short_roi = floats({3}, {0, 0, 1});
  EXPECT_THROW(resize13(a, x, nullptr, &sizes, &short_roi), Error);
}

TEST(Resize, Opset18Axes) {
  const Tensor x = floats({1, 1, 2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  for (int64_t axis : {3, -1}) {
    Attributes a = resize_attrs("nearest", "half_pixel");
    a.set_ints("axes", {axis});
    const Tensor sizes = ints({2});
    // Columns 4 -> 2: (x + 0.5) * 2 - 0.5 = 0.5, 2.5, rounded down (prefer floor) to 0 and 2.
    EXPECT_TRUE(tensors_close(floats({1, 1, 2, 2}, {1, 3, 5, 7}), run_op("Resize", 18, a, {&x, nullptr, nullptr, &sizes})[0]));
    const Tensor scales = floats({1}, {0.5f});
    EXPECT_TRUE(tensors_close(floats({1, 1, 2, 2}, {1, 3, 5, 7}), run_op("Resize", 18, a, {&x, nullptr, &scales})[0]));
  }
  Attributes a = resize_attrs("nearest", "half_pixel");
  a.set_ints("axes", {3});
  const Tensor two = ints({2, 2});
  EXPECT_THROW(run_op("Resize", 18, a, {&x, nullptr, nullptr, &two}), Error);  // one size per listed axis
  EXPECT_THROW(run_op("Resize", 17, a, {&x, nullptr, nullptr, &two}), Error);  // axes are opset 18's
}

TEST(Resize, Opset18KeepAspectRatioPolicy) {
  const Tensor x = floats({1, 1, 2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  const Tensor sizes = ints({4, 4});
  Attributes a = resize_attrs("nearest", "half_pixel");
  a.set_ints("axes", {2, 3});
  // not_larger: min(4/2, 4/4) = 1, the input itself; not_smaller: max = 2, every value twice each way.
  a.set_string("keep_aspect_ratio_policy", "not_larger");
  EXPECT_TRUE(tensors_close(x, run_op("Resize", 18, a, {&x, nullptr, nullptr, &sizes})[0]));
  a.set_string("keep_aspect_ratio_policy", "not_smaller");
  const Tensor y = run_op("Resize", 18, a, {&x, nullptr, nullptr, &sizes})[0];
  EXPECT_TRUE(tensors_close(floats({1, 1, 4, 8}, {1, 1, 2, 2, 3, 3, 4, 4, 1, 1, 2, 2, 3, 3, 4, 4,
                                                  5, 5, 6, 6, 7, 7, 8, 8, 5, 5, 6, 6, 7, 7, 8, 8}), y));
  // [3, 5] not_larger: scale min(1.5, 1.25) = 1.25, lengths round(2.5) = 3 and 5.
  const Tensor odd = ints({3, 5});
  a.set_string("keep_aspect_ratio_policy", "not_larger");
  EXPECT_EQ(shape_str(run_op("Resize", 18, a, {&x, nullptr, nullptr, &odd})[0].shape()), "[1,1,3,5]");
  // The policy needs sizes.
  const Tensor scales = floats({2}, {2, 2});
  EXPECT_THROW(run_op("Resize", 18, a, {&x, nullptr, &scales}), Error);
  a.set_string("keep_aspect_ratio_policy", "fit");
  EXPECT_THROW(run_op("Resize", 18, a, {&x, nullptr, nullptr, &sizes}), Error);
}

TEST(Resize, Opset18Antialias) {
  // [0, 4, 8, 12] halved with antialias: the triangle filter is stretched to +-2 input pixels around the source
  // coordinates 0.5 and 2.5, weights 1/4 3/4 3/4 1/4 over j = -1..2 and 1..4, normalised by their sum 2. The
  // taps outside take the edge value: (0 * 1 + 4 * .75 + 8 * .25) / 2 = 2.5 and (4 * .25 + 8 * .75 + 12) / 2 = 9.5;
  // exclude_outside drops them: 5 / 1.75 and 16 / 1.75.
  const Tensor x = floats({1, 1, 1, 4}, {0, 4, 8, 12});
  const Tensor scales = floats({4}, {1, 1, 1, 0.5f});
  Attributes a = resize_attrs("linear", "half_pixel");
  a.set_int("antialias", 1);
  EXPECT_TRUE(tensors_close(floats({1, 1, 1, 2}, {2.5f, 9.5f}), run_op("Resize", 18, a, {&x, nullptr, &scales})[0]));
  a.set_int("exclude_outside", 1);
  EXPECT_TRUE(tensors_close(floats({1, 1, 1, 2}, {5 / 1.75f, 16 / 1.75f}), run_op("Resize", 18, a, {&x, nullptr, &scales})[0]));
  // Upscaling is not filtered: plain linear.
  const Tensor up = floats({4}, {1, 1, 1, 2});
  Tensor y = floats({1, 1, 1, 2}, {0, 10});
  EXPECT_TRUE(tensors_close(floats({1, 1, 1, 4}, {0, 2.5f, 7.5f, 10}), run_op("Resize", 18, a, {&y, nullptr, &up})[0]));
  EXPECT_THROW(run_op("Resize", 17, a, {&x, nullptr, &scales}), Error);  // antialias is opset 18's
}

TEST(Resize, Opset19HalfPixelSymmetric) {
  // 5 -> scale 0.5 gives floor(2.5) = 2 outputs; the sampled span is centred: offset 2.5 * (1 - 2/2.5) = 0.5, so
  // the coordinates are 0.5 + (x + 0.5) * 2 - 0.5 = 1 and 3 (half_pixel: 0.5 and 2.5).
  const Tensor x = floats({1, 1, 1, 5}, {0, 10, 20, 30, 40});
  const Tensor scales = floats({4}, {1, 1, 1, 0.5f});
  EXPECT_TRUE(tensors_close(floats({1, 1, 1, 2}, {10, 30}), run_op("Resize", 19, resize_attrs("linear", "half_pixel_symmetric"), {&x, nullptr, &scales})[0]));
  EXPECT_TRUE(tensors_close(floats({1, 1, 1, 2}, {5, 25}), run_op("Resize", 19, resize_attrs("linear", "half_pixel"), {&x, nullptr, &scales})[0]));
  EXPECT_THROW(run_op("Resize", 18, resize_attrs("linear", "half_pixel_symmetric"), {&x, nullptr, &scales}), Error);
}

TEST(Resize, Opset10AsymmetricScales) {
  // Opset 10: X and scales only, asymmetric coordinates; linear [0, 10] x2: 0 5 10 10.
  const Tensor x = floats({1, 1, 1, 2}, {0, 10});
  const Tensor scales = floats({4}, {1, 1, 1, 2});
  EXPECT_TRUE(tensors_close(floats({1, 1, 1, 4}, {0, 5, 10, 10}), run_op("Resize", 10, resize_attrs("linear", ""), {&x, &scales})[0]));
  EXPECT_TRUE(tensors_close(floats({1, 1, 1, 4}, {0, 0, 10, 10}), run_op("Resize", 10, resize_attrs("nearest", ""), {&x, &scales})[0]));
  EXPECT_THROW(run_op("Resize", 10, resize_attrs("nearest", "half_pixel"), {&x, &scales}), Error);
  EXPECT_THROW(run_op("Resize", 10, resize_attrs("cubic", ""), {&x, &scales}), Error);
}

TEST(Resize, EmptyTensors) {
  const Tensor x = floats({1, 1, 2, 2}, {1, 2, 3, 4});
  const Tensor zero = ints({1, 1, 0, 0});
  EXPECT_EQ(shape_str(resize13(resize_attrs("linear", "half_pixel"), x, nullptr, &zero).shape()), "[1,1,0,0]");
  const Tensor e(DataType::Float, {1, 1, 0, 4});
  const Tensor scales = floats({4}, {1, 1, 2, 2});
  EXPECT_EQ(shape_str(resize13(resize_attrs("nearest", "half_pixel"), e, &scales, nullptr).shape()), "[1,1,0,8]");
  const Tensor grow = ints({1, 1, 3, 4});
  EXPECT_THROW(resize13(resize_attrs("nearest", "half_pixel"), e, nullptr, &grow), Error);  // nothing to sample
}

TEST(Resize, HostileArgumentsFailInOneLine) {
  const Tensor x = floats({1, 1, 2, 2}, {1, 2, 3, 4});
  const auto expect_line = [&](const Tensor* scales, const Tensor* sizes, const std::string& part) {
    try {
      resize13(resize_attrs("nearest", "half_pixel"), x, scales, sizes);
      ADD_FAILURE() << "no error for " << part;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
  };
  const Tensor huge = ints({1, 1, 1000000000, 1000000000});
  expect_line(nullptr, &huge, "more than 8 GiB");
  const Tensor huge_scale = floats({4}, {1, 1, 1e9f, 1e9f});
  expect_line(&huge_scale, nullptr, "more than 8 GiB");
  const Tensor zero_scale = floats({4}, {1, 1, 0, 1});
  expect_line(&zero_scale, nullptr, "not positive");
  const Tensor negative_scale = floats({4}, {1, 1, -2, 1});
  expect_line(&negative_scale, nullptr, "not positive");
  const Tensor negative_size = ints({1, 1, -1, 2});
  expect_line(nullptr, &negative_size, "negative");
  const Tensor short_sizes = ints({4, 4});
  expect_line(nullptr, &short_sizes, "expected 4");
  const Tensor s = floats({4}, {1, 1, 2, 2});
  const Tensor z = ints({1, 1, 4, 4});
  expect_line(&s, &z, "not both");
  expect_line(nullptr, nullptr, "needs scales or sizes");
}

// The fast 2-D kernels against the reference on image-like shapes, up and down, every coordinate mode.
TEST(Resize, FastKernelsMatchReference) {
  const Tensor x = random_tensor({2, 3, 17, 23}, 9);
  for (const char* mode : {"nearest", "linear"})
    for (const char* coord : {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn"})
      for (const Tensor& sizes : {ints({2, 3, 30, 11}), ints({2, 3, 5, 64}), ints({2, 3, 17, 23})}) {
        SCOPED_TRACE(std::string(mode) + " " + coord + " " + std::to_string(sizes.data<int64_t>()[2]));
        const Attributes a = resize_attrs(mode, coord);
        const KernelRun fast = run_op_hinted("Resize", 13, a, {&x, nullptr, nullptr, &sizes}, false);
        const KernelRun ref = run_op_hinted("Resize", 13, a, {&x, nullptr, nullptr, &sizes}, true);
        EXPECT_EQ(fast.impl, std::string("resize:") + mode + "2d");
        EXPECT_EQ(ref.impl, "ref");
        EXPECT_TRUE(tensors_close(ref.outputs[0], fast.outputs[0], 1e-5, 1e-5));
      }
  // Resizing a leading axis too takes the reference path.
  const Tensor sizes = ints({4, 3, 8, 8});
  EXPECT_EQ(run_op_hinted("Resize", 13, resize_attrs("linear", "half_pixel"), {&x, nullptr, nullptr, &sizes}, false).impl, "ref");
}

}  // namespace
}  // namespace ssdx::test
