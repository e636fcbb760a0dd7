// The data-movement ops of SSD post-processing at gluon-cv's size ([1, 698560, 6] rows, SSD-512 with 80 classes):
// GatherND picking a third of the rows by (0, row) tuples, ScatterND writing every row to a permuted place, Expand of a
// [1, N, 1] column to [1, N, 6], NonZero of a [1, N] mask, and Pad (reflect) of a [1, 64, 150, 150] feature map.
// Bytes per second count what the output holds (plus what an index tensor holds for the index ops).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "bench/kernel_bench.h"

namespace ssdx::bench {
namespace {

constexpr int64_t kRows = 698560;

struct RowData {
  Tensor rows{DataType::Float, {1, kRows, 6}};
  Tensor picks, perm{DataType::Int64, {1, kRows, 2}};
  Tensor mask{DataType::Bool, {1, kRows}};
  Tensor column{DataType::Float, {1, kRows, 1}};
  Tensor six = make_tensor<int64_t>({3}, {1, 1, 6});
  RowData() {
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(0.f, 1.f);
    for (int64_t i = 0; i < rows.numel(); ++i) rows.data<float>()[i] = u(rng);
    for (int64_t i = 0; i < kRows; ++i) column.data<float>()[i] = u(rng);
    std::vector<int64_t> kept;
    for (int64_t i = 0; i < kRows; ++i) {
      mask.data<bool>()[i] = u(rng) < 0.33f;
      if (mask.data<bool>()[i]) kept.push_back(i);
    }
    picks = Tensor(DataType::Int64, {1, static_cast<int64_t>(kept.size()), 2});
    for (size_t i = 0; i < kept.size(); ++i) picks.data<int64_t>()[2 * i + 1] = kept[i];
    std::vector<int64_t> order(static_cast<size_t>(kRows));
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    for (int64_t i = 0; i < kRows; ++i) perm.data<int64_t>()[2 * i + 1] = order[static_cast<size_t>(i)];
  }
};

const RowData& data() {
  static const RowData d;
  return d;
}

void set_bytes(benchmark::State& state, const BoundKernel& k, int64_t extra = 0) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * (static_cast<int64_t>(k.output(0).nbytes()) + extra));
  state.SetLabel(k.label());
}

void gather_nd(benchmark::State& state) {
  BoundKernel k("GatherND", 13, {}, {&data().rows, &data().picks}, {false, false});
  for (auto _ : state) k.run();
  set_bytes(state, k, static_cast<int64_t>(data().picks.nbytes()));
}

void scatter_nd(benchmark::State& state) {
  BoundKernel k("ScatterND", 13, {}, {&data().rows, &data().perm, &data().rows}, {false, false, false});
  for (auto _ : state) k.run();
  set_bytes(state, k, static_cast<int64_t>(data().perm.nbytes()));
}

void expand(benchmark::State& state) {
  BoundKernel k("Expand", 13, {}, {&data().column, &data().six}, {false, true});
  for (auto _ : state) k.run();
  set_bytes(state, k);
}

void nonzero(benchmark::State& state) {
  BoundKernel k("NonZero", 13, {}, {&data().mask}, {false});
  for (auto _ : state) k.run();
  set_bytes(state, k);
}

void pad_reflect(benchmark::State& state) {
  static const Tensor x = [] {
    Tensor t(DataType::Float, {1, 64, 150, 150});
    for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(i % 97);
    return t;
  }();
  static const Tensor pads = make_tensor<int64_t>({8}, {0, 0, 3, 3, 0, 0, 3, 3});
  Attributes a;
  a.set_string("mode", "reflect");
  BoundKernel k("Pad", 13, a, {&x, &pads}, {false, true});
  for (auto _ : state) k.run();
  set_bytes(state, k);
}

BENCHMARK(gather_nd)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(scatter_nd)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(expand)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(nonzero)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(pad_reflect)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace ssdx::bench
