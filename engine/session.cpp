#include "engine/session.h"

#include <iostream>

#include "engine/constant_release.h"
#include "engine/layout_negotiation.h"
#include "engine/load_folding.h"
#include "engine/node_error.h"
#include "engine/pass_pipeline.h"
#include "engine/planner.h"
#include "engine/shape_inference.h"
#include "graph/onnx_parser.h"
#include "passes/eliminate_dead.h"
#include "passes/float16_compute.h"
#include "ops/registry.h"

namespace ssdx {

std::unique_ptr<Session> Session::load(const std::string& path, const SessionOptions& opts) {
  LoadOptions load;
  load.max_weight_bytes = opts.max_weight_bytes;
  try {
    return std::make_unique<Session>(load_onnx(path, load), opts);
  } catch (const std::bad_alloc&) {
    fail(path, ": out of memory loading the model");
  }
}

namespace {

bool outputs_static(const std::vector<ValueInfo>& outs) {
  for (const ValueInfo& o : outs)
    if (o.dtype == DataType::Undefined || !o.shape_known || !shape_is_static(o.shape)) return false;
  return true;
}

}  // namespace

Session::Session(Graph graph, const SessionOptions& opts) : graph_(std::move(graph)), opts_(opts) {
  const ThreadCountScope threads(opts_.threads);
  auto check_weights = [&](const char* when) {
    const uint64_t weights = constant_bytes(graph_);
    if (weights > opts_.max_weight_bytes)
      fail(graph_.source, ": the ", when, " take ", bytes_str(weights), ", over the weight limit of ",
           bytes_str(opts_.max_weight_bytes));
  };
  check_weights("initializers");
  apply_input_shapes(graph_, opts_.input_shapes);
  if (opts_.shape_cache > 0 && has_free_input_dims(graph_)) {
    // Kept as loaded (the constants are shared, not copied) to be compiled again for each input shape met.
    pristine_ = std::make_shared<const Graph>(graph_);
    compiled_ = std::make_unique<CompiledShapes>(static_cast<size_t>(opts_.shape_cache), [this](const CompiledShapes::Key& key) {
      SessionOptions fixed = opts_;
      for (size_t k = 0; k < key.size(); ++k) fixed.input_shapes[pristine_->value(pristine_->inputs[k]).name] = key[k];
      return std::shared_ptr<const Session>(std::make_shared<Session>(Graph(*pristine_), fixed));
    });
  }
  // 16-bit float models compute in float32 from here on: inference and the kernels see float32 only.
  compute_float16_in_float32(graph_);
  graph_.topo_sort();
  graph_.verify();
  // Dead code first, then inference and folding (constant Ifs inlined), then the support check: every op ssdx lacks
  // among the nodes still needed is reported at once, before any kernel is made.
  const Fold fold = !opts_.constant_folding ? Fold::None : opts_.optimize ? Fold::KeepDequantize : Fold::All;
  plan_.folded = fold_and_resolve(graph_, fold, opts_.max_weight_bytes);  // folded constants count as made
  if (opts_.optimize) optimize();
  check_weights("constants after folding and fusion");
  for (int id : graph_.inputs) inputs_.push_back(info_of(graph_.value(id)));
  for (int id : graph_.outputs) outputs_.push_back(info_of(graph_.value(id)));
  create_kernels();
  std::vector<const Kernel*> kernels;
  for (const ExecStep& s : steps_) kernels.push_back(s.kernel.get());
  const uint64_t released = release_packed_constants(graph_, kernels);  // packed weights live in the kernels now
  return_free_heap();  // what parsing, folding and the release freed
  if (opts_.verbose) std::cerr << "[ssdx] released " << bytes_str(released) << " of constants the kernels packed\n";
  plan_memory();
}

Session::~Session() = default;

void Session::optimize() {
  // Kept values are graph outputs while the passes run (no pass fuses a graph output away), then inner again:
  // appended to the output list, which compaction renumbers but keeps in order.
  const size_t output_count = graph_.outputs.size();
  std::vector<std::string> kept;
  for (const std::string& name : opts_.keep_values) {
    const int id = graph_.find_value(name);
    if (id < 0 || graph_.value(id).is_graph_output || graph_.value(id).is_graph_input) continue;
    graph_.value(id).is_graph_output = true;
    graph_.outputs.push_back(id);
    kept.push_back(name);
  }
  const PipelineResult r = run_pipeline(graph_, optimization_passes(opts_), opts_.dump_passes);
  graph_.outputs.resize(output_count);
  for (const std::string& name : kept) graph_.value(graph_.find_value(name)).is_graph_output = false;
  plan_.fused += r.fused;
  plan_.folded += r.folded;
  plan_.passes = r.log;
}

namespace {

// Whether every present input has a static shape (a step can then be prepared at load).
bool inputs_static(const std::vector<ValueInfo>& ins) {
  for (const ValueInfo& i : ins)
    if (i.dtype != DataType::Undefined && (!i.shape_known || !shape_is_static(i.shape))) return false;
  return true;
}

// What Kernel::prepare sees: dtypes, shapes and layouts; no values, since plans are shared across runs by shape.
std::vector<ValueInfo> shapes_only(std::vector<ValueInfo> ins) {
  for (ValueInfo& i : ins) i.constant = nullptr;
  return ins;
}

}  // namespace

void Session::create_kernels() {
  const std::vector<const OpDef*> defs = resolve_ops(graph_, OpRegistry::global());
  const std::vector<bool> blocked_ok = negotiate_layouts(graph_, defs);
  steps_.resize(graph_.nodes.size());
  layouts_.assign(graph_.values.size(), nullptr);
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    const Node& n = graph_.nodes[i];
    ExecStep& s = steps_[i];
    s.node = &n;
    s.def = defs[i];
    try {
      std::vector<ValueInfo> in = node_input_infos(graph_, n);
      for (size_t k = 0; k < in.size(); ++k)
        if (n.inputs[k] != kNoValue) in[k].layout = layouts_[static_cast<size_t>(n.inputs[k])];
      const std::vector<ValueInfo> in_shapes = shapes_only(in);
      OpContext ctx(n, graph_.opset(n.domain), std::move(in), n.outputs.size());
      KernelHints hints;
      hints.winograd = opts_.winograd;
      hints.bf16 = opts_.precision == Precision::Bf16;
      hints.reference = opts_.reference_kernels;
      hints.session = &opts_;  // an If compiles its branches with these
      ctx.set_hints(hints);
      for (size_t o = 0; o < n.outputs.size(); ++o)
        ctx.set_output_blocked_ok(static_cast<int>(o), !opts_.reference_kernels && n.outputs[o] != kNoValue &&
                                                           blocked_ok[static_cast<size_t>(n.outputs[o])]);  // reference kernels: plain only
      s.def->infer(ctx);
      s.kernel = s.def->create(ctx);
      s.shapes_static = outputs_static(ctx.outputs());
      if (s.shapes_static) s.static_outputs = ctx.outputs();
      s.prepared_at_load = inputs_static(in_shapes);
      if (s.prepared_at_load) s.plan = s.kernel->prepare(in_shapes);
      else s.plans = std::make_unique<PlanCache>();
      for (size_t o = 0; o < n.outputs.size(); ++o)
        if (n.outputs[o] != kNoValue) layouts_[static_cast<size_t>(n.outputs[o])] = s.kernel->output_layout(static_cast<int>(o));
    } catch (const std::exception& e) {
      fail_in_node(graph_.source + ": " + graph_.node_label(n), e);
    }
    if (opts_.verbose)
      std::cerr << "[ssdx] " << graph_.node_label(n) << " -> " << s.impl() << " "
                << layout_name(s.kernel->output_layout(0)) << (s.shapes_static ? "" : " (shapes at run time)") << "\n";
  }
}

// Every output of a static-shape step that is not a graph output asks the planner for an arena buffer living from
// its step to its last reader; a fused residual sum asks to take over its summand's buffer, where the data allows
// it (same layout, no other input of the node reading it); each step's scratch is a workspace request living for
// that step only, so a large one (Winograd's transformed tiles) reuses memory of activations dead by then.
void Session::plan_memory() {
  const size_t nv = graph_.values.size();
  ValuePlacement placement;
  placement.last_use.assign(nv, -1);
  for (size_t i = 0; i < steps_.size(); ++i)
    for (int in : steps_[i].node->inputs)
      if (in != kNoValue) placement.last_use[static_cast<size_t>(in)] = static_cast<int>(i);
  std::vector<int> request_of(nv, -1);
  std::vector<BufferRequest> requests;
  std::vector<int> workspace_of(steps_.size(), -1);
  for (size_t i = 0; i < steps_.size(); ++i) {
    const ExecStep& s = steps_[i];
    BufferRequest scratch;
    scratch.bytes = std::max(s.kernel->workspace_bytes(), s.plan ? s.plan->workspace_bytes : size_t{0});
    scratch.first_step = scratch.last_step = static_cast<int>(i);
    scratch.kind = BufferKind::Workspace;
    workspace_of[i] = static_cast<int>(requests.size());
    requests.push_back(scratch);
    if (!s.shapes_static) continue;
    const Node& n = *s.node;
    for (size_t o = 0; o < n.outputs.size(); ++o) {
      const int out = n.outputs[o];
      if (out == kNoValue || graph_.value(out).is_graph_output) continue;
      const ValueInfo& info = s.static_outputs[o];
      const LayoutPtr& layout = layouts_[static_cast<size_t>(out)];
      BufferRequest r;
      r.bytes = layout ? layout->bytes() : static_cast<size_t>(shape_numel(info.shape)) * dtype_size(info.dtype);
      r.first_step = static_cast<int>(i);
      r.last_step = std::max(placement.last_use[static_cast<size_t>(out)], static_cast<int>(i));
      const int k = o == 0 ? s.kernel->inplace_input() : -1;
      const int z = k >= 0 && k < static_cast<int>(n.inputs.size()) ? n.inputs[static_cast<size_t>(k)] : kNoValue;
      // The summand's buffer is taken over only when nothing else of this node reads it: a convolution whose input
      // is also its summand (Add(Conv(r), r)) would otherwise overwrite its own input while reading it.
      int reads_of_z = 0;
      for (int in : n.inputs) reads_of_z += z != kNoValue && in == z;
      if (z != kNoValue && reads_of_z == 1 && request_of[static_cast<size_t>(z)] >= 0 &&
          same_layout(layouts_[static_cast<size_t>(z)], layout))
        r.reuse_of = request_of[static_cast<size_t>(z)];
      request_of[static_cast<size_t>(out)] = static_cast<int>(requests.size());
      requests.push_back(r);
    }
  }
  const MemoryPlan memory = ssdx::plan_memory(requests);
  placement.arena_offset.assign(nv, -1);
  std::vector<bool> in_place(nv, false);
  for (size_t v = 0; v < nv; ++v)
    if (request_of[v] >= 0) {
      placement.arena_offset[v] = static_cast<int64_t>(memory.offsets[static_cast<size_t>(request_of[v])]);
      in_place[v] = memory.reused[static_cast<size_t>(request_of[v])];
    }
  placement.workspace_offset.assign(steps_.size(), 0);
  placement.workspace_bytes.assign(steps_.size(), 0);
  for (size_t i = 0; i < steps_.size(); ++i) {
    placement.workspace_offset[i] = memory.offsets[static_cast<size_t>(workspace_of[i])];
    placement.workspace_bytes[i] = requests[static_cast<size_t>(workspace_of[i])].bytes;
  }
  placement.arena_bytes = memory.arena_bytes;
  plan_.workspace_bytes = memory.workspace_bytes;
  if (placement.arena_bytes > opts_.max_arena_bytes)
    fail(graph_.source, ": activations and scratch need an arena of ", bytes_str(placement.arena_bytes),
         ", over the arena limit of ", bytes_str(opts_.max_arena_bytes));
  describe_plan(placement, in_place);
  executor_ = std::make_unique<Executor>(graph_, steps_, std::move(placement), opts_);
}

void Session::describe_plan(const ValuePlacement& placement, const std::vector<bool>& in_place) {
  plan_.arena_bytes = placement.arena_bytes;
  plan_.steps.clear();
  plan_.steps.reserve(steps_.size());
  for (const ExecStep& s : steps_) {
    const Node& n = *s.node;
    PlannedStep p;
    p.name = n.name;
    p.op_type = n.op_type;
    p.domain = n.domain;
    p.impl = s.impl();
    p.compute_precision = s.kernel->compute_precision();
    p.shapes_static = s.shapes_static;
    p.origins = origins_of(n);
    for (int in : n.inputs) p.inputs.push_back(in == kNoValue ? "" : graph_.value(in).name);
    for (size_t o = 0; o < n.outputs.size(); ++o) {
      const int id = n.outputs[o];
      PlannedOutput out;
      out.layout = layout_name(s.kernel->output_layout(static_cast<int>(o)));
      if (id != kNoValue) {
        const size_t v = static_cast<size_t>(id);
        out.name = graph_.value(id).name;
        out.arena_offset = placement.arena_offset[v];
        const LayoutPtr& layout = layouts_[v];
        if (out.arena_offset >= 0 && s.shapes_static)
          out.bytes = layout ? layout->bytes()
                             : static_cast<size_t>(shape_numel(s.static_outputs[o].shape)) * dtype_size(s.static_outputs[o].dtype);
        out.in_place = in_place[v];
      }
      p.outputs.push_back(std::move(out));
    }
    plan_.steps.push_back(std::move(p));
  }
}

std::vector<std::string> Session::kernel_names() const {
  std::vector<std::string> names;
  for (const ExecStep& s : steps_) names.push_back(s.impl());
  return names;
}

std::shared_ptr<const Session> Session::compiled_for(const TensorMap& feeds) const {
  if (!compiled_) return std::shared_ptr<const Session>(std::shared_ptr<const Session>(), this);  // not owned
  executor_->check_feeds(feeds);  // wrong names, dtypes or ranks fail here, naming this model's inputs
  CompiledShapes::Key key;
  for (const TensorInfo& in : inputs_) key.push_back(feeds.at(in.name).shape());
  return compiled_->get(key);
}

std::vector<std::vector<Shape>> Session::compiled_shapes() const {
  return compiled_ ? compiled_->keys() : std::vector<std::vector<Shape>>{};
}

TensorMap Session::run(const TensorMap& feeds, RunProfile* profile, RunObserver* observer) const {
  if (compiled_) return compiled_for(feeds)->run(feeds, profile, observer);
  return executor_->run(feeds, profile, observer);
}

}  // namespace ssdx
