// onnxruntime parity of the reduce, normalisation, average-pool and Resize ops on the shapes SSD models give them:
// gluon-cv's conv4_3 L2 normalisation (LpNormalization then Mul), mmdeploy's (ReduceL2 over channels then Div),
// torchvision's 480x640 -> 300x300 bilinear input resize, SSDlite's squeeze-excite GlobalAveragePool, and
// AveragePool's ceil_mode windows; then every Resize coordinate mode x nearest mode, linear, cubic and the
// opset-18 forms on small tensors, many nodes to one model so onnxruntime starts once per model. Last, the
// session's reference-kernels switch over the same ops.
#include <algorithm>
#include <cmath>

#include "engine/session.h"
#include "tests/ort_oracle.h"
#include "tests/test_util.h"

namespace ssdx::test {
namespace {

// Runs the model in a Session and in onnxruntime and expects every output alike within `atol` (NaN matching
// NaN); returns the largest difference.
double expect_like_ort(const ModelBuilder& b, const std::string& name, const TensorMap& feeds, double atol) {
  const TempModelFile file(b, "reduce_pool_resize_" + name);
  const TensorMap ours = Session::load(file.path)->run(feeds);
  const TensorMap ref = run_ort(file.path, feeds);
  EXPECT_EQ(ours.size(), ref.size());
  double worst = 0;
  for (const auto& [out, want] : ref) {
    SCOPED_TRACE(name + ": " + out);
    const auto it = ours.find(out);
    if (it == ours.end()) {
      ADD_FAILURE() << "missing output";
      continue;
    }
    EXPECT_TRUE(tensors_close(want, it->second, atol, 0));
    if (want.dtype() == DataType::Float && want.shape() == it->second.shape())
      for (int64_t i = 0; i < want.numel(); ++i) {
        const double d = std::fabs(want.float_at(i) - it->second.float_at(i));
        if (!std::isnan(d)) worst = std::max(worst, d);
      }
  }
  std::printf("[ ort ] %s: largest abs diff %.3g\n", name.c_str(), worst);
  return worst;
}

// Declares output `name` of rank `rank` with every dim symbolic and named after it.
void add_any_output(ModelBuilder& b, const std::string& name, DataType dtype, size_t rank) {
  std::vector<std::string> names;
  for (size_t i = 0; i < rank; ++i) names.push_back(name + "_d" + std::to_string(i));
  b.add_output(name, dtype, Shape(rank, -1), names);
}

Tensor ints1d(std::vector<int64_t> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return make_tensor<int64_t>({n}, std::move(v));
}

TEST(ReducePoolResizeOrt, Conv43LpNormalizationThenScale) {
  SSDX_NEED_ORT();
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {1, 512, 38, 38});
  b.add_initializer("scale", random_tensor({1, 512, 1, 1}, 2, 15.f, 25.f));  // learnt, initialised to 20
  Attributes a;
  a.set_int("axis", 1);
  a.set_int("p", 2);
  b.add_node("LpNormalization", {"x"}, {"n"}, a);
  b.add_node("Mul", {"n", "scale"}, {"y"});
  b.add_output("y", DataType::Float, {1, 512, 38, 38});
  Tensor x = random_tensor({1, 512, 38, 38}, 1, 0.f, 3.f);  // after a ReLU
  for (int64_t c = 0; c < 512; ++c) x.data<float>()[c * 38 * 38] = 0.f;  // a zero vector stays 0, as in ORT
  expect_like_ort(b, "conv4_3_lpnorm", {{"x", x}}, 1e-5);
}

TEST(ReducePoolResizeOrt, ReduceL2ThenDiv) {
  SSDX_NEED_ORT();
  for (int64_t opset : {13, 18}) {
    ModelBuilder b(opset);
    b.add_input("x", DataType::Float, {2, 512, 38, 38});
    Attributes keep = Attributes::integer("keepdims", 1);
    if (opset < 18) {
      keep.set_ints("axes", {1});
      b.add_node("ReduceL2", {"x"}, {"norm"}, keep);
    } else {
      b.add_initializer("axes", ints1d({1}));
      b.add_node("ReduceL2", {"x", "axes"}, {"norm"}, keep);
    }
    b.add_node("Div", {"x", "norm"}, {"y"});
    b.add_output("y", DataType::Float, {2, 512, 38, 38});
    b.add_output("norm", DataType::Float, {2, 1, 38, 38});
    expect_like_ort(b, "reduce_l2_div_opset" + std::to_string(opset), {{"x", random_tensor({2, 512, 38, 38}, 3)}}, 1e-5);
  }
}

TEST(ReducePoolResizeOrt, TorchvisionBilinearTo300) {
  SSDX_NEED_ORT();
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {1, 3, 480, 640});
  b.add_initializer("sizes", ints1d({1, 3, 300, 300}));
  Attributes a;
  a.set_string("mode", "linear");
  a.set_string("coordinate_transformation_mode", "half_pixel");
  b.add_node("Resize", {"x", "", "", "sizes"}, {"y"}, a);
  b.add_output("y", DataType::Float, {1, 3, 300, 300});
  expect_like_ort(b, "resize_480x640_300", {{"x", random_tensor({1, 3, 480, 640}, 4, 0.f, 1.f)}}, 1e-5);
}

// sizes and axes as graph inputs: shapes known only at run time (the executor re-infers the nodes then).
TEST(ReducePoolResizeOrt, RunTimeSizesAndAxes) {
  SSDX_NEED_ORT();
  ModelBuilder b(18);
  b.add_input("x", DataType::Float, {1, 3, -1, -1}, {"", "", "h", "w"});
  b.add_input("sizes", DataType::Int64, {4});
  b.add_input("axes", DataType::Int64, {1});
  Attributes a;
  a.set_string("mode", "linear");
  b.add_node("Resize", {"x", "", "", "sizes"}, {"y"}, a);
  b.add_node("ReduceMean", {"y", "axes"}, {"m"}, Attributes::integer("keepdims", 0));
  add_any_output(b, "y", DataType::Float, 4);
  add_any_output(b, "m", DataType::Float, 3);
  expect_like_ort(b, "run_time_sizes", {{"x", random_tensor({1, 3, 20, 30}, 13)}, {"sizes", ints1d({1, 3, 7, 45})},
                                        {"axes", ints1d({-1})}}, 1e-5);
}

TEST(ReducePoolResizeOrt, GlobalAveragePoolSqueezeExcite) {
  SSDX_NEED_ORT();
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {1, 96, 10, 10});
  b.add_node("GlobalAveragePool", {"x"}, {"y"});
  b.add_output("y", DataType::Float, {1, 96, 1, 1});
  expect_like_ort(b, "global_avgpool", {{"x", random_tensor({1, 96, 10, 10}, 5)}}, 1e-6);
}

TEST(ReducePoolResizeOrt, AveragePoolCeilModeAndPadding) {
  SSDX_NEED_ORT();
  ModelBuilder b(11);
  b.add_input("x", DataType::Float, {1, 4, 10, 9});
  int i = 0;
  for (int64_t ceil_mode : {0, 1})
    for (int64_t include : {0, 1})
      for (const std::vector<int64_t>& pads : {std::vector<int64_t>{0, 0, 0, 0}, {1, 1, 1, 1}, {1, 0, 2, 1}}) {
        Attributes a = Attributes::ints("kernel_shape", {3, 3});
        a.set_ints("strides", {2, 2});
        a.set_ints("pads", pads);
        a.set_int("ceil_mode", ceil_mode);
        a.set_int("count_include_pad", include);
        const std::string y = "y" + std::to_string(i++);
        b.add_node("AveragePool", {"x"}, {y}, a);
        add_any_output(b, y, DataType::Float, 4);
      }
  Attributes same = Attributes::ints("kernel_shape", {3, 2});
  same.set_string("auto_pad", "SAME_UPPER");
  same.set_int("count_include_pad", 1);
  b.add_node("AveragePool", {"x"}, {"same"}, same);
  add_any_output(b, "same", DataType::Float, 4);
  expect_like_ort(b, "avgpool", {{"x", random_tensor({1, 4, 10, 9}, 6)}}, 1e-6);
}

TEST(ReducePoolResizeOrt, ReduceProdMeanL2Forms) {
  SSDX_NEED_ORT();
  for (int64_t opset : {13, 18}) {
    ModelBuilder b(opset);
    b.add_input("x", DataType::Float, {2, 3, 4, 5});
    b.add_input("xi", DataType::Int32, {2, 3, 4});
    int i = 0;
    const auto add = [&](const std::string& op, const std::string& in, std::vector<int64_t> axes, int64_t keep) {
      Attributes a = Attributes::integer("keepdims", keep);
      const std::string y = "y" + std::to_string(i++);
      if (opset < 18) {
        if (!axes.empty()) a.set_ints("axes", axes);
        b.add_node(op, {in}, {y}, a);
      } else {
        const std::string axes_name = "axes" + y;
        b.add_initializer(axes_name, ints1d(axes));
        b.add_node(op, {in, axes_name}, {y}, a);
      }
      const size_t rank = in == "x" ? 4 : 3;
      add_any_output(b, y, in == "x" ? DataType::Float : DataType::Int32,
                     keep ? rank : rank - (axes.empty() ? rank : axes.size()));
    };
    for (const char* op : {"ReduceProd", "ReduceMean", "ReduceL2"}) {
      add(op, "x", {1}, 1);
      add(op, "x", {0, 2}, 0);
      add(op, "x", {-1}, 1);
      add(op, "x", {}, 0);
    }
    add("ReduceProd", "xi", {2}, 0);
    add("ReduceMean", "xi", {0, 1}, 1);
    std::mt19937 rng(7);
    expect_like_ort(b, "reduce_forms_opset" + std::to_string(opset),
                    {{"x", random_tensor({2, 3, 4, 5}, 8, 0.5f, 1.5f)}, {"xi", random_ints<int32_t>({2, 3, 4}, rng, -9, 9)}},
                    1e-5);
  }
}

// One Resize node per attribute set, all reading x, into one model of `opset`.
struct ResizeSweep {
  ModelBuilder b;
  int count = 0;
  explicit ResizeSweep(int64_t opset) : b(opset) {}
  void add(const Attributes& a, const std::vector<std::string>& args) {
    const std::string y = "y" + std::to_string(count++);
    std::vector<std::string> inputs = {"x"};
    inputs.insert(inputs.end(), args.begin(), args.end());
    b.add_node("Resize", inputs, {y}, a);
    add_any_output(b, y, DataType::Float, 4);
  }
};

Attributes resize_attrs(const std::string& mode, const std::string& coord, const std::string& nearest = "") {
  Attributes a;
  a.set_string("mode", mode);
  a.set_string("coordinate_transformation_mode", coord);
  if (!nearest.empty()) a.set_string("nearest_mode", nearest);
  return a;
}

TEST(ReducePoolResizeOrt, ResizeModesSweep) {
  SSDX_NEED_ORT();
  ResizeSweep s(13);
  s.b.add_input("x", DataType::Float, {1, 2, 5, 7});
  s.b.add_initializer("up", ints1d({1, 2, 9, 12}));
  // 7 -> 4 would make asymmetric's 2 / (4/7) a tie that float puts at 3.4999998 and onnxruntime 1.30 at 3.5
  // (round_prefer_ceil then picks 4); 7 -> 3 has no such tie.
  s.b.add_initializer("down", ints1d({1, 2, 3, 3}));
  s.b.add_initializer("scales", make_tensor<float>({4}, {1, 1, 1.7f, 0.6f}));
  s.b.add_initializer("roi", make_tensor<float>({8}, {0, 0, 0.1f, -0.2f, 1, 1, 0.7f, 1.3f}));
  for (const char* coord : {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn"}) {
    for (const char* nearest : {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"})
      for (const char* size : {"up", "down"}) s.add(resize_attrs("nearest", coord, nearest), {"", "", size});
    for (const char* mode : {"linear", "cubic"}) {
      s.add(resize_attrs(mode, coord), {"", "", "up"});
      s.add(resize_attrs(mode, coord), {"", "", "down"});
      // align_corners by scales: ONNX's node tests divide by in * scale - 1 (test_resize_downsample_scales_
      // linear_align_corners), onnxruntime by the rounded output length - 1; ssdx follows ONNX.
      if (std::string(coord) != "align_corners") s.add(resize_attrs(mode, coord), {"", "scales"});
    }
  }
  for (const char* mode : {"nearest", "linear", "cubic"}) {
    Attributes crop = resize_attrs(mode, "tf_crop_and_resize");
    crop.set_float("extrapolation_value", -3.f);
    s.add(crop, {"roi", "", "up"});
    s.add(crop, {"roi", "", "down"});
  }
  Attributes outside = resize_attrs("cubic", "half_pixel");
  outside.set_int("exclude_outside", 1);
  outside.set_float("cubic_coeff_a", -0.5f);
  s.add(outside, {"", "", "up"});
  s.add(outside, {"", "", "down"});
  expect_like_ort(s.b, "resize_sweep", {{"x", random_tensor({1, 2, 5, 7}, 9)}}, 1e-5);
}

TEST(ReducePoolResizeOrt, ResizeOpset10And11Forms) {
  SSDX_NEED_ORT();
  {
    ResizeSweep s(10);  // X, scales; asymmetric; its own nearest rounding
    s.b.add_input("x", DataType::Float, {1, 2, 6, 7});
    s.b.add_initializer("up", make_tensor<float>({4}, {1, 1, 2.5f, 1.5f}));
    s.b.add_initializer("down", make_tensor<float>({4}, {1, 1, 0.6f, 0.5f}));
    for (const char* mode : {"nearest", "linear"})
      for (const char* scales : {"up", "down"}) {
        Attributes a;
        a.set_string("mode", mode);
        s.add(a, {scales});
      }
    expect_like_ort(s.b, "resize_opset10", {{"x", random_tensor({1, 2, 6, 7}, 10)}}, 1e-5);
  }
  {
    ResizeSweep s(11);  // roi and scales are required inputs, empty when unused
    s.b.add_input("x", DataType::Float, {1, 2, 6, 7});
    s.b.add_initializer("no_roi", Tensor(DataType::Float, {0}));
    s.b.add_initializer("no_scales", Tensor(DataType::Float, {0}));
    s.b.add_initializer("scales", make_tensor<float>({4}, {1, 1, 0.7f, 2.f}));
    s.b.add_initializer("sizes", ints1d({1, 2, 4, 11}));
    for (const char* mode : {"nearest", "linear", "cubic"}) {
      s.add(resize_attrs(mode, "pytorch_half_pixel"), {"no_roi", "scales"});
      s.add(resize_attrs(mode, "align_corners"), {"no_roi", "no_scales", "sizes"});
    }
    expect_like_ort(s.b, "resize_opset11", {{"x", random_tensor({1, 2, 6, 7}, 12)}}, 1e-5);
  }
}

TEST(ReducePoolResizeOrt, ResizeOpset18Forms) {
  SSDX_NEED_ORT();
  ResizeSweep s(18);
  s.b.add_input("x", DataType::Float, {1, 3, 12, 16});
  s.b.add_initializer("hw", ints1d({7, 9}));
  s.b.add_initializer("hw_scales", make_tensor<float>({2}, {0.45f, 0.3f}));
  s.b.add_initializer("big", ints1d({20, 24}));
  for (const char* policy : {"stretch", "not_larger", "not_smaller"})
    for (const char* mode : {"nearest", "linear"}) {
      Attributes a = resize_attrs(mode, "half_pixel");
      a.set_ints("axes", {2, 3});
      a.set_string("keep_aspect_ratio_policy", policy);
      s.add(a, {"", "", "hw"});
      s.add(a, {"", "", "big"});
    }
  for (const char* mode : {"linear", "cubic"})
    for (int64_t exclude : {0, 1}) {
      Attributes a = resize_attrs(mode, "half_pixel");
      a.set_ints("axes", {-2, -1});
      a.set_int("antialias", 1);
      a.set_int("exclude_outside", exclude);
      s.add(a, {"", "hw_scales"});
      s.add(a, {"", "", "hw"});
    }
  expect_like_ort(s.b, "resize_opset18", {{"x", random_tensor({1, 3, 12, 16}, 11)}}, 1e-5);
}

// A session with SessionOptions::reference_kernels runs every one of these ops' reference loop and agrees with the
// default session, whose kernels are the fast ones: the switch reaches them through the engine.
TEST(ReducePoolResizeSession, ReferenceKernelsOptionReachesTheOps) {
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {1, 32, 19, 19});
  b.add_initializer("sizes", ints1d({1, 32, 38, 38}));
  Attributes lp = Attributes::integer("axis", 1);
  lp.set_int("p", 2);
  b.add_node("LpNormalization", {"x"}, {"n"}, lp);
  Attributes l2 = Attributes::ints("axes", {1});
  l2.set_int("keepdims", 1);
  b.add_node("ReduceL2", {"x"}, {"norm"}, l2);
  Attributes rs;
  rs.set_string("mode", "linear");
  b.add_node("Resize", {"n", "", "", "sizes"}, {"up"}, rs);
  Attributes pool = Attributes::ints("kernel_shape", {3, 3});
  pool.set_ints("strides", {2, 2});
  b.add_node("AveragePool", {"up"}, {"pooled"}, pool);
  b.add_node("GlobalAveragePool", {"pooled"}, {"gap"});
  for (const char* out : {"norm", "pooled", "gap"}) add_any_output(b, out, DataType::Float, 4);
  const TempModelFile file(b, "reference_kernels");
  SessionOptions reference;
  reference.reference_kernels = true;
  const auto fast = Session::load(file.path), ref = Session::load(file.path, reference);
  for (const std::string& name : ref->kernel_names()) EXPECT_EQ(name, "ref");
  const std::vector<std::string> names = fast->kernel_names();
  const auto has = [&](const std::string& prefix) {
    return std::any_of(names.begin(), names.end(), [&](const std::string& n) { return n.rfind(prefix, 0) == 0; });
  };
  EXPECT_TRUE(has("lpnorm:") && has("l2norm:") && has("resize:linear2d") && has("onednn:")) << ::testing::PrintToString(names);
  const TensorMap feeds = {{"x", random_tensor({1, 32, 19, 19}, 14)}};
  const TensorMap a = fast->run(feeds), r = ref->run(feeds);
  for (const auto& [name, want] : r) EXPECT_TRUE(tensors_close(want, a.at(name), 1e-5, 1e-4)) << name;
}

}  // namespace
}  // namespace ssdx::test
