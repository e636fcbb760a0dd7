#pragma once
// `ssdx bench A --vs B`: the two models timed on the same input, per layer side by side with the speed-up.
#include <string>
#include <vector>

#include "study/bench_run.h"

namespace ssdx::study {

// A layer as both models run it: the kernels of A and of B that compute the same ONNX nodes. A fused fp32 kernel
// (Conv + BatchNormalization + Add + Relu) can stand against two int8 ones (QLinearConv, QLinearAdd).
struct LayerTimes {
  std::vector<size_t> a, b;  // node indices in each measurement, execution order
  double ms_a = 0, ms_b = 0;
  std::string matched_by;    // "name", "order", or "" when only one model has it
  double speedup() const { return ms_b > 0 ? ms_a / ms_b : 0; }
};

// Groups the kernels: kernels computing an ONNX node of the same name belong together (QuantizeLinear and
// DequantizeLinear origins left out: one is shared by several int8 kernels); a kernel name that differs only by
// suffixes such as "_quant" counts as that name; convolutions still unmatched are paired in order when both
// models have as many. In the order of A's execution, B-only groups last.
std::vector<LayerTimes> match_layers(const Measurement& a, const Measurement& b);

// Whether any of `nodes` (indices into m.nodes) is a convolution: the rows the text report shows.
bool has_conv_kernel(const Measurement& m, const std::vector<size_t>& nodes);

struct BenchVsResult {
  std::string model_a, model_b;
  double load_a_ms = 0, load_b_ms = 0;
  int runs = 0, warmup = 0;
  Measurement a, b;
  std::vector<LayerTimes> layers;
};
// Both latencies and their ratio, the layers with a convolution side by side, totals, what only one model has.
std::string bench_vs_text(const BenchVsResult& r);
// The same with every layer, as one JSON object.
std::string bench_vs_json(const BenchVsResult& r);

// Runs both models (same engine options, same input, runs interleaved) and prints the comparison.
int bench_vs(const BenchOptions& opts);

}  // namespace ssdx::study
