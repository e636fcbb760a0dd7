#include "engine/executor.h"

#include <chrono>
#include <cstdlib>
#include <mutex>

#include <omp.h>

#include "engine/node_error.h"
#include "ops/evaluate.h"
#include "ops/layout_convert.h"

namespace ssdx {

// Arenas for concurrent runs: a run takes a free one (or makes one the first time) and gives it back, so steady
// state allocates nothing for activations.
class Executor::ArenaPool {
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

}  // namespace

TensorInfo info_of(const Value& v) { return {v.name, v.dtype, v.shape_known ? v.shape : Shape{}}; }

Tensor RunObserver::plain(const Tensor& t) { return t.is_plain() ? t : to_plain(t); }
Tensor RunObserver::plain_copy(const Tensor& t) { return t.is_plain() ? t.clone() : to_plain(t); }

const std::string& StepView::output_name(size_t o) const {
  static const std::string kNone;
  return o < node.outputs.size() && node.outputs[o] != kNoValue ? graph.value(node.outputs[o]).name : kNone;
}

Executor::Executor(const Graph& graph, const std::vector<ExecStep>& steps, ValuePlacement placement,
                   const SessionOptions& opts)
    : graph_(graph), steps_(steps), placement_(std::move(placement)), opts_(opts),
      arenas_(std::make_unique<ArenaPool>(placement_.arena_bytes)) {
  for (int id : graph_.inputs) inputs_.push_back(info_of(graph_.value(id)));
}

Executor::~Executor() = default;

void Executor::check_feed(const TensorInfo& info, const Tensor& t) const {
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

void Executor::check_feeds(const TensorMap& feeds) const {
  for (const auto& kv : feeds) {
    const int id = graph_.find_value(kv.first);
    if (id < 0 || !graph_.value(id).is_graph_input) fail(graph_.source, ": the model has no input named '", kv.first, "'");
  }
  for (const TensorInfo& info : inputs_) {
    auto it = feeds.find(info.name);
    if (it == feeds.end()) fail(graph_.source, ": input '", info.name, "' was not provided");
    check_feed(info, it->second);
  }
}

TensorMap Executor::run(const TensorMap& feeds, RunProfile* profile, RunObserver* observer) const {
  using clock = std::chrono::steady_clock;
  const auto run_start = clock::now();
  const ThreadCountScope threads(opts_.threads);
  if (profile) profile->threads = omp_get_max_threads();
  auto us_since = [&](clock::time_point t) { return std::chrono::duration<double, std::micro>(t - run_start).count(); };
  const std::vector<int>& last_use = placement_.last_use;
  const std::vector<int64_t>& arena_offset = placement_.arena_offset;

  std::vector<Tensor> env(graph_.values.size());
  std::vector<const Tensor*> bound(graph_.values.size(), nullptr);
  for (size_t i = 0; i < graph_.values.size(); ++i)
    if (graph_.values[i].constant) bound[i] = graph_.values[i].constant.get();

  check_feeds(feeds);
  for (size_t k = 0; k < inputs_.size(); ++k) {
    auto it = feeds.find(inputs_[k].name);
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

  RunMemory run_memory(graph_.values.size(), opts_.max_arena_bytes - placement_.arena_bytes, opts_.max_arena_bytes);
  KernelContext kc;
  std::vector<Tensor> converted;  // plain copies for kernels that cannot read a producer's layout
  std::unique_ptr<char, decltype(&std::free)> step_workspace(nullptr, &std::free);
  std::string run_impl;
  std::shared_ptr<const KernelPlan> run_plan;  // a run-time step's plan (the cache may drop it meanwhile)
  for (size_t i = 0; i < steps_.size(); ++i) {
    const ExecStep& s = steps_[i];
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
      if (!s.shapes_static && s.def->traits.outputs_from_kernel) {
        inferred.assign(n.outputs.size(), ValueInfo{});  // the kernel allocates them (an If: its branch's)
      } else if (!s.shapes_static) {
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
        if (id != kNoValue && arena_offset[static_cast<size_t>(id)] >= 0)
          kc.outputs[o] = Tensor::wrap(info.dtype, info.shape, base + arena_offset[static_cast<size_t>(id)], nullptr, layout);
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
      run_impl = s.impl(plan);
      kc.workspace = base + placement_.workspace_offset[i];
      // A plan for run-time shapes may need more scratch than the arena holds for this step: it gets its own.
      const size_t ws = std::max(s.kernel->workspace_bytes(), plan ? plan->workspace_bytes : size_t{0});
      if (ws > placement_.workspace_bytes[i]) {
        run_memory.check(ws);
        step_workspace.reset(static_cast<char*>(std::aligned_alloc(64, (ws + 63) / 64 * 64)));
        if (!step_workspace) fail("out of memory allocating a ", bytes_str(ws), " workspace");
        kc.workspace = step_workspace.get();
      }
      s.kernel->run(kc);
      step_workspace.reset();
      for (size_t o = 0; o < n.outputs.size(); ++o)
        if (n.outputs[o] != kNoValue && kc.outputs[o].dtype() == DataType::Undefined)
          fail("kernel did not produce output ", o);
      if (observer) observer->on_step({i, graph_, n, run_impl}, kc.inputs, kc.outputs);
      for (size_t o = 0; o < n.outputs.size(); ++o) {
        const int id = n.outputs[o];
        if (id == kNoValue) continue;
        if (arena_offset[static_cast<size_t>(id)] < 0) run_memory.hold(id, kc.outputs[o].nbytes());
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
      if (in == kNoValue || last_use[static_cast<size_t>(in)] != static_cast<int>(i)) continue;
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
