// Preprocessing a 1920x1280 photo-sized image for the 1200x1200 SSD: the float half-pixel bilinear path, Pillow's
// Image.BILINEAR bytes alone, and Pillow's bytes normalised into the tensor. Resize cost does not depend on the
// pixels (no data-dependent branches), so a deterministic texture stands in for a photo.
#include <benchmark/benchmark.h>

#include "app/preprocess.h"
#include "app/resize.h"

namespace ssdx::bench {
namespace {

app::Image texture(int width, int height) {
  app::Image im;
  im.width = width;
  im.height = height;
  im.rgb.resize(static_cast<size_t>(width) * height * 3);
  uint32_t state = 1;
  for (uint8_t& v : im.rgb) v = static_cast<uint8_t>((state = state * 1664525u + 1013904223u) >> 24);
  return im;
}

const app::Image& photo() {
  static const app::Image im = texture(1920, 1280);
  return im;
}

void BM_PreprocessBilinear(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(app::preprocess(photo(), 1200, 1200, app::InputSpec{}));
}

void BM_PreprocessPillowBilinear(benchmark::State& state) {
  app::InputSpec spec;
  spec.interpolation = app::Interpolation::PillowBilinear;
  for (auto _ : state) benchmark::DoNotOptimize(app::preprocess(photo(), 1200, 1200, spec));
}

void BM_ResizePillowBilinearOnly(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(app::resize_pillow_bilinear(photo(), 1200, 1200));
}

BENCHMARK(BM_PreprocessBilinear)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_PreprocessPillowBilinear)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ResizePillowBilinearOnly)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace ssdx::bench
