#pragma once
// Runs one node on concrete tensors: inference on the actual inputs, output allocation, kernel run.
// evaluate_node serves constant folding (engine/shape_inference.cpp) and the tests; run_kernel the tests and
// bench/kernel_bench.h. The executor (Session::run) uses only describe_inputs and describe_input_shapes, to re-infer
// and prepare the nodes whose shapes are known at run time only, and allocates and runs those nodes itself.
#include <memory>
#include <vector>

#include "ops/op.h"

namespace ssdx {

// Describes concrete tensors as fully known ValueInfos (dtype, shape and value).
std::vector<ValueInfo> describe_inputs(const std::vector<const Tensor*>& inputs);

// What Kernel::prepare is given for concrete tensors: dtype, shape and layout, no value (plans are per shape).
std::vector<ValueInfo> describe_input_shapes(const std::vector<const Tensor*>& inputs);

// Allocates the outputs whose shape inference could determine, prepares the kernel for the inputs' shapes, then
// runs it.
// `inferred` are the outputs of an OpContext built from the same concrete inputs.
std::vector<Tensor> run_kernel(const Kernel& kernel, const std::vector<const Tensor*>& inputs,
                               const std::vector<ValueInfo>& inferred);

// Infers, creates and runs `def` for `node` in one go (tests and constant folding, which asks for the reference
// kernels through `hints`).
std::vector<Tensor> evaluate_node(const OpDef& def, const Node& node, int64_t opset,
                                  const std::vector<const Tensor*>& inputs, const KernelHints& hints = {});

}  // namespace ssdx
