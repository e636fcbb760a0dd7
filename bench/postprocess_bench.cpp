// The SSD post-processing chain's heavy ops at the 1200 model's sizes, through the engine's kernels: Softmax over
// [1,15130,81], NonMaxSuppression of [1,15130,4] boxes x [1,80,15130] scores, TopK over what NMS keeps.
// Data like the generated model's (models/ssd_model.cpp): logits N(0, 2) with +4 on the background class, boxes
// decoded from N(0, 1) offsets against the real default boxes, so NMS sees realistic overlaps and score counts.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>

#include "bench/kernel_bench.h"
#include "models/ssd_model.h"

namespace ssdx::bench {
namespace {

constexpr int kSize = 1200, kClasses = 81;

struct PostprocessData {
  Tensor logits, boxes, scores;  // [1,N,81], [1,N,4] ltrb, [1,80,N] softmax without the background
  Tensor max_out = make_tensor<int64_t>({1}, {200});
  Tensor iou = make_tensor<float>({1}, {0.5f});
  Tensor score_thr = make_tensor<float>({1}, {0.05f});

  PostprocessData() {
    const std::vector<float> dbox = models::ssd_default_boxes(kSize);  // cx, cy, w, h
    const int64_t n = static_cast<int64_t>(dbox.size() / 4);
    std::mt19937 rng(1);
    std::normal_distribution<float> logit(0.f, 2.f), offset(0.f, 1.f);
    logits = Tensor(DataType::Float, {1, n, kClasses});
    boxes = Tensor(DataType::Float, {1, n, 4});
    scores = Tensor(DataType::Float, {1, kClasses - 1, n});
    float* l = logits.data<float>();
    float* b = boxes.data<float>();
    float* s = scores.data<float>();
    for (int64_t i = 0; i < n; ++i) {
      const float* d = &dbox[static_cast<size_t>(4 * i)];
      // The model's decode: centre += 0.1 * offset * size, size *= exp(0.2 * offset).
      const float cx = d[0] + 0.1f * offset(rng) * d[2], cy = d[1] + 0.1f * offset(rng) * d[3];
      const float w = d[2] * std::exp(0.2f * offset(rng)), h = d[3] * std::exp(0.2f * offset(rng));
      const float ltrb[4] = {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2};
      std::copy(ltrb, ltrb + 4, b + 4 * i);
      float* row = l + kClasses * i;
      float sum = 0;
      for (int c = 0; c < kClasses; ++c) row[c] = logit(rng) + (c == 0 ? 4.f : 0.f);
      for (int c = 0; c < kClasses; ++c) sum += std::exp(row[c]);
      for (int c = 1; c < kClasses; ++c) s[(c - 1) * n + i] = std::exp(row[c]) / sum;
    }
  }
};

const PostprocessData& data() {
  static const PostprocessData d;  // built once per process, outside every timing loop
  return d;
}

void softmax(benchmark::State& state) {
  BoundKernel k("Softmax", 12, Attributes::integer("axis", 2), {&data().logits}, {false});
  for (auto _ : state) k.run();
  state.SetLabel(k.label());
}

void nms(benchmark::State& state) {
  const PostprocessData& d = data();
  BoundKernel k("NonMaxSuppression", 12, {}, {&d.boxes, &d.scores, &d.max_out, &d.iou, &d.score_thr},
                {false, false, true, true, true});
  for (auto _ : state) k.run();
  state.counters["selected"] = static_cast<double>(k.output(0).dim(0));
  state.SetLabel(k.label());
}

// TopK k=200 over the scores of the boxes NMS selects, as the model gathers them (labels * N + box index).
void topk(benchmark::State& state) {
  const PostprocessData& d = data();
  BoundKernel sel("NonMaxSuppression", 12, {}, {&d.boxes, &d.scores, &d.max_out, &d.iou, &d.score_thr},
                  {false, false, true, true, true});
  const Tensor& idx = sel.output(0);  // [selected, 3]: batch, class, box
  const int64_t n = d.scores.dim(2);
  Tensor picked(DataType::Float, {idx.dim(0)});
  for (int64_t i = 0; i < idx.dim(0); ++i)
    picked.data<float>()[i] = d.scores.data<float>()[idx.int_at(3 * i + 1) * n + idx.int_at(3 * i + 2)];
  const Tensor kk = make_tensor<int64_t>({1}, {std::min<int64_t>(200, idx.dim(0))});
  BoundKernel k("TopK", 12, Attributes::integer("axis", 0), {&picked, &kk}, {false, false}, 2);
  for (auto _ : state) k.run();
  state.counters["n"] = static_cast<double>(idx.dim(0));
  state.SetLabel(k.label());
}

BENCHMARK(softmax)->Name("postprocess/Softmax_1x15130x81")->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(nms)->Name("postprocess/NMS_15130x80")->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(topk)->Name("postprocess/TopK_200_of_nms_selected")->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace ssdx::bench
