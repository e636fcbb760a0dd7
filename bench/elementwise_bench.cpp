// Element-wise ops at the sizes SSD graphs run them: mmdet's L2Norm chain on conv4_3 ([2,512,38,38]: Pow(x, 2),
// Sqrt, Div by the [2,1,38,38] norm) and score masking over a [1,698560] row (Greater against a scalar, Where with a
// scalar fallback), each as the fast kernel and as the reference kernel (KernelHints::reference), so one run gives
// their ratio. Bytes moved per second are the counter to watch: these loops are memory-bound.
#include <benchmark/benchmark.h>

#include <random>

#include "bench/kernel_bench.h"

namespace ssdx::bench {
namespace {

Tensor uniform(Shape shape, float lo, float hi, uint32_t seed) {
  Tensor t(DataType::Float, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = d(rng);
  return t;
}

struct Data {
  Tensor x = uniform({2, 512, 38, 38}, -3.f, 3.f, 1);
  Tensor norm = uniform({2, 1, 38, 38}, 1.f, 40.f, 2);
  Tensor two = make_tensor<float>({}, {2.f});
  Tensor half = make_tensor<float>({}, {0.5f});
  Tensor scores = uniform({1, 698560}, 0.f, 0.03f, 3);
  Tensor thresh = make_tensor<float>({}, {0.01f});
  Tensor minus_one = make_tensor<float>({}, {-1.f});
  Tensor keep;
  Data() {
    BoundKernel g("Greater", 13, {}, {&scores, &thresh}, {false, true});
    g.run();
    keep = g.output(0);
  }
};
const Data& data() {
  static const Data d;
  return d;
}

void run_bound(benchmark::State& state, BoundKernel& k, double bytes_per_run) {
  for (auto _ : state) k.run();
  state.SetLabel(k.label());
  state.counters["GB/s"] = benchmark::Counter(bytes_per_run * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

KernelHints hints(bool reference) {
  KernelHints h;
  h.reference = reference;
  return h;
}

void pow_square(benchmark::State& state) {
  const Data& d = data();
  BoundKernel k("Pow", 13, {}, {&d.x, &d.two}, {false, true}, 1, false, hints(state.range(0)));
  run_bound(state, k, 8.0 * d.x.numel());
}
void pow_half(benchmark::State& state) {
  const Data& d = data();
  BoundKernel k("Pow", 13, {}, {&d.x, &d.half}, {false, true}, 1, false, hints(state.range(0)));
  run_bound(state, k, 8.0 * d.x.numel());
}
void sqrt_map(benchmark::State& state) {
  const Data& d = data();
  BoundKernel k("Sqrt", 13, {}, {&d.x}, {false}, 1, false, hints(state.range(0)));
  run_bound(state, k, 8.0 * d.x.numel());
}
void div_by_norm(benchmark::State& state) {
  const Data& d = data();
  BoundKernel k("Div", 13, {}, {&d.x, &d.norm}, {false, false}, 1, false, hints(state.range(0)));
  run_bound(state, k, 8.0 * d.x.numel());
}
void greater_scalar(benchmark::State& state) {
  const Data& d = data();
  BoundKernel k("Greater", 13, {}, {&d.scores, &d.thresh}, {false, true}, 1, false, hints(state.range(0)));
  run_bound(state, k, 5.0 * d.scores.numel());
}
void where_scalar(benchmark::State& state) {
  const Data& d = data();
  BoundKernel k("Where", 16, {}, {&d.keep, &d.scores, &d.minus_one}, {false, false, true}, 1, false,
                hints(state.range(0)));
  run_bound(state, k, 9.0 * d.scores.numel());
}

// Argument: 0 = fast kernel, 1 = reference kernel.
BENCHMARK(pow_square)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(pow_half)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(sqrt_map)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(div_by_norm)->Arg(0)->Unit(benchmark::kMicrosecond);
BENCHMARK(greater_scalar)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(where_scalar)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ssdx::bench
