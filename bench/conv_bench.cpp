// Every distinct convolution of SSD-ResNet34 1200 through the engine's Conv kernel (with bias, as after BN folding),
// reported in GFLOP/s. The name carries the model's share: `count` is how often the shape occurs in the model.
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>

#include "bench/kernel_bench.h"
#include "bench/shapes/ssd_resnet34_1200.h"

namespace ssdx::bench {
namespace {

Tensor random_tensor(Shape shape, float scale, std::mt19937& rng) {
  Tensor t(DataType::Float, std::move(shape));
  std::normal_distribution<float> nd(0.f, scale);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = nd(rng);
  return t;
}

Attributes conv_attrs(const ConvShape& s) {
  Attributes a = Attributes::ints("kernel_shape", {s.r, s.s});
  a.set_ints("strides", {s.stride, s.stride});
  a.set_ints("pads", {s.pad, s.pad, s.pad, s.pad});
  a.set_int("group", s.group);
  return a;
}

// A Conv kernel of shape `s` reading `x`, with its own random weights and bias (constants, prepacked at creation).
struct ConvKernel {
  Tensor w, b;
  BoundKernel kernel;
  ConvKernel(const ConvShape& s, const Tensor& x, bool blocked_output, std::mt19937& rng)
      : w(random_tensor({s.k, s.c / s.group, s.r, s.s}, 0.05f, rng)),
        b(random_tensor({s.k}, 0.1f, rng)),
        kernel("Conv", 12, conv_attrs(s), {&x, &w, &b}, {false, true, true}, 1, blocked_output) {}
};

// Layouts as in a session of the model: the first conv reads the plain image and writes a blocked layout, and every
// later conv reads that kind of output; here a 1x1 conv from a 3-channel image provides it. Every conv but the heads'
// (read by Reshape) may write a blocked layout. So the kernels and layouts are the ones the model runs.
void conv(benchmark::State& state, const ConvShape& s) {
  std::mt19937 rng(1);
  const Tensor image = random_tensor({s.n, 3, s.h, s.w}, 1.f, rng);
  std::unique_ptr<ConvKernel> feeder;
  if (s.c != 3) feeder = std::make_unique<ConvKernel>(ConvShape{"feeder", s.n, 3, s.h, s.w, s.c, 1, 1, 1, 0, 1, 1},
                                                      image, true, rng);
  const bool head = std::string(s.name).rfind("head", 0) == 0;
  ConvKernel k(s, feeder ? feeder->kernel.output(0) : image, !head, rng);
  for (auto _ : state) k.kernel.run();
  state.counters["FLOP/s"] = benchmark::Counter(s.flops() * static_cast<double>(state.iterations()),
                                                benchmark::Counter::kIsRate);
  state.counters["count"] = s.count;
  state.SetLabel(k.kernel.label());
}

// Registered from the table; the args only spell the shape out in the benchmark's name.
const bool registered = [] {
  for (const ConvShape& s : kSsdResnet34_1200Convs)
    benchmark::RegisterBenchmark((std::string("conv/") + s.name).c_str(), conv, s)
        ->Args({s.c, s.h, s.k, s.r, s.stride})
        ->ArgNames({"C", "H", "K", "R", "stride"})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();  // the work runs on OpenMP threads: the main thread's CPU time would mislead
  return true;
}();

}  // namespace
}  // namespace ssdx::bench
