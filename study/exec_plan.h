#pragma once
// `ssdx inspect --plan`: what a Session will execute after ssdx's passes, one entry per kernel in execution order.
#include <string>
#include <vector>

#include "engine/session.h"
#include "study/quant_params.h"

namespace ssdx::study {

struct PlanTensor {
  std::string name;
  DataType dtype = DataType::Undefined;
  Shape shape;
  bool shape_known = false;
  std::string precision;  // fp32, int8 (uint8 or int8 values), bf16, fp16, or the dtype for non-numeric data
  std::string layout;     // as the producing kernel writes it
};

struct PlanKernel {
  std::string name, op_type;  // op_type qualified by domain when not ai.onnx ("ssdx.FusedConv")
  std::string impl;           // the kernel implementation, e.g. onednn:brgconv:avx512_core_vnni
  std::string precision;      // fp32, int8, fp32->int8 (QuantizeLinear), int8->fp32 (DequantizeLinear), ...
  double macs = 0;
  std::vector<NodeOrigin> fused_from;  // the ONNX nodes it computes, when it stands for more than itself
  std::vector<std::string> inputs;     // activations read (constants left out)
  std::vector<PlanTensor> outputs;
  std::vector<QuantParams> quant;
};

struct ExecPlan {
  std::vector<PlanKernel> kernels;
  std::vector<PlanTensor> inputs;
  std::vector<std::string> outputs;
  size_t arena_bytes = 0;
  int folded = 0, fused = 0;  // nodes folded into constants / merged into other kernels at load
  double total_macs = 0;
};

ExecPlan describe_plan(const Session& session);

// fp32 / int8 / bf16 / fp16, or the dtype's name.
std::string precision_of(DataType t);

// "Conv + BatchNormalization + Relu", repeated op types counted: "DequantizeLinear x2".
std::string describe_origins(const std::vector<NodeOrigin>& origins);

}  // namespace ssdx::study
