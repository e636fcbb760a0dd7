// If: cond (a one-element bool) picks then_branch or else_branch, whose outputs become the node's. A condition known
// at load inlines the branch instead (engine/if_inlining.h); otherwise the kernel holds both branches compiled as
// sessions and runs one per call, allocating the outputs itself (the branches may give different shapes).
#include "engine/if_op.h"

#include <cstring>

#include "engine/shape_inference.h"
#include "engine/subgraph.h"

namespace ssdx {
namespace {

const char* const kBranches[2] = {"then_branch", "else_branch"};

const Graph& branch_of(const Node& n, const char* which) {
  if (!n.attrs.has(which)) fail("If '", n.name, "': attribute ", which, " is missing");
  const Attribute& a = n.attrs.at(which);
  if (a.kind != Attribute::Kind::Graph || !a.graph)
    fail("If '", n.name, "': attribute ", which, " is ", attribute_kind_name(a.kind), ", expected a graph");
  return *a.graph;
}

// What the enclosing graph knows of the implicit inputs (the captured values), in the node's order.
std::vector<ValueInfo> outer_infos(const OpContext& ctx) {
  std::vector<ValueInfo> outer;
  for (int i = ctx.node().explicit_inputs(); i < ctx.num_inputs(); ++i) outer.push_back(ctx.input(i));
  return outer;
}

// The condition's value when the enclosing graph knows it: 1 true, 0 false, -1 unknown.
int known_condition(const OpContext& ctx) {
  const Tensor* c = ctx.input_constant(0);
  if (!c || c->empty_storage()) return -1;
  return c->data<bool>()[0] ? 1 : 0;
}

void check_structure(const OpContext& ctx) {
  const Node& n = ctx.node();
  if (n.explicit_inputs() != 1) fail("If '", n.name, "' has ", n.explicit_inputs(), " inputs, expected 1 (cond)");
  const size_t then_outs = branch_of(n, kBranches[0]).outputs.size(), else_outs = branch_of(n, kBranches[1]).outputs.size();
  if (then_outs != n.outputs.size() || else_outs != n.outputs.size())
    fail("If '", n.name, "': then_branch has ", then_outs, " outputs, else_branch ", else_outs, ", node ", n.outputs.size());
  ctx.require_dtype(0, {DataType::Bool});
  if (ctx.input_shape_known(0) && shape_is_static(ctx.input_shape(0)) && shape_numel(ctx.input_shape(0)) != 1)
    fail("If '", n.name, "': cond must hold one element, has shape ", shape_str(ctx.input_shape(0)));
}

// Both branches agree: the shape; else the dims they share, kUnknownDim elsewhere (the rank unknown when it differs).
ValueInfo merge(const Node& n, size_t o, const ValueInfo& a, const ValueInfo& b) {
  if (a.dtype != b.dtype)
    fail("If '", n.name, "': output ", o, " is ", dtype_name(a.dtype), " in then_branch but ", dtype_name(b.dtype),
         " in else_branch");
  ValueInfo m;
  m.dtype = a.dtype;
  if (!a.shape_known || !b.shape_known || a.shape.size() != b.shape.size()) return m;
  m.shape_known = true;
  for (size_t d = 0; d < a.shape.size(); ++d) m.shape.push_back(a.shape[d] == b.shape[d] ? a.shape[d] : kUnknownDim);
  return m;
}

void infer_if(OpContext& ctx) {
  check_structure(ctx);
  const Node& n = ctx.node();
  const std::vector<ValueInfo> outer = outer_infos(ctx);
  const int cond = known_condition(ctx);
  // A known condition: only the branch it picks counts (the other is never run, and may hold ops ssdx lacks).
  // Unsupported ops of both branches leave together as an UnsupportedOpsError, which the enclosing graph reports
  // with its own.
  std::vector<ValueInfo> outs[2];
  std::vector<UnsupportedNode> unsupported;
  std::string message;
  for (int b = 0; b < 2; ++b) {
    if (cond == (b == 0 ? 0 : 1)) continue;
    try {
      outs[b] = infer_branch(branch_of(n, kBranches[b]), n, outer, kBranches[b]);
    } catch (const UnsupportedOpsError& e) {
      unsupported.insert(unsupported.end(), e.nodes().begin(), e.nodes().end());
      message = e.what();
    }
  }
  if (!unsupported.empty()) throw UnsupportedOpsError(message, std::move(unsupported));
  if (cond < 0)
    for (size_t o = 0; o < outs[0].size(); ++o) outs[0][o] = merge(n, o, outs[0][o], outs[1][o]);
  const std::vector<ValueInfo>& result = cond == 0 ? outs[1] : outs[0];
  for (size_t o = 0; o < result.size(); ++o) {
    if (result[o].shape_known) ctx.set_output(static_cast<int>(o), result[o].dtype, result[o].shape);
    else ctx.set_output_dtype(static_cast<int>(o), result[o].dtype);
  }
}

class IfKernel : public Kernel {
 public:
  IfKernel(const OpContext& ctx, const SessionOptions& opts) {
    const Node& n = ctx.node();
    const std::vector<ValueInfo> outer = outer_infos(ctx);
    const int cond = known_condition(ctx);
    for (int b = 0; b < 2; ++b)
      if (cond < 0 || cond == (b == 0 ? 1 : 0))
        programs_[b] = std::make_unique<SubgraphProgram>(branch_of(n, kBranches[b]), n, outer, kBranches[b], opts);
    explicit_inputs_ = static_cast<size_t>(n.explicit_inputs());
  }

  void run(KernelContext& kc) const override {
    const Tensor& c = kc.input(0);
    if (c.numel() != 1) fail("cond must hold one element, has shape ", shape_str(c.shape()));
    const int b = c.data<bool>()[0] ? 0 : 1;
    if (!programs_[b]) fail("the load-time condition picked the other branch");  // a constant condition cannot change
    const std::vector<const Tensor*> outer(kc.inputs.begin() + static_cast<std::ptrdiff_t>(explicit_inputs_), kc.inputs.end());
    std::vector<Tensor> outs = programs_[b]->run(outer);
    for (size_t o = 0; o < outs.size() && o < kc.outputs.size(); ++o) {
      Tensor& dst = kc.outputs[o];
      if (dst.dtype() == DataType::Undefined) {
        dst = std::move(outs[o]);
        continue;
      }
      // Shapes fixed at load (both branches agree): the executor placed the output; the branch's result goes there.
      if (dst.dtype() != outs[o].dtype() || dst.shape() != outs[o].shape() || !dst.is_plain())
        fail(kBranches[b], " output ", o, " is ", dtype_name(outs[o].dtype()), " ", shape_str(outs[o].shape()),
             ", inference said ", dtype_name(dst.dtype()), " ", shape_str(dst.shape()));
      if (dst.nbytes()) std::memcpy(dst.raw(), outs[o].raw(), dst.nbytes());
    }
  }

  std::string impl_name() const override {
    auto steps = [&](int b) { return programs_[b] ? std::to_string(programs_[b]->steps()) : std::string("-"); };
    return "if:" + steps(0) + "+" + steps(1) + " steps";
  }

 private:
  std::unique_ptr<SubgraphProgram> programs_[2];
  size_t explicit_inputs_ = 1;
};

std::unique_ptr<Kernel> create_if(const OpContext& ctx) {
  static const SessionOptions kDefaults;
  return std::make_unique<IfKernel>(ctx, ctx.hints().session ? *ctx.hints().session : kDefaults);
}

}  // namespace

void register_if_op(OpRegistry& r) {
  OpTraits traits;
  traits.outputs_from_kernel = true;
  // One entry: If-1, -11, -13 and -16 differ only in the types their outputs may have (16 adds sequences and
  // optionals, which ssdx does not load).
  r.add({"", "If", 1, INT64_MAX, infer_if, create_if, traits});
}

}  // namespace ssdx
