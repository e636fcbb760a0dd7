#pragma once
// The contract between the engine and an op family: an OpDef per (domain, op_type, opset range) with a pure
// shape/dtype inference function and a factory for kernels.
//
// Kernel lifecycle, in three phases:
//   1. create (OpDef::create, once per node at load): parse attributes, pack constant weights, choose the SIMD
//      variant (ops/cpu_isa.h), decide output layouts. Whatever needs only the attributes and the constants.
//   2. prepare (Kernel::prepare, once per input shape): build the state that depends on the input shapes, dtypes
//      and layouts (but never on input values), e.g. a oneDNN primitive for one shape, as an immutable KernelPlan.
//      The engine prepares steps with static shapes at load; for steps whose shapes are known only at run time it
//      prepares on the run's thread before run() and caches the plan by input shapes.
//   3. run (Kernel::run, many times, possibly from several threads at once, each with its own KernelContext): only
//      computes, with the plan in KernelContext::prepared. run() is const: a kernel and its plans are never
//      changed after they are made, so concurrent runs need no lock.
#include <climits>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "graph/domains.h"
#include "graph/graph.h"

namespace ssdx {

struct SessionOptions;  // engine/options.h: only passed through, to ops that compile subgraphs

// What is known about one input or output: dtype, shape (dims may be kUnknownDim), and for inputs the value
// when it is known (initializers and folded constants at load; every input at run time).
struct ValueInfo {
  DataType dtype = DataType::Undefined;
  Shape shape;
  bool shape_known = false;
  const Tensor* constant = nullptr;
  LayoutPtr layout;  // memory layout the producer writes (null: plain row-major)
};

// Session-wide choices kernels may take into account when they are created.
struct KernelHints {
  // Convolutions may use Winograd F(4x4, 3x3) where oneDNN has it (3x3, stride 1): about 1.8x faster, with
  // rounding differences of ~1e-6 relative to direct convolution.
  bool winograd = false;
  // Float convolutions compute in bfloat16 with fp32 accumulation where oneDNN has a native bf16 kernel for them
  // (SessionOptions::precision); the others, and everything else, stay fp32. Winograd is then not used for them.
  bool bf16 = false;
  // Every op creates its reference kernel (impl_name "ref"): the plain loops the fast kernels are tested against,
  // to tell a fast-kernel bug from a model problem.
  bool reference = false;
  // The loading session's options, for kernels that compile subgraphs into sessions of their own (If); null
  // outside a session (tests, folding), where such kernels take the defaults.
  const SessionOptions* session = nullptr;
};

// Shared by inference and kernel creation: the node, its resolved opset, and what is known of its inputs.
class OpContext {
 public:
  OpContext(const Node& node, int64_t opset, std::vector<ValueInfo> inputs, size_t num_outputs)
      : node_(node), opset_(opset), inputs_(std::move(inputs)), outputs_(num_outputs) {}

  const Node& node() const { return node_; }
  const Attributes& attrs() const { return node_.attrs; }
  int64_t opset() const { return opset_; }
  const KernelHints& hints() const { return hints_; }
  void set_hints(const KernelHints& h) { hints_ = h; }

  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  bool has_input(int i) const { return i < num_inputs() && inputs_[static_cast<size_t>(i)].dtype != DataType::Undefined; }
  const ValueInfo& input(int i) const;          // fails if the input is absent
  DataType input_dtype(int i) const { return input(i).dtype; }
  const Shape& input_shape(int i) const;        // fails if even the rank is unknown
  bool input_shape_known(int i) const { return has_input(i) && input(i).shape_known; }
  const Tensor* input_constant(int i) const { return has_input(i) ? input(i).constant : nullptr; }
  // The input's value as integers into `out` when it is a known constant (true); false, `out` untouched, otherwise.
  // Fails if the constant is not int64 or int32.
  bool input_ints(int i, std::vector<int64_t>& out) const;

  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  // Records an output's dtype and shape. Use kUnknownDim for dims known only at run time.
  void set_output(int i, DataType dtype, Shape shape);
  void set_output_dtype(int i, DataType dtype);  // rank unknown
  // Records an output's value when inference alone determines it (Shape of a static input): the engine then folds
  // the node into a constant.
  void set_output_value(int i, Tensor value);
  const Tensor* output_value(int i) const {
    return i < static_cast<int>(output_values_.size()) ? output_values_[static_cast<size_t>(i)].get() : nullptr;
  }
  const std::vector<ValueInfo>& outputs() const { return outputs_; }

  // Whether output i may be written in a blocked layout: every consumer reads blocked layouts (set by the engine;
  // false by default, so kernels evaluated on their own always produce plain tensors).
  bool output_blocked_ok(int i) const { return i < static_cast<int>(blocked_ok_.size()) && blocked_ok_[static_cast<size_t>(i)]; }
  void set_output_blocked_ok(int i, bool ok) {
    blocked_ok_.resize(outputs_.size(), false);
    if (i >= 0 && i < num_outputs()) blocked_ok_[static_cast<size_t>(i)] = ok;
  }

  // Fails unless input i (when present) has one of the listed dtypes.
  void require_dtype(int i, std::initializer_list<DataType> allowed) const;
  void require_inputs(int min_count, int max_count) const;

 private:
  const Node& node_;
  int64_t opset_;
  std::vector<ValueInfo> inputs_;
  std::vector<ValueInfo> outputs_;
  std::vector<std::shared_ptr<const Tensor>> output_values_;
  std::vector<bool> blocked_ok_;
  KernelHints hints_;
};

// Shape-specific state Kernel::prepare builds for one set of input shapes (a oneDNN primitive and what it needs).
// Immutable once made; shared by every run with those shapes. Kernels derive their own plan types.
struct KernelPlan {
  virtual ~KernelPlan() = default;
  size_t workspace_bytes = 0;  // scratch run() needs in KernelContext::workspace with this plan (beyond the kernel's)
  std::string impl;            // the implementation for these shapes (profiles); empty: the kernel's impl_name()
};

// Passed to Kernel::run. Outputs arrive allocated with their inferred shapes when inference could determine them
// from the actual inputs; a kernel whose output shape depends on input values it alone computes
// (NonMaxSuppression) allocates outputs[i] itself.
struct KernelContext {
  std::vector<const Tensor*> inputs;  // nullptr for omitted optional inputs
  std::vector<Tensor> outputs;
  void* workspace = nullptr;          // max(Kernel::workspace_bytes(), prepared->workspace_bytes) of scratch, 64-byte aligned
  const KernelPlan* prepared = nullptr;  // what Kernel::prepare returned for these inputs' shapes (null: nothing)
  const Tensor& input(int i) const;   // fails if absent
  const Tensor* optional_input(int i) const {
    return i < static_cast<int>(inputs.size()) ? inputs[static_cast<size_t>(i)] : nullptr;
  }
  Tensor& output(int i) { return outputs.at(static_cast<size_t>(i)); }
  // The prepared plan as the kernel's own type; fails when the caller did not prepare the kernel.
  template <typename Plan>
  const Plan& plan() const {
    const auto* p = dynamic_cast<const Plan*>(prepared);
    if (!p) fail("the kernel was not prepared for these inputs (Kernel::prepare)");
    return *p;
  }
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  // The state for inputs of these dtypes, shapes and layouts (values are not to be read: the plan is cached by
  // shape); null when the kernel needs none. Thread-safe (const): runs may prepare concurrently.
  virtual std::shared_ptr<const KernelPlan> prepare(const std::vector<ValueInfo>& inputs) const { return nullptr; }
  // Computes the outputs; ctx.prepared is what prepare() returned for these inputs' shapes.
  virtual void run(KernelContext& ctx) const = 0;
  // Name of the implementation for profiles: "ref" for the reference loops, "onednn:jit:avx512_core",
  // "<family>:<isa>" for the engine's own SIMD kernels ("softmax:avx512", "nms:avx2"...).
  virtual std::string impl_name() const = 0;
  // Layout output i is written in (decided at create; null = plain row-major).
  virtual LayoutPtr output_layout(int i) const { return nullptr; }
  // Whether run() reads input i in the layout its producer writes (the ValueInfo::layout seen at creation); when
  // false the engine hands the kernel a plain copy of a blocked input.
  virtual bool reads_layout(int input) const { return false; }
  // Whether constant input i was copied into the kernel's own form at creation (packed weights) and is never read
  // by run(): when every reader of a constant packs it, the session releases the graph's copy after load.
  virtual bool packs_input(int input) const { return false; }
  // Scratch memory run() needs in KernelContext::workspace (oneDNN scratchpads, input reorders).
  virtual size_t workspace_bytes() const { return 0; }
  // An input whose buffer output 0 may take over when that input is not read afterwards (a fused residual sum
  // accumulates into it); -1 for none. The kernel must also work when the buffers differ.
  virtual int inplace_input() const { return -1; }
  // Floating-point operations one run performs on these inputs, for profiles; 0 when not worth counting.
  virtual double flops(const std::vector<const Tensor*>& inputs) const { return 0; }
  // What the kernel computes in when that is not what its tensors' dtypes say ("bf16": a float convolution in
  // bfloat16); empty otherwise.
  virtual std::string compute_precision() const { return ""; }
};

// Wraps a callable as a Kernel, for kernels whose only state is a parsed parameter struct. `impl` names the code
// that runs (profiles, `inspect --plan`): "ref" for a plain reference loop, else what is vectorized or tiled.
// The callable is const: it holds parameters only.
template <typename F>
class LambdaKernel : public Kernel {
 public:
  LambdaKernel(F f, std::string impl) : f_(std::move(f)), impl_(std::move(impl)) {}
  void run(KernelContext& ctx) const override { f_(ctx); }
  std::string impl_name() const override { return impl_; }
 private:
  F f_;
  std::string impl_;
};
template <typename F>
std::unique_ptr<Kernel> make_kernel(F f, std::string impl) {
  return std::make_unique<LambdaKernel<F>>(std::move(f), std::move(impl));
}

using InferFn = std::function<void(OpContext&)>;
using CreateFn = std::function<std::unique_ptr<Kernel>(const OpContext&)>;
// Whether the kernel this op will get for node `n` is expected to read input `input` in a oneDNN blocked layout
// (its producer may then write one; engine/layout_negotiation.h). Decided before kernels exist, from the graph
// alone: a wrong "yes" costs a plain copy at run time (Kernel::reads_layout), never a wrong result.
using ReadsBlockedFn = std::function<bool(const Graph& g, const Node& n, size_t input)>;

// One quantized tensor an op reads or writes, and the inputs holding its scale and zero point (-1: none).
struct QuantSlot {
  const char* role;  // "x", "w", "a", "b", "y"
  int tensor;        // input index, or kOutput0 for the op's first output
  int scale, zero_point;
  static constexpr int kOutput0 = -1;
};

// What tools and passes may ask of an op without knowing its name: the op's signature facts, declared once in its
// family file next to its kernels.
struct OpTraits {
  std::vector<QuantSlot> quant_slots;  // the 8-bit tensors and where their (scale, zero point) sit
  int weight_input = -1;               // convolution family: the weight input; multiply-adds are conv_macs()
  bool keeps_quantization = false;     // data movement: an 8-bit output carries its input 0's scale and zero point
  ReadsBlockedFn reads_blocked = nullptr;  // the layouts it reads: null, plain tensors only
  // The kernel allocates every output itself and inference has nothing cheaper to add at run time (If: its outputs
  // are a branch's, computed by running it): the executor leaves the step's outputs to it instead of re-inferring
  // shapes that load left unknown.
  bool outputs_from_kernel = false;

  // The format conversions: one quantized tensor, the output (QuantizeLinear) or input 0 (DequantizeLinear).
  bool quantizes() const { return quant_slots.size() == 1 && quant_slots[0].tensor == QuantSlot::kOutput0; }
  bool dequantizes() const { return quant_slots.size() == 1 && quant_slots[0].tensor == 0; }
};

struct OpDef {
  std::string domain;  // "" for the default ONNX domain, "com.microsoft" for ORT contrib ops
  std::string op_type;
  int64_t since_version = 1;
  int64_t end_version = INT64_MAX;  // inclusive; the last opset whose semantics this entry implements
  InferFn infer;
  CreateFn create;
  OpTraits traits = {};
};

}  // namespace ssdx
