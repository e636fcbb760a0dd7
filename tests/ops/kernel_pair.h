#pragma once
// Runs one op with the kernel a session gets and with its reference kernel (KernelHints::reference), for tests
// that check a fast kernel against the reference loops.
#include <string>
#include <vector>

#include "tests/test_util.h"

namespace ssdx::test {

struct KernelRun {
  std::vector<Tensor> outputs;
  std::string impl;  // the kernel's impl_name()
};

// Every input is known at creation (a constant), as for a model whose roi/scales/axes are initializers.
inline KernelRun run_op_hinted(const std::string& op_type, int64_t opset, const Attributes& attrs,
                               const std::vector<const Tensor*>& inputs, bool reference) {
  const OpDef* def = find_op(op_type, opset, "");
  const Node node = make_test_node(op_type, "", attrs, inputs.size(), 1);
  OpContext ctx(node, opset, describe_inputs(inputs), 1);
  KernelHints hints;
  hints.reference = reference;
  ctx.set_hints(hints);
  def->infer(ctx);
  std::unique_ptr<Kernel> kernel = def->create(ctx);
  return {run_kernel(*kernel, inputs, ctx.outputs()), kernel->impl_name()};
}

}  // namespace ssdx::test
