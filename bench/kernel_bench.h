#pragma once
// One engine kernel ready to time: resolved from the registry and created ONCE as a session would (inputs marked
// known-at-load are constants it may prepack), then bound to its inputs and outputs so a benchmark loop times
// Kernel::run alone, without inference, allocation, creation or preparation.
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "ops/evaluate.h"
#include "ops/registry.h"

namespace ssdx::bench {

class BoundKernel {
 public:
  // `inputs` must outlive this object; `known_at_load[i]` marks input i as a constant (weights, thresholds).
  // `blocked_outputs`: every consumer would read oneDNN's blocked layouts (the session decides this per output).
  // `hints`: e.g. KernelHints::reference for the op's reference kernel, to time the fast kernel against.
  BoundKernel(const std::string& op_type, int64_t opset, const Attributes& attrs, std::vector<const Tensor*> inputs,
              const std::vector<bool>& known_at_load, int num_outputs = 1, bool blocked_outputs = false,
              const KernelHints& hints = {}) {
    const OpDef* def = OpRegistry::global().find("", op_type, opset);
    if (!def) fail("no kernel for ", op_type, " at opset ", opset);
    node_.name = op_type + "_bench";
    node_.op_type = op_type;
    node_.attrs = attrs;
    node_.inputs.assign(inputs.size(), 0);
    node_.outputs.assign(static_cast<size_t>(num_outputs), 0);
    std::vector<ValueInfo> at_load = describe_inputs(inputs);
    for (size_t i = 0; i < at_load.size(); ++i) {
      if (!known_at_load[i]) at_load[i].constant = nullptr;
      if (inputs[i]) at_load[i].layout = inputs[i]->layout();  // what the producer writes, as in a session
    }
    OpContext load_ctx(node_, opset, at_load, node_.outputs.size());
    for (int o = 0; o < num_outputs; ++o) load_ctx.set_output_blocked_ok(o, blocked_outputs);
    load_ctx.set_hints(hints);
    def->infer(load_ctx);
    kernel_ = def->create(load_ctx);
    // Outputs as the executor allocates them for these concrete inputs (their layout included); this first run is
    // also the benchmark's warm-up.
    OpContext run_ctx(node_, opset, describe_inputs(inputs), node_.outputs.size());
    def->infer(run_ctx);
    kc_.inputs = std::move(inputs);
    kc_.outputs = run_kernel(*kernel_, kc_.inputs, run_ctx.outputs());
    plan_ = kernel_->prepare(describe_input_shapes(kc_.inputs));  // as a session prepares a step at load
    kc_.prepared = plan_.get();
    if (const size_t bytes = std::max(kernel_->workspace_bytes(), plan_ ? plan_->workspace_bytes : 0)) {  // the executor's arena provides this in a session
      workspace_.reset(static_cast<char*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64)));
      if (!workspace_) fail("out of memory for a ", bytes, "-byte workspace");
      kc_.workspace = workspace_.get();
    }
  }

  void run() { kernel_->run(kc_); }
  const Tensor& output(int i) const { return kc_.outputs.at(static_cast<size_t>(i)); }
  // "impl input0-layout->output0-layout"
  std::string label() const {
    return (plan_ && !plan_->impl.empty() ? plan_->impl : kernel_->impl_name()) + " " + layout_name(kc_.inputs[0]->layout()) + "->" + layout_name(output(0).layout());
  }

 private:
  Node node_;
  std::unique_ptr<Kernel> kernel_;
  std::shared_ptr<const KernelPlan> plan_;
  std::unique_ptr<char, decltype(&std::free)> workspace_{nullptr, &std::free};
  KernelContext kc_;
};

}  // namespace ssdx::bench
