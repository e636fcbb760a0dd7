// Every distinct convolution of SSD-ResNet34 1200 and of face-api's SSD-MobileNetV1 512 through the engine's Conv
// kernel (with bias, as after BN folding), the MobileNet ones also through QLinearConv (u8 activations, per-channel
// s8 weights), reported in FLOP/s and, for the memory-bound depthwise layers, bytes/s (input + output + weights read
// or written once). `count` is how often the shape occurs in the model; the label names the implementation and the
// layouts in and out. SSDX_BENCH_COLD_CACHE=1 evicts the caches before each MobileNet run (outside the timing), as
// a session's layer finds them: the layers between two runs of one layer write several MB.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdlib>

#include <memory>
#include <type_traits>
#include <vector>
#include <random>
#include <string>

#include "bench/kernel_bench.h"
#include "bench/shapes/ssd_mobilenetv1_512.h"
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
  a.set_ints("pads", {s.pad, s.pad, s.pad_after(), s.pad_after()});
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

template <typename T>
Tensor random_ints(Shape shape, int lo, int hi, std::mt19937& rng) {
  Tensor t(DTypeOf<T>::value, std::move(shape));
  std::uniform_int_distribution<int> d(lo, hi);
  T* p = t.data<T>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<T>(d(rng));
  return t;
}

// Per-channel weight scales around 1e-3, all different (so the kernel takes the per-channel path).
Tensor weight_scales(int k) {
  std::vector<float> v(static_cast<size_t>(k));
  for (int i = 0; i < k; ++i) v[static_cast<size_t>(i)] = 1e-3f * (1.f + 0.01f * static_cast<float>(i % 37));
  return make_tensor<float>({k}, v);
}

// A QLinearConv of shape `s` reading u8 `x`, per-channel s8 weights (zero point 0) and int32 bias: what
// `ssdx quantize` writes for a Conv in QOperator form. The image (3 channels) has zero point 128; every later input
// is a ReLU6 output, zero point 0 (oneDNN's zero-point compensation costs time, so the benchmark must not add it).
struct QConvKernel {
  Tensor x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, b;
  BoundKernel kernel;
  QConvKernel(const ConvShape& s, const Tensor& x, bool blocked_output, std::mt19937& rng)
      : x_scale(make_tensor<float>({}, {0.02f})),
        x_zp(make_tensor<uint8_t>({}, {static_cast<uint8_t>(s.c == 3 ? 128 : 0)})),
        w(random_ints<int8_t>({s.k, s.c / s.group, s.r, s.s}, -127, 127, rng)),
        w_scale(weight_scales(s.k)),
        w_zp(make_tensor<int8_t>({s.k}, std::vector<int8_t>(static_cast<size_t>(s.k), 0))),
        y_scale(make_tensor<float>({}, {0.05f})),
        y_zp(make_tensor<uint8_t>({}, {0})),
        b(random_ints<int32_t>({s.k}, -2000, 2000, rng)),
        kernel("QLinearConv", 13, conv_attrs(s), {&x, &x_scale, &x_zp, &w, &w_scale, &w_zp, &y_scale, &y_zp, &b},
               {false, true, true, true, true, true, true, true, true}, 1, blocked_output) {}
};

ConvShape feeder_shape(const ConvShape& s) { return ConvShape{"feeder", s.n, 3, s.h, s.w, s.c, 1, 1, 1, 0, 1, 1}; }
// The depthwise 3x3 stride-1 layer a MobileNet pointwise layer reads.
ConvShape depthwise_before(const ConvShape& s) { return ConvShape{"dw_feeder", s.n, s.c, s.h, s.w, s.c, 3, 3, 1, 1, s.c, 1}; }

bool is_head(const ConvShape& s) { return std::string(s.name).rfind("head", 0) == 0; }
bool is_pointwise_after_depthwise(const ConvShape& s) { return std::string(s.name).rfind("pw", 0) == 0; }

// Layouts as in a session of the MobileNet: conv0 reads the plain image; a depthwise layer (and the extra layers)
// read a 1x1 convolution's blocked output, a pointwise layer reads a depthwise layer's; every conv but the box heads
// (read by Reshape / Transpose) writes a blocked layout. Kernel is ConvKernel (fp32) or QConvKernel (int8).
bool cold_cache_requested() {
  const char* v = std::getenv("SSDX_BENCH_COLD_CACHE");
  return v && std::string(v) == "1";
}

// Every thread of the team writes then reads its own buffer larger than a core's L2 (2 MB on the machines measured),
// so what a kernel run left in L1/L2 is gone.
void evict_private_caches() {
  constexpr size_t kBytes = size_t{8} << 20;
  static std::vector<std::vector<char>> buffers(static_cast<size_t>(omp_get_max_threads()), std::vector<char>(kBytes));
  volatile char sink = 0;
#pragma omp parallel
  {
    std::vector<char>& b = buffers[static_cast<size_t>(omp_get_thread_num()) % buffers.size()];
    for (size_t i = 0; i < kBytes; i += 64) b[i] = static_cast<char>(b[i] + 1);
    char acc = 0;
    for (size_t i = 0; i < kBytes; i += 64) acc = static_cast<char>(acc + b[i]);
    sink = static_cast<char>(sink + acc);
  }
}

template <typename Kernel>
void mobilenet_conv(benchmark::State& state, const ConvShape& s) {
  constexpr bool int8 = std::is_same_v<Kernel, QConvKernel>;
  std::mt19937 rng(1);
  const Tensor image = int8 ? random_ints<uint8_t>({s.n, 3, s.h, s.w}, 0, 255, rng) : random_tensor({s.n, 3, s.h, s.w}, 1.f, rng);
  std::vector<std::unique_ptr<Kernel>> feeders;
  auto add = [&](const ConvShape& shape, const Tensor& x, bool blocked) -> Kernel& {
    feeders.push_back(std::make_unique<Kernel>(shape, x, blocked, rng));
    return *feeders.back();
  };
  const Tensor* x = &image;
  if (s.c != 3) x = &add(feeder_shape(s), *x, true).kernel.output(0);
  if (is_pointwise_after_depthwise(s)) x = &add(depthwise_before(s), *x, true).kernel.output(0);
  Kernel& k = add(s, *x, !is_head(s));
  const bool cold = cold_cache_requested();
  for (auto _ : state) {
    if (cold) {
      state.PauseTiming();
      evict_private_caches();
      state.ResumeTiming();
    }
    k.kernel.run();
  }
  const double runs = static_cast<double>(state.iterations());
  state.counters["FLOP/s"] = benchmark::Counter(s.flops() * runs, benchmark::Counter::kIsRate);
  state.counters["B/s"] = benchmark::Counter(s.bytes(int8 ? 1 : 4) * runs, benchmark::Counter::kIsRate);
  state.counters["count"] = s.count;
  state.SetLabel(k.kernel.label());
}

// Registered from the tables; the args only spell the shape out in the benchmark's name.
const bool registered = [] {
  for (const ConvShape& s : kSsdResnet34_1200Convs)
    benchmark::RegisterBenchmark((std::string("conv/") + s.name).c_str(), conv, s)
        ->Args({s.c, s.h, s.k, s.r, s.stride})
        ->ArgNames({"C", "H", "K", "R", "stride"})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();  // the work runs on OpenMP threads: the main thread's CPU time would mislead
  for (const char* precision : {"fp32", "int8"})
    for (const ConvShape& s : kSsdMobilenetV1_512Convs)
      benchmark::RegisterBenchmark((std::string("mobilenet512/") + precision + "/" + s.name).c_str(),
                                   precision[0] == 'f' ? mobilenet_conv<ConvKernel> : mobilenet_conv<QConvKernel>, s)
          ->Args({s.c, s.h, s.k, s.r, s.stride, s.group})
          ->ArgNames({"C", "H", "K", "R", "stride", "group"})
          ->Unit(benchmark::kMicrosecond)
          ->UseRealTime();
  return true;
}();

}  // namespace
}  // namespace ssdx::bench
