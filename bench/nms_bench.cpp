// NonMaxSuppression on gluon-cv SSD's single-class calls (bench/nms_problem.h): boxes [1, N, 4], scores [1, 1, N],
// IoU 0.45, score_threshold 0.01, 400 kept, for N = 174,640 (VOC 300), 698,560 (COCO 300) and 1,965,120 (COCO 512),
// with 2% of the scores above the threshold; and N = 174,640 without score_threshold (every row a candidate).
// The per-class call of ssd-12 (80 classes x 15130 boxes) is postprocess_bench's postprocess/NMS_15130x80.
// nms/torchvision_batched: torchvision's batched NMS (SSDlite's If branch): per class the top 400 of scores above
// 0.01, boxes in [0, 320] shifted by class * 321 so that classes never overlap, IoU 0.45, no limit on the kept count.
#include <benchmark/benchmark.h>

#include <limits>
#include <map>
#include <memory>
#include <random>

#include "bench/kernel_bench.h"
#include "bench/nms_problem.h"

namespace ssdx::bench {
namespace {

struct GluonNmsTensors {
  Tensor boxes, scores;
  Tensor max_out = make_tensor<int64_t>({1}, {kGluonMaxOutput});
  Tensor iou = make_tensor<float>({1}, {kGluonIou});
  Tensor score_thr = make_tensor<float>({1}, {kGluonScore});
};

const GluonNmsTensors& tensors(int64_t rows) {
  static std::map<int64_t, std::unique_ptr<GluonNmsTensors>> cache;  // built once per size, outside timing loops
  auto& slot = cache[rows];
  if (!slot) {
    const GluonNmsData d = gluon_nms_data(rows, rows == 174640 ? 20 : 80, 0.02, 1);
    slot = std::make_unique<GluonNmsTensors>();
    slot->boxes = make_tensor<float>({1, rows, 4}, d.boxes);
    slot->scores = make_tensor<float>({1, 1, rows}, d.scores);
  }
  return *slot;
}

void gluon_nms(benchmark::State& state, bool with_score_threshold) {
  const GluonNmsTensors& t = tensors(state.range(0));
  std::vector<const Tensor*> in{&t.boxes, &t.scores, &t.max_out, &t.iou};
  if (with_score_threshold) in.push_back(&t.score_thr);
  BoundKernel k("NonMaxSuppression", 12, {}, in, {false, false, true, true, true});
  for (auto _ : state) k.run();
  state.counters["selected"] = static_cast<double>(k.output(0).dim(0));
  state.SetLabel(k.label());
}

BENCHMARK_CAPTURE(gluon_nms, score_threshold, true)
    ->Name("nms/gluon_single_class")->Arg(174640)->Arg(698560)->Arg(1965120)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(gluon_nms, no_score_threshold, false)
    ->Name("nms/gluon_single_class_no_score_threshold")->Arg(174640)
    ->Unit(benchmark::kMillisecond)->UseRealTime();

// Boxes [1, classes * 400, 4] (y1, x1, y2, x2), 400 per class, as torchvision's coordinate trick leaves them.
void torchvision_batched_nms(benchmark::State& state) {
  const int64_t classes = state.range(0), per_class = 400, rows = classes * per_class;
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> unit(0.f, 1.f);
  std::vector<float> boxes, scores;
  for (int64_t c = 0; c < classes; ++c)
    for (int64_t i = 0; i < per_class; ++i) {
      const float offset = static_cast<float>(c) * 321.f, y = 300 * unit(rng), x = 300 * unit(rng);
      const float h = 5 + 100 * unit(rng) * unit(rng), w = 5 + 100 * unit(rng) * unit(rng);
      boxes.insert(boxes.end(), {offset + y, offset + x, offset + std::min(y + h, 320.f), offset + std::min(x + w, 320.f)});
      scores.push_back(0.01f + 0.99f * unit(rng));
    }
  const Tensor b = make_tensor<float>({1, rows, 4}, boxes), s = make_tensor<float>({1, 1, rows}, scores);
  const Tensor max_out = make_tensor<int64_t>({1}, {std::numeric_limits<int64_t>::max()});
  const Tensor iou = make_tensor<float>({1}, {0.45f});
  BoundKernel k("NonMaxSuppression", 12, {}, {&b, &s, &max_out, &iou}, {false, false, true, true});
  for (auto _ : state) k.run();
  state.counters["selected"] = static_cast<double>(k.output(0).dim(0));
  state.SetLabel(k.label());
}
BENCHMARK(torchvision_batched_nms)->Name("nms/torchvision_batched")->Arg(90)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace ssdx::bench
