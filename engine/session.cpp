#include "engine/session.h"

#include <chrono>
#include <cstdlib>
#include <deque>
#include <iostream>

#include <omp.h>

#include "engine/node_error.h"
#include "engine/planner.h"
#include "engine/shape_inference.h"
#include "graph/onnx_parser.h"
#include "passes/eliminate_dead.h"
#include "passes/fuse_conv.h"
#include "passes/fuse_qdq.h"
#include "ops/evaluate.h"
#include "ops/layout_convert.h"
#include "ops/registry.h"

namespace ssdx {

// The plans of a step whose input shapes are known only at run time, by input dtypes, shapes and layouts. Only the
// lookup and the insert hold the lock: a run prepares a missing plan on its own thread, and a plan, once made, is
// shared read-only by every run with those shapes.
class Session::PlanCache {
 public:
  std::shared_ptr<const KernelPlan> get(const Kernel& kernel, const std::vector<ValueInfo>& inputs) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const Entry& e : entries_)
        if (same_key(e.key, inputs)) return e.plan;
    }
    std::shared_ptr<const KernelPlan> plan = kernel.prepare(inputs);
    std::lock_guard<std::mutex> lock(mutex_);
    for (const Entry& e : entries_)
      if (same_key(e.key, inputs)) return e.plan;  // another run prepared the same shapes meanwhile
    if (entries_.size() >= kMaxPlans) entries_.pop_front();  // runs still holding the oldest keep their reference
    entries_.push_back({inputs, plan});
    return plan;
  }

 private:
  static constexpr size_t kMaxPlans = 8;  // input shapes a step keeps plans for (a video's few resolutions)
  struct Entry {
    std::vector<ValueInfo> key;
    std::shared_ptr<const KernelPlan> plan;
  };
  static bool same_key(const std::vector<ValueInfo>& a, const std::vector<ValueInfo>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i].dtype != b[i].dtype || a[i].shape_known != b[i].shape_known || a[i].shape != b[i].shape ||
          !same_layout(a[i].layout, b[i].layout))
        return false;
    return true;
  }
  std::mutex mutex_;
  std::deque<Entry> entries_;
};

// One node ready to run: its kernel, whether inference already fixed every output shape at load, and its plan:
// prepared at load when every input shape is static then, else per run through the step's cache.
struct Session::Step {
  const Node* node = nullptr;
  const OpDef* def = nullptr;
  std::unique_ptr<Kernel> kernel;
  std::vector<ValueInfo> static_outputs;  // valid when shapes_static
  bool shapes_static = false;
  bool prepared_at_load = false;
  std::shared_ptr<const KernelPlan> plan;  // when prepared_at_load (null: the kernel needs none)
  std::unique_ptr<PlanCache> plans;        // otherwise
  // The implementation that runs with `run_plan` (the load-time plan when null): for profiles and tools.
  std::string impl(const KernelPlan* run_plan = nullptr) const {
    const KernelPlan* p = run_plan ? run_plan : plan.get();
    return p && !p->impl.empty() ? p->impl : kernel->impl_name();
  }
};

// Arenas for concurrent runs: a run takes a free one (or makes one the first time) and gives it back, so steady
// state allocates nothing for activations.
class Session::ArenaPool {
 public:
  explicit ArenaPool(size_t bytes) : bytes_(bytes) {}
  using Buffer = std::unique_ptr<char, decltype(&std::free)>;
  Buffer take() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!free_.empty()) {
        Buffer b = std::move(free_.back());
        free_.pop_back();
        return b;
      }
    }
    Buffer b(static_cast<char*>(std::aligned_alloc(64, std::max<size_t>(64, (bytes_ + 63) / 64 * 64))), &std::free);
    if (!b) fail("out of memory allocating the ", bytes_, "-byte activation arena");
    return b;
  }
  void give_back(Buffer b) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(std::move(b));
  }

 private:
  size_t bytes_;
  std::mutex mutex_;
  std::vector<Buffer> free_;
};

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

// What one run allocates beyond its arena (tensors with run-time shapes, graph outputs), held against what the
// activation ceiling leaves after the arena: arena and run-time tensors together stay within max_arena_bytes.
class RunMemory {
 public:
  RunMemory(size_t values, uint64_t budget, uint64_t limit) : held_(values, 0), budget_(budget), limit_(limit) {}
  void check(uint64_t bytes) const {
    if (bytes > budget_ - used_)
      fail("tensors with run-time shapes would take this run's activation memory over the arena limit of ",
           bytes_str(limit_), " (", bytes_str(limit_ - budget_ + used_), " in use, ", bytes_str(bytes), " more)");
  }
  void hold(int value, uint64_t bytes) {
    check(bytes);
    used_ += bytes;
    held_[static_cast<size_t>(value)] += bytes;
  }
  void release(int value) {
    used_ -= held_[static_cast<size_t>(value)];
    held_[static_cast<size_t>(value)] = 0;
  }

 private:
  std::vector<uint64_t> held_;
  uint64_t budget_, limit_, used_ = 0;
};

TensorInfo info_of(const Value& v) { return {v.name, v.dtype, v.shape_known ? v.shape : Shape{}}; }

bool outputs_static(const std::vector<ValueInfo>& outs) {
  for (const ValueInfo& o : outs)
    if (o.dtype == DataType::Undefined || !o.shape_known || !shape_is_static(o.shape)) return false;
  return true;
}

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

// Inputs whose consumer is expected to read oneDNN's blocked layouts (its packed kernel): the activation (and the
// residual) of a convolution with constant weights and a static input, the operands of a same-shape int8 residual
// add, the input of a max pooling. A guess made before the consumer's kernel exists: a kernel that then turns out
// not to read layouts (Kernel::reads_layout) gets a plain copy at run time, so a wrong guess costs time, not results.
bool reads_blocked(const Graph& g, const Node& n, size_t input) {
  const Value& x = g.value(n.inputs[0]);
  const bool static_x = x.shape_known && shape_is_static(x.shape);
  auto constant = [&](size_t i) { return i < n.inputs.size() && g.constant(n.inputs[i]); };
  if ((n.op_type == "Conv" && n.domain.empty()) || (n.op_type == "FusedConv" && n.domain == kInternalDomain))
    return static_x && constant(1) && (input == 0 || input == 3);
  if (n.op_type == "QLinearConv" && n.domain.empty()) return static_x && constant(3) && input == 0;
  if (n.op_type == "QLinearAdd" && n.domain == "com.microsoft" && n.inputs.size() > 3 && (input == 0 || input == 3)) {
    const Value& b = g.value(n.inputs[3]);
    return static_x && b.shape_known && b.shape == x.shape;
  }
  // Elementwise 8-bit kernels that run on any layout: the table lookup, and per-tensor Quantize/DequantizeLinear.
  if (n.op_type == "TableLookup" && n.domain == kInternalDomain) return input == 0;
  if ((n.op_type == "QuantizeLinear" || n.op_type == "DequantizeLinear") && n.domain.empty() && input == 0) {
    const Tensor* scale = n.inputs.size() > 1 ? g.constant(n.inputs[1]) : nullptr;
    return static_x && scale && scale->numel() == 1;
  }
  return n.op_type == "MaxPool" && n.domain.empty() && input == 0 && static_x && n.outputs.size() == 1;
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
  graph_.topo_sort();
  graph_.verify();
  // Report every unsupported op before doing any work.
  std::vector<const OpDef*> defs = resolve_ops(graph_, OpRegistry::global());
  const Fold fold = !opts_.constant_folding ? Fold::None : opts_.optimize ? Fold::KeepDequantize : Fold::All;
  folded_ = infer_shapes(graph_, defs, fold, opts_.max_weight_bytes).folded;  // folded constants count as made
  eliminate_dead_nodes(graph_);  // also compacts away the folded nodes
  if (opts_.optimize) optimize();
  check_weights("constants after folding and fusion");
  for (int id : graph_.inputs) inputs_.push_back(info_of(graph_.value(id)));
  for (int id : graph_.outputs) outputs_.push_back(info_of(graph_.value(id)));
  create_kernels();
  plan_memory();
}

Session::~Session() = default;

void Session::optimize() {
  // int8 groups first: a Conv between DequantizeLinear and QuantizeLinear must become QLinearConv, not FusedConv.
  fused_ = fuse_qdq(graph_);
  eliminate_dead_nodes(graph_);
  // What the int8 fusions left of the weights' DequantizeLinear nodes (fp32 ops on dequantized weights) folds now.
  if (opts_.constant_folding) folded_ += infer_shapes(graph_, resolve_ops(graph_, OpRegistry::global()), Fold::All, opts_.max_weight_bytes).folded;
  // In this order: BN folds into the conv first, the residual Add joins it before the Relu after the sum does.
  using Pass = int (*)(Graph&);
  for (Pass pass : {&fold_batchnorm, &fuse_conv_add, &fuse_conv_relu, &remove_identity}) fused_ += pass(graph_);
  eliminate_dead_nodes(graph_);
}

void Session::create_kernels() {
  const std::vector<const OpDef*> defs = resolve_ops(graph_, OpRegistry::global());
  steps_.resize(graph_.nodes.size());
  last_use_.assign(graph_.values.size(), -1);
  layouts_.assign(graph_.values.size(), nullptr);
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    const Node& n = graph_.nodes[i];
    Step& s = steps_[i];
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
      hints.reference = opts_.reference_kernels;
      ctx.set_hints(hints);
      for (size_t o = 0; o < n.outputs.size(); ++o) {
        const int out = n.outputs[o];
        // Reference kernels read and write plain tensors only.
        bool ok = !opts_.reference_kernels && out != kNoValue && !graph_.value(out).is_graph_output &&
                  !graph_.value(out).consumers.empty();
        for (int c = 0; ok && c < static_cast<int>(graph_.value(out).consumers.size()); ++c) {
          const Node& consumer = graph_.nodes[static_cast<size_t>(graph_.value(out).consumers[static_cast<size_t>(c)])];
          for (size_t k = 0; k < consumer.inputs.size(); ++k)
            if (consumer.inputs[k] == out) ok = ok && reads_blocked(graph_, consumer, k);
        }
        ctx.set_output_blocked_ok(static_cast<int>(o), ok);
      }
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
    for (int in : n.inputs)
      if (in != kNoValue) last_use_[static_cast<size_t>(in)] = static_cast<int>(i);
    if (opts_.verbose)
      std::cerr << "[ssdx] " << graph_.node_label(n) << " -> " << s.impl() << " "
                << layout_name(s.kernel->output_layout(0)) << (s.shapes_static ? "" : " (shapes at run time)") << "\n";
  }
}

// Every output of a static-shape step that is not a graph output lives in the arena for its lifetime; a fused
// residual sum writes into its summand's buffer when that summand dies there; one scratch region serves all steps.
void Session::plan_memory() {
  const size_t nv = graph_.values.size();
  std::vector<int> buffer_of(nv, -1);
  std::vector<BufferRequest> requests;
  size_t workspace = 0;
  for (size_t i = 0; i < steps_.size(); ++i) {
    const Step& s = steps_[i];
    workspace = std::max({workspace, s.kernel->workspace_bytes(), s.plan ? s.plan->workspace_bytes : 0});
    if (!s.shapes_static) continue;
    const Node& n = *s.node;
    for (size_t o = 0; o < n.outputs.size(); ++o) {
      const int out = n.outputs[o];
      if (out == kNoValue || graph_.value(out).is_graph_output) continue;
      const ValueInfo& info = s.static_outputs[o];
      const size_t bytes = layouts_[static_cast<size_t>(out)] ? layouts_[static_cast<size_t>(out)]->bytes()
                                                              : static_cast<size_t>(shape_numel(info.shape)) * dtype_size(info.dtype);
      const int last = std::max(last_use_[static_cast<size_t>(out)], static_cast<int>(i));
      const int k = o == 0 ? s.kernel->inplace_input() : -1;
      const int z = k >= 0 && k < static_cast<int>(n.inputs.size()) ? n.inputs[static_cast<size_t>(k)] : kNoValue;
      // The summand's buffer is taken over only when nothing else of this node reads it: a convolution whose input
      // is also its summand (Add(Conv(r), r)) would otherwise overwrite its own input while reading it.
      int reads_of_z = 0;
      for (int in : n.inputs) reads_of_z += z != kNoValue && in == z;
      if (z != kNoValue && reads_of_z == 1 && buffer_of[static_cast<size_t>(z)] >= 0 && last_use_[static_cast<size_t>(z)] == static_cast<int>(i) &&
          requests[static_cast<size_t>(buffer_of[static_cast<size_t>(z)])].bytes == bytes &&
          same_layout(layouts_[static_cast<size_t>(z)], layouts_[static_cast<size_t>(out)])) {
        buffer_of[static_cast<size_t>(out)] = buffer_of[static_cast<size_t>(z)];  // in place
        requests[static_cast<size_t>(buffer_of[static_cast<size_t>(out)])].last_step = last;
        continue;
      }
      buffer_of[static_cast<size_t>(out)] = static_cast<int>(requests.size());
      requests.push_back({bytes, static_cast<int>(i), last});
    }
  }
  requests.push_back({workspace, 0, static_cast<int>(steps_.size())});
  const MemoryPlan plan = ssdx::plan_memory(requests);
  arena_offset_.assign(nv, -1);
  for (size_t v = 0; v < nv; ++v)
    if (buffer_of[v] >= 0) arena_offset_[v] = static_cast<int64_t>(plan.offsets[static_cast<size_t>(buffer_of[v])]);
  workspace_offset_ = plan.offsets.back();
  workspace_bytes_ = workspace;
  arena_bytes_ = plan.arena_bytes;
  if (arena_bytes_ > opts_.max_arena_bytes)
    fail(graph_.source, ": activations and scratch need an arena of ", bytes_str(arena_bytes_),
         ", over the arena limit of ", bytes_str(opts_.max_arena_bytes));
  arenas_ = std::make_unique<ArenaPool>(arena_bytes_);
}

std::vector<std::string> Session::kernel_names() const {
  std::vector<std::string> names;
  for (const Step& s : steps_) names.push_back(s.impl());
  return names;
}

void Session::check_feed(const TensorInfo& info, const Tensor& t) const {
  if (t.dtype() != info.dtype)
    fail(graph_.source, ": input '", info.name, "' must be ", dtype_name(info.dtype), ", got ", dtype_name(t.dtype()));
  if (!t.is_plain()) fail(graph_.source, ": input '", info.name, "' must be a plain row-major tensor");
  const Value& v = graph_.value(graph_.find_value(info.name));
  if (!v.shape_known) return;
  bool ok = t.shape().size() == v.shape.size();
  for (size_t d = 0; ok && d < v.shape.size(); ++d) ok = v.shape[d] < 0 || v.shape[d] == t.shape()[d];
  if (!ok)
    fail(graph_.source, ": input '", info.name, "' must have shape ", shape_str(v.shape), ", got ", shape_str(t.shape()));
}

TensorMap Session::run(const TensorMap& feeds, RunProfile* profile) const {
  using clock = std::chrono::steady_clock;
  const auto run_start = clock::now();
  const ThreadCountScope threads(opts_.threads);
  if (profile) profile->threads = omp_get_max_threads();
  auto us_since = [&](clock::time_point t) { return std::chrono::duration<double, std::micro>(t - run_start).count(); };

  std::vector<Tensor> env(graph_.values.size());
  std::vector<const Tensor*> bound(graph_.values.size(), nullptr);
  for (size_t i = 0; i < graph_.values.size(); ++i)
    if (graph_.values[i].constant) bound[i] = graph_.values[i].constant.get();

  for (const auto& kv : feeds) {
    const int id = graph_.find_value(kv.first);
    if (id < 0 || !graph_.value(id).is_graph_input) fail(graph_.source, ": the model has no input named '", kv.first, "'");
  }
  for (size_t k = 0; k < inputs_.size(); ++k) {
    auto it = feeds.find(inputs_[k].name);
    if (it == feeds.end()) fail(graph_.source, ": input '", inputs_[k].name, "' was not provided");
    check_feed(inputs_[k], it->second);
    const int id = graph_.inputs[k];
    env[static_cast<size_t>(id)] = it->second;
    bound[static_cast<size_t>(id)] = &env[static_cast<size_t>(id)];
  }

  ArenaPool::Buffer arena = arenas_->take();
  struct ReturnArena {
    ArenaPool& pool;
    ArenaPool::Buffer& buffer;
    ~ReturnArena() { pool.give_back(std::move(buffer)); }
  } return_arena{*arenas_, arena};
  char* const base = arena.get();

  RunMemory run_memory(graph_.values.size(), opts_.max_arena_bytes - arena_bytes_, opts_.max_arena_bytes);
  KernelContext kc;
  std::vector<Tensor> converted;  // plain copies for kernels that cannot read a producer's layout
  std::unique_ptr<char, decltype(&std::free)> step_workspace(nullptr, &std::free);
  std::string run_impl;
  std::shared_ptr<const KernelPlan> run_plan;  // a run-time step's plan (the cache may drop it meanwhile)
  for (size_t i = 0; i < steps_.size(); ++i) {
    const Step& s = steps_[i];
    const Node& n = *s.node;
    const auto step_start = clock::now();
    try {
      kc.inputs.clear();
      converted.clear();
      converted.reserve(n.inputs.size());
      for (size_t k = 0; k < n.inputs.size(); ++k) {
        const Tensor* t = n.inputs[k] == kNoValue ? nullptr : bound[static_cast<size_t>(n.inputs[k])];
        if (t && !t->is_plain() && !s.kernel->reads_layout(static_cast<int>(k))) {
          run_memory.check(static_cast<uint64_t>(t->numel()) * dtype_size(t->dtype()));  // the plain copy, for this step
          converted.push_back(to_plain(*t));
          t = &converted.back();
        }
        kc.inputs.push_back(t);
      }
      std::vector<ValueInfo> inferred;
      if (!s.shapes_static) {
        OpContext ctx(n, graph_.opset(n.domain), describe_inputs(kc.inputs), n.outputs.size());
        s.def->infer(ctx);
        inferred = ctx.outputs();
      }
      const std::vector<ValueInfo>& outs = s.shapes_static ? s.static_outputs : inferred;
      kc.outputs.assign(outs.size(), Tensor());
      for (size_t o = 0; o < outs.size(); ++o) {
        const ValueInfo& info = outs[o];
        const int id = o < n.outputs.size() ? n.outputs[o] : kNoValue;
        if (info.dtype == DataType::Undefined || !info.shape_known || !shape_is_static(info.shape)) continue;
        const LayoutPtr layout = s.kernel->output_layout(static_cast<int>(o));
        if (id != kNoValue && arena_offset_[static_cast<size_t>(id)] >= 0)
          kc.outputs[o] = Tensor::wrap(info.dtype, info.shape, base + arena_offset_[static_cast<size_t>(id)], nullptr, layout);
        else {
          run_memory.check(layout ? layout->bytes() : static_cast<uint64_t>(shape_numel(info.shape)) * dtype_size(info.dtype));
          kc.outputs[o] = Tensor(info.dtype, info.shape, layout);
        }
      }
      // The plan for these input shapes: the one prepared at load, or the cached (or newly prepared) one, held by
      // this run while it runs.
      if (!s.prepared_at_load) run_plan = s.plans->get(*s.kernel, describe_input_shapes(kc.inputs));
      const KernelPlan* plan = s.prepared_at_load ? s.plan.get() : run_plan.get();
      kc.prepared = plan;
      if (profile) run_impl = s.impl(plan);
      kc.workspace = base + workspace_offset_;
      // A plan for run-time shapes may need more scratch than the arena's region: this step gets its own.
      const size_t ws = std::max(s.kernel->workspace_bytes(), plan ? plan->workspace_bytes : 0);
      if (ws > workspace_bytes_) {
        run_memory.check(ws);
        step_workspace.reset(static_cast<char*>(std::aligned_alloc(64, (ws + 63) / 64 * 64)));
        if (!step_workspace) fail("out of memory allocating a ", bytes_str(ws), " workspace");
        kc.workspace = step_workspace.get();
      }
      s.kernel->run(kc);
      step_workspace.reset();
      for (size_t o = 0; o < n.outputs.size(); ++o) {
        const int id = n.outputs[o];
        if (id == kNoValue) continue;
        if (kc.outputs[o].dtype() == DataType::Undefined) fail("kernel did not produce output ", o);
        if (arena_offset_[static_cast<size_t>(id)] < 0) run_memory.hold(id, kc.outputs[o].nbytes());
        env[static_cast<size_t>(id)] = std::move(kc.outputs[o]);
        bound[static_cast<size_t>(id)] = &env[static_cast<size_t>(id)];
      }
    } catch (const std::exception& e) {
      fail_in_node(graph_.source + ": " + graph_.node_label(n), e);
    }
    if (profile) {
      NodeProfile p;
      p.name = n.name;
      p.op_type = n.op_type;
      p.impl = run_impl;
      p.layout = layout_name(s.kernel->output_layout(0));
      p.start_us = us_since(step_start);
      p.duration_us = us_since(clock::now()) - p.start_us;
      p.flops = s.kernel->flops(kc.inputs);
      profile->nodes.push_back(std::move(p));
    }
    // Release run-time allocations whose last reader has run (graph outputs are kept; arena memory is reused).
    for (int in : n.inputs) {
      if (in == kNoValue || last_use_[static_cast<size_t>(in)] != static_cast<int>(i)) continue;
      const Value& v = graph_.value(in);
      if (!v.is_graph_output && !v.constant) {
        env[static_cast<size_t>(in)] = Tensor();
        run_memory.release(in);
      }
    }
  }
  if (profile) profile->total_us = us_since(clock::now());

  // Outputs computed by this run own their buffers; an output that is a constant of the session or one of the
  // caller's inputs is copied, so writing into a result can change neither. Results are plain row-major: a kernel
  // that writes its producer's blocked layout whatever its consumers (the fast QLinearAdd) may end at an output.
  TensorMap result;
  for (int id : graph_.outputs) {
    const Tensor* t = bound[static_cast<size_t>(id)];
    const Value& v = graph_.value(id);
    if (!t) fail(graph_.source, ": output '", v.name, "' was not computed");
    result[v.name] = !t->is_plain() ? to_plain(*t) : v.constant || v.is_graph_input ? t->clone() : *t;
  }
  return result;
}

}  // namespace ssdx
