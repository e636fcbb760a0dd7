#pragma once
// Static post-training quantization of a float model on the graph IR, in the scheme of the ONNX model zoo's int8
// SSD files (onnxruntime's quantizer conventions):
//   - quantized nodes: Conv with constant weights, Add of two quantized activations of one static shape, MaxPool of
//     a quantized activation (its output keeps the input's scale and zero point: max commutes with quantization);
//     a Relu after a quantized Conv/Add that feeds only it is removed, the range of its output standing for the
//     producer's (zero point 0, so the uint8 clamp at 0 is the Relu); so is a Clip with constant bounds
//     lo <= 0 <= hi such as ReLU6's Clip(0, 6) (the uint8 range of its output saturates where it clips);
//   - activations uint8 asymmetric per tensor; weights int8 symmetric (per tensor or per output channel);
//     bias int32 with scale x_scale * w_scale and zero point 0;
//   - everything else (post-processing) stays float.
// QDQ writes QuantizeLinear -> DequantizeLinear pairs on every quantized activation and DequantizeLinear on the
// weights; QOperator writes QLinearConv / com.microsoft QLinearAdd / uint8 MaxPool, with QuantizeLinear and
// DequantizeLinear only where float and quantized tensors meet.
#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "quantizer/calibration.h"
#include "quantizer/quant_plan.h"

namespace ssdx::quantizer {

enum class QuantFormat { QDQ, QOperator };

struct QuantizeOptions {
  QuantFormat format = QuantFormat::QDQ;
  bool per_channel = false;
  int64_t opset = 0;  // target default-domain opset; 0: the model's, raised to 13 for per-channel QDQ
  QdqStyle qdq_style = QdqStyle::Absorbed;  // QDQ only (quantizer/quant_plan.h)
};

// uint8 asymmetric parameters of a range containing 0: scale = (rmax - rmin) / 255, zero point round(-rmin / scale)
// clamped to [0, 255]; an empty range gives scale 1, zero point 0.
struct ActivationParams {
  float scale = 1;
  uint8_t zero_point = 0;
};
ActivationParams activation_params(Range r);

// int8 symmetric weight scales max|w| / 127: one per output channel (axis 0) or one for the tensor (0 -> 1).
std::vector<float> weight_scales(const Tensor& w, bool per_channel);
// int8 weights clamp(round_half_even(w / scale), -127, 127) with one scale, or one per output channel.
Tensor quantize_weights(const Tensor& w, const std::vector<float>& scales);
// int32 bias round_half_even(b / (x_scale * w_scale[m])) with one weight scale, or one per channel.
Tensor quantize_bias(const Tensor& b, float x_scale, const std::vector<float>& w_scales);

// Makes a loaded float model ready to quantize: Constant nodes become initializers, dtypes and shapes are inferred
// without folding anything else, BatchNormalization folds into the convolutions, dead nodes go.
void prepare_for_quantization(Graph& g);
Graph load_for_quantization(const std::string& path);

// The activations quantize_graph() needs a range for (value names, in graph order): inputs and outputs of the
// quantized nodes, a removed Relu's output standing for its producer's, MaxPool outputs left out (they inherit).
std::vector<std::string> tensors_to_calibrate(const Graph& g, QdqStyle style = QdqStyle::Absorbed);

// Fails unless the graph has a convolution to quantize (checked before calibration spends time on it).
void check_quantizable(const Graph& g);

struct QuantizeReport {
  int convs = 0, adds = 0, maxpools = 0, relus_removed = 0, relus_kept = 0, clips_removed = 0, clips_kept = 0;
  int tensors = 0;  // quantized activations
  int64_t opset = 0;
};

// Rewrites a prepared graph (prepare_for_quantization) into the quantized model; `ranges` must hold every tensor of
// tensors_to_calibrate(). Checks the result resolves and infers in ssdx. Fails when nothing can be quantized.
QuantizeReport quantize_graph(Graph& g, const RangeMap& ranges, const QuantizeOptions& opts);

}  // namespace ssdx::quantizer
