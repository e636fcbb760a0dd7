// NonMaxSuppression on gluon-cv SSD's single-class calls (bench/nms_problem.h): boxes [1, N, 4], scores [1, 1, N],
// IoU 0.45, score_threshold 0.01, 400 kept, for N = 174,640 (VOC 300), 698,560 (COCO 300) and 1,965,120 (COCO 512),
// with 2% of the scores above the threshold; and N = 174,640 without score_threshold (every row a candidate).
// The per-class call of ssd-12 (80 classes x 15130 boxes) is postprocess_bench's postprocess/NMS_15130x80.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>

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

}  // namespace
}  // namespace ssdx::bench
