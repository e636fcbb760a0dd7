#pragma once
// The executor: runs a planned session's steps once per call. It binds the feeds (checked against the declared
// inputs), infers at run time the shapes of the steps that load could not fix, places each output in the arena at
// its planned offset (or allocates it, within the activation ceiling), hands kernels plain copies of blocked inputs
// they cannot read, frees run-time tensors after their last reader, records profiles, and returns the outputs as
// tensors the caller owns. An optional RunObserver sees every step's inputs and outputs as the session computed
// them: the same kernels, layouts and memory plan as an unobserved run.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/options.h"
#include "engine/plan_cache.h"
#include "graph/graph.h"
#include "ops/op.h"

namespace ssdx {

struct TensorInfo {
  std::string name;
  DataType dtype;
  Shape shape;  // kUnknownDim for dims known only at run time
};

using TensorMap = std::map<std::string, Tensor>;

// Per-node timings of one run, in execution order (Session::run with a profile).
struct NodeProfile {
  std::string name, op_type;
  std::string impl;    // kernel implementation, e.g. "onednn:brgconv:avx512_core" or "ref"
  std::string layout;  // output memory layout, e.g. "nchw" or "nChw16c"
  double start_us = 0, duration_us = 0;  // from the start of run()
  double flops = 0;                      // floating-point operations (2 per multiply-add) when known, else 0
};
struct RunProfile {
  std::vector<NodeProfile> nodes;
  double total_us = 0;
  int threads = 0;  // the OpenMP thread count the run's kernels were given
};

// One node ready to run: its kernel, whether inference already fixed every output shape at load, and its plan:
// prepared at load when every input shape is static then, else per run through the step's cache.
struct ExecStep {
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

// Where each value lives during a run (engine/planner.h made it).
struct ValuePlacement {
  std::vector<int> last_use;           // per value: index of the last step reading it (-1: none)
  std::vector<int64_t> arena_offset;   // per value: offset in the arena, -1 when allocated at run time
  std::vector<size_t> workspace_offset;  // per step: where its scratch sits in the arena
  std::vector<size_t> workspace_bytes;   // per step: the scratch planned for it (its load-time plan's)
  size_t arena_bytes = 0;
};

struct StepView {
  size_t index = 0;    // in execution order
  const Graph& graph;  // the session's optimized graph
  const Node& node;    // name, op_type, domain, value ids
  std::string impl;    // the kernel implementation
  // The name of output o ("" when omitted).
  const std::string& output_name(size_t o) const;
};

class RunObserver {
 public:
  virtual ~RunObserver() = default;
  // Called after each step with the tensors it read and wrote. They are valid only during the call (arena memory
  // is reused by later steps) and may be in a blocked layout: plain() gives a row-major copy when one is needed.
  virtual void on_step(const StepView& step, const std::vector<const Tensor*>& inputs,
                       const std::vector<Tensor>& outputs) = 0;
  // `t` itself when it is already plain row-major, else a plain copy.
  static Tensor plain(const Tensor& t);
  // A plain row-major copy that outlives the call.
  static Tensor plain_copy(const Tensor& t);
};

// Reads `graph` and `steps` in place: both must outlive it (the Session owns all three). Runs may be concurrent.
class Executor {
 public:
  Executor(const Graph& graph, const std::vector<ExecStep>& steps, ValuePlacement placement,
           const SessionOptions& opts);
  ~Executor();

  TensorMap run(const TensorMap& feeds, RunProfile* profile, RunObserver* observer) const;
  // Fails with one line unless `feeds` names only graph inputs and gives every one with its dtype and a shape its
  // declared one allows (run checks this first).
  void check_feeds(const TensorMap& feeds) const;

 private:
  class ArenaPool;
  void check_feed(const TensorInfo& info, const Tensor& t) const;

  const Graph& graph_;
  const std::vector<ExecStep>& steps_;
  ValuePlacement placement_;
  SessionOptions opts_;
  std::vector<TensorInfo> inputs_;
  std::unique_ptr<ArenaPool> arenas_;
};

// What the executor reports of a value: name, dtype, and shape when known.
TensorInfo info_of(const Value& v);

}  // namespace ssdx
