// SSD front-end and neck ops through the engine's kernels, fast and reference:
//   LpNormalization axis=1 p=2 on [1,512,38,38] (SSD-VGG16's conv4_3 L2 norm), ReduceL2 over the channels of the
//   same tensor (mmdeploy's form), and Resize linear half_pixel [1,3,480,640] -> [1,3,300,300] (torchvision's SSD
//   input transform) plus nearest on the same shapes.
// SSDX_BENCH_SAVE_MODELS=DIR also writes each case as a one-node model DIR/<case>.onnx, for bench/ort_vs_ssdx.sh.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <random>

#include "bench/kernel_bench.h"
#include "graph/onnx_builder.h"

namespace ssdx::bench {
namespace {

Tensor uniform(Shape shape, uint32_t seed) {
  Tensor t(DataType::Float, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(0.f, 1.f);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

const Tensor& conv4_3() {
  static const Tensor t = uniform({1, 512, 38, 38}, 1);
  return t;
}
const Tensor& image() {
  static const Tensor t = uniform({1, 3, 480, 640}, 2);
  return t;
}
const Tensor& sizes_300() {
  static const Tensor t = make_tensor<int64_t>({4}, {1, 3, 300, 300});
  return t;
}

Attributes lpnorm_attrs() {
  Attributes a = Attributes::integer("axis", 1);
  a.set_int("p", 2);
  return a;
}
Attributes reduce_attrs() {
  Attributes a = Attributes::ints("axes", {1});
  a.set_int("keepdims", 1);
  return a;
}
Attributes resize_attrs(const char* mode) {
  Attributes a;
  a.set_string("mode", mode);
  a.set_string("coordinate_transformation_mode", "half_pixel");
  return a;
}

// One op to time; run_case binds it fast or, with `reference`, as its reference loop (KernelHints::reference).
struct Case {
  const char* op;
  int64_t opset;
  Attributes attrs;
};

void run_case(benchmark::State& state, const Case& c, std::vector<const Tensor*> inputs, std::vector<bool> known,
              bool reference) {
  KernelHints hints;
  hints.reference = reference;
  BoundKernel k(c.op, c.opset, c.attrs, std::move(inputs), known, 1, false, hints);
  for (auto _ : state) k.run();
  state.SetLabel(k.label());
}

void lpnorm(benchmark::State& state) {
  run_case(state, {"LpNormalization", 1, lpnorm_attrs()}, {&conv4_3()}, {false}, state.range(0) != 0);
}
void reduce_l2(benchmark::State& state) {
  run_case(state, {"ReduceL2", 13, reduce_attrs()}, {&conv4_3()}, {false}, state.range(0) != 0);
}
void resize_linear(benchmark::State& state) {
  run_case(state, {"Resize", 13, resize_attrs("linear")}, {&image(), nullptr, nullptr, &sizes_300()},
           {false, false, false, true}, state.range(0) != 0);
}
void resize_nearest(benchmark::State& state) {
  run_case(state, {"Resize", 13, resize_attrs("nearest")}, {&image(), nullptr, nullptr, &sizes_300()},
           {false, false, false, true}, state.range(0) != 0);
}

BENCHMARK(lpnorm)->Name("norm/LpNormalization_1x512x38x38")->ArgName("ref")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(reduce_l2)->Name("norm/ReduceL2_axis1_1x512x38x38")->ArgName("ref")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(resize_linear)->Name("resize/linear_480x640_to_300x300")->ArgName("ref")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(resize_nearest)->Name("resize/nearest_480x640_to_300x300")->ArgName("ref")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();

// The one-node models of the cases above, for onnxruntime (bench/ort_vs_ssdx.sh).
struct SaveModels {
  SaveModels() {
    const char* dir = std::getenv("SSDX_BENCH_SAVE_MODELS");
    if (!dir) return;
    const std::string d = dir;
    {
      ModelBuilder b(13);
      b.add_input("x", DataType::Float, {1, 512, 38, 38});
      b.add_node("LpNormalization", {"x"}, {"y"}, lpnorm_attrs());
      b.add_output("y", DataType::Float, {1, 512, 38, 38});
      b.save(d + "/lpnorm_1x512x38x38.onnx");
    }
    {
      ModelBuilder b(13);
      b.add_input("x", DataType::Float, {1, 512, 38, 38});
      b.add_node("ReduceL2", {"x"}, {"y"}, reduce_attrs());
      b.add_output("y", DataType::Float, {1, 1, 38, 38});
      b.save(d + "/reduce_l2_1x512x38x38.onnx");
    }
    for (const char* mode : {"linear", "nearest"}) {
      ModelBuilder b(13);
      b.add_input("x", DataType::Float, {1, 3, 480, 640});
      b.add_initializer("sizes", sizes_300());
      b.add_node("Resize", {"x", "", "", "sizes"}, {"y"}, resize_attrs(mode));
      b.add_output("y", DataType::Float, {1, 3, 300, 300});
      b.save(d + "/resize_" + mode + "_480x640_300.onnx");
    }
  }
} save_models;

}  // namespace
}  // namespace ssdx::bench
