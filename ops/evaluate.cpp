#include "ops/evaluate.h"

#include <algorithm>
#include <cstdlib>

namespace ssdx {

std::vector<ValueInfo> describe_inputs(const std::vector<const Tensor*>& inputs) {
  std::vector<ValueInfo> infos(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i]) continue;
    infos[i].dtype = inputs[i]->dtype();
    infos[i].shape = inputs[i]->shape();
    infos[i].shape_known = true;
    infos[i].constant = inputs[i];
  }
  return infos;
}

std::vector<ValueInfo> describe_input_shapes(const std::vector<const Tensor*>& inputs) {
  std::vector<ValueInfo> infos = describe_inputs(inputs);
  for (size_t i = 0; i < infos.size(); ++i) {
    infos[i].constant = nullptr;
    if (inputs[i]) infos[i].layout = inputs[i]->layout();
  }
  return infos;
}

std::vector<Tensor> run_kernel(const Kernel& kernel, const std::vector<const Tensor*>& inputs,
                               const std::vector<ValueInfo>& inferred) {
  const std::shared_ptr<const KernelPlan> plan = kernel.prepare(describe_input_shapes(inputs));
  KernelContext kc;
  kc.prepared = plan.get();
  kc.inputs = inputs;
  kc.outputs.resize(inferred.size());
  for (size_t i = 0; i < inferred.size(); ++i) {
    const ValueInfo& o = inferred[i];
    if (o.dtype != DataType::Undefined && o.shape_known && shape_is_static(o.shape))
      kc.outputs[i] = Tensor(o.dtype, o.shape, kernel.output_layout(static_cast<int>(i)));
  }
  std::unique_ptr<char, decltype(&std::free)> workspace(nullptr, &std::free);
  if (const size_t bytes = std::max(kernel.workspace_bytes(), plan ? plan->workspace_bytes : 0)) {
    workspace.reset(static_cast<char*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64)));
    if (!workspace) fail("out of memory for a ", bytes, "-byte workspace");
    kc.workspace = workspace.get();
  }
  kernel.run(kc);
  for (size_t i = 0; i < kc.outputs.size(); ++i)
    if (kc.outputs[i].dtype() == DataType::Undefined && inferred[i].dtype != DataType::Undefined)
      fail("kernel did not produce output ", i);
  return std::move(kc.outputs);
}

std::vector<Tensor> evaluate_node(const OpDef& def, const Node& node, int64_t opset,
                                  const std::vector<const Tensor*>& inputs, const KernelHints& hints) {
  OpContext ctx(node, opset, describe_inputs(inputs), node.outputs.size());
  ctx.set_hints(hints);
  def.infer(ctx);
  std::unique_ptr<Kernel> kernel = def.create(ctx);
  return run_kernel(*kernel, inputs, ctx.outputs());
}

}  // namespace ssdx
